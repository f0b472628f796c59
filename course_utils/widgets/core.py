"""Building blocks for fast interactive figures that need no matplotlib front-end extension.

A :class:`LiveFigure` owns a matplotlib ``Figure`` drawn by the Agg renderer into an
``ipywidgets.Image``. A slider callback updates artists (``set_data``, ``set_text``...) and calls
:meth:`LiveFigure.refresh`, which re-renders once and sends the PNG bytes to the browser. This works
the same in JupyterLab, Voila and classic Notebook, with only ipywidgets' own front end.

:class:`App` is the ``VBox`` a factory returns. Its rich display carries, besides the live widget,
a static PNG of the figure, so a notebook browsed without a kernel (e.g. on a code host) still shows
the picture.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import style


class LiveFigure:
    """A Figure rendered to PNG into an ``ipywidgets.Image``.

    Parameters
    ----------
    figsize : (w, h) in inches
    dpi : resolution of the rendered image (times ``style.display_scale()``: 1.5 in the lecture style)
    **subplots : passed to ``Figure.subplots`` (e.g. ``ncols=2``)

    Attributes
    ----------
    fig, axes : the Figure and what ``fig.subplots(**subplots)`` returned
    image : the ``ipywidgets.Image`` that shows it

    Example
    -------
    >>> live = LiveFigure(figsize=(4, 3))
    >>> (line,) = live.axes.plot([0, 1], [0, 1])
    >>> line.set_ydata([1, 0]); live.refresh()          # re-render once, push the PNG
    """

    def __init__(self, figsize=(6.0, 4.0), dpi=90, **subplots):
        dpi = dpi * style.display_scale()        # larger and sharp in the lecture style
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.axes = self.fig.subplots(**subplots)
        self.dpi = dpi
        self.image = widgets.Image(format="png")
        # show the PNG at its own pixel size (a stretched image is blurry), never wider than the page
        self.image.layout.width = f"{int(round(figsize[0] * dpi))}px"
        self.image.layout.max_width = "100%"
        self.renders = 0

    def png(self):
        """Render the figure now and return its PNG bytes."""
        buf = io.BytesIO()
        self.fig.canvas.print_png(buf)
        return buf.getvalue()

    def freeze_layout(self):
        """Fix the constrained layout as it is now, so later renders skip the layout solver."""
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")

    def refresh(self):
        """Re-render and update the image widget (call once per slider event)."""
        self.image.value = self.png()
        self.renders += 1


def png_rgb(rgba, level=1):
    """Encode an ``(h, w, 4)`` uint8 RGBA buffer as an RGB PNG (no row filter, fast zlib level).

    For a plot (mostly flat colour) this is several times faster than Pillow's adaptive filters
    and the file is about as small.
    """
    a = np.asarray(rgba)
    h, w = a.shape[:2]
    raw = np.zeros((h, 1 + 3 * w), np.uint8)           # each row: filter byte 0, then RGB
    raw[:, 1:] = a[..., :3].reshape(h, 3 * w)

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), level)) + chunk(b"IEND", b""))


class BlitFigure(LiveFigure):
    """A :class:`LiveFigure` that re-renders only the artists a slider moves (blitting).

    The static part (axes, ticks, labels, contours, legends) is rendered once and kept as a pixel
    buffer; each :meth:`refresh` restores it, draws the moving artists on top and encodes the PNG
    with :func:`png_rgb`. Several times faster than a full Agg render of a figure with contours and
    many tick labels (see ``benchmarks/bench_01_sliders.py``).

    Use :meth:`freeze` once the figure is built (fixes the layout, marks the moving artists), or
    :meth:`set_moving` when the layout is already fixed. Call :meth:`invalidate` after changing
    anything static (limits, labels, ...): the next refresh re-renders the background.
    """

    background = None
    dynamic: list = []

    def freeze(self, dynamic):
        """Fix the layout, mark ``dynamic`` as animated and store the static background."""
        self.set_moving(dynamic)
        self.freeze_layout()                  # one full draw; animated artists are skipped
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def set_moving(self, artists):
        """Mark ``artists`` as the moving ones (animated: left out of the background)."""
        self.dynamic = [a for a in artists if a is not None]
        for a in self.dynamic:
            a.set_animated(True)
        self.invalidate()

    def invalidate(self):
        """Forget the background; the next render draws the static part again."""
        self.background = None

    def png(self):
        if not self.dynamic:
            return super().png()
        canvas = self.fig.canvas
        if self.background is None:
            canvas.draw()                     # draws all but the animated artists
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self.background)
        for a in self.dynamic:
            self.fig.draw_artist(a)
        return png_rgb(canvas.buffer_rgba())


#: Larger controls for the lecture style (ipywidgets' own CSS variables): labels, readouts and
#: slider handles readable on a projector. Added to every App while ``style.lecture()`` is on.
LECTURE_CSS = """<style>
:root {
  --jp-widgets-font-size: 18px;
  --jp-widgets-inline-height: 36px;
  --jp-widgets-inline-width: 400px;
  --jp-widgets-inline-label-width: 120px;
  --jp-widgets-slider-handle-size: 22px;
  --jp-widgets-slider-track-thickness: 6px;
}
</style>"""


class App(widgets.VBox):
    """A ``VBox`` of controls and a :class:`LiveFigure`, displayed with a static PNG fallback.

    ``app.live`` is the LiveFigure, ``app.update`` the callback (call it to redraw by hand),
    ``app.controls`` a dict of the controls by name.
    """

    def __init__(self, controls, live, update, header=None):
        rows = [widgets.HTML(LECTURE_CSS)] if style.current() == "lecture" else []
        if header is not None:
            rows.append(header)
        rows.append(widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap")))
        rows.append(live.image)
        super().__init__(rows)
        self.controls = controls
        self.live = live
        self.update = update

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            png = self.live.image.value or self.live.png()
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle


def slider(value, lo, hi, step=None, description="", readout_format=".3g", **kwargs):
    """A ``FloatSlider`` with continuous updates and a wide label (fewer keystrokes in notebooks)."""
    step = step if step is not None else (hi - lo) / 200
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               readout_format=readout_format, continuous_update=True,
                               style={"description_width": "initial"}, **kwargs)


def log_slider(value, lo, hi, description="", steps=200, readout_format=".3g", **kwargs):
    """A ``FloatLogSlider`` between ``lo`` and ``hi`` (both > 0) with ``steps`` positions."""
    a, b = np.log10(lo), np.log10(hi)
    return widgets.FloatLogSlider(value=value, base=10, min=a, max=b, step=(b - a) / steps,
                                  description=description, readout_format=readout_format,
                                  continuous_update=True, style={"description_width": "initial"},
                                  **kwargs)
