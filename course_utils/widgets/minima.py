"""Apps of the sharp-versus-flat-minima lesson (notebook 04), ready at once from the shipped study.

* :func:`sigma_app`: a σ slider and an algorithm selector switch between the runs of the σ
  experiment (decision regions, and L_m along training); an Adam step-size control switches to
  Adam runs at another step.
* :func:`landscape_app`: the loss around θ_end for SGD and Adam side by side, on the same
  directions and the same axes; controls for σ, the kind of directions, the clipping z_max and a
  linear or logarithmic colour scale.

Both load the precomputed study shipped with the package (:func:`course_utils.experiments.load_study`,
seed 0, Adam steps 1e-3, 3e-3, 1e-2; landscape grids of 51 x 51 points), so they are ready in well
under a second; other seeds or grid sizes are trained / computed on demand and cached.

On a slide
----------
Open an app at the setting of a slide by passing it as keyword arguments, e.g. in a lecture deck::

    sigma_app(sigma=0.01, algorithm="adam")                  # slides 36-40: small σ, Adam
    sigma_app(sigma=0.01, algorithm="adam", adam_step=1e-3)  # the same at PyTorch's default step
    landscape_app(sigma=10, z_max=1e3)                       # slide 54
    landscape_app(sigma=10, z_max=1e5)                       # slide 55
    landscape_app(sigma=10, z_max=1e9, log=True)             # slide 56 (log colours: not one colour)

The numerics live in :mod:`course_utils.experiments` and :mod:`course_utils.landscape`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import experiments, nets
from ..plots.classifiers import decision_regions, decision_values
from ..plots.landscapes import landscape_image, landscape_norm, masked_values, uniform_note, zero_contour
from .core import App, BlitFigure

__all__ = ["sigma_app", "landscape_app", "SIGMA_LABELS", "ADAM_STEPS", "Z_MAX"]

SIGMA_LABELS = [(f"{s:g}", s) for s in experiments.SIGMAS]
ADAM_STEPS = (1e-3, 3e-3, 1e-2)
Z_MAX = (1.0, 10.0, 1e3, 1e5, 1e9)
_NAMES = {"sgd": "SGD", "adam": "Adam"}


def _selection(options, value, description):
    return widgets.SelectionSlider(options=options, value=value, description=description,
                                   continuous_update=True, style={"description_width": "initial"})


def _study():
    try:
        return experiments.load_study()
    except FileNotFoundError:
        return None


class _Runs:
    """Runs of the σ experiment per Adam step (from the study, else trained and cached), and their
    decision grids (cached)."""

    def __init__(self, seed, lim, n):
        self.seed, self.lim, self.n = seed, lim, n
        self.spec = nets.default_spec()
        self.grids = {}
        self.study = _study()

    def runs(self, adam_step, progress=None):
        st = self.study
        if st is not None and st.has_results(self.seed, adam_step):
            adam = st.results(st.setting_of(adam_step), algorithms="adam")
            sgd = st.results("main", algorithms="sgd")
            return {(r.sigma, r.algorithm): r for r in adam + sgd}
        if adam_step == experiments.ADAM_STEP:
            res = experiments.sharp_flat(self.seed, progress=progress)
        else:
            res = experiments.sharp_flat(self.seed, adam_step=adam_step, algorithms=("adam",),
                                         progress=progress) + \
                experiments.sharp_flat(self.seed, progress=progress)[len(experiments.SIGMAS):]
        return {(r.sigma, r.algorithm): r for r in res}

    def grid(self, adam_step, progress=None):
        """``(runs, grids)``: the runs by (σ, algorithm) and their decision values on the grid:
        stored in the study (seed 0, its grid), else computed for a run the first time it is
        shown (one forward pass of n x n points)."""
        if adam_step not in self.grids:
            by = self.runs(adam_step, progress)
            grids = _DecisionGrids(self.spec, by, self.lim, self.n)
            st = self.study
            if (st is not None and st.has_results(self.seed, adam_step)
                    and st.decision_grid == {"n": self.n, "lim": self.lim}):
                setting = st.setting_of(adam_step)
                for (s, a) in by:
                    grids[(s, a)] = st.decision(s, a, setting if a == "adam" else "main")
            self.grids[adam_step] = (by, grids)
        return self.grids[adam_step]


class _DecisionGrids(dict):
    """(σ, algorithm) -> decision values of that run, computed on first access and kept."""

    def __init__(self, spec, by, lim, n):
        super().__init__()
        self.spec, self.by, self.lim, self.n = spec, by, lim, n

    def __missing__(self, key):
        value = decision_values(self.spec, self.by[key].theta_end[None], lim=self.lim, n=self.n)[0]
        self[key] = value
        return value


def _lipschitz_limits(by):
    """Log-axis limits that hold the L_m histories of every run in ``by``."""
    lo_x = 0.5
    hi_x = max(float(np.max(r.history["lipschitz_epoch"])) for r in by.values())
    lo_y = min(float(np.min(r.history["lipschitz"])) for r in by.values())
    hi_y = max(float(np.max(r.history["lipschitz"])) for r in by.values())
    return (lo_x, 1.5 * max(hi_x, 1.0)), (lo_y / 3.0, hi_y * 3.0)


def sigma_app(seed=0, sigma=10.0, algorithm="sgd", lim=1.15, n=161, adam_step=experiments.ADAM_STEP):
    """σ slider + algorithm selector over the runs of the σ experiment; an Adam step control.

    Seed 0 and the Adam steps 1e-3, 3e-3, 1e-2 come from the shipped study (instant; with the
    default grid, ``n = 161`` points a side over ``[-1.15, 1.15]``, so are the decision regions); another
    ``seed`` trains its ten runs once (a few seconds, a progress bar counts finished runs).
    Example on a slide: ``sigma_app(sigma=0.01, algorithm="adam")``.
    """
    if sigma not in experiments.SIGMAS:
        raise ValueError(f"sigma must be one of {experiments.SIGMAS}; got {sigma!r}")
    if algorithm not in _NAMES:
        raise ValueError(f"algorithm must be 'sgd' or 'adam'; got {algorithm!r}")
    if adam_step not in ADAM_STEPS:
        raise ValueError(f"adam_step must be one of {ADAM_STEPS}; got {adam_step!r}")
    X, y = experiments.data()
    model = _Runs(seed, lim, n)
    live = BlitFigure(figsize=(9.0, 4.2), ncols=2)
    ax_d, ax_l = live.axes
    by, vals = model.grid(adam_step)
    art = decision_regions(vals[(sigma, algorithm)], X, y, ax=ax_d, lim=lim, title=" \n ")
    lines = {}
    for alg, color in (("sgd", "C2"), ("adam", "C3")):
        (lines[alg],) = ax_l.loglog([1], [1], color=color, label=_NAMES[alg])
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel(r"Lipschitz bound $L_m(\theta)$")
    ax_l.legend(loc="upper left")
    ax_l.set_title("$L_m$ during training\n(to zero loss)")

    sig = _selection(SIGMA_LABELS, sigma, "initialization scale σ")
    alg = widgets.ToggleButtons(options=[("SGD", "sgd"), ("Adam", "adam")], value=algorithm,
                                description="algorithm")
    step = widgets.Dropdown(options=[(f"{s:g}", s) for s in ADAM_STEPS],
                            value=adam_step, description="Adam step γ")
    bar = widgets.IntProgress(value=0, min=0, max=2 * len(experiments.SIGMAS),
                              description="training", layout=widgets.Layout(width="260px"))
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
            f"{_NAMES[a]}, σ = {s:g}: ‖θ‖ {r.norm_theta0:.3g} → {r.norm_theta_end:.3g}\n"
            f"$L_m$ {r.lipschitz_theta0:.1e} → {r.lipschitz_end:.1e}")
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
    """Loss grids around θ_end of SGD and Adam, per (σ, kind): from the study when it has them
    (seed 0, n = 51, the default spans), else computed and cached."""

    def __init__(self, seed, n, spans):
        self.seed, self.n, self.spans = seed, n, spans
        self.spec = nets.default_spec()
        self.cache = {}
        self.study = _study()

    def _stored(self, kind):
        st = self.study
        return (st is not None and self.seed == st.seeds[0] and self.n == st.meta["landscape"]["n"]
                and self.spans[kind] == st.meta["landscape"]["spans"][kind])

    def get(self, sigma, kind):
        key = (sigma, kind)
        if key not in self.cache:
            if self._stored(kind):
                self.cache[key] = self.study.grid(sigma, kind)
            else:
                st = self.study
                if st is not None and st.has_results(self.seed):
                    runs = st.results("main")
                else:
                    runs = experiments.sharp_flat(self.seed)
                by = {(r.sigma, r.algorithm): r for r in runs}
                self.cache[key] = experiments.landscape_grids(
                    by[(sigma, "sgd")].theta_end, by[(sigma, "adam")].theta_end, kind,
                    span=self.spans[kind], n=self.n)
        return self.cache[key]


def _share(frac):
    """A share of the grid as text; a few points (e.g. only θ_end itself) read "< 1 %", not "0 %"."""
    return "< 1 %" if 0 < frac < 0.005 else f"{100 * frac:.0f} %"


def _tick(v, pos=None):
    """Colour-bar ticks of about the same width at every z_max: 0, 0.001, 2e+02, 1e+09."""
    return "0" if v == 0 else f"{v:.1g}"


def landscape_app(seed=0, sigma=10.0, kind="plain", z_max=1e3, n=51, spans=None, log=False):
    """SGD's and Adam's loss landscapes around θ_end on the same directions and axes.

    ``spans`` maps the kind of directions to the half-width of the α, β range (default
    :data:`course_utils.experiments.LANDSCAPE_SPANS`: 1 for plain unit directions, 0.05 for
    filter-normalized ones, where α = 1 moves every neuron by its own norm -- the notebook's
    figures use the same spans). ``z_max`` clips the colour scale (any positive value; the
    slider offers 1, 10, 1e3, 1e5, 1e9, the presets of slides 54-56 among them); ``log=True``
    colours the loss on a log scale from 1e-3 to z_max. The region of loss exactly 0 is white,
    with its edge drawn in black. A panel that is one colour says why in its title.

    Slides 54, 55, 56: ``landscape_app(sigma=10, z_max=1e3)``, ``z_max=1e5``, ``z_max=1e9`` (add
    ``log=True`` to see structure at 1e9).
    """
    spans = dict(experiments.LANDSCAPE_SPANS, **(spans or {}))
    if kind not in spans:
        raise ValueError(f"kind must be 'plain' or 'filter'; got {kind!r}")
    if sigma not in experiments.SIGMAS:
        raise ValueError(f"sigma must be one of {experiments.SIGMAS}; got {sigma!r}")
    landscape_norm(z_max, log)                     # checks z_max
    z_options = sorted(set(Z_MAX) | {float(z_max)})
    model = _Landscapes(seed, n, spans)
    live = BlitFigure(figsize=(9.0, 4.2), ncols=2)
    ab, grids = model.get(sigma, kind)
    arts = {}
    for ax, alg in zip(live.axes, ("sgd", "adam")):
        arts[alg] = landscape_image(ab, ab, grids[alg], z_max, ax=ax, title=" \n ", log=log)
    cbar = live.fig.colorbar(arts["adam"]["image"], ax=live.axes, shrink=0.85,
                             format=FuncFormatter(_tick))
    cbar.ax.set_title("loss\n(0: white)", fontsize="small", pad=14)   # above the bar: ticks cannot push it
    sig = _selection(SIGMA_LABELS, sigma, "σ")
    kinds = widgets.ToggleButtons(options=[("plain", "plain"), ("filter-normalized", "filter")],
                                  value=kind, description="directions")
    zm = _selection([(f"{z:.0e}", z) for z in z_options], float(z_max), "z_max")
    scale = widgets.ToggleButtons(options=[("linear", False), ("log", True)], value=bool(log),
                                  description="colours")
    note = widgets.Label("")
    state = {"static": None}

    def update(change=None):
        if (sig.value, kinds.value) not in model.cache:
            note.value = f"computing the 2 x {n} x {n} grid ..."
        ab, grids = model.get(sig.value, kinds.value)
        note.value = ""
        norm = landscape_norm(zm.value, scale.value)
        static = (sig.value, kinds.value, zm.value, scale.value)
        for alg, a in arts.items():
            a["image"].set_data(masked_values(grids[alg], zm.value, scale.value))
            frac = np.mean(grids[alg] == 0)
            why = uniform_note(grids[alg], zm.value, scale.value)
            a["image"].axes.title.set_text(
                f"{_NAMES[alg]}, σ = {sig.value:g}: loss 0 on {_share(frac)}\n"
                + (why if why else f"z_max = {zm.value:.0e}"))
        if static != state["static"]:       # new grid, range or colour scale: redraw the rest
            state["static"] = static
            for alg, a in arts.items():
                ax = a["image"].axes
                a["image"].set_extent((ab[0], ab[-1], ab[0], ab[-1]))
                a["image"].set_norm(norm)
                if a["zero"] is not None:
                    a["zero"].remove()
                a["zero"] = zero_contour(ab, ab, grids[alg], ax)
                ax.set_xlim(ab[0], ab[-1])
                ax.set_ylim(ab[0], ab[-1])
            cbar.update_normal(arts["adam"]["image"])
            cbar.formatter = FuncFormatter(_tick)
            cbar.update_ticks()
            if live.background is not None or live.dynamic:
                live.set_moving(moving())   # new contours; invalidates the static background
        live.refresh()

    def moving():
        # drawn in this order over the static background: images, then the zero-loss edges,
        # markers and the spines that lie over the images
        return ([x for a in arts.values() for x in (a["image"], a["image"].axes.title)]
                + [a["zero"] for a in arts.values()] + [a["marker"] for a in arts.values()]
                + [sp for ax in live.axes for sp in ax.spines.values()])

    for w in (sig, kinds, zm, scale):
        w.observe(update, names="value")
    update()
    live.freeze(moving())
    live.refresh()
    return App({"sigma": sig, "kind": kinds, "z_max": zm, "log": scale, "note": note}, live, update)
