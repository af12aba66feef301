// convbook: the colour-mode button flips what the page shows, light <-> dark, on every click
// (added by tools/book_ext.py).
//
// The site follows the reader's system preference (_config.yml default_mode: auto). The
// theme's button cycles auto -> dark -> light (or auto -> light -> dark), so one click in
// three changes nothing visible: the reader seems stuck. Before the theme handles a click,
// this sets the stored mode to the one the theme's cycle puts in front of the mode wanted, so
// the theme itself switches to it. The wanted mode is the opposite of the shown one, or
// "auto" when that opposite is the system's own preference (the page follows it again).
(function () {
  var prefersDark = window.matchMedia("(prefers-color-scheme: dark)");
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".theme-switch-button")) return;
    var shown = document.documentElement.dataset.theme === "dark" ? "dark" : "light";
    var system = prefersDark.matches ? "dark" : "light";
    var flipped = shown === "dark" ? "light" : "dark";
    var wanted = flipped === system ? "auto" : flipped;
    // the order pydata-sphinx-theme's cycleMode steps through
    var cycle = prefersDark.matches ? ["auto", "light", "dark"] : ["auto", "dark", "light"];
    localStorage.setItem("mode", cycle[(cycle.indexOf(wanted) + 2) % 3]);
  }, true);
})();
