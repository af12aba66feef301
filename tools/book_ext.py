"""Sphinx extension of the convbook website (loaded by _config.yml `sphinx.local_extensions`).

- The footer names the convbook version and the build date (SOURCE_DATE_EPOCH if set, so a
  rebuild can be reproducible).
- Launch buttons (Binder, Colab) and the repository button appear only when the environment
  variable REPO_URL is set at build time, e.g. ``REPO_URL=https://github.com/you/convbook``.
- Thebe (live code on Binder) is not offered: its scripts, which sphinx-thebe adds twice
  ("THEBE_JS_URL has already been declared" in the console) and which name unpkg.com, are
  dropped from every page.
- ``{section-map}`` directive: the table of the book's sections 00..08 and appendix 09 on
  the landing page, each topic linked to its page when that page is part of the build (sections are written
  over time, and a link to a missing page would fail the -W build).
- ``static/convbook.css``: printed outputs wrap at the text column instead of scrolling.
- ``static/convbook-mode.js``: every click of the colour-mode button flips light <-> dark.
- One search field: the header bar's (``navbar_persistent``) is dropped, the sidebar's stays.
"""
import datetime
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

SECTIONS = [
    ("00", "From fully-connected layers to convolutions"),
    ("01", "Cross-correlation and convolutional layers"),
    ("02", "Edge detection"),
    ("03", "Learning a kernel"),
    ("04", "Feature maps and receptive fields"),
    ("05", "Padding and stride"),
    ("06", "Multiple input and output channels"),
    ("07", "Pooling"),
    ("08", "LeNet on Fashion-MNIST"),
    ("09", "Appendix: faster training"),
]


def convbook_version():
    """The installed convbook version, else the one in pyproject.toml."""
    try:
        import convbook
        if not convbook.__version__.startswith("0+unknown"):
            return convbook.__version__
    except ImportError:
        pass
    pyproject = os.path.join(os.path.dirname(__file__), os.pardir, "pyproject.toml")
    match = re.search(r'^version\s*=\s*"([^"]+)"', open(pyproject).read(), re.M)
    return match.group(1) if match else "unknown"


def build_date():
    """Today in UTC, or the date of SOURCE_DATE_EPOCH when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.strftime("%Y-%m-%d")


def _configure(app, config):
    config.html_static_path.append(str(Path(__file__).resolve().parent / "static"))
    options = config.html_theme_options
    # one search field (in the sidebar), not a second one in a header bar above the page
    options["navbar_persistent"] = []
    options["extra_footer"] = (f"<p>convbook {convbook_version()} &middot; "
                               f"built {build_date()}</p>")
    repo_url = os.environ.get("REPO_URL", "").strip()
    if repo_url:
        options["repository_url"] = repo_url
        options["repository_branch"] = os.environ.get("REPO_BRANCH", "main")
        options["path_to_docs"] = ""
        options["use_repository_button"] = True
        options["launch_buttons"] = {"notebook_interface": "jupyterlab",
                                     "binderhub_url": "https://mybinder.org",
                                     "colab_url": "https://colab.research.google.com"}
    else:   # no repository: no launch buttons, no link off-site
        options.pop("repository_url", None)
        options["launch_buttons"] = {"binderhub_url": "", "colab_url": "",
                                     "jupyterhub_url": "", "thebe": False}


def _drop_thebe(app, pagename, templatename, context, doctree):
    """Remove the sphinx-thebe script and stylesheet from a page (thebe is not used here)."""
    def is_thebe(asset):
        filename = str(getattr(asset, "filename", asset) or "")
        body = str(getattr(asset, "attributes", {}).get("body", ""))
        return "thebe" in filename or "THEBE_JS_URL" in body

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe(asset)]


class SectionMap(SphinxDirective):
    """A two-column table Section | Topic; topics link to the pages present in the build."""

    def run(self):
        # a section appears with its line in _toc.yml: re-read this page when the toc changes
        self.env.note_dependency(str(Path(self.env.srcdir) / "_toc.yml"))
        docs = {doc.split("/")[-1][:2]: doc for doc in self.env.found_docs
                if re.fullmatch(r"(.*/)?\d\d_\w+", doc)}
        table = nodes.table(classes=["section-map"])
        group = nodes.tgroup(cols=2)
        table += group
        group += [nodes.colspec(colwidth=1), nodes.colspec(colwidth=8)]
        head = nodes.thead()
        head += self._row(nodes.Text("Section"), nodes.Text("Topic"))
        body = nodes.tbody()
        for number, topic in SECTIONS:
            if number in docs:
                link = addnodes.pending_xref("", refdomain="std", reftype="doc",
                                             reftarget="/" + docs[number], refexplicit=True,
                                             refdoc=self.env.docname)
                link += nodes.inline(text=topic)
            else:
                link = nodes.Text(f"{topic} (in preparation)")
            body += self._row(nodes.Text(number), link)
        group += [head, body]
        return [table]

    @staticmethod
    def _row(*cells):
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            paragraph += content
            entry += paragraph
            row += entry
        return row


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _drop_thebe)
    app.add_css_file("convbook.css")
    app.add_js_file("convbook-mode.js")
    app.add_directive("section-map", SectionMap)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
