r"""The apps of notebook 01: one gradient step as a model minimizer, GD and scaled GD on a quadratic.

Each app follows the recipe of :mod:`course_utils.widgets`: its model lives in
:mod:`course_utils.models.descent` (:class:`~course_utils.models.descent.StepModel`,
:class:`~course_utils.models.descent.DescentModel`,
:class:`~course_utils.models.descent.ScaledDescentModel`: numbers only, runs cached); a view
builds the :class:`~course_utils.widgets.core.BlitFigure` once and names its moving artists
(``app.artists``); ``update(values)`` moves them and refreshes once. A run is recomputed only when
its own inputs changed; the iteration slider (and the Play button driving it) slices cached
iterates.

Controls (``app.controls``): ``step`` (the slider labelled γ), ``x0_1``, ``x0_2``, ``k``,
``play``; the scaled explorer: ``H`` (the preset), ``h1``, ``h2``, ``k``, ``play``.

Example
-------
>>> from course_utils.objectives import Quadratic
>>> app = gd_explorer(Quadratic([[0.1, -0.1], [-0.1, 1.0]]), step=1.0, iterations=50)
>>> app.controls["step"].value = 2.1
>>> app.artists["banner"].get_visible(), app.model.runs.computed
(True, 2)
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _checks
from ..metric import Metric
from ..models.descent import DescentModel, ScaledDescentModel, StepModel
from ..plots import core as plots
from .core import App, BlitFigure, log_slider, same_value, set_value, slider

__all__ = ["step_model_app", "gd_explorer", "scaled_gd_explorer"]

_LIMS = {"xlim": (-5.0, 5.0), "ylim": (-2.5, 2.5)}
RING_FRACTIONS = (1.0 / 3.0, 2.0 / 3.0, 1.0)     # the step model's level sets: these x the radius


def _fmt(v):
    """3 decimals; ``+ 0.0`` turns a rounded -0.0 into 0.0 (no "[-0., -0.]" in a title)."""
    v = np.round(np.asarray(v, dtype=float), 3) + 0.0
    return np.array2string(v, precision=3, separator=", ", suppress_small=True)


def _metric_name(H):
    if H is None:
        return "I"
    if np.ndim(H) == 2:
        return "Q (Newton)"
    return "diag(" + ", ".join(f"{v:.3g}" for v in np.ravel(H)) + ")"


def _moving(artists):
    """The artists of a name -> artist (or list of artists) dict, flat, for ``BlitFigure``."""
    out = []
    for a in artists.values():
        out.extend(a if isinstance(a, (list, tuple)) else [a])
    return out


def _background(ax, f, xlim, ylim, levels, n):
    cs = plots.contours(f.value, xlim, ylim, ax=ax, levels=levels, n=n, cmap="Blues_r",
                        linewidths=0.9)
    plots.point(f.minimizer(), ax=ax, marker="*", color="k", markersize=12, label="$x^\\star$")
    ax.set_aspect("equal", adjustable="box")
    return cs


def _play_controls(iterations, value, interval=120):
    k = widgets.IntSlider(value=value, min=0, max=iterations, description="iteration k",
                          continuous_update=True, style={"description_width": "initial"})
    play = widgets.Play(value=value, min=0, max=iterations, step=1, interval=interval,
                        description="play")
    widgets.jslink((play, "value"), (k, "value"))
    return play, k


def _cover(xlim, ylim, points, margin=0.08):
    """Grow the box ``xlim`` x ``ylim`` (keeping its aspect ratio) until it holds ``points``."""
    (x0, x1), (y0, y1) = xlim, ylim
    P = np.asarray(points, dtype=float)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    need = max(1.0, np.max(np.abs(P[:, 0] - cx)) / hx * (1 + margin),
               np.max(np.abs(P[:, 1] - cy)) / hy * (1 + margin))
    return (cx - need * hx, cx + need * hx), (cy - need * hy, cy + need * hy)


def _convergence_axes(ax, iterations):
    ax.set_yscale("log")
    ax.set_xlim(0, iterations)
    ax.set_ylim(1e-16, 1e2)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel("$f(x_k) - f^\\star$")


# =============================================================================================
# step_model_app: the model along the ray (left) and in the plane (right)
# =============================================================================================
def _ray_panel(ax, model, step):
    """f and the model along the ray; returns the moving artists."""
    t, v0, x_k = model.t, model.at(step), model.x_k
    ax.plot(t, v0["f"], color="C0", lw=2.5, label="$f(x_k + t\\,d)$")
    (line,) = ax.plot(t, v0["model"], color="C1", lw=2.0, ls="--", label="model $m_k$")
    ax.plot([0.0], [model.f.value(x_k)], "ko", ms=7, label="$x_k$ ($t=0$)")
    (low,) = ax.plot([step], [v0["model_min"]], "o", color="C3", ms=8,
                     label="model minimum: $x_{k+1}$")
    vmin, vmax = model.value_range()          # covers every step of the slider
    pad = 0.12 * (vmax - vmin)
    ax.set_ylim(vmin - pad, vmax + pad)
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("$t$ along the ray $x_k + t\\,d$, $d = -H^{-1}\\nabla f(x_k)$")
    ax.set_ylabel("value")
    title = ax.set_title("γ = 0.000: the model lies above f")
    return {"model": line, "minimum": low, "title": title}


def _plane_panel(ax, model, step, xlim, ylim):
    """Level sets of f, the model's level sets around x_{k+1} and the step arrow."""
    xlim, ylim = _cover(xlim, ylim, model.ray_points())
    _background(ax, model.f, xlim, ylim, levels=10, n=161)
    x_k, x_next = model.x_k, model.at(step)["x_next"]
    rings = [plots.ellipse(model.metric.H, x_k, 1.0, ax=ax, color="C1", lw=1.4, ls="--",
                           label="model level sets" if i == 2 else None) for i in range(3)]
    plots.point(x_k, ax=ax, color="k", markersize=7, label="$x_k$ ($t=0$)")        # as on the left:
    nxt = plots.point(x_next, ax=ax, color="C3", markersize=8,                       # one legend entry
                      label="model minimum: $x_{k+1}$")
    arrow = plots.step_arrow(x_k, x_next, ax=ax, color="C3")
    ax.set_title("level sets of $f$ and of the model")
    return {"rings": rings, "next": nxt, "arrow": arrow}


def _step_model_update(model, live, art):
    def update(values):
        s = float(values["step"])
        v = model.at(s)
        art["model"].set_ydata(v["model"])
        art["minimum"].set_data([s], [v["model_min"]])
        for ring, frac in zip(art["rings"], RING_FRACTIONS):
            plots.set_ellipse(ring, model.metric.H, v["x_next"], frac * v["radius"])
        plots.set_points(art["next"], v["x_next"])
        plots.move_arrow(art["arrow"], model.x_k, v["x_next"])
        # 3 decimals: at step 1.016 "1.02" would contradict "lies above" (the bound is 1.0163)
        where = "lies above" if v["above"] else "dips below"
        art["title"].set_text(f"γ = {s:.3f}: the model {where} f")
        live.refresh()
    return update


def step_model_app(f, x_k=(-4.0, 1.5), step=0.5, H=None, step_range=(0.1, 3.0),
                   xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(10.0, 4.0), dpi=90):
    r"""One gradient step = minimizing a quadratic model; the step slider (γ) narrows/widens it.

    Left: f and the model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) + \|x-x_k\|_H^2/(2\gamma)` along
    the step's ray :math:`x_k - t H^{-1}\nabla f(x_k)`; the model touches f at t = 0 and its
    minimum, at t = γ, is the next iterate. Right: the level sets of f with the model's level sets
    (H-ellipses, circles for H = I) centred at :math:`x_{k+1}`, and the step arrow.

    ``step`` is the opening γ, ``step_range`` the slider's range (a log slider). Control:
    ``"step"``; artists: ``model``, ``minimum``, ``title``, ``rings``, ``next``, ``arrow``.
    """
    model = StepModel(f, x_k, step_range, H=H)
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, width_ratios=[1, 1.25])
    art = _ray_panel(live.axes[0], model, step)
    art.update(_plane_panel(live.axes[1], model, step, xlim, ylim))
    # under the panels: inside the ray panel it covered the model's minimum at projector sizes
    _legend_below(live.fig, live.axes, ncols=3)
    live.freeze(_moving(art))
    controls = {"step": log_slider(step, *model.step_range, description="step γ",
                                   readout_format=".3f")}
    app = App(controls, live, _step_model_update(model, live, art), model=model, artists=art,
              observe=True)
    app.redraw()
    return app


# =============================================================================================
# gd_explorer: the iterates on the level sets (left), the convergence curve (right)
# =============================================================================================
def _iterates_panel(ax, f, x0, H, xlim, ylim, levels, grid):
    _background(ax, f, xlim, ylim, levels, grid)
    art = {"path": plots.path(np.zeros((1, 2)), ax=ax, color="C3", label="iterates $x_0..x_k$"),
           "start": plots.point(x0, ax=ax, marker="s", color="k", markersize=7, label="$x_0$"),
           "current": plots.point(x0, ax=ax, color="C3", markersize=9, mec="k"),
           "ring": plots.ellipse(np.ones(2) if H is None else H, x0, 1.0, ax=ax, color="C1",
                                 lw=1.3, ls="--", label="model level set at $x_k$"),
           "banner": plots.banner(ax, "diverges")}
    art["title"] = ax.set_title("γ = 0.000, k = 000: xₖ = [0.000, 0.000]")
    return art


def _gap_panel(ax, iterations):
    _convergence_axes(ax, iterations)
    art = {"gap": plots.convergence(np.ones(iterations + 1), ax=ax, color="C3", lw=4, alpha=0.5,
                                    label="measured"),
           "theory": plots.rate_line(0.5, iterations, ax=ax, color="k", lw=1.3, zorder=3,
                                     label="theory: $\\rho(\\gamma)^{2k}$ gap$_0$"),
           "gap_k": plots.point([0.0, 1.0], ax=ax, color="C3", markersize=8, mec="k")}
    art["rate_title"] = ax.set_title("ρ(γ) = max|1 − γλ| = 0.000")
    return art


def _draw_run(art, r, iterations):
    """What a new run changes: start, gap curve, theory line, banner, ρ."""
    plots.set_points(art["start"], r.iterates[0])
    art["gap"].set_ydata(np.where(r.gap > 0, r.gap, np.nan))
    art["theory"].set_ydata(plots.log_rate_values(r.rate, iterations, start=r.gap[0], power=2))
    art["banner"].set_visible(r.diverges)
    art["banner"].set_text(f"diverges: γ > 2/λmax = {r.bound:.3f}")
    art["rate_title"].set_text(f"ρ(γ) = max|1 − γλ| = {r.rate:.3f}")


def _draw_iterate(art, r, k):
    """What iteration k changes: the path so far, x_k, the model's level set, the gap marker."""
    fr = DescentModel.frame(r, k)
    plots.set_points(art["path"], fr["path"])
    plots.set_points(art["current"], fr["x"])
    plots.set_points(art["ring"], fr["ring"])
    art["ring"].set_visible(bool(np.all(np.isfinite(fr["ring"]))))
    plots.set_points(art["gap_k"], [k, fr["gap"]])
    xs = "diverged" if not np.all(np.isfinite(fr["x"])) else f"xₖ = {_fmt(fr['x'])}"
    art["title"].set_text(f"γ = {r.step:.3f}, k = {k}: {xs}")


def _gd_update(model, live, art):
    state = {"run": None}

    def update(values):
        r = model.runs(float(values["step"]), (float(values["x0_1"]), float(values["x0_2"])))
        if r is not state["run"]:
            _draw_run(art, r, model.iterations)
            state["run"] = r
        _draw_iterate(art, r, int(values["k"]))
        live.refresh()
    return update


def _gd_header(model):
    s, scaled = model.summary(), model.H is not None
    name = f"scaled GD, H = {_metric_name(model.H)}" if scaled else "GD"
    return widgets.HTML(
        f"<b>{name}</b> on f = ½xᵀQx: {'λ(H⁻¹Q)' if scaled else 'λ(Q)'} = "
        f"{_fmt(s['eigenvalues'])}, "
        f"κ = {s['kappa']:.2f}; stable iff γ &lt; {s['bound']:.3f}; "
        f"best γ = {s['best_step']:.3f} gives ρ = {s['best_rate']:.3f}")


def gd_explorer(f, step=1.0, x0=(-4.0, 1.5), iterations=200, H=None, step_max=2.4,
                xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(10.5, 4.0), dpi=80,
                levels=10, grid=121):
    r"""(Scaled) GD :math:`x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k)` on a 2-D quadratic: level
    sets + iterates, and the convergence curve.

    Controls: ``step`` (γ, from 0.02 to ``step_max``), the start point ``x0_1``, ``x0_2``, and an
    iteration slider ``k`` driven by a Play button. Past the stability bound
    :math:`\gamma \ge 2/\lambda_{\max}(H^{-1}Q)` a banner says "diverges" (the run itself stops
    at NaN, silently). The right panel draws :math:`f(x_k) - f^\star` with the theoretical line
    :math:`(f(x_0) - f^\star)\,\rho(\gamma)^{2k}`.

    ``app.model`` is the :class:`~course_utils.models.descent.DescentModel`; its cache
    ``app.model.runs`` is never asked for a new run by the iteration slider.
    """
    if not 0.02 <= step <= step_max:
        raise ValueError(f"step must lie on the slider, in [0.02, step_max = {step_max:g}]; "
                         f"got {step!r}")
    iterations = _checks.size(iterations, "iterations")
    _checks.check_memory(iterations * 8 * 8, "iterations", iterations, "the runs the app keeps")
    x0 = _checks.as_vector(x0, "x0", f.n)
    if not (xlim[0] <= x0[0] <= xlim[1] and ylim[0] <= x0[1] <= ylim[1]):
        raise ValueError(f"x0 must lie on the sliders, in [{xlim[0]:g}, {xlim[1]:g}] x [{ylim[0]:g}, "
                         f"{ylim[1]:g}] (xlim x ylim); got {tuple(x0.tolist())}")
    model = DescentModel(f, iterations, H=H)
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, width_ratios=[1.3, 1])
    art = _iterates_panel(live.axes[0], f, x0, model.H, xlim, ylim, levels, grid)
    art.update(_gap_panel(live.axes[1], model.iterations))
    _legend_below(live.fig, live.axes, ncols=6)
    live.freeze(_moving(art))
    play, k = _play_controls(model.iterations, model.iterations)
    controls = {"step": slider(step, 0.02, step_max, step=0.002, description="step γ"),
                "x0_1": slider(float(x0[0]), xlim[0], xlim[1], step=0.05, description="$x_{0,1}$"),
                "x0_2": slider(float(x0[1]), ylim[0], ylim[1], step=0.05, description="$x_{0,2}$"),
                "play": play, "k": k}
    app = App(controls, live, _gd_update(model, live, art), header=_gd_header(model),
              model=model, artists=art, observe=True)
    app.redraw()
    return app


# =============================================================================================
# scaled_gd_explorer: GD and scaled GD side by side, each at its best step, and their gaps
# =============================================================================================
def _descent_panel(ax, f, x0, color, xlim, ylim, levels, grid):
    _background(ax, f, xlim, ylim, levels, grid)
    art = {"path": plots.path(np.zeros((1, 2)), ax=ax, color=color),
           "current": plots.point(x0, ax=ax, color=color, markersize=9, mec="k"),
           "ring": plots.ellipse(np.ones(2), x0, 1.0, ax=ax, color="C1", lw=1.3, ls="--",
                                 label="model level set at $x_k$")}
    plots.point(x0, ax=ax, marker="s", color="k", markersize=7, label="$x_0$")
    return art


def _legend_below(fig, axes, ncols):
    """One legend for ``axes`` (each label once) under the panels, outside them: inside a panel
    it covered x* and the convergence curves at projector font sizes."""
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize="small",
                      frameon=False)


def _scaled_view(model, live, xlim, ylim, levels, grid):
    """The three panels; returns the moving artists by name (``gd_*`` left, ``scaled_*`` middle)."""
    f, base, n = model.f, model.base, model.iterations
    ax0, ax1, axc = live.axes
    art = {}
    for prefix, ax, color in (("gd_", ax0, "C0"), ("scaled_", ax1, "C3")):
        panel = _descent_panel(ax, f, model.x0, color, xlim, ylim, levels, grid)
        art.update({prefix + name: a for name, a in panel.items()})
    ax0.set_title(f"GD, H = I\nκ = {f.condition_number():.2f}, γ = {base.step:.3f}, "
                  f"ρ = {base.rate:.3f}")
    art["scaled_title"] = ax1.set_title("scaled GD\nκ")
    _convergence_axes(axc, n)
    plots.convergence(base.gap, ax=axc, color="C0", lw=4, alpha=0.5, label="GD, H = I")
    plots.rate_line(1.0, n, ax=axc, color="k", lw=1.3, zorder=3,
                    label="theory $\\rho^{2k}$ gap$_0$").set_ydata(
        plots.log_rate_values(base.rate, n, base.gap[0], power=2))
    art["scaled_gap"] = plots.convergence(np.ones(n + 1), ax=axc, color="C3", lw=4, alpha=0.5,
                                          label="scaled GD")
    art["scaled_theory"] = plots.rate_line(0.5, n, ax=axc, color="k", lw=1.3, zorder=3)
    art["k_line"] = axc.axvline(0, color="0.3", lw=1)
    _legend_below(live.fig, [ax0, axc], ncols=6)
    axc.set_title("at the best γ")
    live.freeze(_moving(art))
    return art


def _draw_frame(art, prefix, r, k):
    fr = DescentModel.frame(r, k)
    plots.set_points(art[prefix + "path"], fr["path"])
    plots.set_points(art[prefix + "current"], fr["x"])
    plots.set_points(art[prefix + "ring"], fr["ring"])
    art[prefix + "ring"].set_visible(bool(np.all(np.isfinite(fr["ring"]))))


def _scaled_update(model, live, art):
    state = {"run": None}

    def update(values):
        r = model.runs(model.metric(values["H"], values["h1"], values["h2"]))
        if r is not state["run"]:
            art["scaled_gap"].set_ydata(np.where(r.gap > 0, r.gap, np.nan))
            art["scaled_theory"].set_ydata(
                plots.log_rate_values(r.rate, model.iterations, r.gap[0], power=2))
            art["scaled_title"].set_text(
                f"scaled GD, H = {_metric_name(r.H)}\nκ = {model.f.condition_number(r.H):.2f}, "
                f"γ = {r.step:.3f}, ρ = {r.rate:.3f}")
            state["run"] = r
        k = int(values["k"])
        _draw_frame(art, "gd_", model.base, k)
        _draw_frame(art, "scaled_", r, k)
        art["k_line"].set_xdata([k, k])
        live.refresh()
    return update


def _link_metric_controls(model, pick, h1, h2, hold):
    """Keep the H preset and the h sliders consistent: a diagonal preset moves the sliders, a full
    one greys them out, moving a slider off the preset picks "custom diag". ``hold()`` (the App's)
    makes each of these multi-control changes redraw once."""
    sync = {"on": False}

    def on_preset(change):
        H = model.presets.get(change["new"])
        full = H is not None and not Metric(H).diagonal
        h1.disabled = h2.disabled = full            # a full H is no diagonal: sliders greyed out
        if sync["on"] or H is None or full:
            return
        sync["on"] = True
        with hold():
            set_value(h1, float(H[0]))
            set_value(h2, float(H[1]))
        sync["on"] = False

    def on_h(change):
        if sync["on"]:
            return
        if pick.value in model.presets:      # the browser's rounding of the preset: keep it
            d = Metric(model.presets[pick.value]).diag
            if same_value(h1, h1.value, d[0]) and same_value(h2, h2.value, d[1]):
                return
        sync["on"] = True
        with hold():
            pick.value = model.CUSTOM
        sync["on"] = False

    pick.observe(on_preset, "value")
    h1.observe(on_h, "value")
    h2.observe(on_h, "value")


def scaled_gd_explorer(f, x0=(-4.0, 1.5), iterations=60, h=None, preset="P = diag(Q)",
                       xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(13.0, 4.0), dpi=80,
                       levels=10, grid=121):
    r"""Unscaled vs scaled GD side by side, each at its best constant step, and their convergence.

    Controls: ``H``, a preset for H (I, P = diag(Q), Q = Newton), ``h1``, ``h2``, the two diagonal
    entries of a diagonal H (log sliders; moving one switches to "custom diag") and an iteration
    slider ``k`` with Play. The scaled panel draws the H-ellipse of the scaled model at
    :math:`x_k`. The right panel draws :math:`f(x_k) - f^\star` of both runs and the lines
    :math:`\rho^{2k}(f(x_0) - f^\star)`. ``app.model`` is the
    :class:`~course_utils.models.descent.ScaledDescentModel`.
    """
    model = ScaledDescentModel(f, x0, iterations)
    h0 = model.opening_diagonal(preset, h)
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=3, width_ratios=[1.15, 1.15, 1])
    art = _scaled_view(model, live, xlim, ylim, levels, grid)
    pick = widgets.ToggleButtons(options=list(model.presets) + [model.CUSTOM], value=preset,
                                 description="H", style={"button_width": "auto"})
    h1 = log_slider(float(h0[0]), 1e-2, 1e1, description="$h_1$")
    h2 = log_slider(float(h0[1]), 1e-2, 1e1, description="$h_2$")
    h1.disabled = h2.disabled = not Metric(model.presets.get(preset, h0)).diagonal
    play, k = _play_controls(model.iterations, min(2, model.iterations), interval=300)
    box = {}                                   # the sync runs before the App's own redraw
    _link_metric_controls(model, pick, h1, h2, lambda: box["app"].hold())
    header = widgets.HTML(
        f"Unscaled GD: κ(Q) = {f.condition_number():.2f}, best rate {f.optimal_rate():.3f}. "
        "Scaled GD at its best step 2/(λmin + λmax) of H<sup>-1/2</sup>QH<sup>-1/2</sup>.")
    box["app"] = app = App({"H": pick, "h1": h1, "h2": h2, "play": play, "k": k}, live,
                           _scaled_update(model, live, art), header=header, model=model,
                           artists=art, observe=True)
    app.redraw()
    return app
