"""Sphinx configuration of the course website. Build it with ``make site`` (tools/build_site.py),
which stages the sources in build/site-src/ and runs ``sphinx-build -c site build/site-src build/site``.

Everything the pages load ships with the site: the book theme's assets (without its Font Awesome
script), MathJax 3 with its fonts (``tools/offline_math.py``), the frames of the static sliders. Nothing is fetched at build
time or when the pages are read.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGE = Path(os.environ.get("COURSE_SITE_STAGE", ROOT / "build" / "site-src"))
sys.path.insert(0, str(ROOT / "tools"))

from build_site import launch_html as _launch, links  # noqa: E402

LINKS = links()

project = "Stochastic gradient descent: implicit regularization"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
language = "en"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# the pages show the outputs stored in the notebooks (nbval keeps them honest); nothing re-runs
nb_execution_mode = "off"
nb_render_markdown_format = "myst"
myst_enable_extensions = ["dollarmath", "amsmath", "html_image", "html_admonition"]
myst_heading_anchors = 3
# links to Jupyter-style anchors (#Find-your-lesson) are rewritten after the build (build_site
# fix_anchors) and then checked by tests/test_site.py, so myst's warning about them is noise here
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header", "myst.xref_missing"]

# MathJax 3 with all its fonts (tools/offline_math.py), copied to _static/mathjax by build_site
mathjax_path = "mathjax/tex-chtml-full.js"
myst_update_mathjax = False     # the classes below already include myst's (and the sliders')
mathjax3_config = {
    "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
            "processEscapes": True},
    "options": {"processHtmlClass": "math|output_area|static-slider|tex2jax_process|mathjax_process",
                "ignoreHtmlClass": "tex2jax_ignore|mathjax_ignore|document|highlight",
                "menuOptions": {"settings": {"zoom": "None"}}},
}

html_theme = "sphinx_book_theme"
html_title = "SGD: implicit regularization"
html_static_path = [str(HERE / "_static"), str(STAGE / "_site_static")]
html_css_files = ["static-slider.css", "course.css"]
html_js_files = ["static-slider.js", "course.js"]
html_use_index = False          # no empty index page
html_domain_indices = False
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": LINKS["repository"],
    "repository_branch": LINKS["branch"],
    "use_repository_button": bool(LINKS["repository"]),     # no button without an address
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_navbar_depth": 1,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    # no icon fonts or analytics from elsewhere
    "icon_links": [],
}


def launch_html(pagename, context):
    """Launch links for a page: its own notebook, or the course map for a page without one ('' when
    site/links.cfg and the git remote give no address)."""
    source = context.get("page_source_suffix", "")
    nb = f"{pagename}.ipynb" if source == ".ipynb" else "notebooks/00-start-here.ipynb"
    what = "this notebook" if source == ".ipynb" else "the course"
    return _launch(nb, what, LINKS)


def download_html(pagename, context):
    """A lesson's download buttons: its notebook and its PDF (made by build_site.make_pdfs)."""
    if context.get("page_source_suffix") != ".ipynb" or not pagename.startswith("notebooks/0"):
        return ""
    stem = pagename.split("/")[-1]
    return (f'<nav class="downloads" aria-label="downloads">Download this lesson: '
            f'<a class="download-ipynb" href="../downloads/{stem}.ipynb" download>notebook (.ipynb)</a> '
            f'<a class="download-pdf" href="../downloads/{stem}.pdf">PDF</a></nav>\n')


def add_launch_links(app, pagename, templatename, context, doctree):
    if "body" in context and pagename not in ("search", "genindex"):
        context["body"] = launch_html(pagename, context) + download_html(pagename, context) + context["body"]


def setup(app):
    app.connect("html-page-context", add_launch_links)
