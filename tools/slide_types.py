"""The slide structure of the lecture deck, as the standard ``slideshow.slide_type`` cell metadata.

Jupyter's slideshow convention (nbconvert's slides exporter, RISE, jupyterlab-slideshow) marks each
cell ``slide``, ``subslide``, ``fragment``, ``-`` (continues the current slide), ``notes`` (speaker
notes) or ``skip``. In ``notebooks/lecture/*.ipynb`` that metadata is not set by hand: it follows
from what a cell is, by the rules below, so ``make nav`` (``tools/nav.py``) can re-apply it after
anyone edits the deck and ``python tools/nav.py --check`` (run by the tests) finds any drift.

Rules (first match wins):

* a markdown cell with a ``*Slide N*`` / ``*Slides N–M*`` line: ``slide`` (the seed's slide N; a
  range is a build: ``tools/build_slides.py`` shows it as one slide per number, the app in the
  cell below at the state of the preset named ``"N: ..."``);
* the start page's first cell (the title, slide 1): ``slide``;
* a markdown cell that opens with ``<details><summary>Presenter notes``: ``notes`` (collapsed in
  Voila and JupyterLab, the speaker view's notes in the slideshow);
* the first code cell of a notebook (imports, ``style.deck()``): ``skip``;
* any other code cell: ``-`` (its stored outputs, printed numbers or the app, belong to the
  slide above it; the slideshow shows outputs, never code);
* every other cell (a part's header, links, the start page's instructions): ``skip``.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("# Part 1"),
    ...     nbformat.v4.new_code_cell("import numpy as np"),
    ...     nbformat.v4.new_markdown_cell("## Outline\\n\\n*Slide 2*\\n\\n- one"),
    ...     nbformat.v4.new_markdown_cell("<details><summary>Presenter notes</summary>x</details>"),
    ...     nbformat.v4.new_code_cell("print(1)")])
    >>> slide_types(nb)
    ['skip', 'skip', 'slide', 'notes', '-']
"""

from __future__ import annotations

import re

SLIDE_LINE = re.compile(r"^\*Slides? (\d+)(?:–(\d+))?\*\s*$", re.M)
NOTES_OPEN = re.compile(r"^\s*<details>\s*<summary>\s*Presenter notes\s*</summary>")
START_PAGE = "00-start-the-lecture.ipynb"


def slide_numbers(source: str) -> list[int]:
    """The seed slide numbers of a slide cell: ``*Slides 6–11*`` -> [6, ..., 11]; [] if none.

    >>> slide_numbers("## Outline\\n\\n*Slide 2*"), slide_numbers("*Slides 3–4*")
    ([2], [3, 4])
    """
    m = SLIDE_LINE.search(source)
    if not m:
        return []
    lo = int(m.group(1))
    return list(range(lo, int(m.group(2) or lo) + 1))


def slide_types(nb, start_page: bool = False) -> list[str]:
    """The ``slideshow.slide_type`` of every cell of a deck notebook, by the rules above."""
    out, seen_code = [], False
    for i, cell in enumerate(nb.cells):
        src = cell.source
        if cell.cell_type == "markdown":
            if slide_numbers(src) or (start_page and i == 0):
                out.append("slide")
            elif NOTES_OPEN.match(src):
                out.append("notes")
            else:
                out.append("skip")
        elif cell.cell_type == "code":
            out.append("-" if seen_code else "skip")
            seen_code = True
        else:
            out.append("skip")
    return out


def apply(nb, start_page: bool = False) -> bool:
    """Set every cell's ``slideshow.slide_type`` by the rules; True if anything changed."""
    changed = False
    for cell, kind in zip(nb.cells, slide_types(nb, start_page)):
        show = cell.metadata.setdefault("slideshow", {})
        if show.get("slide_type") != kind:
            show["slide_type"] = kind
            changed = True
    return changed


def summary(nb) -> str:
    """One line per cell, ``index kind first-line``: what ``nav.py --check`` prints as a diff."""
    lines = []
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "(none)")
        first = (cell.source.strip().splitlines() or [""])[0][:60]
        lines.append(f"{i:2d} {kind:6s} {first}\n")
    return "".join(lines)
