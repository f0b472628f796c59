r"""The picture you can move: (S)GD lands on the projection of x0 onto the solution line, Adam not.

The recipe of :mod:`course_utils.widgets`: the model is
:class:`course_utils.models.projection.LinePicture` (numbers only; each run cached by exactly the
inputs it depends on), :func:`_view` builds the figure once and names its moving artists, and
``update(values)`` draws one :meth:`~course_utils.models.projection.LinePicture.frame`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import style
from ..models.projection import FRACTIONS, LinePicture, adam_step
from ..plots.core import path
from ..plots.geometry import line_segment, solution_line
from .core import App, BlitFigure, log_slider, slider

__all__ = ["projection_app", "FRACTIONS", "on_screen"]

GD_ITERATIONS = 200            # enough for GD to reach its star up to 0.99 x the bound (1e-2)
FIGSIZE = {"notebook": (8.0, 5.4), "lecture": (7.6, 4.1)}   # lecture: fits 1280 x 720 with sliders


def _status(dist, adam_steps=None, adam_converged=True, adam_residual=0.0):
    """The line above the figure: each end point's distance to its projection (below 1e-8 it is
    round-off and printed as a bound), and whether Adam converged within its budget."""
    parts = [f"{name} diverged" if not np.isfinite(d) else f"{name} < 1e-8" if d < 1e-8 else
             f"{name} {d:.1e}" if d < 1e-3 else f"{name} {d:.2f}" for name, d in dist.items()]
    text = "distance of the end point to its projection:  " + ",  ".join(parts)
    if adam_steps is not None:
        text += (f" (Adam on the line after {adam_steps} steps)" if adam_converged else
                 f" (Adam after {adam_steps} steps, not converged: aᵀx − β = {adam_residual:.2f})")
    return text


def _adam_label(converged, steps):
    return "Adam's limit" if converged else f"Adam after {steps} steps (not converged)"


def on_screen(point, lim, inset=0.03):
    """Where to draw ``point`` in the square view ``lim``: itself when inside, else clipped to the
    border (``inset`` of the width inside it). Returns ``(xy, marker, inside)``; outside, the
    marker is a triangle pointing the way to the point."""
    lo, hi = lim
    pad = inset * (hi - lo)
    p = np.asarray(point, dtype=float)
    inside = bool(np.all((p >= lo) & (p <= hi)))
    if inside:
        return p, "*", True
    q = np.clip(p, lo + pad, hi - pad)
    d = p - q
    marker = (">" if d[0] > 0 else "<") if abs(d[0]) >= abs(d[1]) else ("^" if d[1] > 0 else "v")
    return q, marker, False


def _view(pic, lim, figsize, dpi):
    """The figure, built once; returns ``(live, artists)`` (artists by name)."""
    lecture = style.current() == "lecture"
    figsize = FIGSIZE["lecture" if lecture else "notebook"] if figsize is None else figsize
    live = BlitFigure(figsize=figsize, dpi=dpi)
    ax = live.axes
    solution_line(pic.a, pic.beta, lim, lim, ax=ax)
    art = {"circle": ax.plot([], [], color="0.45", ls="--", lw=1.2,
                             label=r"$\|x - x_0\|_2$ = dist. to line")[0], "ellipses": []}
    for i, _ in enumerate(FRACTIONS):
        last = i == len(FRACTIONS) - 1
        (line,) = ax.plot([], [], color="C1", lw=1.8 if last else 0.9, alpha=1.0 if last else 0.55,
                          label=r"level sets of $\|x - x_0\|_H$" if last else None)
        art["ellipses"].append(line)
    empty = np.full((1, 2), np.nan)
    art["gd"] = path(empty, ax=ax, color="C0", label="GD", markersize=3)
    art["scaled_gd"] = path(empty, ax=ax, color="C1", label="scaled GD (metric H)", markersize=3)
    art["sgd"] = path(empty, ax=ax, color="C2", label="SGD", markersize=2, alpha=0.8)
    art["adam"] = path(empty, ax=ax, color="C3", label=r"Adam, $\gamma_k \to 0$", markersize=2.5,
                       markevery=5)
    marks = {"x0": ("s", "k", 8, "$x_0$", 5), "proj": ("*", "C0", 16, "2-norm projection", 6),
             "proj_h": ("*", "C1", 16, r"$H$-norm projection", 6),
             "adam_end": ("X", "C3", 11, "Adam's limit", 6)}
    for name, (m, c, size, label, z) in marks.items():
        (art[name],) = ax.plot([], [], m, color=c, markersize=size, label=label, zorder=z,
                               **({} if name == "x0" else {"mec": "k"}))
    ax.set(xlim=lim, ylim=lim, xlabel="$x_1$", ylabel="$x_2$",
           title=r"Where does each method land on $\{x : a^Tx = \beta\}$?")
    ax.set_aspect("equal", adjustable="box")
    art["legend_kw"] = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0),
                            fontsize=None if lecture else 8, framealpha=0.9)   # lecture: the style's sizes
    ax.legend(**art["legend_kw"])
    live.freeze_layout()
    live.set_moving([art["circle"], *art["ellipses"], art["gd"], art["scaled_gd"], art["sgd"],
                     art["adam"], art["x0"], art["proj"], art["proj_h"], art["adam_end"]])
    # the distances are read out above the figure (an HTML line): never over the picture
    art["status"] = widgets.HTML()
    return live, art


def _update(pic, lim, live, art):
    def update(values):
        x0 = (float(values["x0_1"]), float(values["x0_2"]))
        fr = pic.frame(x0, (float(values["h1"]), float(values["h2"])),
                       float(values["step_fraction"]), {"adam": float(values["step"])})
        for name, X in fr.runs.items():
            art[name].set_data(X[:, 0], X[:, 1])
        art["circle"].set_data(fr.circle[:, 0], fr.circle[:, 1])
        for line, pts in zip(art["ellipses"], fr.ellipses):
            line.set_data(pts[:, 0], pts[:, 1])
        art["x0"].set_data([x0[0]], [x0[1]])
        off = []
        for key, point, name in (("proj", fr.projection, "2-norm"),
                                 ("proj_h", fr.projection_h, "H-norm")):
            q, marker, inside = on_screen(point, lim)
            art[key].set_data([q[0]], [q[1]])
            art[key].set_marker(marker)
            if not inside:
                off.append(f"{name} projection off-screen at ({point[0]:.1f}, {point[1]:.1f})")
        end = fr.runs["adam"][-1]
        art["adam_end"].set_data([end[0]], [end[1]])
        label = _adam_label(fr.adam_converged, fr.adam_steps)
        if art["adam_end"].get_label() != label:           # the legend is in the background
            art["adam_end"].set_label(label)
            live.axes.legend(**art["legend_kw"])
            live.invalidate()
        art["status"].value = (_status(fr.distances, fr.adam_steps, fr.adam_converged,
                                       float(end @ pic.a - pic.beta))
                               + "".join("; " + o for o in off))
        live.refresh()
    return update


def projection_app(a=(1.0, 3.0), beta=3.0, x0=(-2.5, -1.5), h=(1.0, 6.0), step_fraction=0.3,
                   step=None, lim=(-3.5, 3.5), figsize=None, dpi=80, step_fraction_max=1.2):
    r"""An App: the line :math:`a^Tx = \beta`, a start point :math:`x_0`, a diagonal metric H.

    Controls (``app.controls``): ``x0_1``, ``x0_2`` (the start point), ``h1``, ``h2`` (H =
    diag(h), log sliders), ``step_fraction``: the step of GD / scaled GD / SGD as a fraction of
    each method's stability bound (up to ``step_fraction_max`` > 1, so that divergence can be
    shown), and ``step``: Adam's initial step :math:`\gamma_0` (decaying as
    :math:`\gamma_0/(1 + (k-1)/10)`), given as ``step={"adam": 0.3}`` (the default) like the
    other apps with several methods. GD and scaled GD take 200 steps, SGD 200; Adam runs until it
    stays within 1e-3 of the line (at most 1000 steps; otherwise its marker and the status line
    say "after 1000 steps, not converged").

    A projection outside the view is drawn on the border as a triangle pointing toward it (and
    named in the status line). ``figsize`` defaults to one that fits a 1280 x 720 projector with
    the sliders in the lecture style.

    Drawn: the solution line; the H-norm level sets around :math:`x_0`, the largest touching the
    line at the H-projection; the Euclidean circle touching it at the 2-norm projection; the paths
    of GD, scaled GD, SGD (two agreeing data points, one sampled per step) and Adam.

    Returns the :class:`~course_utils.widgets.core.App`; ``app.artists`` holds the artists by name
    (``gd``, ``scaled_gd``, ``sgd``, ``adam``, ``circle``, ``ellipses``, ``x0``, ``proj``,
    ``proj_h``, ``adam_end``, and ``status``, the HTML line above the figure) and ``app.model``
    the :class:`~course_utils.models.projection.LinePicture`, so tests can compare the two.
    """
    if not 0.05 <= step_fraction <= step_fraction_max:
        raise ValueError(f"step_fraction must lie in [0.05, step_fraction_max = "
                         f"{step_fraction_max:g}]; got {step_fraction!r}")
    g0 = adam_step({"adam": 0.3} if step is None else step)
    pic = LinePicture(a, beta, gd_iterations=GD_ITERATIONS, sgd_iterations=GD_ITERATIONS)
    live, art = _view(pic, lim, figsize, dpi)
    controls = {
        "x0_1": slider(x0[0], lim[0] + 0.5, lim[1] - 0.5, 0.05, description="$x_{0,1}$"),
        "x0_2": slider(x0[1], lim[0] + 0.5, lim[1] - 0.5, 0.05, description="$x_{0,2}$"),
        "h1": log_slider(h[0], 0.1, 10.0, description="$h_1$"),
        "h2": log_slider(h[1], 0.1, 10.0, description="$h_2$"),
        "step_fraction": slider(step_fraction, 0.05, step_fraction_max, 0.01,
                                description=r"$\gamma$ / stable bound"),
        "step": log_slider(g0, 0.2, 1.5, description=r"Adam $\gamma_0$"),
    }
    app = App(controls, live, _update(pic, lim, live, art), header=art["status"], model=pic,
              artists=art, observe=True)
    app.segment = line_segment(pic.a, pic.beta, lim, lim)
    app.redraw()
    return app
