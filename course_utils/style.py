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
import numpy as np
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


# ---------------------------------------------------------------------------------------------
# Projector scale: the lecture deck (notebooks/lecture) at 1280 x 720 in Voila
# ---------------------------------------------------------------------------------------------

#: The projector the deck is laid out for, and what "legible" means there.
PROJECTOR = {"width": 1280, "height": 720, "figure_width": 1250, "min_px": 20}


def min_points(figure_width_in, display_px=None, min_px=None):
    r"""The smallest font size (points) that shows at least ``min_px`` pixels on the projector.

    A figure ``w`` inches wide shown ``W`` pixels wide draws a ``p``-point font
    :math:`p \cdot W / (72\,w)` pixels tall, whatever its dpi. Defaults: :data:`PROJECTOR`
    (W = 1250 px, the width of a Voila cell at 1280 x 720; 20 px).

    >>> round(min_points(12.0), 2)        # a 12-inch figure shown 1250 px wide
    13.82
    """
    W = PROJECTOR["figure_width"] if display_px is None else display_px
    px = PROJECTOR["min_px"] if min_px is None else min_px
    if not (np.isfinite(figure_width_in) and figure_width_in > 0):
        raise ValueError(f"figure_width_in must be a positive number of inches; got {figure_width_in!r}")
    if not (np.isfinite(W) and W > 0 and np.isfinite(px) and px > 0):
        raise ValueError(f"display_px and min_px must be positive; got {W!r}, {px!r}")
    return float(px) * 72.0 * float(figure_width_in) / float(W)


def _agg(fig):
    """The figure's canvas, an Agg canvas attached first if it has none that can measure text."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        FigureCanvasAgg(fig)
    return fig.canvas


def text_artists(fig, draw=True):
    """Every visible, non-empty text of ``fig`` (titles, labels, tick labels, legends, annotations).

    ``draw=False`` skips the draw that creates the tick labels (they are then left out).
    """
    from matplotlib.text import Text
    if draw:
        _agg(fig).draw()                # create the tick labels the axes will show
    out = []
    for t in fig.findobj(Text):
        shown = t.axes is None or t.axes.get_visible()
        if shown and t.get_visible() and t.get_text().strip():
            out.append(t)
    return out


def projector_fonts(fig, display_px=None, min_px=None, max_height_px=None, wrap=True):
    """Enlarge every text of ``fig`` so it shows >= ``min_px`` pixels when drawn ``display_px`` wide.

    Also caps the figure's height so that, drawn ``display_px`` wide, it is at most
    ``max_height_px`` tall (keeping its width). Tick labels are set through ``tick_params`` so
    that ticks made later keep the size; with ``wrap``, one-line axes titles wider than their
    axes are broken in two (:func:`wrap_titles`). Returns the minimum size in points. Re-run the
    layout afterwards (``fig.canvas.draw()`` with a layout engine on).
    """
    w, h = fig.get_size_inches()
    W = PROJECTOR["figure_width"] if display_px is None else display_px
    if max_height_px is not None:
        if not (np.isfinite(max_height_px) and max_height_px > 0):
            raise ValueError(f"max_height_px must be a positive number of pixels; got {max_height_px!r}")
        h_max = max_height_px * w / W
        if h > h_max:
            fig.set_size_inches(w, h_max)
    pt = min_points(w, W, min_px)
    for ax in fig.axes:
        ax.tick_params(which="both", labelsize=max(pt, _tick_size(ax)))
        for axis in (ax.xaxis, ax.yaxis):
            off = axis.get_offset_text()
            off.set_fontsize(max(pt, off.get_fontsize()))
    for t in text_artists(fig, draw=False):          # tick labels: tick_params above
        if t.get_fontsize() < pt:
            t.set_fontsize(pt)
    if wrap:
        wrap_titles(fig)
    return pt


def wrap_titles(fig):
    """Break a one-line axes title that is wider than its axes at the space nearest its middle."""
    canvas = _agg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        for t in (ax.title, ax._left_title, ax._right_title):
            text = t.get_text()
            if not text.strip() or "\n" in text or " " not in text.strip():
                continue
            if t.get_window_extent(renderer).width > 1.05 * ax.get_window_extent(renderer).width:
                mid = len(text) // 2
                cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - mid))
                t.set_text(text[:cut] + "\n" + text[cut + 1:])


def _tick_size(ax):
    labels = ax.get_xticklabels() + ax.get_yticklabels()
    return max((t.get_fontsize() for t in labels), default=0.0)


def smallest_font_px(fig, display_px=None):
    """The smallest text of ``fig`` in pixels when it is drawn ``display_px`` wide (a check)."""
    w = fig.get_size_inches()[0]
    W = PROJECTOR["figure_width"] if display_px is None else display_px
    sizes = [t.get_fontsize() for t in text_artists(fig)]
    return min(sizes) * W / (72.0 * w) if sizes else float("inf")


#: Page style of the deck in Voila (``body.jp-Notebook`` is Voila's page; JupyterLab is untouched):
#: running text, formulas, tables, printed output and notes at >= 20 px (22 px text), figures of
#: the apps as wide as the page and never taller than the screen.
DECK_CSS = """<style>
body.jp-Notebook .jp-RenderedHTMLCommon { font-size: 22px; line-height: 1.45; }
body.jp-Notebook .jp-RenderedHTMLCommon p, body.jp-Notebook .jp-RenderedHTMLCommon li,
body.jp-Notebook .jp-RenderedHTMLCommon td, body.jp-Notebook .jp-RenderedHTMLCommon th,
body.jp-Notebook .jp-RenderedHTMLCommon summary, body.jp-Notebook .jp-RenderedHTMLCommon details,
body.jp-Notebook .jp-RenderedHTMLCommon code, body.jp-Notebook .jp-RenderedHTMLCommon a {
  font-size: 22px; }
body.jp-Notebook .jp-RenderedHTMLCommon h1 { font-size: 40px; }
body.jp-Notebook .jp-RenderedHTMLCommon h2 { font-size: 32px; margin-top: 28px; }
body.jp-Notebook .jp-RenderedHTMLCommon h3 { font-size: 26px; }
body.jp-Notebook .jp-RenderedHTMLCommon table { font-size: 22px; }
body.jp-Notebook .jp-RenderedHTMLCommon details { color: #555; }
body.jp-Notebook .jp-OutputArea-output pre { font-size: 20px; line-height: 1.35; }
body.jp-Notebook .course-app img { width: 100% !important; max-width: 100% !important;
  height: auto; max-height: calc(100vh - 270px); object-fit: contain; object-position: left top; }
body.jp-Notebook .widget-slider .widget-readout { font-size: 20px; }
body.jp-Notebook .jp-Cell sup, body.jp-Notebook .jp-Cell sub { font-size: 20px; }
</style>"""

#: Lecturer's keys in the deck: Esc (or a click outside an app) takes the focus off a slider;
#: PageDown / PageUp (a presenter's clicker) go to the next / previous slide heading or app and
#: never move a slider; ``#Section`` in the address lands on its section once the page is built.
DECK_JS = """<script>
(function () {
  if (window.__courseDeck) { return; }
  window.__courseDeck = true;
  function scroller() {
    var cell = document.querySelector('.jp-Cell');
    for (var e = cell; e; e = e.parentElement) {
      var s = getComputedStyle(e).overflowY;
      if ((s === 'auto' || s === 'scroll') && e.scrollHeight > e.clientHeight) { return e; }
    }
    return document.scrollingElement || document.documentElement;
  }
  function inWidget(el) { return !!(el && el.closest && el.closest('.jupyter-widgets, .course-app')); }
  function release() {
    var a = document.activeElement;
    if (a && a !== document.body && inWidget(a)) { a.blur(); }
    if (document.activeElement && document.activeElement !== document.body) { document.activeElement.blur(); }
  }
  function stops() {
    return Array.prototype.slice.call(document.querySelectorAll(
      '.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .course-app'));
  }
  function go(dir) {
    var sc = scroller(), top = sc.getBoundingClientRect ? sc.getBoundingClientRect().top : 0;
    if (sc === document.scrollingElement || sc === document.documentElement) { top = 0; }
    var ys = stops().map(function (e) { return e.getBoundingClientRect().top - top - 8; });
    var target = null;
    if (dir > 0) { ys.forEach(function (y) { if (y > 4 && (target === null || y < target)) { target = y; } }); }
    else { ys.forEach(function (y) { if (y < -4 && (target === null || y > target)) { target = y; } }); }
    if (target === null) { target = dir * 0.9 * sc.clientHeight; }
    sc.scrollBy({ top: target, behavior: 'auto' });
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { release(); return; }
    if (e.key === 'PageDown' || e.key === 'PageUp') {
      var t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') && !inWidget(t)) { return; }
      release();
      e.preventDefault(); e.stopPropagation();
      go(e.key === 'PageDown' ? 1 : -1);
    }
  }, true);
  document.addEventListener('pointerdown', function (e) {
    if (!inWidget(e.target)) { release(); }
  }, true);
  // land on #Section: Voila builds the page after the address is read, so keep the section at the
  // top while the page grows, until the user scrolls, clicks or types
  var userMoved = false, t0 = Date.now();
  ['wheel', 'pointerdown', 'keydown', 'touchstart'].forEach(function (ev) {
    window.addEventListener(ev, function () { userMoved = true; }, { capture: true, passive: true });
  });
  function land() {
    var raw = (location.hash || '').slice(1), id = raw;
    try { id = decodeURIComponent(raw); } catch (err) { id = raw; }
    if (!raw || userMoved || Date.now() - t0 > 120000) { return; }
    // Voila's heading ids are percent-encoded (JupyterLab's are not): try both
    var el = document.getElementById(raw) || document.getElementById(id) ||
             document.getElementById(encodeURI(id));
    if (el) {
      var sc = scroller(), y = el.getBoundingClientRect().top;
      var top = (sc === document.scrollingElement || sc === document.documentElement) ? 0 : sc.getBoundingClientRect().top;
      if (Math.abs(y - top) > 2) { el.scrollIntoView({ block: 'start' }); }
    }
    setTimeout(land, 250);
  }
  window.addEventListener('hashchange', function () { userMoved = false; t0 = Date.now(); land(); });
  land();
})();
</script>"""


def deck():
    """Switch the lecture style on and return the deck's page style (an ``IPython`` HTML object).

    Display it in the deck's first code cell: in Voila it sets running text, formulas, printed
    output and notes to >= 20 px, draws the apps' figures as wide as the page and no taller than
    the screen, and adds the lecturer's keys (Esc, PageDown/PageUp, ``#Section`` landing; see
    :data:`DECK_JS`). In JupyterLab the CSS does not apply (it is scoped to Voila's page).
    """
    from IPython.display import HTML
    lecture()
    return HTML(DECK_CSS + DECK_JS)
