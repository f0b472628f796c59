"""Where the course's offline MathJax 3 lives: one place for the website and the slides.

MathJax 3.2 comes inside the ``django-static-mathjax`` wheel (a plain copy of MathJax's ``es5``
folder; Django itself is not needed, and nothing here imports it). Unlike the MathJax 2 copy of
``jupyter-server-mathjax`` it has every font MathJax uses, so ``\\mathbb{R}`` (ℝ) and
``\\mathcal{R}`` (𝓡) render as themselves and not as a plain R.

    >>> (mathjax_dir() / "tex-chtml-full.js").is_file()
    True
    >>> (mathjax_dir() / "output/chtml/fonts/woff-v2/MathJax_AMS-Regular.woff").is_file()
    True
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path


def mathjax_dir() -> Path:
    """The ``es5`` folder of the installed MathJax 3 (``tex-chtml-full.js`` and its fonts)."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax 3 is missing: install the course's site extra "
                           "(pip install -r requirements.lock), which brings django-static-mathjax")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml-full.js").is_file():
        raise RuntimeError(f"MathJax 3 at {es5} lacks tex-chtml-full.js: reinstall django-static-mathjax")
    return es5


def copy_mathjax(dest: Path) -> Path:
    """Copy MathJax 3's ``es5`` folder (scripts and woff fonts, about 10 MB) to ``dest``; returns ``dest``."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(mathjax_dir(), dest, ignore=shutil.ignore_patterns("*.map", "sre", "node-main.js"))
    return dest
