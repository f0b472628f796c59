"""Run inside a notebook's kernel by ``tools/build_site.py`` (never imported by the course).

While the notebook runs cell by cell, it records what each cell's matplotlib figures show (titles,
axis labels, legend entries: the figures' alt text) and the :class:`course_utils.widgets.App` each
cell displays. Afterwards :func:`_site_frames` drives each app's main slider through its public
objects (``app.controls``, ``app.live.image``) and writes one PNG per slider position: the frames
of the page's static slider.
"""

# This file is exec'd in the kernel's namespace: every name starts with _site_ so that it cannot
# clash with the notebook's own names.
import json as _site_json
import re as _site_re
from pathlib import Path as _site_Path

_site_pending = []      # figure descriptions collected by the post_execute hook of the last cell
_site_seen = set()      # ids of the figures described since the last cell (show, then post_execute)
_site_desc = {}         # cell index -> [description of each figure the cell showed]
_site_apps = {}         # cell index -> App the cell displayed


def _site_plain(text):
    """Alt text from a matplotlib label: drop mathtext markup, keep the words and symbols."""
    text = str(text or "").replace("\n", " ")
    text = _site_re.sub(r"\\(mathrm|mathbf|mathit|operatorname|text)\{([^}]*)\}", r"\2", text)
    text = _site_re.sub(r"\\([A-Za-z]+)", r" \1 ", text)
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    return _site_re.sub(r"\s+", " ", text).strip()


def _site_describe(fig):
    """One sentence per panel: title, axes and the legend's entries."""
    parts = []
    sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    panels = []
    for ax in axes:
        bits = []
        title = " ".join(_site_plain(t.get_text()) for t in (ax.title, ax._left_title, ax._right_title)
                         if t.get_text())
        if title:
            bits.append(f"“{title}”")
        xl, yl = _site_plain(ax.get_xlabel()), _site_plain(ax.get_ylabel())
        if xl or yl:
            bits.append(f"{yl or 'values'} against {xl or 'index'}")
        legend = ax.get_legend()
        if legend is not None:
            names = [_site_plain(t.get_text()) for t in legend.get_texts() if t.get_text()]
            if names:
                bits.append("curves: " + ", ".join(names))
        if ax.images:
            bits.append("a colour map")
        if bits:
            panels.append("; ".join(bits))
    if sup:
        parts.append(_site_plain(sup) + ".")
    n = len(panels)
    if n == 1:
        parts.append("Plot of " + panels[0] + ".")
    elif n > 1:
        parts.append(f"{n} panels: " + "; ".join(f"({i + 1}) {p}" for i, p in enumerate(panels)) + ".")
    return " ".join(parts) or "A figure."


def _site_hook():
    import sys
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    from matplotlib._pylab_helpers import Gcf
    for manager in Gcf.get_all_fig_managers():       # (plt.figure(num) would have side effects)
        fig = manager.canvas.figure
        if id(fig) not in _site_seen:
            _site_seen.add(id(fig))
            _site_pending.append(_site_describe(fig))


_site_displayed = []    # Apps displayed by the last cell (as its result or with display())


def _site_record_display():
    """Note every App the notebook displays, whether as a cell's result or with display()."""
    from course_utils.widgets import App
    shown = App._repr_mimebundle_

    def _site_repr(self, **kwargs):
        _site_displayed.append(self)
        return shown(self, **kwargs)

    App._repr_mimebundle_ = _site_repr


_site_record_display()


def _site_after(index, last):
    """Called after notebook cell ``index`` with its result (``Out[n]``): file its figure
    descriptions and the first App it displayed."""
    from course_utils.widgets import App
    if _site_displayed:
        last = _site_displayed[0]
        _site_displayed.clear()
    if _site_pending:
        _site_desc[index] = list(_site_pending)
        _site_pending.clear()
    _site_seen.clear()
    if isinstance(last, App) and all(last is not a for a in _site_apps.values()):
        _site_apps[index] = last


get_ipython().events.register("post_execute", _site_hook)  # noqa: F821 (IPython's builtin)

try:        # plt.show() displays and closes the figures before post_execute: describe them first
    import matplotlib_inline.backend_inline as _site_inline

    _site_show = _site_inline.show

    def _site_describing_show(*args, **kwargs):
        if not _site_describing_show.busy:
            _site_describing_show.busy = True
            try:
                _site_hook()
            finally:
                _site_describing_show.busy = False
        return _site_show(*args, **kwargs)

    _site_describing_show.__dict__.update(_site_show.__dict__)   # e.g. show._draw_called
    _site_describing_show.busy = False
    _site_inline.show = _site_describing_show
except ImportError:
    pass


def _site_main_slider(app):
    import ipywidgets as w
    for name, control in app.controls.items():
        if isinstance(control, (w.FloatSlider, w.FloatLogSlider, w.IntSlider, w.SelectionSlider)):
            return name, control
    return None, None


def _site_positions(control, n):
    """Slider values for ``n`` frames (all options of a selection slider), with the start value."""
    import ipywidgets as w
    import numpy as np
    if isinstance(control, w.SelectionSlider):
        return [(label, value) for label, value in zip(control._options_labels,
                                                       control._options_values)]
    if isinstance(control, w.FloatLogSlider):
        values = control.base ** np.linspace(control.min, control.max, n)
    else:
        values = np.linspace(control.min, control.max, n)
        values = control.min + np.round((values - control.min) / control.step) * control.step
        if isinstance(control, w.IntSlider):
            values = np.round(values).astype(int)
    values = sorted(set(float(v) for v in values) | {float(control.value)})
    if isinstance(control, w.IntSlider):
        values = [int(v) for v in values]
    fmt = getattr(control, "readout_format", ".3g") or ".3g"
    return [(format(v, fmt), v) for v in values]


def _site_texts(app):
    """The text widgets of an app (headers, notes): their HTML per frame."""
    import ipywidgets as w
    from course_utils.widgets.core import LECTURE_CSS
    out, stack = [], list(app.children)
    while stack:
        x = stack.pop(0)
        if isinstance(x, (w.HTML, w.HTMLMath, w.Label)) and x.value != LECTURE_CSS:
            out.append(x)
        elif isinstance(x, w.Box):
            stack[:0] = list(x.children)
    return out


def _site_toggle(app, main):
    """A second, small control to precompute too: toggle buttons with 2-3 options (e.g. SGD/Adam)."""
    import ipywidgets as w
    for name, control in app.controls.items():
        if name != main and isinstance(control, (w.ToggleButtons, w.RadioButtons)) \
                and 2 <= len(control.options) <= 3:
            return name, control
    return None, None


def _site_is_input(control):
    import ipywidgets as w
    return isinstance(control, w.ValueWidget) and not isinstance(
        control, (w.IntProgress, w.FloatProgress, w.Label, w.HTML, w.HTMLMath))


def _site_frames(out_dir, n=24):
    """Drive each app's main slider (and a small toggle, if any) through the app's own controls;
    write the PNG frames and ``manifest.json`` under ``out_dir``."""
    import time
    out_dir = _site_Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"figures": {str(k): v for k, v in _site_desc.items()}, "apps": {}}
    for index, app in _site_apps.items():
        name, control = _site_main_slider(app)
        if control is None:
            continue
        tname, toggle = _site_toggle(app, name)
        options = ([(label, value) for label, value in zip(toggle._options_labels,
                                                          toggle._options_values)]
                   if toggle is not None else [(None, None)])
        start, tstart = control.value, (toggle.value if toggle is not None else None)
        texts = _site_texts(app)
        positions = _site_positions(control, n)
        frames = []
        t0 = time.perf_counter()
        for j, (tlabel, tvalue) in enumerate(options):
            if toggle is not None:
                toggle.value = tvalue
            for k, (label, value) in enumerate(positions):
                control.value = value              # the app's own callback redraws the figure
                png = app.live.image.value or app.live.png()
                path = out_dir / f"cell{index:02d}-{j}-{k:02d}.png"
                path.write_bytes(png)
                frames.append({"file": path.name, "value": label, "option": j,
                               "text": " ".join(t.value for t in texts if t.value)})
        seconds = time.perf_counter() - t0
        initial = min(range(len(positions)), key=lambda i: abs(positions[i][1] - start)
                      if not isinstance(start, str) else positions[i][1] != start)
        control.value = start
        toggle_info = None
        if toggle is not None:
            toggle.value = tstart
            toggle_info = {"control": tname, "description": toggle.description,
                           "options": [label for label, _ in options],
                           "initial": [v for _, v in options].index(tstart)}
        manifest["apps"][str(index)] = {
            "control": name, "description": control.description, "frames": frames,
            "positions": len(positions), "initial": initial, "toggle": toggle_info,
            "alt": _site_describe(app.live.fig),
            "other_controls": [k for k, c in app.controls.items()
                               if k not in (name, tname) and _site_is_input(c)],
            "seconds": round(seconds, 2)}
    manifest["modules"] = _site_modules()
    (out_dir / "manifest.json").write_text(_site_json.dumps(manifest, indent=1))
    return manifest


def _site_modules():
    """Files of the course's package that this kernel loaded (what the frames depend on)."""
    import sys
    files = set()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and (name == "course_utils" or name.startswith("course_utils.")):
            files.add(str(_site_Path(path).resolve()))
    return sorted(files)
