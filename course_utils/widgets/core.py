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
import contextlib
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


#: Larger controls for the lecture style (ipywidgets' own CSS variables): labels, readouts, buttons
#: and slider handles readable on a projector (every text >= 20 px). Added to every App while
#: ``style.lecture()`` is on.
LECTURE_CSS = """<style>
:root {
  --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 40px;
  --jp-widgets-inline-width: 420px;
  --jp-widgets-inline-label-width: 130px;
  --jp-widgets-slider-handle-size: 24px;
  --jp-widgets-slider-track-thickness: 6px;
}
.course-app .widget-readout, .course-app .widget-label, .course-app .widget-html-content,
.course-app .widget-toggle-button, .course-app .widget-button, .course-app .widget-dropdown select,
.course-app .widget-label-basic, .course-app .widget-inline-hbox .widget-label {
  font-size: 20px !important; line-height: 1.3;
}
.course-app .widget-toggle-button, .course-app .widget-button { height: auto; min-height: 40px; }
.course-app .widget-readout { min-width: 72px; }
</style>"""

#: What the reset button and the presets treat as a selection (set after the sliders).
_SELECTIONS = (widgets.ToggleButtons, widgets.Dropdown, widgets.RadioButtons)


def _settable(w):
    """Controls the reset button restores: value widgets a user can change (not progress bars, and
    not a ``Play`` button, which only drives the slider it is jslinked to)."""
    return isinstance(w, widgets.ValueWidget) and not isinstance(
        w, (widgets.IntProgress, widgets.FloatProgress, widgets.Label, widgets.HTML, widgets.Play))


def slider_tolerance(w):
    """Half a slider step: a value within it is what the browser shows and sends back for a preset.

    ``FloatLogSlider``: half a step in log10 (returned as a log10 distance), ``FloatSlider`` and
    ``IntSlider``: half a step; any other control: 0 (exact comparison).
    """
    if isinstance(w, widgets.FloatLogSlider):
        return 0.5 * float(w.step)
    if isinstance(w, (widgets.FloatSlider, widgets.IntSlider)):
        return 0.5 * float(w.step)
    return 0.0


def same_value(w, a, b):
    """Whether ``a`` and ``b`` are the same setting of control ``w``, up to the slider's rounding.

    The browser puts a slider on its grid of steps: a log slider asked for 0.1 shows and sends back
    0.101. Comparing presets by equality then fails; this compares within half a step (in log10 for
    a log slider), and exactly for anything that is not a slider.

    >>> s = log_slider(0.1, 1e-2, 1e1)
    >>> same_value(s, 0.1, 0.101), same_value(s, 0.1, 0.11)
    (True, False)
    """
    tol = slider_tolerance(w)
    if tol == 0.0:
        return a == b
    if isinstance(w, widgets.FloatLogSlider):
        if a is None or b is None or a <= 0 or b <= 0:
            return False
        return bool(abs(np.log10(a) - np.log10(b)) <= tol * (1 + 1e-9))
    return bool(abs(float(a) - float(b)) <= tol * (1 + 1e-9))


class App(widgets.VBox):
    """A ``VBox`` of controls and a :class:`LiveFigure`, displayed with a static PNG fallback.

    ``app.live`` is the LiveFigure, ``app.update`` the callback, ``app.controls`` a dict of the
    controls by name, ``app.artists`` a dict of the figure's moving artists by name (tests address
    them by name, never by position), ``app.model`` the numbers-only model the app draws.

    With ``observe=True`` the app wires every control to ``update(values)``, ``values`` being
    :meth:`values` (a dict by control name); :meth:`redraw` calls it by hand. Multi-control
    changes (:meth:`reset`, a preset, :meth:`hold`) redraw once, and a change that leaves the
    values as last drawn (a control synced to another) draws nothing new. See the recipe in
    :mod:`course_utils.widgets`.

    Lecturer controls
    -----------------
    * A **reset** button (``app.reset()``) puts every control back to the value the app opened
      with (``app.initial``); :meth:`set_initial` changes those values.
    * :meth:`add_presets` adds a row of named settings (the builds of a slide). A preset stays
      selected while the controls hold its values, compared with :func:`same_value`, i.e. up to
      the browser's slider rounding; moving a control away from it deselects it.

    Example
    -------
    >>> live = LiveFigure(figsize=(3, 2))
    >>> g = slider(1.0, 0.0, 2.0, step=0.01, description="γ")
    >>> app = App({"step": g}, live, lambda *_: None)
    >>> pick = app.add_presets({"slow": {"step": 0.5}, "fast": {"step": 1.5}})
    >>> pick.value = "fast"; g.value
    1.5
    >>> g.value = 1.503; pick.value          # within half a step: still the preset
    'fast'
    >>> app.reset(); g.value, pick.value
    (1.0, None)
    """

    def __init__(self, controls, live, update, header=None, *, model=None, artists=None,
                 observe=False):
        rows = [widgets.HTML(LECTURE_CSS)] if style.current() == "lecture" else []
        if header is not None:
            rows.append(header)
        self.reset_button = widgets.Button(description="reset", icon="undo",
                                           tooltip="back to the settings this app opened with",
                                           layout=widgets.Layout(width="auto"))
        self.reset_button.add_class("course-reset")
        self.reset_button.on_click(lambda _: self.reset())
        self._control_row = widgets.HBox(list(controls.values()) + [self.reset_button],
                                         layout=widgets.Layout(flex_flow="row wrap"))
        rows.append(self._control_row)
        rows.append(live.image)
        super().__init__(rows)
        self.add_class("course-app")
        self.controls = controls
        self.live = live
        self.update = update
        self.model = model
        self.artists = dict(artists or {})
        self.initial = {name: w.value for name, w in controls.items() if _settable(w)}
        self.presets = None
        self._preset_values = {}
        self._applying = False
        self._held = 0
        self._observe_flag = bool(observe)
        self._drawn = None
        if observe:
            for w in controls.values():
                if _settable(w):
                    w.observe(lambda change: self._on_change(), names="value")

    # -- the recipe: update(values) -------------------------------------------------------------
    def values(self):
        """The controls' current values by name (what ``update(values)`` receives)."""
        return {name: w.value for name, w in self.controls.items() if _settable(w)}

    def redraw(self):
        """Call ``update(self.values())`` now, unless a multi-control change is being applied
        (:meth:`reset`, a preset, :meth:`hold`), which redraws once at its end."""
        if self._held == 0:
            self._drawn = self.values()
            return self.update(self._drawn)
        return None

    def _on_change(self):
        if self.values() != self._drawn:
            self.redraw()

    @contextlib.contextmanager
    def hold(self):
        """Change several controls inside ``with app.hold():`` and redraw once at the end
        (``observe=True``), e.g. a preset button that moves two sliders."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
        if self._observing():
            self.redraw()

    # -- reset ----------------------------------------------------------------------------------
    def _set(self, values):
        """Set controls by name: sliders first, selections (preset pickers) last. An app built
        with ``observe=True`` redraws once afterwards, not once per control."""
        order = sorted(values, key=lambda n: isinstance(self.controls[n], _SELECTIONS))
        changed = False
        self._held += 1
        try:
            for name in order:
                w = self.controls[name]
                if w.value != values[name] or not on_grid(w, values[name]):
                    set_value(w, values[name])
                    changed = True
        finally:
            self._held -= 1
        if changed and self._observing():
            self.redraw()

    def _observing(self):
        return self._held == 0 and self._observe_flag

    def set_initial(self, **values):
        """Set controls and make these values the ones :meth:`reset` returns to.

        Raises ``ValueError`` naming an unknown control.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"set_initial: unknown control(s) {unknown}; "
                             f"this app has {sorted(self.controls)}")
        self._set(values)
        self.initial.update({n: self.controls[n].value for n in values})
        return self

    def reset(self):
        """Every control back to the value the app opened with (the slide's settings)."""
        self._set(dict(self.initial))
        self._sync_presets()

    # -- presets --------------------------------------------------------------------------------
    def add_presets(self, presets, description="slide"):
        """A row of named settings (``{name: {control: value}}``) that stay selected.

        Clicking a preset sets its controls; afterwards the row shows whichever preset the
        controls match (up to slider rounding, :func:`same_value`), or none. Returns the
        ``ToggleButtons``; it is also ``app.presets``. Raises ``ValueError`` for an empty dict
        or an unknown control name.
        """
        if not isinstance(presets, dict) or not presets:
            raise ValueError("add_presets: presets must be a non-empty dict "
                             "{name: {control name: value}}")
        for name, values in presets.items():
            if not isinstance(values, dict) or not values:
                raise ValueError(f"add_presets: preset {name!r} must map control names to values")
            unknown = sorted(set(values) - set(self.controls))
            if unknown:
                raise ValueError(f"add_presets: preset {name!r} names unknown control(s) "
                                 f"{unknown}; this app has {sorted(self.controls)}")
        self._preset_values = {str(k): dict(v) for k, v in presets.items()}
        pick = widgets.ToggleButtons(options=list(self._preset_values), value=None,
                                     description=description,
                                     style={"button_width": "auto", "description_width": "initial"})
        pick.add_class("course-presets")
        self.presets = pick

        def on_pick(change):
            if self._applying or change["new"] is None:
                return
            self._applying = True
            try:
                self._set(self._preset_values[change["new"]])
            finally:
                self._applying = False
            self._sync_presets()

        pick.observe(on_pick, names="value")
        watched = {n for v in self._preset_values.values() for n in v}
        for n in watched:
            self.controls[n].observe(lambda change: self._sync_presets(), names="value")
        children = list(self.children)
        children.insert(children.index(self._control_row), pick)
        self.children = children
        self._sync_presets()
        return pick

    def matching_preset(self):
        """The first preset whose values the controls hold now (up to slider rounding), or None."""
        for name, values in self._preset_values.items():
            if all(same_value(self.controls[n], self.controls[n].value, v)
                   for n, v in values.items()):
                return name
        return None

    def _sync_presets(self):
        if self.presets is None or self._applying:
            return
        want = self.matching_preset()
        if self.presets.value != want:
            self._applying = True
            try:
                self.presets.value = want
            finally:
                self._applying = False

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
    r"""A ``FloatLogSlider`` from about ``lo`` to ``hi`` (both > 0) with about ``steps`` positions.

    The browser puts a slider on its grid of positions :math:`10^{a + js}` and sends that value
    back, so a value off the grid drifts (0.2 becomes 0.197). Here the grid is anchored at
    ``value`` and has a whole number of steps per decade: the opening value and every power-of-ten
    multiple of it (0.1, 1, 10 for an opening 0.1) are grid points and stay what they are. The
    range is ``lo``..``hi`` shrunk to the grid (by less than one step at each end). A value set
    later from Python through :func:`set_value` (presets, reset) re-anchors the grid at that value.

    Raises ``ValueError`` unless ``0 < lo <= value <= hi``.

    >>> s = log_slider(0.2, 1e-3, 1.0)
    >>> s.value, 10 ** s.min >= 1e-3 * (1 - 1e-9), float(round((np.log10(0.2) - s.min) / s.step, 9) % 1)
    (0.2, True, 0.0)
    """
    for name, v in (("lo", lo), ("hi", hi), ("value", value)):
        if not isinstance(v, (int, float, np.floating, np.integer)) or not np.isfinite(v) or v <= 0:
            raise ValueError(f"log_slider: {name} must be a positive finite number; got {v!r}")
    if not lo <= value <= hi:
        raise ValueError(f"log_slider: value must lie in [lo, hi] = [{lo:g}, {hi:g}]; got {value:g}")
    a, b = np.log10(lo), np.log10(hi)
    per_decade = max(1, int(np.ceil(steps / max(b - a, 1e-12))))
    step = 1.0 / per_decade
    lo_exp, hi_exp = _log_grid(value, lo, hi, step)
    s = widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=step,
                               description=description, readout_format=readout_format,
                               continuous_update=True, style={"description_width": "initial"},
                               **kwargs)
    s._course_bounds = (float(lo), float(hi))       # set_value re-anchors the grid inside these
    return s


def _log_grid(value, lo, hi, step):
    """The exponent range ``(min, max)`` of a grid with spacing ``step`` (in log10) through
    ``value``, inside ``[lo, hi]`` and shorter by less than one step at each end."""
    a, b, v = np.log10(lo), np.log10(hi), np.log10(value)
    return (float(v - np.floor((v - a) / step + 1e-9) * step),
            float(v + np.floor((b - v) / step + 1e-9) * step))


def on_grid(w, value):
    r"""Whether the browser can show ``value`` on slider ``w`` exactly: a log slider sits on the grid
    :math:`10^{\min + j\,\mathrm{step}}` and sends back the grid point nearest to what it was
    given; any other control: always True."""
    if not isinstance(w, widgets.FloatLogSlider):
        return True
    if not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        return False
    j = (np.log10(value) - w.min) / w.step
    return bool(abs(j - np.round(j)) < 1e-6)


def set_value(w, value):
    """Set control ``w`` to ``value`` from Python so that the browser shows, and sends back, exactly
    ``value`` (a preset, a reset, one control moving another).

    A log slider shows only its grid points; for a value off the grid the grid is re-anchored at
    ``value`` (same spacing, range inside the slider's original ``lo``..``hi``) and min, max and
    value reach the browser in one message, so a preset γ = 1 on a slider that opened at 0.5 is
    1, not 1.001. Any other control just gets ``w.value = value``.

    >>> s = log_slider(0.5, 0.1, 3.0)
    >>> on_grid(s, 1.0), on_grid(s, 0.5)
    (False, True)
    >>> set_value(s, 1.0); s.value, on_grid(s, 1.0)
    (1.0, True)
    """
    if not isinstance(w, widgets.FloatLogSlider) or on_grid(w, value):
        w.value = value
        return
    lo, hi = getattr(w, "_course_bounds", (w.base ** w.min, w.base ** w.max))
    if not lo * (1 - 1e-9) <= value <= hi * (1 + 1e-9):
        w.value = value                                   # out of range: the slider clamps it
        return
    lo_exp, hi_exp = _log_grid(min(max(value, lo), hi), lo, hi, w.step)
    with w.hold_sync():                                   # one message: min, max and value
        w.min, w.max = min(w.min, lo_exp), max(w.max, hi_exp)   # widen first: nothing clamps
        w.value = value
        w.min, w.max = lo_exp, hi_exp


def _wrap_lines(text, fits):
    """Break ``text`` at spaces outside ``$...$`` so that every line ``fits`` (greedy)."""
    out = []
    for line in text.split("\n"):
        words, cur, math = [], "", False
        for ch in line:
            if ch == "$":
                math = not math
            if ch == " " and not math:
                words.append(cur)
                cur = ""
            else:
                cur += ch
        words.append(cur)
        current = words[0]
        for w in words[1:]:
            trial = current + " " + w
            if fits(trial):
                current = trial
            else:
                out.append(current)
                current = w
        out.append(current)
    return "\n".join(out)


def _wrap_to_axes(t, ax, renderer):
    """Make title ``t`` wrap to the width of ``ax`` now and whenever the app sets its text."""
    from matplotlib.text import Text

    fig = ax.get_figure()

    def room():
        """Up to the neighbouring panels (a title may be wider than a square panel), centred."""
        box = ax.get_window_extent(renderer)
        centre = 0.5 * (box.x0 + box.x1)
        left, right = 0.0, fig.bbox.width
        for other in fig.axes:
            if other is ax or not other.get_visible():
                continue
            ob = other.get_window_extent(renderer)
            if ob.y1 < box.y0 or ob.y0 > box.y1:      # another row
                continue
            if ob.x0 >= box.x1 - 1:
                right = min(right, ob.x0)
            elif ob.x1 <= box.x0 + 1:
                left = max(left, ob.x1)
        return 0.96 * 2 * min(centre - left, right - centre)

    def fits(line):
        Text.set_text(t, line)
        return t.get_window_extent(renderer).width <= room()

    def set_text(s):
        s = str(s)
        Text.set_text(t, _wrap_lines(s, fits) if s.strip() else s)
        t.stale = True

    t.set_text = set_text
    set_text(t.get_text())


def fit_projector(app, display_px=None, max_height_px=450, min_px=None, squeeze=True, figsize=None):
    """Lay an App's figure out for the projector (:data:`course_utils.style.PROJECTOR`).

    The deck's CSS (:data:`course_utils.style.DECK_CSS`) draws an app's image as wide as the page
    (``display_px``: 1250 px at 1280 x 720) but no taller than the screen leaves for it
    (``max_height_px``: 450 px at 720). Here the figure is made to fit that box: with ``squeeze``
    a figure too tall for the full width is made flatter (wide multi-panel figures), otherwise it
    keeps its shape and is shown narrower. Then every text is enlarged to show at least
    ``min_px`` (20) pixels at that size, overlong titles are wrapped, the layout is solved again
    and the app's own callback redraws it. ``figsize`` (inches) first gives the figure another
    shape (e.g. wider, for a legend beside a square panel). Returns the app.
    """
    live = app.live
    fig = live.fig
    if figsize is not None:
        fig.set_size_inches(*figsize)
    W = style.PROJECTOR["figure_width"] if display_px is None else display_px
    w, h = fig.get_size_inches()
    if not squeeze and h / w * W > max_height_px:
        W = max_height_px * w / h          # shown at full height, narrower than the page
    style.projector_fonts(fig, W, min_px, max_height_px if squeeze else None, wrap=False)
    # titles the callback rewrites may be longer than their panel: they are wrapped to the panel's
    # width whenever they are set, and the layout keeps room for the extra line
    from matplotlib.text import Text
    renderer = fig.canvas.get_renderer()
    reserved = []
    for ax in fig.axes:
        t = ax.title
        if not t.get_text().strip():
            continue
        _wrap_to_axes(t, ax, renderer)
        reserved.append((t, t.get_animated(), t.get_text()))
        if t.get_animated():                       # rewritten by the callback: room for a line more
            Text.set_text(t, t.get_text() + "\nX")
        t.set_animated(False)                      # animated artists are left out of the layout
    fig.set_layout_engine("constrained")
    fig.canvas.draw()
    for t, animated, text in reserved:            # wrap again for the panels' new widths ...
        t.set_text(text)
        if animated:
            Text.set_text(t, t.get_text() + "\nX")
    fig.canvas.draw()                             # ... and lay out once more for those lines
    fig.set_layout_engine("none")
    for t, animated, text in reserved:
        t.set_animated(animated)
        if animated:
            t.set_text(text)
    if isinstance(live, BlitFigure):
        live.invalidate()
    live.image.layout.width = "100%"
    live.image.layout.max_width = "100%"
    app.display_px = W
    for c in [c for c in app._dom_classes if c.startswith("course-fit-")]:
        app.remove_class(c)
    app.add_class(f"course-fit-{int(round(W))}")   # the width its fonts were sized for (tests read it)
    app.redraw() if app._observe_flag else app.update()   # a recipe app: update(values)
    return app
