"""The site's frame around the sections in headless Chromium: colour mode, search, console.

- The site follows the reader's system colour preference (prefers-color-scheme, emulated).
- Every click of the colour-mode button flips the page between light and dark (the theme's
  own button also steps through "auto", which looks like the mode already shown).
- One search field at desktop width, not one in the sidebar and another in a header bar.
- An explorer page logs no warning (html-manager's Ajv used to log "strict mode: use
  allowUnionTypes ..." on every page with a widget).
"""
import pytest

EXPLORER_PAGE = "book/01_cross_correlation.html"

# The page's shown theme and the relative luminance of the body's background and text.
COLOURS = """() => {
    const luminance = (css) => {
        const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const body = getComputedStyle(document.body);
    return {theme: document.documentElement.dataset.theme,
            background: luminance(body.backgroundColor), text: luminance(body.color)};
}"""


def _open(browser, site_url, scheme, width=1280, path=EXPLORER_PAGE):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.goto(site_url + path)
    page.wait_for_function("() => document.documentElement.dataset.theme", timeout=30_000)
    return context, page, messages


def _looks(page):
    colours = page.evaluate(COLOURS)
    dark = colours["background"] < 0.05 and colours["text"] > 0.5
    light = colours["background"] > 0.8 and colours["text"] < 0.2
    assert dark != light, f"neither clearly dark nor light: {colours}"
    assert colours["theme"] == ("dark" if dark else "light"), colours
    return "dark" if dark else "light"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_site_follows_the_system_colour_preference(browser, site_url, scheme):
    context, page, _ = _open(browser, site_url, scheme)
    try:
        assert _looks(page) == scheme
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_click_of_the_mode_button_flips_the_page(browser, site_url, scheme):
    """Four clicks: dark, light, dark, light (from a light system), never the same twice; the
    mode that matches the system is stored as "auto", so the page follows the system again."""
    context, page, _ = _open(browser, site_url, scheme)
    try:
        shown = [_looks(page)]
        for _ in range(4):
            page.locator(".theme-switch-button:visible").first.click()
            page.wait_for_timeout(100)
            shown.append(_looks(page))
            if shown[-1] == scheme:
                assert page.evaluate("() => localStorage.getItem('mode')") == "auto"
        assert all(a != b for a, b in zip(shown, shown[1:])), f"clicks showed {shown}"
        # the choice holds on the next page
        page.goto(site_url + "book/intro.html")
        page.wait_for_function("() => document.documentElement.dataset.theme")
        assert _looks(page) == shown[-1]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_one_way_to_search_is_shown(browser, site_url, width):
    """A search field in the sidebar on a desktop, a search button above the page on a phone
    (where the sidebar is folded away): one of them, never two."""
    context, page, _ = _open(browser, site_url, "light", width=width)
    try:
        shown = page.evaluate("""() => [...document.querySelectorAll(
                '.search-button__button')].filter((e) => {
                const box = e.getBoundingClientRect();
                return box.width > 0 && box.height > 0 && box.right > 0 &&
                       box.left < innerWidth && getComputedStyle(e).visibility !== 'hidden';
            }).map((e) => e.className)""")
        assert len(shown) == 1, f"{len(shown)} search fields or buttons at {width} px: {shown}"
    finally:
        context.close()


def test_an_explorer_page_logs_no_warning(browser, site_url):
    context, page, messages = _open(browser, site_url, "light")
    try:
        page.wait_for_selector(".cb-root", timeout=60_000)
        page.wait_for_timeout(1000)
        warnings = [text for kind, text in messages if kind in ("warning", "error")
                    and "favicon" not in text and "404" not in text]
        assert not warnings, f"{EXPLORER_PAGE}: {warnings}"
    finally:
        context.close()
