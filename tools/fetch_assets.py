"""Fetch the JavaScript the website needs (MathJax 3, require.js, the widget html-manager,
anywidget) from npm.

Usage: python tools/fetch_assets.py [--force]

The pages of the book must work offline, so nothing may load from a CDN. This script runs
``npm pack <pkg>@<version>`` for each pinned package into a temporary folder (from npm's
cache when the tarball is there, so no network is needed then), checks the tarball against
the pinned sha512 integrity, and extracts only the files the pages use into
``assets/vendor/<name>/`` (``assets/`` is git-ignored; _config.yml serves it as static files).
A second run with everything in place and matching does nothing.
"""
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "assets" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"

# name -> (npm spec, sha512 integrity of the tarball, glob patterns of the files to keep
# (inside the tarball's "package/" folder), entry file that must exist afterwards).
PACKAGES = {
    "mathjax": (
        "mathjax@3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        # the combined component the pages load, plus what it loads lazily: the TeX extensions
        # (autoload), the CHTML output and fonts, the menu, the accessibility components and
        # the English speech rules (the other 12 languages would add 4 MB).
        ["es5/tex-mml-chtml.js", "es5/input/*", "es5/output/chtml.js", "es5/output/chtml/*",
         "es5/a11y/*", "es5/ui/*", "es5/sre/mathmaps/base.json", "es5/sre/mathmaps/en.json",
         "LICENSE"],
        "tex-mml-chtml.js",
    ),
    "requirejs": (
        "requirejs@2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        ["require.js", "README.md"],
        "require.js",
    ),
    "html-manager": (
        # @jupyter-widgets/html-manager 1.x renders ipywidgets 8 state (the book uses 8.1).
        # embed-amd.js bundles the base, controls and output widgets; the rest are its icon fonts.
        "@jupyter-widgets/html-manager@1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot",
         "dist/*.svg", "LICENSE"],
        "embed-amd.js",
    ),
    "anywidget": (
        # The explorers are anywidgets: the html-manager loads the "anywidget" module with
        # require.js (the path is set in embed-setup.js below), which runs each explorer's ES
        # module from the widget state. Keep this version equal to the PyPI pin in
        # constraints.txt (tests/test_constraints.py fails when they differ).
        # dist/index.js is an anonymous AMD module (define([...base], ...)).
        "anywidget@0.11.0",
        "sha512-LHZgW2j5UjyerZSZcO+BtZPXGMSORQV2bUT480hOR5x/BXS8sOradi/71amJfMueSEnKX0dqPwTfsOGHTsyZpQ==",
        ["dist/index.js", "LICENSE"],
        "index.js",
    ),
}


# Used by the site tests only (tests_site/test_explorers.py), never served with the site:
# axe-core checks the explorers for accessibility violations. Fetched into .cache/test-vendor/.
TEST_VENDOR = ROOT / ".cache" / "test-vendor"
TEST_PACKAGES = {
    "axe-core": (
        "axe-core@4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        ["axe.min.js", "LICENSE"],
        "axe.min.js",
    ),
}


# Loaded between require.js and embed-amd.js (see _config.yml `nb_ipywidgets_js`), it fixes
# two things of html-manager 1.0.15 on a static page:
# - its bundled modules ("@jupyter-widgets/html-manager", ".../dist/libembed-amd", "base", ...)
#   load the icon fonts relative to their require.js module URL, which by default resolves
#   against the page ("book/@jupyter-widgets/...", a 404): map the module paths so that every
#   module's folder is the folder of this file;
# - a widget of a module it does not bundle ("anywidget") is looked up with require.js first and
#   only then on a public CDN: map "anywidget" to the vendored copy next to this folder;
# - its typeset() calls the MathJax 2 API (MathJax.Hub.Queue), which MathJax 3 does not have
#   ("Cannot read properties of undefined (reading 'Queue')"): provide it on top of MathJax 3.
EMBED_SETUP_JS = """\
// Written by tools/fetch_assets.py: set up the widget html-manager that lives next to this file.
(function () {
  var here = document.currentScript.src.replace(/\\/[^\\/]*$/, "");
  require.config({paths: {"@jupyter-widgets": here,
                          "@jupyter-widgets/html-manager/dist": here,
                          "anywidget": here.replace(/\/[^\/]*$/, "") + "/anywidget/index"}});
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || !mj.startup || mj.Hub) return;
    mj.Hub = {Queue: function (job) {
      var element = job && job[2];
      mj.startup.promise = mj.startup.promise.then(function () {
        return mj.typesetPromise(element ? [element] : undefined);
      });
    }};
  });
})();
"""
SHIMS = {"html-manager/embed-setup.js": EMBED_SETUP_JS}

# Edits of vendored files, each (file, text, replacement); the text must occur exactly once.
# html-manager 1.0.15 (both managers its bundle holds) compiles its widget-state JSON schemas
# at load time with a default Ajv, whose strict mode logs "strict mode: use allowUnionTypes to
# allow union type keyword at ..." on every page with a widget: the schemas use type unions
# (type: [..., ...]), which Ajv handles once it is told to allow them.
PATCHES = [
    ("html-manager/embed-amd.js", "gt=new(ht());gt.compile(At),gt.compile(pt);",
     "gt=new(ht())({allowUnionTypes:!0});gt.compile(At),gt.compile(pt);"),
    ("html-manager/embed-amd.js", "k=new(w()),E=k.compile(y),$=k.compile(v);",
     "k=new(w())({allowUnionTypes:!0}),E=k.compile(y),$=k.compile(v);"),
]


def _destination(path):
    """Where a kept file goes inside the package's vendor folder: without es5/ or dist/."""
    for prefix in ("es5/", "dist/"):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def _integrity(tarball):
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def _installed_matches():
    """True when the manifest lists exactly the pinned packages and every entry file exists."""
    if not MANIFEST.exists():
        return False
    manifest = json.loads(MANIFEST.read_text())
    expected = {name: {"spec": spec, "integrity": integrity}
                for name, (spec, integrity, _, _) in PACKAGES.items()}
    return manifest == expected and all(
        (VENDOR / name / entry).is_file() for name, (_, _, _, entry) in PACKAGES.items()) and all(
        (VENDOR / shim).is_file() and (VENDOR / shim).read_text() == text
        for shim, text in SHIMS.items()) and all(
        replacement in (VENDOR / path).read_text() for path, _, replacement in PATCHES)


def _patch():
    for path, text, replacement in PATCHES:
        code = (VENDOR / path).read_text()
        if code.count(text) != 1:
            sys.exit(f"fetch_assets: {path}: expected the text {text!r} once, found it "
                     f"{code.count(text)} times (a new version? update PATCHES)")
        (VENDOR / path).write_text(code.replace(text, replacement))


def _npm_pack(spec, workdir):
    if shutil.which("npm") is None:
        sys.exit("fetch_assets: npm is not installed; install Node.js (apt-get install -y npm)")
    # --prefer-offline: a tarball already in npm's cache is used without asking the registry
    # (the pinned integrity is checked either way), so a rebuild works without network.
    result = subprocess.run(["npm", "pack", spec, "--silent", "--prefer-offline"], cwd=workdir,
                            text=True, capture_output=True, timeout=300)
    if result.returncode != 0:
        sys.exit(f"fetch_assets: `npm pack {spec}` failed:\n{result.stderr.strip()}")
    return workdir / result.stdout.strip().splitlines()[-1]


def _extract(tarball, dest, keep):
    """Copy the members of tarball matching a keep pattern under dest; return their count."""
    count = 0
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            path = member.name.removeprefix("package/")
            if not member.isfile() or not any(fnmatch(path, p) for p in keep):
                continue
            target = dest / _destination(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
            count += 1
    return count


def fetch_test_packages():
    """Fetch the test-only packages into .cache/test-vendor/ unless they are there already."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, integrity, keep, entry) in TEST_PACKAGES.items():
            if (TEST_VENDOR / name / entry).is_file():
                continue
            tarball = _npm_pack(spec, Path(tmp))
            if _integrity(tarball) != integrity:
                sys.exit(f"fetch_assets: {spec}: tarball integrity does not match the pinned "
                         f"{integrity}")
            count = _extract(tarball, TEST_VENDOR / name, keep)
            print(f"fetch_assets: {spec} -> {(TEST_VENDOR / name).relative_to(ROOT)} "
                  f"({count} files, for the site tests)")


def fetch(force=False):
    """Fetch every pinned package into assets/vendor/ unless it is there already."""
    fetch_test_packages()
    if not force and _installed_matches():
        print(f"fetch_assets: {VENDOR.relative_to(ROOT)} is up to date")
        return
    shutil.rmtree(VENDOR, ignore_errors=True)
    VENDOR.mkdir(parents=True)
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, integrity, keep, _) in PACKAGES.items():
            tarball = _npm_pack(spec, Path(tmp))
            actual = _integrity(tarball)
            if actual != integrity:
                sys.exit(f"fetch_assets: {spec}: tarball integrity {actual} does not match "
                         f"the pinned {integrity}")
            count = _extract(tarball, VENDOR / name, keep)
            print(f"fetch_assets: {spec} -> {(VENDOR / name).relative_to(ROOT)} ({count} files)")
            manifest[name] = {"spec": spec, "integrity": integrity}
    for shim, text in SHIMS.items():
        (VENDOR / shim).write_text(text)
    _patch()
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    fetch(force="--force" in sys.argv[1:])
