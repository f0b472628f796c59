"""Figure styles: the default notebook style and a projector-friendly lecture style.

Call :func:`apply` once in a notebook's first code cell. It switches on the lecture style when the
environment variable ``COURSE_STYLE`` is ``lecture`` (e.g. ``COURSE_STYLE=lecture voila ...``),
the notebook style otherwise. :func:`lecture` switches the lecture style on explicitly, and
:func:`notebook` switches back.

The lecture style is meant to be read from the back of a hall on a washed-out projector: larger
fonts, thicker lines and markers, and the Okabe–Ito colour cycle, whose colours stay distinct for
the common kinds of colour-vision deficiency (and in grey scale, roughly). Figures drawn after the
call pick it up; figures that already exist keep their look (re-run their cells).

Example
-------
>>> from course_utils import style
>>> style.lecture()          # one call at the top of a notebook
'lecture'
>>> style.notebook()
'notebook'
"""

from __future__ import annotations

import os

import matplotlib as mpl
from cycler import cycler

#: Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with protanopia,
#: deuteranopia and tritanopia. Ordered for lines on white: the low-contrast yellow comes last.
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "orange": "#E69F00",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
PALETTE = list(OKABE_ITO.values())

NOTEBOOK = {
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
}

LECTURE = {
    **NOTEBOOK,
    "figure.dpi": 135,          # static figures 1.5 times larger, like the apps (DISPLAY_SCALE)
    "savefig.dpi": 135,
    "font.size": 14,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "figure.titlesize": 16,
    "legend.fontsize": 13,
    "legend.title_fontsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "lines.linewidth": 2.6,
    "lines.markersize": 8,
    "lines.markeredgewidth": 1.5,
    "patch.linewidth": 1.5,
    "axes.linewidth": 1.4,
    "xtick.major.width": 1.2,
    "ytick.major.width": 1.2,
    "xtick.major.size": 5,
    "ytick.major.size": 5,
    "grid.linewidth": 1.0,
    "grid.alpha": 0.4,
    "contour.linewidth": 2.0,
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": "viridis",
}

# What the lecture style sets beyond the notebook style, back at matplotlib's defaults, so that
# notebook() after lecture() restores the notebook look exactly.
_UNDO_LECTURE = {key: mpl.rcParamsDefault[key] for key in LECTURE if key not in NOTEBOOK}


#: How much larger the interactive figures (``widgets.core.LiveFigure``) are drawn, per style:
#: in the lecture style every app renders at 1.5 times its resolution, so it shows larger and sharp.
DISPLAY_SCALE = {"notebook": 1.0, "lecture": 1.5}
_current = "notebook"


def notebook():
    """The default style for reading a notebook on a laptop screen."""
    global _current
    mpl.rcParams.update(_UNDO_LECTURE)
    mpl.rcParams.update(NOTEBOOK)
    _current = "notebook"
    return "notebook"


def lecture():
    """Large fonts, thick lines and a colour-blind-safe palette, readable from the back of a hall."""
    global _current
    mpl.rcParams.update(LECTURE)
    _current = "lecture"
    return "lecture"


def current():
    """The name of the style switched on last: ``"notebook"`` or ``"lecture"``."""
    return _current


def display_scale():
    """The resolution factor of interactive figures in the current style (1.0, or 1.5 in lecture)."""
    return DISPLAY_SCALE[_current]


def apply():
    """The style chosen by ``COURSE_STYLE`` (``lecture`` or anything else for the notebook style).

    Returns the name of the style switched on (assign it, ``_ = style.apply()``, so the cell
    prints nothing).
    """
    if os.environ.get("COURSE_STYLE", "").strip().lower() == "lecture":
        return lecture()
    return notebook()
