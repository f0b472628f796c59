"""Figure styles: the default notebook style and a projector-friendly lecture style.

Call :func:`apply` once in a notebook's first code cell. It switches on the lecture style when the
environment variable ``COURSE_STYLE`` is ``lecture`` (e.g. ``COURSE_STYLE=lecture voila ...``),
the notebook style otherwise. :func:`lecture` switches the lecture style on explicitly.
"""

from __future__ import annotations

import os

import matplotlib as mpl

NOTEBOOK = {
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
}

LECTURE = {
    **NOTEBOOK,
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 16,
    "legend.fontsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "lines.linewidth": 2.6,
    "lines.markersize": 8,
}


def notebook():
    """The default style for reading a notebook on a laptop screen."""
    mpl.rcParams.update(NOTEBOOK)


def lecture():
    """Large fonts and thick lines, readable from the back of a lecture hall."""
    mpl.rcParams.update(LECTURE)


def apply():
    """The style chosen by ``COURSE_STYLE`` (``lecture`` or anything else for the notebook style)."""
    if os.environ.get("COURSE_STYLE", "").lower() == "lecture":
        lecture()
        return "lecture"
    notebook()
    return "notebook"
