"""docs/slide-map.md maps every slide of the lecture to the notebook section that brings it to life.

The slide titles below are copied from the lecture "Stochastic Gradient Descent – Implicit
Regularization" (slides without a title are named after what they show). Every one must appear in
the map, and every link of the map must reach an existing notebook and, with ``#anchor``, one of
its section headings (JupyterLab's id: heading text with spaces replaced by '-').
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLIDE_MAP = ROOT / "docs" / "slide-map.md"

SLIDES = [
    "Stochastic Gradient Descent – Implicit Regularization",
    "Outline",
    "Gradient method interpretation",
    "Scaled gradient method",
    "(Unscaled) Gradient descent on convex quadratic problem",
    "Scaling H = diag(∇²f) := P",
    "How to select metric H?",
    "Adaptive metric methods",
    "SGD variations with adaptive diagonal scaling",
    "Metrics – RMSprop and Adam",
    "Filtered stochastic gradients (fixed step-size without filtered gradient)",
    "Filtered stochastic gradients (fixed step-size with filtered gradient)",
    "Adam – Summary",
    "Adam vs SGD",
    "Generalization in neural networks",
    "Explicit vs implicit regularization",
    "(S)GD limit points",
    "Least squares",
    "Gradient method convergence to projection point",
    "Characterizing projection point",
    "Convergence to projection point",
    "Graphical interpretation",
    "SGD – Convergence to projection point",
    "SGD vs Adam",
    "How about deep learning?",
    "How to select initial point?",
    "Initialization in next example",
    *[f"Classification experiment: initialization scaling σ = {s}, algorithm {alg}"
      for alg in ("SGD", "Adam") for s in ("0.01", "0.1", "1", "5", "10")],
    "Conclusions",
    "Convergence to sharp or flat minima",
    "Variable metric methods – Interpretation",
    "Interpretation consequence",
    "Adam vs SGD – Flat or sharp minima (z_max = 1000)",
    "Adam vs SGD – Flat or sharp minima (z_max = 100000)",
    "Adam vs SGD – Flat or sharp minima (z_max = 10^9)",
]
LESSONS = ["01-scale-the-gradient.ipynb", "02-converge-to-the-projection.ipynb",
           "03-look-inside-adam.ipynb", "04-compare-sharp-and-flat-minima.ipynb"]


from navtool import md  # noqa: E402  (tools/links.py: reading markdown)


def rows():
    """(slide title, [link targets]) of every table row of the map (header and rule excluded)."""
    out = []
    for line in SLIDE_MAP.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or re.match(r"^\|[\s:|-]+\|$", line):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if cells[0] in ("slides", "slide"):
            continue
        out.append((cells[1], md.extract_links(" | ".join(cells[2:]))))
    return out


def test_the_map_has_one_row_per_slide_title():
    titles = [title for title, _ in rows()]
    assert len(titles) == len(set(titles)), "a slide title appears in two rows"
    missing = [s for s in SLIDES if s not in titles]
    assert not missing, f"slides missing from docs/slide-map.md: {missing}"
    extra = [t for t in titles if t not in SLIDES]
    assert not extra, f"rows for slides not in this test's list (add them here): {extra}"


def test_every_row_links_to_a_notebook_and_every_lesson_is_used():
    used = set()
    for title, links in rows():
        notebooks = [t for t in links if urlsplit(t).path.endswith(".ipynb")]
        assert notebooks, f"{title!r}: no link to a notebook"
        used.update(Path(urlsplit(t).path).name for t in notebooks)
    assert set(LESSONS) <= used


@pytest.mark.parametrize("title,links", rows(), ids=[title for title, _ in rows()])
def test_row_links_resolve_to_a_section(title, links):
    for target in links:
        parts = urlsplit(target)
        if parts.scheme:
            continue
        dest = (SLIDE_MAP.parent / unquote(parts.path)).resolve()
        assert dest.is_file(), f"{title!r}: {target} does not exist"
        if parts.fragment:
            assert unquote(parts.fragment) in md.anchor_ids(dest), \
                f"{title!r}: {dest.name} has no section heading for #{parts.fragment}"
