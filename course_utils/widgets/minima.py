"""Apps of the sharp-versus-flat-minima lesson (notebook 04), ready at once from the shipped study.

* :func:`sigma_app`: a σ slider and an algorithm selector switch between the runs of the σ
  experiment (decision regions, and L_m along training); an Adam step-size control switches to
  Adam runs at another step.
* :func:`landscape_app`: the loss around θ_end for SGD and Adam side by side, on the same
  directions and the same axes; controls for σ, the kind of directions, the clipping z_max and a
  linear or logarithmic colour scale.

Both follow the recipe of :mod:`course_utils.widgets`: the numbers come from the models
:class:`course_utils.models.minima.SigmaRuns` and :class:`course_utils.models.minima.Landscapes`
(the precomputed study shipped with the package: seed 0, Adam steps 1e-3, 3e-3, 1e-2; landscape
grids of 51 x 51 points; so the apps are ready in well under a second; other seeds or grid sizes
are trained / computed on demand and cached), a view builds the figure once with its artists by
name (``app.artists``), and ``update(values)`` puts the model's numbers on them.

On a slide
----------
Open an app at the setting of a slide by passing it as keyword arguments, e.g. in a lecture deck::

    sigma_app(sigma=0.01, algorithm="adam")                        # slides 36-40: small σ, Adam
    sigma_app(sigma=0.01, algorithm="adam", step={"adam": 1e-3})   # at PyTorch's default step
    landscape_app(sigma=10, z_max=1e3)                             # slide 54
    landscape_app(sigma=10, z_max=1e5)                             # slide 55
    landscape_app(sigma=10, z_max=1e9, log=True)                   # slide 56 (log colours)

The numerics live in :mod:`course_utils.experiments` and :mod:`course_utils.landscape`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import experiments
from ..models.minima import ADAM_STEPS, Landscapes, SigmaRuns
from ..plots.classifiers import decision_regions
from ..plots.landscapes import landscape_image, landscape_norm, masked_values, uniform_note, zero_contour
from .core import App, BlitFigure

__all__ = ["sigma_app", "landscape_app", "SIGMA_LABELS", "ADAM_STEPS", "Z_MAX"]

SIGMA_LABELS = [(f"{s:g}", s) for s in experiments.SIGMAS]
Z_MAX = (1.0, 10.0, 1e3, 1e5, 1e9)
_NAMES = {"sgd": "SGD", "adam": "Adam"}


def _selection(options, value, description):
    return widgets.SelectionSlider(options=options, value=value, description=description,
                                   continuous_update=True, style={"description_width": "initial"})


def _values(controls, values):
    """``values``, or the controls' values when called without (e.g. by ``fit_projector``)."""
    return values if values is not None else {name: w.value for name, w in controls.items()}


# ------------------------------------------------------------------------------------ sigma_app
def _adam_step(step):
    """sigma_app's ``step``: None or ``{"adam": one of ADAM_STEPS}`` -> Adam's step."""
    if step is None:
        return experiments.ADAM_STEP
    if not isinstance(step, dict) or set(step) - {"adam"}:
        raise ValueError(f"step must be a dict {{'adam': one of {ADAM_STEPS}}} (SGD runs at its "
                         f"default steps experiments.SGD_STEPS); got {step!r}")
    if step.get("adam", experiments.ADAM_STEP) not in ADAM_STEPS:
        raise ValueError(f"step['adam'] must be one of {ADAM_STEPS}; got {step['adam']!r}")
    return step.get("adam", experiments.ADAM_STEP)


def _sigma_view(model, sigma, algorithm, step):
    """The figure, built once: decision regions (left), L_m during training (right)."""
    X, y = experiments.data()
    live = BlitFigure(figsize=(9.0, 4.2), ncols=2)
    ax_d, ax_l = live.axes
    signs = model.decision(sigma, algorithm, {"adam": step})
    art = decision_regions(np.where(signs, 1.0, -1.0), X, y, ax=ax_d, lim=model.lim, title=" \n ")
    lines = {}
    for alg, color in (("sgd", "C2"), ("adam", "C3")):
        (lines[alg],) = ax_l.loglog([1], [1], color=color, label=_NAMES[alg])
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel(r"Lipschitz bound $L_m(\theta)$")
    ax_l.legend(loc="upper left")
    ax_l.set_title("$L_m$ during training\n(to zero loss)")
    return live, {"regions": art["image"], "points": art["points"], "title": art["title"],
                  "lipschitz": lines}


def _sigma_controls(sigma, algorithm, step):
    bar = widgets.IntProgress(value=0, min=0, max=2 * len(experiments.SIGMAS),
                              description="training", layout=widgets.Layout(width="260px"))
    bar.layout.visibility = "hidden"
    return {"sigma": _selection(SIGMA_LABELS, sigma, "initialization scale σ"),
            "algorithm": widgets.ToggleButtons(options=[("SGD", "sgd"), ("Adam", "adam")],
                                               value=algorithm, description="algorithm"),
            "step": widgets.Dropdown(options=[(f"{s:g}", s) for s in ADAM_STEPS], value=step,
                                     description="Adam step γ"),
            "progress": bar}


def _sigma_update(model, live, artists, controls):
    """``update(values)``: the selected run's regions, title and L_m curves (both algorithms)."""
    bar = controls["progress"]
    ax_l = artists["lipschitz"]["sgd"].axes

    def progress(done, total, epoch):
        bar.max, bar.value = total, done

    model.progress = progress

    def update(values=None):
        values = _values(controls, values)
        s, a, step = values["sigma"], values["algorithm"], {"adam": values["step"]}
        if not model.ready(step):
            bar.layout.visibility = "visible"           # trains: a few seconds
        runs = model.results(step)
        bar.layout.visibility = "hidden"
        r = runs.get(s, a)
        artists["regions"].set_data(model.decision(s, a, step))
        artists["title"].set_text(
            f"{_NAMES[a]}, σ = {s:g}: ‖θ‖ {r.norm_theta0:.3g} → {r.norm_theta_end:.3g}\n"
            f"$L_m$ {r.lipschitz_theta0:.1e} → {r.lipschitz_end:.1e}")
        for k, line in artists["lipschitz"].items():
            h = runs.get(s, k).history
            line.set_data(np.maximum(h["lipschitz_epoch"], 0.5), h["lipschitz"])
            line.set_linewidth(3.0 if k == a else 1.2)
        adam_label = f"Adam (γ = {values['step']:g})"
        legend = ax_l.get_legend()
        if legend is not None and legend.get_texts()[1].get_text() != adam_label:
            legend.get_texts()[1].set_text(adam_label)   # the step control's effect on an SGD view:
            live.invalidate()                            # the thin Adam curve, named with its γ
        limits = model.lipschitz_limits(step, s)
        if limits != (ax_l.get_xlim(), ax_l.get_ylim()):
            ax_l.set_xlim(*limits[0])       # one scale for both runs of this σ and Adam step, so
            ax_l.set_ylim(*limits[1])       # switching the algorithm only moves the lines
            live.invalidate()
        live.refresh()

    return update


#: the largest decision grid ``n`` of :func:`sigma_app` (points a side; a projector shows no more)
MAX_GRID = 1001


def sigma_app(seed=0, sigma=10.0, algorithm="sgd", lim=1.15, n=161, step=None):
    """σ slider + algorithm selector over the runs of the σ experiment; an Adam step control.

    ``step``: ``{"adam": γ}`` with γ one of :data:`ADAM_STEPS` (default
    :data:`course_utils.experiments.ADAM_STEP`); SGD runs at its default steps
    :data:`course_utils.experiments.SGD_STEPS`. Seed 0 at these steps comes from the shipped study
    (instant; with the default grid, ``n = 161`` points a side over ``[-1.15, 1.15]``, so are the
    decision regions); another ``seed`` trains its ten runs once (a few seconds, a progress bar
    counts finished runs). Artists by name: ``regions``, ``title``, ``points``,
    ``lipschitz`` (``{"sgd": line, "adam": line}``).

    Example on a slide: ``sigma_app(sigma=0.01, algorithm="adam", step={"adam": 1e-3})``.
    """
    if sigma not in experiments.SIGMAS:
        raise ValueError(f"sigma must be one of {experiments.SIGMAS}; got {sigma!r}")
    if algorithm not in _NAMES:
        raise ValueError(f"algorithm must be 'sgd' or 'adam'; got {algorithm!r}")
    step = _adam_step(step)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_GRID:
        raise ValueError(f"n (the decision grid has n x n points) must be an integer from 2 to "
                         f"{MAX_GRID}: a projector shows no more; got {n!r}")
    model = SigmaRuns(seed, lim, n)
    live, artists = _sigma_view(model, sigma, algorithm, step)
    controls = _sigma_controls(sigma, algorithm, step)
    update = _sigma_update(model, live, artists, controls)
    app = App(controls, live, update, model=model, artists=artists, observe=True)
    app.redraw()
    live.freeze([artists["regions"], *artists["points"], *artists["regions"].axes.spines.values(),
                 artists["title"], *artists["lipschitz"].values()])
    live.refresh()
    return app


# ------------------------------------------------------------------------------------ landscape_app
def _share(frac):
    """A share of the grid as text; a few points (e.g. only θ_end itself) read "< 1 %", not "0 %"."""
    return "< 1 %" if 0 < frac < 0.005 else f"{100 * frac:.0f} %"


def _tick(v, pos=None):
    """Colour-bar ticks of about the same width at every z_max: 0, 0.001, 2e+02, 1e+09."""
    return "0" if v == 0 else f"{v:.1g}"


def _landscape_view(model, sigma, kind, z_max, log):
    """The figure, built once: one panel per algorithm ``{"image", "zero", "marker", "title"}``
    (``zero``, the zero-loss edge, is redrawn with the grid) and a shared ``colorbar``."""
    live = BlitFigure(figsize=(9.0, 4.2), ncols=2)
    ab, grids = model.grid(sigma, kind)
    artists = {}
    for ax, alg in zip(live.axes, ("sgd", "adam")):
        art = landscape_image(ab, ab, grids[alg], z_max, ax=ax, title=" \n ", log=log)
        artists[alg] = {"image": art["image"], "zero": art["zero"], "marker": art["marker"],
                        "title": ax.title}
    cbar = live.fig.colorbar(artists["adam"]["image"], ax=live.axes, shrink=0.85,
                             format=FuncFormatter(_tick))
    cbar.ax.set_title("loss\n(0: white)", fontsize="small", pad=14)   # above the bar: ticks cannot push it
    artists["colorbar"] = cbar
    return live, artists


def _landscape_controls(sigma, kind, z_max, log):
    z_options = sorted(set(Z_MAX) | {float(z_max)})
    return {"sigma": _selection(SIGMA_LABELS, sigma, "σ"),
            "kind": widgets.ToggleButtons(options=[("plain", "plain"), ("filter-normalized", "filter")],
                                          value=kind, description="directions"),
            "z_max": _selection([(f"{z:.0e}", z) for z in z_options], float(z_max), "z_max"),
            "log": widgets.ToggleButtons(options=[("linear", False), ("log", True)], value=bool(log),
                                         description="colours"),
            "note": widgets.Label("")}


def _moving(live, artists):
    """What blitting redraws, in this order over the static background: images and titles, the
    zero-loss edges, the markers, and the spines that lie over the images."""
    panels = [artists["sgd"], artists["adam"]]
    return ([x for p in panels for x in (p["image"], p["title"])] + [p["zero"] for p in panels]
            + [p["marker"] for p in panels] + [sp for ax in live.axes for sp in ax.spines.values()])


def _landscape_static(live, artists, ab, grids, z_max, log):
    """A new grid, range or colour scale: extents, norms, zero-loss edges and the colour bar."""
    norm = landscape_norm(z_max, log)
    for alg in ("sgd", "adam"):
        panel = artists[alg]
        ax = panel["image"].axes
        panel["image"].set_extent((ab[0], ab[-1], ab[0], ab[-1]))
        panel["image"].set_norm(norm)
        if panel["zero"] is not None:
            panel["zero"].remove()
        panel["zero"] = zero_contour(ab, ab, grids[alg], ax)
        ax.set_xlim(ab[0], ab[-1])
        ax.set_ylim(ab[0], ab[-1])
    cbar = artists["colorbar"]
    cbar.update_normal(artists["adam"]["image"])
    cbar.formatter = FuncFormatter(_tick)
    cbar.update_ticks()
    if live.background is not None or live.dynamic:
        live.set_moving(_moving(live, artists))   # new contours; invalidates the static background


def _landscape_update(model, live, artists, controls):
    """``update(values)``: both panels' images and titles; the static parts when they change."""
    note, drawn = controls["note"], {"static": None}

    def update(values=None):
        values = _values(controls, values)
        s, kind, z_max, log = values["sigma"], values["kind"], values["z_max"], values["log"]
        if not model.ready(s, kind):
            note.value = f"computing the 2 x {model.n} x {model.n} grid ..."
        ab, grids = model.grid(s, kind)
        note.value = ""
        for alg in ("sgd", "adam"):
            artists[alg]["image"].set_data(masked_values(grids[alg], z_max, log))
            why = uniform_note(grids[alg], z_max, log)
            artists[alg]["title"].set_text(
                f"{_NAMES[alg]}, σ = {s:g}: loss 0 on {_share(np.mean(grids[alg] == 0))}\n"
                + (why if why else f"z_max = {z_max:.0e}"))
        if (s, kind, z_max, log) != drawn["static"]:      # new grid, range or colour scale
            drawn["static"] = (s, kind, z_max, log)
            _landscape_static(live, artists, ab, grids, z_max, log)
        live.refresh()

    return update


def landscape_app(seed=0, sigma=10.0, kind="plain", z_max=1e3, n=51, spans=None, log=False):
    """SGD's and Adam's loss landscapes around θ_end on the same directions and axes.

    ``spans`` maps the kind of directions to the half-width of the α, β range (default
    :data:`course_utils.experiments.LANDSCAPE_SPANS`: 1 for plain unit directions, 0.05 for
    filter-normalized ones, where α = 1 moves every neuron by its own norm -- the notebook's
    figures use the same spans). ``z_max`` clips the colour scale (any positive value; the
    slider offers 1, 10, 1e3, 1e5, 1e9, the presets of slides 54-56 among them); ``log=True``
    colours the loss on a log scale from 1e-3 to z_max. The region of loss exactly 0 is white,
    with its edge drawn in black. A panel that is one colour says why in its title. Artists by
    name: ``app.artists["sgd"]`` and ``["adam"]`` (``image``, ``zero``, ``marker``, ``title``)
    and ``["colorbar"]``.

    Slides 54, 55, 56: ``landscape_app(sigma=10, z_max=1e3)``, ``z_max=1e5``, ``z_max=1e9`` (add
    ``log=True`` to see structure at 1e9).
    """
    spans = dict(experiments.LANDSCAPE_SPANS, **(spans or {}))
    if kind not in spans:
        raise ValueError(f"kind must be 'plain' or 'filter'; got {kind!r}")
    if sigma not in experiments.SIGMAS:
        raise ValueError(f"sigma must be one of {experiments.SIGMAS}; got {sigma!r}")
    landscape_norm(z_max, log)                     # checks z_max
    model = Landscapes(seed, n, spans)
    live, artists = _landscape_view(model, sigma, kind, z_max, log)
    controls = _landscape_controls(sigma, kind, z_max, log)
    app = App(controls, live, _landscape_update(model, live, artists, controls), model=model,
              artists=artists, observe=True)
    app.redraw()
    live.freeze(_moving(live, artists))
    live.refresh()
    return app
