r"""The picture you can move: (S)GD lands on the projection of x0 onto the solution line, Adam not.

The numeric model is :class:`course_utils.projection.LinePicture` (no widgets); this factory
builds the figure once and the slider callback only updates artists, recomputing just the runs
whose inputs changed (each run is cached by its arguments).
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from .. import style
from ..plots.core import ellipse_points, path
from ..plots.geometry import line_segment, solution_line, touching_radii
from ..projection import LinePicture
from .core import App, BlitFigure, log_slider, slider

__all__ = ["projection_app", "FRACTIONS", "on_screen"]

FRACTIONS = (0.35, 0.7, 1.0)   # level sets drawn: these fractions of the touching radius
GD_STEPS = 200                 # enough for GD to reach its star up to 0.99 x the bound (1e-2)
FIGSIZE = {"notebook": (8.0, 5.4), "lecture": (7.6, 4.1)}   # lecture: fits 1280 x 720 with sliders


def _status(dist):
    parts = [f"{name} diverged" if not np.isfinite(d) else
             f"{name} {d:.1e}" if d < 1e-3 else f"{name} {d:.2f}" for name, d in dist.items()]
    return "distance of the end point to its projection:  " + ",  ".join(parts)


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


def projection_app(a=(1.0, 3.0), beta=3.0, x0=(-2.5, -1.5), h=(1.0, 6.0), frac=0.3,
                   adam_step=0.3, lim=(-3.5, 3.5), figsize=None, dpi=80, frac_max=1.2):
    r"""An App: the line :math:`a^Tx = \beta`, a start point :math:`x_0`, a diagonal metric H.

    Controls: :math:`x_0` (two sliders), :math:`h_1, h_2` of H = diag(h) (log sliders), the step
    of GD / scaled GD / SGD as a fraction of each method's stability bound (up to ``frac_max``
    > 1, so that divergence can be shown), and Adam's initial step :math:`\gamma_0` (decaying as
    :math:`\gamma_0/(1 + (k-1)/10)`). GD and scaled GD take 200 steps, SGD 200, Adam 150.

    A projection outside the view is drawn on the border as a triangle pointing toward it (and
    named in the status line). ``figsize`` defaults to one that fits a 1280 x 720 projector with
    the sliders in the lecture style.

    Drawn: the solution line; the H-norm level sets around :math:`x_0`, the largest touching the
    line at the H-projection; the Euclidean circle touching it at the 2-norm projection; the paths
    of GD, scaled GD, SGD (two agreeing data points, one sampled per step) and Adam.

    Returns the :class:`~course_utils.widgets.core.App`; ``app.artists`` holds the artists and
    ``app.picture`` the numeric model, so tests can compare the two.
    """
    pic = LinePicture(a, beta, gd_steps=GD_STEPS, sgd_steps=GD_STEPS)
    lecture = style.current() == "lecture"
    figsize = FIGSIZE["lecture" if lecture else "notebook"] if figsize is None else figsize
    small = None if lecture else 8          # lecture: the style's own (projector) font sizes
    live = BlitFigure(figsize=figsize, dpi=dpi)
    ax = live.axes
    solution_line(pic.a, pic.beta, lim, lim, ax=ax)
    art = {}
    (art["circle"],) = ax.plot([], [], color="0.45", ls="--", lw=1.2,
                               label=r"$\|x - x_0\|_2$ = dist. to line")
    art["ellipses"] = []
    for i, _ in enumerate(FRACTIONS):
        last = i == len(FRACTIONS) - 1
        (ln,) = ax.plot([], [], color="C1", lw=1.8 if last else 0.9, alpha=1.0 if last else 0.55,
                        label=r"level sets of $\|x - x_0\|_H$" if last else None)
        art["ellipses"].append(ln)
    empty = np.full((1, 2), np.nan)
    art["gd"] = path(empty, ax=ax, color="C0", label="GD", markersize=3)
    art["scaled_gd"] = path(empty, ax=ax, color="C1", label="scaled GD (metric H)", markersize=3)
    art["sgd"] = path(empty, ax=ax, color="C2", label="SGD", markersize=2, alpha=0.8)
    art["adam"] = path(empty, ax=ax, color="C3", label=r"Adam, $\gamma_k \to 0$", markersize=2.5,
                       markevery=5)
    (art["x0"],) = ax.plot([], [], "s", color="k", markersize=8, label="$x_0$", zorder=5)
    (art["proj"],) = ax.plot([], [], "*", color="C0", markersize=16, mec="k",
                             label=r"2-norm projection", zorder=6)
    (art["proj_h"],) = ax.plot([], [], "*", color="C1", markersize=16, mec="k",
                               label=r"$H$-norm projection", zorder=6)
    (art["adam_end"],) = ax.plot([], [], "X", color="C3", markersize=11, mec="k",
                                 label="Adam's limit", zorder=6)
    # the distances are read out above the figure (an HTML line): never over the picture
    art["status"] = widgets.HTML()
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(r"Where does each method land on $\{x : a^Tx = \beta\}$?")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=small, framealpha=0.9)
    live.freeze_layout()
    live.set_moving([art["circle"], *art["ellipses"], art["gd"], art["scaled_gd"], art["sgd"],
                     art["adam"], art["x0"], art["proj"], art["proj_h"], art["adam_end"]])

    # each run cached by exactly the inputs it depends on
    gd = lru_cache(maxsize=64)(lambda x0, f: pic.gd(np.array(x0), f))
    sgd = lru_cache(maxsize=64)(lambda x0, f: pic.sgd(np.array(x0), f))
    sgd_h = lru_cache(maxsize=64)(lambda x0, h, f: pic.scaled_gd(np.array(x0), np.array(h), f))
    adam = lru_cache(maxsize=64)(lambda x0, g0: pic.adam(np.array(x0), g0))
    proj = lru_cache(maxsize=64)(lambda x0, h: pic.projection(np.array(x0), None if h is None
                                                              else np.array(h)))
    circle = ellipse_points(np.ones(2), np.zeros(2), 1.0, 160)          # unit circle, reused

    controls = {
        "x1": slider(x0[0], lim[0] + 0.5, lim[1] - 0.5, 0.05, description="$x_{0,1}$"),
        "x2": slider(x0[1], lim[0] + 0.5, lim[1] - 0.5, 0.05, description="$x_{0,2}$"),
        "h1": log_slider(h[0], 0.1, 10.0, description="$h_1$"),
        "h2": log_slider(h[1], 0.1, 10.0, description="$h_2$"),
        "frac": slider(frac, 0.05, frac_max, 0.01, description=r"$\gamma$ / stable bound"),
        "adam": log_slider(adam_step, 0.2, 1.5, description=r"Adam $\gamma_0$"),
    }

    def values():
        c = controls
        return ((float(c["x1"].value), float(c["x2"].value)),
                (float(c["h1"].value), float(c["h2"].value)),
                float(c["frac"].value), float(c["adam"].value))

    def update(change=None):
        x0_, h_, f_, g0 = values()
        p, p_h = proj(x0_, None), proj(x0_, h_)
        runs = {"gd": gd(x0_, f_), "scaled_gd": sgd_h(x0_, h_, f_), "sgd": sgd(x0_, f_),
                "adam": adam(x0_, g0)}
        for name, X in runs.items():
            art[name].set_data(X[:, 0], X[:, 1])
        x0v = np.array(x0_)
        r2 = float(np.linalg.norm(p - x0v))
        art["circle"].set_data(x0v[0] + r2 * circle[:, 0], x0v[1] + r2 * circle[:, 1])
        for ln, r in zip(art["ellipses"], touching_radii(h_, x0_, p_h, FRACTIONS)):
            pts = ellipse_points(h_, x0v, r, 160)
            ln.set_data(pts[:, 0], pts[:, 1])
        art["x0"].set_data([x0_[0]], [x0_[1]])
        off = []
        for key, point, name in (("proj", p, "2-norm"), ("proj_h", p_h, "H-norm")):
            q, marker, inside = on_screen(point, lim)
            art[key].set_data([q[0]], [q[1]])
            art[key].set_marker(marker)
            if not inside:
                off.append(f"{name} projection off-screen at ({point[0]:.1f}, {point[1]:.1f})")
        end = runs["adam"][-1]
        art["adam_end"].set_data([end[0]], [end[1]])
        dist = {"GD": np.linalg.norm(runs["gd"][-1] - p),
                "scaled GD": np.linalg.norm(runs["scaled_gd"][-1] - p_h),
                "SGD": np.linalg.norm(runs["sgd"][-1] - p),
                "Adam": np.linalg.norm(end - p)}
        art["status"].value = _status(dist) + "".join("; " + o for o in off)
        live.refresh()

    for w in controls.values():
        w.observe(update, names="value")
    update()
    app = App(controls, live, update, header=art["status"])
    app.artists = art
    app.picture = pic
    app.segment = line_segment(pic.a, pic.beta, lim, lim)
    return app
