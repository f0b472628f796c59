r"""Slider apps of notebook 03 ("inside Adam"): a variance estimate, and SGD vs filtered SGD vs Adam.

Each app follows the recipe of :mod:`course_utils.widgets`: the model is in
:mod:`course_utils.models.adaptive` (:class:`~course_utils.models.adaptive.VarianceModel`,
:class:`~course_utils.models.adaptive.FilteredRunsModel`: numbers only, cached); a view builds the
figure once and returns its moving artists by name; ``update(values)`` asks the model for what
changed and moves the artists (the apps' ``.artists``):

* :func:`variance_estimate_app`: ``"raw_1"``, ``"corrected_1"``, ``"raw_2"``, ``"corrected_2"``
  (one pair of lines per coordinate) and ``"text"`` (the HTML line above the figure);
* :func:`filtered_sgd_app`: ``"<method>_path"``, ``"<method>_ball"``, ``"<method>_distance"`` for
  each method ``sgd``, ``filtered``, ``adam``, and ``"text"``.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..models.adaptive import FilteredRunsModel, VarianceModel
from ..plots import traces
from .core import App, BlitFigure, log_slider, slider

__all__ = ["variance_estimate_app", "filtered_sgd_app", "NAMES", "COLOURS"]


# ---------------------------------------------------------------------------------------------
# The variance estimate
# ---------------------------------------------------------------------------------------------
B_V_MAX = 0.995            # the b_v slider's largest value


def variance_view(model, b_v, figsize, dpi, b_v_max=B_V_MAX):
    """The two panels of :func:`variance_estimate_app`, built once: ``(live, artists)``. The y
    range holds every curve for every :math:`b_v` up to ``b_v_max``: the raw estimate is lowest
    at k = 1 for the largest :math:`b_v`, :math:`(1 - b_v) g_1^2`."""
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, sharex=True)
    raw, corr = model.estimates(b_v)
    lowest_raw = np.min(model.estimates(b_v_max)[0], axis=0)
    artists = {}
    for i, ax in enumerate(live.axes):
        lines = traces.moment_estimates(model.g, raw, corr, model.second_moment, ax=ax, coordinate=i)
        artists[f"raw_{i + 1}"], artists[f"corrected_{i + 1}"] = lines["raw"], lines["corrected"]
        ax.set_title(f"coordinate {i + 1}: $\\mu$ = {model.mean[i]:g}, $\\sigma$ = {model.std[i]:g}")
        lo = max(float(np.min(model.g[:, i] ** 2)), 1e-4 * model.second_moment[i])
        ax.set_ylim(min(lo, 0.5 * float(lowest_raw[i])), 30 * model.second_moment[i])
        ax.set_ylabel("second moment")              # the title names the coordinate
    # under the panels: inside, the legend covered the raw estimate's curve
    live.fig.legend(*live.axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4,
                    fontsize="small", frameon=False)
    live.freeze_layout()
    live.set_moving(list(artists.values()))
    artists["text"] = widgets.HTML()
    return live, artists


def variance_text(b_v):
    """The line above the variance figure: the memory of :math:`b_v` and the first estimate."""
    return (f"b<sub>v</sub> = {b_v:.3f}: memory about 1/(1 − b<sub>v</sub>) = "
            f"{1 / (1 - b_v):.0f} steps; at k = 1 the raw estimate is "
            f"(1 − b<sub>v</sub>) g<sub>1</sub>², the corrected one g<sub>1</sub>².")


def variance_update(model, live, artists, values):
    """Move the estimate lines to ``values["b_v"]`` and re-render."""
    raw, corr = model.estimates(values["b_v"])
    for i in range(raw.shape[1]):
        artists[f"raw_{i + 1}"].set_data(model.k, raw[:, i])
        artists[f"corrected_{i + 1}"].set_data(model.k, corr[:, i])
    artists["text"].value = variance_text(values["b_v"])
    live.refresh()


def variance_estimate_app(mean=(1.0, 0.0), std=(0.3, 2.0), steps=200, seed=0, b_v=0.9,
                          figsize=(10.0, 3.6), dpi=80):
    r"""A :math:`b_v` slider over the second-moment estimate of a noisy gradient stream.

    Two panels, one per coordinate: samples :math:`g_k^2` (k = 1..``steps``), the estimate
    :math:`\hat v_k = b_v \hat v_{k-1} + (1-b_v) g_k^2` with and without bias correction
    :math:`1/(1-b_v^k)`, and the true :math:`E[g^2] = \mu^2 + \sigma^2`. The model is a
    :class:`~course_utils.models.adaptive.VarianceModel` (``app.model``).

    >>> app = variance_estimate_app(steps=50, b_v=0.9)
    >>> app.controls["b_v"].value = 0.5
    >>> float(app.artists["corrected_1"].get_ydata()[0]) == float(app.model.g[0, 0] ** 2)
    True
    """
    if isinstance(b_v, bool) or not isinstance(b_v, (int, float)) or not 0.5 <= b_v <= 0.995:
        raise ValueError(f"b_v must lie on the slider, in [0.5, 0.995]; got {b_v!r}")
    model = VarianceModel(mean, std, steps, seed)
    live, artists = variance_view(model, b_v, figsize, dpi)
    controls = {"b_v": slider(b_v, 0.5, B_V_MAX, 0.005, description="$b_v$")}
    app = App(controls, live, lambda values: variance_update(model, live, artists, values),
              header=artists["text"], model=model, artists=artists, observe=True)
    app.redraw()
    return app


# ---------------------------------------------------------------------------------------------
# SGD vs filtered SGD vs Adam
# ---------------------------------------------------------------------------------------------
NAMES = {"sgd": "SGD, fixed step", "filtered": r"filtered SGD ($\hat m_k$)", "adam": "Adam"}
COLOURS = {"sgd": "C3", "filtered": "C0", "adam": "C2"}


ZOOM = 0.3      # the lower panels show x* ± ZOOM: the stall balls are ~0.05-0.2 wide


def _zoom_panel(ax, model, run, m):
    """The tail of run ``run`` near x* (x* ± ZOOM) with its ball: ``(path, disc, circle)``."""
    (path,) = ax.plot(run[:, 0], run[:, 1], "-", color=COLOURS[m], lw=1.2, alpha=0.85, zorder=4)
    r = model.stall_distance(run)
    ball = traces.stall_radius(model.xstar, r if np.isfinite(r) else 0.0, ax=ax, lw=2.5, zorder=6)
    (disc,) = ax.fill(*traces.circle_points(model.xstar, r if np.isfinite(r) else 0.0),
                      color=COLOURS[m], alpha=0.35, lw=0, zorder=5)
    ax.plot(*model.xstar, "*", color="k", markersize=10, zorder=3)   # static: under the moving
    ax.set(xlim=(model.xstar[0] - ZOOM, model.xstar[0] + ZOOM), xticks=[], yticks=[],
           ylim=(model.xstar[1] - ZOOM, model.xstar[1] + ZOOM), aspect="equal")
    return path, disc, ball


def filtered_view(model, runs, xlim, ylim, figsize, dpi):
    """The panels of :func:`filtered_sgd_app` drawn from ``runs``, built once: ``(live,
    artists)``. Top: the three paths over the summands; below each, the same run magnified around
    x* (its ball is a few pixels wide in the top panel); right: the distances to x*."""
    live = BlitFigure(figsize=figsize, dpi=dpi, nrows=2, ncols=4, height_ratios=[1, 1],
                      width_ratios=[1, 1, 1, 0.9])
    grid = live.axes[0, 0].get_gridspec()
    for ax in live.axes[:, 3]:
        ax.remove()
    zooms = list(live.axes[1, :3])
    live.axes = [*live.axes[0, :3], live.fig.add_subplot(grid[:, 3]), *zooms]
    artists = {}
    for ax, m in zip(live.axes[:3], model.METHODS):
        drawn = traces.path_over_summands(model.problem, runs[m], xlim, ylim, ax=ax,
                                          radius=model.stall_distance(runs[m]),
                                          center=model.xstar, color=COLOURS[m], title=NAMES[m],
                                          ball_fill=COLOURS[m], ball_lw=2.5)   # seen on a projector
        # in drawing order (blitting draws the moving artists in this order): path, disc, circle
        artists[f"{m}_path"], artists[f"{m}_disc"] = drawn["path"], drawn["disc"]
        artists[f"{m}_ball"] = drawn["ball"]
        ax.title.set_color(COLOURS[m])          # the title is the legend of the right panel too
    for ax, m in zip(zooms, model.METHODS):
        artists[f"{m}_zpath"], artists[f"{m}_zdisc"], artists[f"{m}_zball"] = _zoom_panel(
            ax, model, runs[m], m)
    zooms[0].set_ylabel(f"near $x^\\star$ (± {ZOOM:g})")
    axd = live.axes[3]
    for m in model.METHODS:
        artists[f"{m}_distance"] = traces.distances(runs[m], model.xstar, ax=axd, color=COLOURS[m],
                                                    lw=1.0, label=NAMES[m])
    axd.set_ylim(1e-3, 10.0)
    axd.axvspan(model.iterations - model.tail, model.iterations, color="0.9", zorder=0)
    # no legend (it hid the curves): the colours are those of the three titles
    axd.set_title("distance to $x^\\star$\n(grey: the tail)")
    live.freeze_layout()
    live.set_moving(list(artists.values()))    # paths and balls first, then the distances
    artists["text"] = widgets.HTML()
    return live, artists


def filtered_controls(step, b_m, b_v, eps, batch_size, m):
    """The sliders of :func:`filtered_sgd_app` by name (``m``: the number of summands)."""
    return {
        "step": log_slider(step, 1e-3, 1.0, description="γ"),
        "b_m": slider(b_m, 0.0, 0.99, 0.01, description="$b_m$"),
        "b_v": slider(b_v, 0.5, 0.999, 0.001, description="$b_v$"),
        "eps": log_slider(eps, 1e-8, 1.0, description="ε"),
        "batch_size": widgets.IntSlider(value=batch_size, min=1, max=m, description="batch size",
                                        style={"description_width": "initial"}),
    }


def filtered_update(model, live, artists, values):
    """Ask the model for the runs at ``values``, move paths, balls and distances, re-render."""
    runs = model.runs(values["step"], values["b_m"], values["b_v"], values["eps"],
                      values["batch_size"])
    k = np.arange(model.iterations + 1)
    parts = []
    for m, X in runs.items():
        r = model.stall_distance(X)
        artists[f"{m}_path"].set_data(X[:, 0], X[:, 1])
        circle = traces.circle_points(model.xstar, r if np.isfinite(r) else 0.0)
        artists[f"{m}_ball"].set_data(*circle)
        artists[f"{m}_disc"].set_xy(np.column_stack(circle))
        artists[f"{m}_zpath"].set_data(X[:, 0], X[:, 1])
        artists[f"{m}_zball"].set_data(*circle)
        artists[f"{m}_zdisc"].set_xy(np.column_stack(circle))
        artists[f"{m}_distance"].set_data(k, model.distances(X))
        label = NAMES[m].split(" (")[0]
        parts.append(f"{label}: {r:.3f}" if np.isfinite(r) else f"{label}: diverged")
    artists["text"].value = (f"mean distance to x* over the last {model.tail} iterations "
                             "(the dashed circles): " + ", ".join(parts))
    live.refresh()


def filtered_sgd_app(model=None, step=0.2, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1,
                     xlim=(-1.3, 2.5), ylim=(-0.9, 2.4), figsize=(12.0, 6.0), dpi=80):
    r"""SGD vs filtered SGD vs Adam on the level sets of the summands, with sliders
    γ (``step``, log), :math:`b_m`, :math:`b_v`, ε (``eps``, log) and the batch size.

    Panels: the three paths, each over the summands' level sets with a dashed circle whose radius
    is the mean distance to :math:`x^\star` over the last iterations ("the ball it stalls in"),
    below each the same run magnified around :math:`x^\star` (``ZOOM``), and the distances :math:`\|x_k - x^\star\|` of all three against k. Only the runs whose inputs
    changed are recomputed (``model``: a
    :class:`~course_utils.models.adaptive.FilteredRunsModel`, by default on 8 elliptic summands);
    only the moving artists are redrawn.

    >>> app = filtered_sgd_app(FilteredRunsModel(iterations=40), step=0.1)
    >>> app.controls["eps"].value = 1e-2            # recomputes Adam only
    >>> app.model.computed
    {'sgd': 1, 'filtered': 1, 'adam': 2}
    """
    model = FilteredRunsModel() if model is None else model
    live, artists = filtered_view(model, model.runs(step, b_m, b_v, eps, batch_size), xlim, ylim,
                                  figsize, dpi)
    controls = filtered_controls(step, b_m, b_v, eps, batch_size, model.problem.m)
    app = App(controls, live, lambda values: filtered_update(model, live, artists, values),
              header=artists["text"], model=model, artists=artists, observe=True)
    app.redraw()
    return app
