r"""Slider apps of notebook 03 ("inside Adam"): a variance estimate, and SGD vs filtered SGD vs Adam.

The numeric models (:func:`ema`, :class:`VarianceModel`, :class:`FilteredRunsModel`) use no widget
and are tested without a kernel. The factories (:func:`variance_estimate_app`,
:func:`filtered_sgd_app`) build their figure once; a slider callback asks the model for what
changed (the model caches every run by the parameters it depends on), moves the artists with
``set_data``/``set_text`` and re-renders once.
"""

from __future__ import annotations

from collections import OrderedDict

import ipywidgets as widgets
import numpy as np

from .. import _checks
from .. import optimizers as opt
from ..objectives import LeastSquares
from ..plots import traces
from ..problems import QuadraticSum, ellipses_problem, noisy_gradient_stream, reshuffling_batches
from .core import App, BlitFigure, log_slider, slider

__all__ = ["ema", "VarianceModel", "FilteredRunsModel", "batch_sequence", "run_on_batches",
           "variance_estimate_app", "filtered_sgd_app"]


# ---------------------------------------------------------------------------------------------
# Numeric models (no widgets)
# ---------------------------------------------------------------------------------------------
def ema(stream, b, bias_correction=False):
    r"""The exponential moving averages :math:`\hat u_k = b\,\hat u_{k-1} + (1-b)\,s_k`,
    :math:`\hat u_0 = 0`, of a stream ``s`` of shape ``(K, ...)`` (k = 1..K along axis 0).

    With ``bias_correction`` returns :math:`\hat u_k/(1-b^k)`. Feed ``g**2`` to get the slides'
    :math:`\hat v_k`, ``g`` to get :math:`\hat m_k`.
    """
    s = _checks.as_array(stream, "stream", min_ndim=1)
    b = _checks.decay(b, "b")
    out = np.empty_like(s)
    u = np.zeros(s.shape[1:])
    for k in range(s.shape[0]):           # a recursion in time: one vector op per step
        u = b * u + (1.0 - b) * s[k]
        out[k] = u
    if bias_correction:
        k = np.arange(1, s.shape[0] + 1).reshape((-1,) + (1,) * (s.ndim - 1))
        out = out / (1.0 - b ** k)
    return out


class VarianceModel:
    r"""A fixed noisy gradient stream and its second-moment estimates for any :math:`b_v`.

    ``estimates(b_v)`` returns ``(raw, corrected)``, both ``(steps, n)``: :math:`\hat v_k` and
    :math:`\hat v_k/(1-b_v^k)`; results are cached by ``b_v``.
    """

    def __init__(self, mean=(1.0, 0.0), std=(0.3, 2.0), steps=200, seed=0):
        self.mean = _checks.as_vector(mean, "mean")
        self.std = _checks.as_vector(std, "std", self.mean.shape[0])
        self.g = noisy_gradient_stream(self.mean, self.std, steps, seed)
        self.second_moment = self.mean ** 2 + self.std ** 2
        self._cache = {}
        self.computed = 0

    def estimates(self, b_v):
        key = float(b_v)
        if key not in self._cache:
            raw = ema(self.g ** 2, key)
            k = np.arange(1, raw.shape[0] + 1)[:, None]
            self._cache[key] = (raw, raw / (1.0 - key ** k))
            self.computed += 1
        return self._cache[key]


def batch_sequence(problem, batch_size, seed, steps, unbiased=True, sampling="reshuffle"):
    r"""The per-step pieces of ``problem.sampler(batch_size, seed, unbiased)`` for ``steps`` draws.

    ``sampling="reshuffle"`` (the sampler's own scheme) walks through a fresh permutation of the
    summands every epoch; ``"iid"`` draws each mini-batch independently and uniformly (without
    replacement inside a batch), from ``np.random.default_rng(seed)``.

    Every stochastic gradient of a quadratic finite sum is affine, :math:`\widehat\nabla f(x) =
    x^T H_k - l_k`; this returns ``(H, l)`` of shapes ``(steps, n, n)`` and ``(steps, n)`` computed
    once (batched), drawing the same mini-batches as the problem's own sampler.
    """
    if isinstance(problem, QuadraticSum):
        per_H = problem.Qs
        per_l = np.einsum("mij,mj->mi", problem.Qs, problem.centers)
    elif isinstance(problem, LeastSquares):
        per_H = problem.A[:, :, None] * problem.A[:, None, :]
        per_l = problem.A * problem.b[:, None]
    else:
        raise ValueError("problem must be a QuadraticSum or a LeastSquares; got "
                         f"{type(problem).__name__}")
    if sampling == "iid":
        rng = np.random.default_rng(seed)
        idx = np.argsort(rng.random((steps, problem.m)), axis=1)[:, :batch_size]
    else:
        batches = reshuffling_batches(problem.m, batch_size, seed)
        idx = np.array([next(batches) for _ in range(steps)])           # (steps, batch_size)
    scale = problem.m / batch_size if unbiased else 1.0
    return scale * per_H[idx].sum(axis=1), scale * per_l[idx].sum(axis=1)


def run_on_batches(optimizer, H, l, x0, blowup=1e8):
    r""":func:`course_utils.optimizers.run` on the precomputed affine gradients of
    :func:`batch_sequence`: step k uses :math:`\widehat\nabla f(x) = x^T H_k - l_k`, so a run costs
    no sampling, only the optimizer's own arithmetic."""
    steps = iter(range(H.shape[0]))

    def grad(x):
        k = next(steps)
        return x @ H[k] - l[k]

    return opt.run(optimizer, grad, x0, H.shape[0], blowup=blowup)


class FilteredRunsModel:
    r"""SGD, filtered SGD and Adam with one step size on one finite-sum problem, cached.

    ``runs(gamma, b_m, b_v, eps, batch_size)`` returns a dict of iterates ``(steps + 1, n)``:

    - ``"sgd"``:      ``optimizers.gd(gamma)`` on the stochastic gradient (depends on gamma, batch)
    - ``"filtered"``: ``optimizers.filtered_sgd(gamma, b_m)``           (+ b_m)
    - ``"adam"``:     ``optimizers.adam(gamma, b_m, b_v, eps)``         (+ b_v, eps)

    Every run is cached under exactly the parameters it depends on, so moving ε recomputes only
    Adam; ``computed`` counts the runs computed per method. The cache keeps the ``max_runs`` runs
    used last (least recently used out first), so a long slider session holds a bounded memory.
    All runs draw the same mini-batches (the seed is fixed), so the paths differ only by the
    method. ``sampling="reshuffle"`` draws each epoch a permutation of the summands (every summand
    once per epoch, as deep-learning loaders do); ``"iid"`` draws every mini-batch independently.
    """

    METHODS = ("sgd", "filtered", "adam")

    def __init__(self, problem=None, x0=(-0.9, 2.1), steps=200, seed=0, unbiased=True,
                 tail=100, max_runs=96, sampling="reshuffle"):
        self.problem = ellipses_problem(m=8, seed=0, condition=6.0) if problem is None else problem
        self.x0 = _checks.as_vector(x0, "x0", 2)
        self.steps = _checks.positive_int(steps, "steps")
        self.seed = seed
        self.unbiased = bool(unbiased)
        self.tail = min(_checks.positive_int(tail, "tail"), self.steps)
        if isinstance(self.problem, LeastSquares):
            self.xstar = np.linalg.lstsq(self.problem.A, self.problem.b, rcond=None)[0]
        else:
            self.xstar = self.problem.minimizer()
        if sampling not in ("reshuffle", "iid"):
            raise ValueError(f"sampling must be 'reshuffle' or 'iid'; got {sampling!r}")
        self.sampling = sampling
        self.max_runs = _checks.positive_int(max_runs, "max_runs")
        self._batches = {}
        self._cache = OrderedDict()
        self.computed = dict.fromkeys(self.METHODS, 0)

    def sampler(self, batch_size):
        """The problem's own stochastic gradient for these settings (for :func:`optimizers.run`)."""
        return self.problem.sampler(batch_size, self.seed, unbiased=self.unbiased)

    @staticmethod
    def optimizer(method, gamma, b_m, b_v, eps):
        if method == "sgd":
            return opt.gd(gamma)
        if method == "filtered":
            return opt.filtered_sgd(gamma, b_m=b_m)
        if method == "adam":
            return opt.adam(gamma, b_m=b_m, b_v=b_v, eps=eps)
        raise ValueError(f"method must be one of {FilteredRunsModel.METHODS}; got {method!r}")

    @staticmethod
    def key(method, gamma, b_m, b_v, eps, batch_size):
        """The parameters a method's run depends on."""
        base = (method, float(gamma), int(batch_size))
        if method == "sgd":
            return base
        if method == "filtered":
            return base + (float(b_m),)
        return base + (float(b_m), float(b_v), float(eps))

    def run(self, method, gamma, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1):
        key = self.key(method, gamma, b_m, b_v, eps, batch_size)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        batch_size = _checks.positive_int(batch_size, "batch_size")
        if batch_size not in self._batches:
            self._batches[batch_size] = batch_sequence(self.problem, batch_size, self.seed,
                                                       self.steps, self.unbiased, self.sampling)
        H, l = self._batches[batch_size]
        X = run_on_batches(self.optimizer(method, gamma, b_m, b_v, eps), H, l, self.x0)
        self._cache[key] = X
        self.computed[method] += 1
        while len(self._cache) > self.max_runs:
            self._cache.popitem(last=False)
        return X

    def runs(self, gamma, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1):
        return {m: self.run(m, gamma, b_m, b_v, eps, batch_size) for m in self.METHODS}

    def stall_distance(self, X):
        r"""Mean of :math:`\|x_k - x^\star\|` over the last ``tail`` iterations (NaN if diverged)."""
        return float(np.mean(np.linalg.norm(X[-self.tail:] - self.xstar, axis=1)))


# ---------------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------------
def _observe(controls, update):
    for w in controls.values():
        w.observe(lambda change: update(), names="value")


def variance_estimate_app(mean=(1.0, 0.0), std=(0.3, 2.0), steps=200, seed=0, b_v=0.9,
                          figsize=(10.0, 3.6), dpi=80):
    r"""A :math:`b_v` slider over the second-moment estimate of a noisy gradient stream.

    Two panels, one per coordinate: samples :math:`g_k^2`, :math:`\hat v_k` with and without bias
    correction, and the true :math:`E[g^2] = \mu^2 + \sigma^2`. The figure is built once; the
    callback moves two lines per panel.
    """
    model = VarianceModel(mean, std, steps, seed)
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=2, sharex=True)
    raw, corr = model.estimates(b_v)
    arts = []
    for i, ax in enumerate(live.axes):
        arts.append(traces.moment_estimates(model.g, raw, corr, model.second_moment, ax=ax,
                                            coordinate=i))
        ax.set_title(f"coordinate {i + 1}: $\\mu$ = {model.mean[i]:g}, $\\sigma$ = {model.std[i]:g}")
        lo = max(float(np.min(model.g[:, i] ** 2)), 1e-4 * model.second_moment[i])
        ax.set_ylim(lo, 30 * model.second_moment[i])
    live.axes[0].legend(loc="lower right", fontsize=8)
    text = widgets.HTML()
    controls = {"b_v": slider(b_v, 0.5, 0.995, 0.005, description="$b_v$")}
    live.freeze_layout()
    live.set_moving([a[name] for a in arts for name in ("raw", "corrected")])
    model.k = np.arange(1, steps + 1)

    def update():
        bv = controls["b_v"].value
        raw, corr = model.estimates(bv)
        for i, a in enumerate(arts):
            a["raw"].set_data(model.k, raw[:, i])
            a["corrected"].set_data(model.k, corr[:, i])
        text.value = (f"b<sub>v</sub> = {bv:.3f}: memory about 1/(1 − b<sub>v</sub>) = "
                      f"{1 / (1 - bv):.0f} steps; at k = 1 the raw estimate is "
                      f"(1 − b<sub>v</sub>) g<sub>1</sub>², the corrected one g<sub>1</sub>².")
        live.refresh()

    update()
    _observe(controls, update)
    return App(controls, live, update, header=text)


NAMES = {"sgd": "SGD, fixed step", "filtered": r"filtered SGD ($\hat m_k$)", "adam": "Adam"}
COLOURS = {"sgd": "C3", "filtered": "C0", "adam": "C2"}


def filtered_sgd_app(model=None, gamma=0.2, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1,
                     xlim=(-1.3, 2.5), ylim=(-0.9, 2.4), figsize=(12.0, 3.6), dpi=80):
    r"""SGD vs filtered SGD vs Adam on the level sets of the summands, with sliders
    γ (log), :math:`b_m`, :math:`b_v`, ε (log) and the batch size.

    Panels: the three paths, each over the summands' level sets with a dashed circle whose radius
    is the mean distance to :math:`x^\star` over the last iterations ("the ball it stalls in"), and
    the distances :math:`\|x_k - x^\star\|` of all three against k. Only the runs whose inputs
    changed are recomputed (see :class:`FilteredRunsModel`); only the moving artists are redrawn.
    """
    model = FilteredRunsModel() if model is None else model
    live = BlitFigure(figsize=figsize, dpi=dpi, ncols=4)
    X = model.runs(gamma, b_m, b_v, eps, batch_size)
    arts, dist = {}, {}
    for ax, m in zip(live.axes[:3], model.METHODS):
        arts[m] = traces.path_over_summands(model.problem, X[m], xlim, ylim, ax=ax,
                                            radius=model.stall_distance(X[m]),
                                            center=model.xstar, color=COLOURS[m], title=NAMES[m])
        ax.title.set_color(COLOURS[m])          # the title is the legend of the right panel too
    axd = live.axes[3]
    for m in model.METHODS:
        dist[m] = traces.distances(X[m], model.xstar, ax=axd, color=COLOURS[m], lw=1.0,
                                   label=NAMES[m])
    axd.set_ylim(1e-3, 10.0)
    axd.axvspan(model.steps - model.tail, model.steps, color="0.9", zorder=0)
    # no legend (it hid the curves): the colours are those of the three titles
    axd.set_title("distance to $x^\\star$\n(grey: the tail)")
    text = widgets.HTML()
    controls = {
        "gamma": log_slider(gamma, 1e-3, 1.0, description="γ"),
        "b_m": slider(b_m, 0.0, 0.99, 0.01, description="$b_m$"),
        "b_v": slider(b_v, 0.5, 0.999, 0.001, description="$b_v$"),
        "eps": log_slider(eps, 1e-8, 1.0, description="ε"),
        "batch_size": widgets.IntSlider(value=batch_size, min=1, max=model.problem.m,
                                        description="batch size",
                                        style={"description_width": "initial"}),
    }
    live.freeze_layout()
    live.set_moving([a for m in model.METHODS for a in (arts[m]["path"], arts[m]["ball"])]
                    + list(dist.values()))
    k = np.arange(model.steps + 1)

    def update():
        p = {name: c.value for name, c in controls.items()}
        runs = model.runs(p["gamma"], p["b_m"], p["b_v"], p["eps"], p["batch_size"])
        parts = []
        for m in model.METHODS:
            Xm = runs[m]
            arts[m]["path"].set_data(Xm[:, 0], Xm[:, 1])
            r = model.stall_distance(Xm)
            arts[m]["ball"].set_data(*traces.circle_points(model.xstar, r if np.isfinite(r) else 0.0))
            dist[m].set_data(k, np.linalg.norm(Xm - model.xstar, axis=1))
            label = NAMES[m].split(" (")[0]
            parts.append(f"{label}: {r:.3f}" if np.isfinite(r) else f"{label}: diverged")
        text.value = (f"mean distance to x* over the last {model.tail} iterations "
                      "(the dashed circles): " + ", ".join(parts))
        live.refresh()

    update()
    _observe(controls, update)
    return App(controls, live, update, header=text)
