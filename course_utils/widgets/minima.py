"""Apps of the sharp-versus-flat-minima lesson (notebook 04).

* :func:`sigma_app`: a σ slider and an algorithm selector switch between the cached runs of the σ
  experiment (decision regions, and L_m along training); an Adam step-size control retrains Adam on
  demand (a progress bar counts finished runs) and caches the result.
* :func:`landscape_app`: the loss around θ_end for SGD and Adam side by side, on the same
  directions and the same axes; controls for σ, the kind of directions and the clipping z_max.

The numerics live in :mod:`course_utils.experiments` and :mod:`course_utils.landscape`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import experiments, landscape, nets
from ..plots.classifiers import decision_regions, decision_values
from ..plots.landscapes import clip, landscape_image
from .core import App, BlitFigure

__all__ = ["sigma_app", "landscape_app", "SIGMA_LABELS", "ADAM_STEPS", "Z_MAX"]

SIGMA_LABELS = [(f"{s:g}", s) for s in experiments.SIGMAS]
ADAM_STEPS = (1e-3, 3e-3, 1e-2)
Z_MAX = (1.0, 10.0, 1e3, 1e5, 1e9)
_NAMES = {"sgd": "SGD", "adam": "Adam"}


def _selection(options, value, description):
    return widgets.SelectionSlider(options=options, value=value, description=description,
                                   continuous_update=True, style={"description_width": "initial"})


class _Runs:
    """Runs of the σ experiment per Adam step (cached), and their decision grids (cached)."""

    def __init__(self, seed, lim, n):
        self.seed, self.lim, self.n = seed, lim, n
        self.spec = nets.default_spec()
        self.grids = {}

    def runs(self, adam_step, progress=None):
        if adam_step == experiments.ADAM_STEP:
            res = experiments.sharp_flat(self.seed, progress=progress)
        else:
            res = experiments.sharp_flat(self.seed, adam_step=adam_step, algorithms=("adam",),
                                         progress=progress) + \
                experiments.sharp_flat(self.seed, progress=progress)[len(experiments.SIGMAS):]
        return {(r.sigma, r.algorithm): r for r in res}

    def grid(self, adam_step, progress=None):
        if adam_step not in self.grids:
            by = self.runs(adam_step, progress)
            keys = sorted(by)
            vals = decision_values(self.spec, np.stack([by[k].theta_end for k in keys]),
                                   lim=self.lim, n=self.n)
            self.grids[adam_step] = (by, dict(zip(keys, vals)))
        return self.grids[adam_step]


def _lipschitz_limits(by):
    """Log-axis limits that hold the L_m histories of every run in ``by``."""
    lo_x = 0.5
    hi_x = max(float(np.max(r.history["lipschitz_epoch"])) for r in by.values())
    lo_y = min(float(np.min(r.history["lipschitz"])) for r in by.values())
    hi_y = max(float(np.max(r.history["lipschitz"])) for r in by.values())
    return (lo_x, 1.5 * max(hi_x, 1.0)), (lo_y / 3.0, hi_y * 3.0)


def sigma_app(seed=0, sigma=10.0, algorithm="sgd", lim=1.15, n=121):
    """σ slider + algorithm selector over the cached runs; an Adam step control retrains on demand."""
    X, y = experiments.data()
    model = _Runs(seed, lim, n)
    live = BlitFigure(figsize=(9.0, 3.9), ncols=2)
    ax_d, ax_l = live.axes
    by, vals = model.grid(experiments.ADAM_STEP)
    art = decision_regions(vals[(sigma, algorithm)], X, y, ax=ax_d, lim=lim, title=" ")
    lines = {}
    for alg, color in (("sgd", "C2"), ("adam", "C3")):
        (lines[alg],) = ax_l.loglog([1], [1], color=color, label=_NAMES[alg])
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel(r"Lipschitz bound $L_m(\theta)$")
    ax_l.legend(loc="upper left")
    ax_l.set_title(r"$L_m$ during training (to zero loss)")

    sig = _selection(SIGMA_LABELS, sigma, "initialization scale σ")
    alg = widgets.ToggleButtons(options=[("SGD", "sgd"), ("Adam", "adam")], value=algorithm,
                                description="algorithm")
    step = widgets.Dropdown(options=[(f"{s:g}", s) for s in ADAM_STEPS],
                            value=experiments.ADAM_STEP, description="Adam step γ")
    bar = widgets.IntProgress(value=0, min=0, max=2 * len(experiments.SIGMAS),
                              description="retraining", layout=widgets.Layout(width="260px"))
    bar.layout.visibility = "hidden"

    def progress(done, total, epoch):
        bar.max, bar.value = total, done

    def update(change=None):
        s, a, g = sig.value, alg.value, step.value
        if g not in model.grids:
            bar.layout.visibility = "visible"
        by, vals = model.grid(g, progress)
        bar.layout.visibility = "hidden"
        r = by[(s, a)]
        art["image"].set_data(vals[(s, a)] > 0)
        art["title"].set_text(
            f"{_NAMES[a]}, σ = {s:g}: ‖θ0‖ = {r.norm_theta0:.3g} → ‖θend‖ = {r.norm_theta_end:.3g}\n"
            f"$L_m$: {r.lipschitz_theta0:.2g} → {r.lipschitz_end:.2g}, {r.iterations} iterations")
        for k, line in lines.items():
            h = by[(s, k)].history
            line.set_data(np.maximum(h["lipschitz_epoch"], 0.5), h["lipschitz"])
            line.set_linewidth(3.0 if k == a else 1.2)
        limits = _lipschitz_limits(by)
        if limits != (ax_l.get_xlim(), ax_l.get_ylim()):
            ax_l.set_xlim(*limits[0])       # one scale for every run of this Adam step, so
            ax_l.set_ylim(*limits[1])       # switching runs only moves the lines (blitting)
            live.invalidate()
        live.refresh()

    for w in (sig, alg, step):
        w.observe(update, names="value")
    update()
    live.freeze([art["image"], *art["points"], *ax_d.spines.values(), art["title"], *lines.values()])
    live.refresh()
    return App({"sigma": sig, "algorithm": alg, "adam_step": step, "progress": bar}, live, update)


class _Landscapes:
    """Loss grids around θ_end of SGD and Adam, per (σ, kind), cached."""

    def __init__(self, seed, n, spans):
        self.seed, self.n, self.spans = seed, n, spans
        self.spec = nets.default_spec()
        self.cache = {}

    def get(self, sigma, kind):
        key = (sigma, kind)
        if key not in self.cache:
            X, y = experiments.data()
            by = {(r.sigma, r.algorithm): r for r in experiments.sharp_flat(self.seed)}
            ab = np.linspace(-self.spans[kind], self.spans[kind], self.n)
            grids = {}
            for alg in ("sgd", "adam"):
                theta = by[(sigma, alg)].theta_end
                d1, d2 = landscape.directions(theta, seed=self.seed, kind=kind, spec=self.spec)
                grids[alg] = landscape.loss_grid(theta, d1, d2, X, y, ab, ab, self.spec)
            self.cache[key] = (ab, grids)
        return self.cache[key]


def landscape_app(seed=0, sigma=10.0, kind="plain", z_max=1e3, n=51, spans=None):
    """SGD's and Adam's loss landscapes around θ_end on the same directions and axes.

    ``spans`` maps the kind of directions to the half-width of the α, β range (default: 1 for
    plain unit directions, 0.05 for filter-normalized ones, where α = 1 moves every neuron by its
    own norm).
    """
    spans = spans or {"plain": 1.0, "filter": 0.05}
    model = _Landscapes(seed, n, spans)
    live = BlitFigure(figsize=(9.0, 3.9), ncols=2)
    ab, grids = model.get(sigma, kind)
    arts = {}
    for ax, alg in zip(live.axes, ("sgd", "adam")):
        arts[alg] = landscape_image(ab, ab, grids[alg], z_max, ax=ax, title=_NAMES[alg])
    cbar = live.fig.colorbar(arts["adam"]["image"], ax=live.axes, shrink=0.9, label="hinge loss (clipped)")
    sig = _selection(SIGMA_LABELS, sigma, "σ")
    kinds = widgets.ToggleButtons(options=[("plain", "plain"), ("filter-normalized", "filter")],
                                  value=kind, description="directions")
    zm = _selection([(f"{z:.0e}", z) for z in Z_MAX], z_max, "z_max")
    note = widgets.Label("")

    def update(change=None):
        if (sig.value, kinds.value) not in model.cache:
            note.value = "computing the 2 x 51 x 51 grid ..."
        ab, grids = model.get(sig.value, kinds.value)
        note.value = ""
        static_changed = False
        for alg, a in arts.items():
            a["image"].set_data(clip(grids[alg], zm.value))
            extent = (ab[0], ab[-1], ab[0], ab[-1])
            if tuple(a["image"].get_extent()) != extent or a["image"].get_clim() != (0, zm.value):
                a["image"].set_extent(extent)
                a["image"].set_clim(0, zm.value)
                static_changed = True
            frac = np.mean(grids[alg] == 0)
            a["image"].axes.title.set_text(f"{_NAMES[alg]}, σ = {sig.value:g}: loss 0 on "
                                           f"{100 * frac:.0f} % of the grid")
        if static_changed:                  # new axes range or colour scale: redraw everything
            cbar.update_normal(arts["adam"]["image"])
            live.invalidate()
        live.refresh()

    for w in (sig, kinds, zm):
        w.observe(update, names="value")
    update()
    live.freeze([x for a in arts.values() for x in (a["image"], a["image"].axes.title)]
                + [a["marker"] for a in arts.values()]
                + [sp for ax in live.axes for sp in ax.spines.values()])  # spines lie over images
    live.refresh()
    return App({"sigma": sig, "kind": kinds, "z_max": zm, "note": note}, live, update)
