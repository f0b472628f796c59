r"""The apps of notebook 01: one gradient step as a model minimizer, GD and scaled GD on a quadratic.

Two layers:

* the **numeric part** (:func:`descent_run`, :func:`step_model_view`, :func:`model_level_set`,
  :class:`RunCache`) takes slider values and returns arrays; it builds no figure and no widget, so
  the tests check it without a kernel;
* the **factories** (:func:`step_model_app`, :func:`gd_explorer`, :func:`scaled_gd_explorer`) build
  one :class:`~course_utils.widgets.core.LiveFigure` once, and their callbacks only move artists and
  call ``live.refresh()`` once. A run is recomputed only when its own inputs changed; the
  iteration slider (and the Play button driving it) slices cached iterates.

Example
-------
>>> from course_utils.objectives import Quadratic
>>> f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
>>> r = descent_run(f, gamma=1.0, x0=[-4.0, 1.5], steps=3)
>>> r.iterates.shape, r.diverges
((4, 2), False)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import ipywidgets as widgets
import numpy as np

from .. import _checks, optimizers
from ..objectives import quadratic_model
from ..plots import core as plots
from .core import App, BlitFigure, log_slider, same_value, slider

__all__ = ["DescentRun", "RunCache", "descent_run", "model_level_set", "step_model_view",
           "step_model_app", "gd_explorer", "scaled_gd_explorer", "h_presets"]


# =============================================================================================
# Numeric part: no widgets, no figures
# =============================================================================================
class DescentRun(NamedTuple):
    """One (scaled) GD run and the numbers a plot of it needs."""

    iterates: np.ndarray   # (steps + 1, 2); NaN rows once the run blew up
    gap: np.ndarray        # f(x_k) - f*, NaN where the iterate is NaN
    gamma: float
    H: Any                 # None (identity), a (2,) diagonal or a (2, 2) matrix
    rate: float            # rho(gamma) = max_i |1 - gamma * lambda_i(H^-1 Q)|
    bound: float           # the stability bound 2 / lambda_max(H^-1 Q)
    diverges: bool         # gamma > bound (the theory), whatever the finite run shows


def _metric(H, n):
    """``None`` for the identity, else the validated metric (vector = diagonal)."""
    if H is None:
        return None
    H, _ = _checks.as_metric(H, "H", n)
    return H


def descent_run(f, gamma, x0, steps, H=None):
    r"""Scaled GD :math:`x_{k+1} = x_k - \gamma H^{-1}\nabla f(x_k)` on the quadratic ``f``
    (plain GD when ``H`` is None), with :func:`course_utils.optimizers.run`.

    Returns a :class:`DescentRun`. ``rate`` is the per-step contraction of the error,
    :math:`\rho(\gamma) = \max_i |1 - \gamma\lambda_i|` over the eigenvalues of
    :math:`H^{-1/2} Q H^{-1/2}`; the gap :math:`f(x_k) - f^\star` contracts like
    :math:`\rho^{2k}`.
    """
    gamma = _checks.positive(gamma, "gamma")
    H = _metric(H, f.n)
    x0 = _checks.as_vector(x0, "x0", f.n)
    opt = optimizers.gd(gamma) if H is None else optimizers.scaled_gd(gamma, H)
    X = optimizers.run(opt, f.grad, x0, steps)
    ok = np.all(np.isfinite(X), axis=-1)
    gap = np.full(X.shape[0], np.nan)
    gap[ok] = f.value(X[ok]) - f.min_value()
    lam = f.scaled_eigenvalues(H)
    bound = f.stable_step_bound(H)
    return DescentRun(X, gap, gamma, H, float(np.max(np.abs(1.0 - gamma * lam))), bound,
                      bool(gamma > bound))


def model_level_set(run, k, n=200):
    r"""The level set through :math:`x_k` of the model that step k minimizes.

    The model :math:`m_k(x) = f(x_k) + \nabla f(x_k)^T(x - x_k) + \|x - x_k\|_H^2/(2\gamma)` equals
    :math:`\text{const} + \|x - x_{k+1}\|_H^2/(2\gamma)`: its level sets are H-ellipses (circles
    when H = I) centred at the next iterate. Returns the ``(n, 2)`` points, or an all-NaN array
    when step k does not exist (last iterate, diverged run).
    """
    X = run.iterates
    if k + 1 >= X.shape[0] or not np.all(np.isfinite(X[k:k + 2])):
        return np.full((n, 2), np.nan)
    H = np.ones(X.shape[1]) if run.H is None else run.H
    Hm = np.diag(H) if np.ndim(H) == 1 else H
    e = X[k] - X[k + 1]
    r = float(np.sqrt(e @ Hm @ e))
    if not r > 0:
        return np.full((n, 2), np.nan)
    return plots.ellipse_points(H, X[k + 1], r, n)


def step_model_view(f, x_k, gamma, t, H=None):
    r"""f and its quadratic model along the step's ray :math:`x_k + t\,d`,
    :math:`d = -H^{-1}\nabla f(x_k)`.

    Returns a dict: ``f`` and ``model`` (values on the grid ``t``), ``x_next`` (the model's
    minimizer, by :func:`~course_utils.objectives.quadratic_model`), ``d`` and ``model_obj``.
    The model's minimum sits at ``t = gamma``: the gradient step.
    """
    x_k = _checks.as_vector(x_k, "x_k", f.n)
    Hm = _metric(H, f.n)
    m = quadratic_model(f, x_k, gamma, H=Hm)
    g = f.grad(x_k)
    if Hm is None:
        d = -g
    elif np.ndim(Hm) == 1:
        d = -g / Hm
    else:
        d = -np.linalg.solve(Hm, g)
    pts = x_k + np.asarray(t, dtype=float)[:, None] * d
    return {"f": f.value(pts), "model": m.value(pts), "x_next": m.minimizer(), "d": d,
            "model_obj": m}


class RunCache:
    """Remember the last result per key, and count the computations (``self.computed``)."""

    def __init__(self, compute):
        self.compute = compute
        self.key = None
        self.value = None
        self.computed = 0

    def __call__(self, *key):
        if self.value is None or key != self.key:
            self.value = self.compute(*key)
            self.key = key
            self.computed += 1
        return self.value


def _key(H):
    return None if H is None else tuple(np.ravel(H).tolist()) + (np.ndim(H),)


def _unkey(key):
    if key is None:
        return None
    *vals, ndim = key
    a = np.array(vals)
    return a if ndim == 1 else a.reshape(2, 2)


# =============================================================================================
# Factories
# =============================================================================================
_LIMS = {"xlim": (-5.0, 5.0), "ylim": (-2.5, 2.5)}


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


def _background(ax, f, xlim, ylim, levels, n):
    cs = plots.contours(f.value, xlim, ylim, ax=ax, levels=levels, n=n, cmap="Blues_r",
                        linewidths=0.9)
    plots.point(f.minimizer(), ax=ax, marker="*", color="k", markersize=12, label="$x^\\star$")
    ax.set_aspect("equal", adjustable="box")
    return cs


def _play_controls(steps, value, interval=120):
    k = widgets.IntSlider(value=value, min=0, max=steps, description="iteration k",
                          continuous_update=True, style={"description_width": "initial"})
    play = widgets.Play(value=value, min=0, max=steps, step=1, interval=interval,
                        description="play")
    widgets.jslink((play, "value"), (k, "value"))
    return play, k


def step_model_app(f, x_k=(-4.0, 1.5), gamma=0.5, H=None, gamma_range=(0.1, 3.0),
                   xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(10.0, 4.0), dpi=90):
    r"""One gradient step = minimizing a quadratic model; a γ slider narrows/widens the model.

    Left: f and the model :math:`f(x_k) + \nabla f(x_k)^T(x-x_k) + \|x-x_k\|_H^2/(2\gamma)` along
    the step's ray :math:`x_k - t H^{-1}\nabla f(x_k)`; the model touches f at t = 0 and its
    minimum, at t = γ, is the next iterate. Right: the level sets of f with the model's level sets
    (H-ellipses, circles for H = I) centred at :math:`x_{k+1}`, and the step arrow.
    """
    x_k = _checks.as_vector(x_k, "x_k", f.n)
    lo, hi = gamma_range
    t = np.linspace(-0.15 * hi, 1.05 * hi, 300)
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, width_ratios=[1, 1.25])
    ax1, ax2 = live.axes
    v0 = step_model_view(f, x_k, gamma, t, H)
    (lf,) = ax1.plot(t, v0["f"], color="C0", lw=2.5, label="$f(x_k + t\\,d)$")
    (lm,) = ax1.plot(t, v0["model"], color="C1", lw=2.0, ls="--", label="model $m_k$")
    (tan,) = ax1.plot([0.0], [f.value(x_k)], "ko", ms=7, label="$x_k$ ($t=0$)")
    (mk,) = ax1.plot([gamma], [v0["model"].min()], "o", color="C3", ms=8,
                     label="model minimum: $x_{k+1}$")
    # the limits cover every gamma of the slider: the model's minimum f(x_k) - gamma/2 |g|_{H^-1}^2
    # falls linearly in gamma, and x_{k+1} = x_k + gamma d moves along the ray
    v_hi = step_model_view(f, x_k, hi, t, H)
    vmin = min(float(v0["f"].min()), float(v_hi["model_obj"].value(v_hi["x_next"])))
    vmax = float(max(f.value(x_k), np.max(v_hi["f"][t <= hi])))
    pad = 0.12 * (vmax - vmin)
    ax1.set_ylim(vmin - pad, vmax + pad)
    ax1.set_xlim(t[0], t[-1])
    ax1.set_xlabel("$t$ along the ray $x_k + t\\,d$, $d = -H^{-1}\\nabla f(x_k)$")
    ax1.set_ylabel("value")
    ax1.legend(loc="lower left", fontsize="small")       # the corner no curve enters
    title1 = ax1.set_title("γ = 0.000: the model lies above f")

    seg = np.array([x_k, x_k + lo * v_hi["d"], x_k + hi * v_hi["d"]])
    xlim, ylim = _cover(xlim, ylim, seg)
    _background(ax2, f, xlim, ylim, levels=10, n=161)
    radii = (1.0 / 3.0, 2.0 / 3.0, 1.0)
    rings = [plots.ellipse(np.ones(f.n) if H is None else H, x_k, 1.0, ax=ax2, color="C1",
                           lw=1.4, ls="--", label="model level sets" if i == 2 else None)
             for i in range(3)]
    plots.point(x_k, ax=ax2, color="k", markersize=7, label="$x_k$")
    nxt = plots.point(v0["x_next"], ax=ax2, color="C3", markersize=8, label="$x_{k+1}$")
    arrow = plots.step_arrow(x_k, v0["x_next"], ax=ax2, color="C3")
    ax2.set_title("level sets of $f$ and of the model")
    ax2.legend(loc="lower right", fontsize="x-small", framealpha=0.85)
    live.freeze([lm, mk, *rings, nxt, arrow, title1])

    Hm = np.eye(f.n) if H is None else (np.diag(H) if np.ndim(H) == 1 else np.asarray(H))
    gam = log_slider(gamma, lo, hi, description="step γ", readout_format=".3f")

    def update(*_):
        g = float(gam.value)
        v = step_model_view(f, x_k, g, t, H)
        lm.set_ydata(v["model"])
        mk.set_data([g], [v["model_obj"].value(v["x_next"])])
        e = x_k - v["x_next"]
        r = float(np.sqrt(e @ Hm @ e))
        for ring, s in zip(rings, radii):
            plots.set_ellipse(ring, Hm, v["x_next"], s * r)
        plots.set_points(nxt, v["x_next"])
        plots.move_arrow(arrow, x_k, v["x_next"])
        above = bool(np.all(v["model"] >= v["f"] - 1e-12))
        # 3 decimals: at gamma = 1.016 "1.02" would contradict "lies above" (the bound is 1.0163)
        title1.set_text(f"γ = {g:.3f}: the model {'lies above' if above else 'dips below'} f")
        live.refresh()

    gam.observe(update, "value")
    update()
    return App({"gamma": gam}, live, update)


def _cover(xlim, ylim, points, margin=0.08):
    """Grow the box ``xlim`` x ``ylim`` (keeping its aspect ratio) until it holds ``points``."""
    (x0, x1), (y0, y1) = xlim, ylim
    P = np.asarray(points, dtype=float)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    need = max(1.0, np.max(np.abs(P[:, 0] - cx)) / hx * (1 + margin),
               np.max(np.abs(P[:, 1] - cy)) / hy * (1 + margin))
    return (cx - need * hx, cx + need * hx), (cy - need * hy, cy + need * hy)


def _convergence_axes(ax, steps):
    ax.set_yscale("log")
    ax.set_xlim(0, steps)
    ax.set_ylim(1e-16, 1e2)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel("$f(x_k) - f^\\star$")


def gd_explorer(f, gamma=1.0, x0=(-4.0, 1.5), steps=200, H=None, gamma_max=2.4,
                xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(10.5, 4.0), dpi=80,
                levels=10, grid=121):
    r"""(Scaled) GD on a 2-D quadratic: level sets + iterates, and the convergence curve.

    Controls: the step γ, the start point, and an iteration slider driven by a Play button. Past
    the stability bound :math:`\gamma \ge 2/\lambda_{\max}(H^{-1}Q)` a banner says "diverges"
    (the run itself stops at NaN, silently). The right panel draws :math:`f(x_k) - f^\star` with
    the theoretical line :math:`(f(x_0) - f^\star)\,\rho(\gamma)^{2k}`.

    ``app.cache`` is the :class:`RunCache` of the run; the iteration slider never recomputes it.
    """
    x0 = _checks.as_vector(x0, "x0", f.n)
    H = _metric(H, f.n)
    hkey = _key(H)
    cache = RunCache(lambda g, a, b, hk: descent_run(f, g, (a, b), steps, _unkey(hk)))

    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, width_ratios=[1.3, 1])
    ax, axc = live.axes
    _background(ax, f, xlim, ylim, levels, grid)
    pline = plots.path(np.zeros((1, 2)), ax=ax, color="C3", label="iterates $x_0..x_k$")
    start = plots.point(x0, ax=ax, marker="s", color="k", markersize=7, label="$x_0$")
    cur = plots.point(x0, ax=ax, color="C3", markersize=9, mec="k")
    ring = plots.ellipse(np.ones(2) if H is None else H, x0, 1.0, ax=ax, color="C1", lw=1.3,
                         ls="--", label="model level set at $x_k$")
    ban = plots.banner(ax, "diverges")
    ax.legend(loc="lower right", fontsize="x-small", framealpha=0.85)
    title = ax.set_title("γ = 0.000, k = 000: xₖ = [0.000, 0.000]")

    _convergence_axes(axc, steps)
    gline = plots.convergence(np.ones(steps + 1), ax=axc, color="C3", lw=4, alpha=0.5,
                              label="measured")
    rline = plots.rate_line(0.5, steps, ax=axc, color="k", lw=1.3, zorder=3,
                            label="theory: $\\rho(\\gamma)^{2k}$ gap$_0$")
    gmark = plots.point([0.0, 1.0], ax=axc, color="C3", markersize=8, mec="k")
    axc.legend(loc="upper right", fontsize="small")
    ctitle = axc.set_title("ρ(γ) = max|1 − γλ| = 0.000")
    live.freeze([pline, start, cur, ring, ban, title, gline, rline, gmark, ctitle])

    bound = f.stable_step_bound(H)
    gam = slider(gamma, 0.02, gamma_max, step=0.002, description="step γ")
    s1 = slider(float(x0[0]), xlim[0], xlim[1], step=0.05, description="$x_{0,1}$")
    s2 = slider(float(x0[1]), ylim[0], ylim[1], step=0.05, description="$x_{0,2}$")
    play, kk = _play_controls(steps, steps)
    state = {"run": None}

    def draw_run(r):
        plots.set_points(start, r.iterates[0])
        gline.set_ydata(np.where(r.gap > 0, r.gap, np.nan))
        rline.set_ydata(plots.log_rate_values(r.rate, steps, start=r.gap[0], power=2))
        ban.set_visible(r.diverges)
        ban.set_text(f"diverges: γ > 2/λmax = {r.bound:.3f}")
        ctitle.set_text(f"ρ(γ) = max|1 − γλ| = {r.rate:.3f}")

    def draw_k(r, k):
        X = r.iterates
        plots.set_points(pline, X[:k + 1])
        plots.set_points(cur, X[k])
        plots.set_points(ring, model_level_set(r, k))
        ring.set_visible(bool(np.all(np.isfinite(ring.get_xdata()))))
        gk = r.gap[k]
        plots.set_points(gmark, [k, gk if gk > 0 else np.nan])
        xs = "diverged" if not np.all(np.isfinite(X[k])) else f"xₖ = {_fmt(X[k])}"
        title.set_text(f"γ = {r.gamma:.3f}, k = {k}: {xs}")

    def update(*_):
        r = cache(float(gam.value), float(s1.value), float(s2.value), hkey)
        if r is not state["run"]:
            draw_run(r)
            state["run"] = r
        draw_k(r, int(kk.value))
        live.refresh()

    for w in (gam, s1, s2, kk):
        w.observe(update, "value")
    update()
    name = "GD" if H is None else f"scaled GD, H = {_metric_name(H)}"
    header = widgets.HTML(
        f"<b>{name}</b> on f = ½xᵀQx: {'λ(Q)' if H is None else 'λ(H⁻¹Q)'} = "
        f"{_fmt(f.scaled_eigenvalues(H))}, "
        f"κ = {f.condition_number(H):.2f}; stable iff γ &lt; {bound:.3f}; "
        f"best γ = {f.optimal_step(H):.3f} gives ρ = {f.optimal_rate(H):.3f}")
    app = App({"gamma": gam, "x0_1": s1, "x0_2": s2, "play": play, "k": kk}, live, update,
              header=header)
    app.cache = cache
    return app


def h_presets(f):
    """The metrics the scaled explorer offers: I, P = diag(∇²f), and Q = ∇²f (Newton)."""
    return {"I": np.ones(f.n), "P = diag(Q)": np.diag(f.Q).copy(), "Q (Newton)": f.Q.copy()}


def scaled_gd_explorer(f, x0=(-4.0, 1.5), steps=60, h=None, preset="P = diag(Q)",
                       xlim=_LIMS["xlim"], ylim=_LIMS["ylim"], figsize=(13.0, 4.0), dpi=80,
                       levels=10, grid=121):
    r"""Unscaled vs scaled GD side by side, each at its best constant step, and their convergence.

    Controls: a preset for H (I, P = diag(Q), Q = Newton), the two diagonal entries of a diagonal H
    (log sliders; moving one switches to "custom diag") and an iteration slider with Play. The
    scaled panel draws the H-ellipse of the scaled model at :math:`x_k`. The right panel draws
    :math:`f(x_k) - f^\star` of both runs and the lines :math:`\rho^{2k}(f(x_0) - f^\star)`.
    """
    x0 = _checks.as_vector(x0, "x0", f.n)
    presets = h_presets(f)
    if preset not in presets and preset != "custom diag":
        raise ValueError(f"preset must be one of {list(presets) + ['custom diag']}; got {preset!r}")
    h0 = presets.get(preset, None) if h is None else _checks.as_metric(h, "h", f.n)[0]
    if h0 is None or np.ndim(h0) == 2:
        h0 = np.diag(f.Q).copy() if h0 is None else np.diag(h0).copy()
    base = descent_run(f, f.optimal_step(), x0, steps)
    cache = RunCache(lambda hk: descent_run(f, f.optimal_step(_unkey(hk)), x0, steps, _unkey(hk)))

    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=3, width_ratios=[1.15, 1.15, 1])
    ax0, ax1, axc = live.axes
    arts = []
    for ax, col in ((ax0, "C0"), (ax1, "C3")):
        _background(ax, f, xlim, ylim, levels, grid)
        a = {"path": plots.path(np.zeros((1, 2)), ax=ax, color=col),
             "cur": plots.point(x0, ax=ax, color=col, markersize=9, mec="k"),
             "ring": plots.ellipse(np.ones(2), x0, 1.0, ax=ax, color="C1", lw=1.3, ls="--",
                                   label="model level set at $x_k$")}
        plots.point(x0, ax=ax, marker="s", color="k", markersize=7, label="$x_0$")
        ax.legend(loc="lower right", fontsize="x-small", framealpha=0.85)
        arts.append(a)
    ax0.set_title(f"GD, H = I\nκ = {f.condition_number():.2f}, γ = {base.gamma:.3f}, "
                  f"ρ = {base.rate:.3f}")
    t1 = ax1.set_title("scaled GD\nκ")

    _convergence_axes(axc, steps)
    plots.convergence(base.gap, ax=axc, color="C0", lw=4, alpha=0.5, label="GD, H = I")
    plots.rate_line(1.0, steps, ax=axc, color="k", lw=1.3, zorder=3,
                    label="theory $\\rho^{2k}$ gap$_0$").set_ydata(
        plots.log_rate_values(base.rate, steps, base.gap[0], power=2))
    sline = plots.convergence(np.ones(steps + 1), ax=axc, color="C3", lw=4, alpha=0.5,
                              label="scaled GD")
    srate = plots.rate_line(0.5, steps, ax=axc, color="k", lw=1.3, zorder=3)
    kline = axc.axvline(0, color="0.3", lw=1)
    axc.legend(loc="upper right", fontsize="small")
    axc.set_title("at the best γ")
    live.freeze([t1, sline, srate, kline] + [a[k] for a in arts for k in ("path", "cur", "ring")])

    pick = widgets.ToggleButtons(options=list(presets) + ["custom diag"], value=preset,
                                 description="H", style={"button_width": "auto"})
    h1 = log_slider(float(h0[0]), 1e-2, 1e1, description="$h_1$")
    h2 = log_slider(float(h0[1]), 1e-2, 1e1, description="$h_2$")
    play, kk = _play_controls(steps, min(2, steps), interval=300)
    state = {"run": None, "sync": False}

    def current_H():
        if pick.value == "Q (Newton)":
            return presets["Q (Newton)"]
        if pick.value in presets:
            return presets[pick.value]
        return np.array([h1.value, h2.value], dtype=float)

    def draw_k(a, r, k):
        plots.set_points(a["path"], r.iterates[:k + 1])
        plots.set_points(a["cur"], r.iterates[k])
        pts = model_level_set(r, k)
        plots.set_points(a["ring"], pts)
        a["ring"].set_visible(bool(np.all(np.isfinite(pts))))

    def update(*_):
        r = cache(_key(current_H()))
        if r is not state["run"]:
            sline.set_ydata(np.where(r.gap > 0, r.gap, np.nan))
            srate.set_ydata(plots.log_rate_values(r.rate, steps, r.gap[0], power=2))
            Hs = _metric_name(r.H)
            kap = f.condition_number(r.H)
            t1.set_text(f"scaled GD, H = {Hs}\nκ = {kap:.2f}, γ = {r.gamma:.3f}, ρ = {r.rate:.3f}")
            state["run"] = r
        k = int(kk.value)
        draw_k(arts[0], base, k)
        draw_k(arts[1], r, k)
        kline.set_xdata([k, k])
        live.refresh()

    def on_preset(change):
        if state["sync"]:
            return
        H = presets.get(change["new"])
        full = H is not None and np.ndim(H) == 2
        h1.disabled = h2.disabled = full            # a full H is no diagonal: sliders greyed out
        if H is not None and not full:
            state["sync"] = True
            h1.value, h2.value = float(H[0]), float(H[1])
            state["sync"] = False
        update()

    def on_h(change):
        if state["sync"]:
            return
        if pick.value in presets:           # the browser's rounding of the preset: keep it
            d = presets[pick.value]
            d = d if np.ndim(d) == 1 else np.diag(d)
            if same_value(h1, h1.value, d[0]) and same_value(h2, h2.value, d[1]):
                return
        state["sync"] = True
        pick.value = "custom diag"
        state["sync"] = False
        update()

    pick.observe(on_preset, "value")
    h1.disabled = h2.disabled = np.ndim(presets.get(preset, h0)) == 2
    h1.observe(on_h, "value")
    h2.observe(on_h, "value")
    kk.observe(update, "value")
    update()
    header = widgets.HTML(
        f"Unscaled GD: κ(Q) = {f.condition_number():.2f}, best rate {f.optimal_rate():.3f}. "
        "Scaled GD at its best step 2/(λmin + λmax) of H<sup>-1/2</sup>QH<sup>-1/2</sup>.")
    app = App({"H": pick, "h1": h1, "h2": h2, "play": play, "k": kk}, live, update, header=header)
    app.cache = cache
    app.base = base
    return app
