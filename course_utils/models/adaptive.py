r"""The numbers behind notebook 03's apps: moving averages, a variance estimate, and SGD vs filtered
SGD vs Adam on one finite sum (no ipywidgets, no matplotlib: :mod:`course_utils.widgets.adaptive`
draws them).

* :func:`ema`: the exponential moving average :math:`\hat u_k` (with or without bias correction).
* :class:`VarianceModel`: a fixed noisy gradient stream and its second-moment estimates
  :math:`\hat v_k` for any :math:`b_v`.
* :func:`batch_sequence`, :func:`run_on_batches`: the mini-batch gradients of a quadratic finite
  sum drawn once as affine maps, and an optimizer run on them.
* :class:`FilteredRunsModel`: SGD, filtered SGD and Adam with one step size, every run cached.

Expensive results go through :class:`course_utils.cache.BoundedCache` (``.computed`` counts what
was computed, the cache keeps a bounded number of results).
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from .. import optimizers as opt
from ..cache import BoundedCache
from ..objectives import reshuffled_batch_indices
from ..problems import ellipses_problem, noisy_gradient_stream

__all__ = ["ema", "VarianceModel", "batch_sequence", "run_on_batches", "FilteredRunsModel"]


def ema(stream, b, bias_correction=False):
    r"""The exponential moving averages of a stream ``s`` of shape ``(K, ...)`` (k = 1..K on axis 0):

    .. math:: \hat u_k = b\,\hat u_{k-1} + (1-b)\,s_k, \quad \hat u_0 = 0, \qquad
              \text{i.e.}\quad \hat u_k = (1-b)\sum_{j=1}^k b^{k-j} s_j.

    With ``bias_correction`` returns :math:`\hat u_k/(1-b^k)`: the weights then sum to one, so a
    constant stream is returned unchanged. Feed ``g**2`` to get the slides' :math:`\hat v_k`, ``g``
    to get :math:`\hat m_k`. Raises ``ValueError`` unless ``0 <= b < 1``.

    >>> ema([1.0, 1.0, 1.0], 0.5).tolist()
    [0.5, 0.75, 0.875]
    >>> ema([1.0, 1.0, 1.0], 0.5, bias_correction=True).tolist()
    [1.0, 1.0, 1.0]
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
    r"""A fixed noisy gradient stream :math:`g_k = \mu + \sigma \odot z_k` (k = 1..``steps``) and its
    second-moment estimates for any :math:`b_v`.

    ``estimates(b_v)`` returns ``(raw, corrected)``, both ``(steps, n)``:

    .. math:: \hat v_k = b_v \hat v_{k-1} + (1-b_v)\,g_k^2 \quad\text{and}\quad
              \hat v_k / (1 - b_v^k),

    cached by ``b_v`` (a :class:`~course_utils.cache.BoundedCache` of ``max_estimates`` entries:
    ``estimates.computed`` counts the computations). ``second_moment`` is the true
    :math:`E[g^2] = \mu^2 + \sigma^2` they estimate; ``k`` the iterations ``1..steps``.

    >>> model = VarianceModel(mean=(1.0,), std=(0.0,), steps=3)
    >>> raw, corrected = model.estimates(0.5)
    >>> raw[:, 0].tolist(), corrected[:, 0].tolist(), model.estimates.computed
    ([0.5, 0.75, 0.875], [1.0, 1.0, 1.0], 1)
    """

    def __init__(self, mean=(1.0, 0.0), std=(0.3, 2.0), steps=200, seed=0, max_estimates=64):
        self.mean = _checks.as_vector(mean, "mean")
        self.std = _checks.as_vector(std, "std", self.mean.shape[0])
        self.steps = _checks.positive_int(steps, "steps")
        self.g = noisy_gradient_stream(self.mean, self.std, self.steps, seed)
        self.second_moment = self.mean ** 2 + self.std ** 2
        self.k = np.arange(1, self.steps + 1)
        self.estimates = BoundedCache(self._estimates, maxsize=max_estimates)

    def _estimates(self, b_v):
        b_v = _checks.decay(b_v, "b_v")
        raw = ema(self.g ** 2, b_v)
        return raw, raw / (1.0 - b_v ** self.k[:, None])


def _affine_pieces(problem):
    r"""Every summand's gradient as an affine map, :math:`\nabla f_i(x) = Q_ix - l_i`: ``(Q, l)``
    of shapes ``(m, n, n)`` and ``(m, n)``, from the finite sum's ``summand_affine()``. Raises
    ``ValueError`` for a problem that has none (its gradients are not affine)."""
    if not callable(getattr(problem, "summand_affine", None)):
        raise ValueError(f"batch_sequence: {type(problem).__name__} must be a quadratic finite sum "
                         "(its summands' gradients affine, given by summand_affine())")
    return problem.summand_affine()


def batch_sequence(problem, batch_size, seed, iterations, unbiased=True, sampling="reshuffle"):
    r"""The stochastic gradients of a quadratic finite sum for ``iterations`` draws, as affine maps.

    Every mini-batch gradient of a quadratic finite sum is affine,

    .. math:: \widehat\nabla f(x) = s \sum_{i \in B_k} \nabla f_i(x) = x^T H_k - l_k,
              \qquad s = m/|B_k| \text{ if unbiased, else } 1;

    this returns ``(H, l)`` of shapes ``(iterations, n, n)`` and ``(iterations, n)``, computed once
    (batched) from ``problem.summand_affine()``. ``sampling="reshuffle"`` draws the mini-batches of
    ``problem.sampler(batch_size, seed=seed)`` (:func:`course_utils.problems.reshuffling_batches`:
    a fresh permutation of the summands every epoch); ``"iid"`` draws each mini-batch
    independently and uniformly (without replacement inside a batch) from
    ``np.random.default_rng(seed)``.

    >>> p = ellipses_problem(m=8, seed=0, condition=6.0)
    >>> H, l = batch_sequence(p, 2, seed=0, iterations=3)
    >>> g = p.sampler(2, seed=0, unbiased=True)
    >>> x = np.array([0.5, -1.0])
    >>> bool(np.allclose([x @ H[k] - l[k] for k in range(3)], [g(x) for _ in range(3)]))
    True
    """
    batch_size = _checks.positive_int(batch_size, "batch_size")
    iterations = _checks.positive_int(iterations, "iterations")
    if sampling not in ("reshuffle", "iid"):
        raise ValueError(f"sampling must be 'reshuffle' or 'iid'; got {sampling!r}")
    if batch_size > problem.m:
        raise ValueError(f"batch_size must be at most m = {problem.m}; got {batch_size}")
    per_H, per_l = _affine_pieces(problem)
    seed, n = _checks.seed(seed), per_l.shape[-1]
    _checks.check_memory(8 * iterations * max(batch_size * (n * n + n + 1) + n * n + n, problem.m),
                         "iterations", iterations, f"{iterations} mini-batch gradients")
    if sampling == "iid":
        rng = np.random.default_rng(seed)
        idx = np.argsort(rng.random((iterations, problem.m)), axis=1)[:, :batch_size]
    else:
        idx = reshuffled_batch_indices(problem.m, batch_size, seed, iterations)   # (iterations, batch_size)
    scale = problem.m / batch_size if unbiased else 1.0
    return scale * per_H[idx].sum(axis=1), scale * per_l[idx].sum(axis=1)


def run_on_batches(optimizer, H, l, x0, blowup=1e8):
    r""":func:`course_utils.optimizers.run` on the precomputed affine gradients of
    :func:`batch_sequence`: step k uses :math:`\widehat\nabla f(x) = x^T H_k - l_k`, so a run costs
    no sampling, only the optimizer's own arithmetic. Returns the ``(len(H) + 1, n)`` iterates
    (NaN after a divergence, like :func:`~course_utils.optimizers.run`).

    >>> H, l = np.array([np.eye(2)] * 3), np.ones((3, 2))          # f(x) = ½‖x‖² - 1ᵀx
    >>> run_on_batches(opt.make("sgd", 0.5), H, l, [0.0, 0.0])[:, 0].tolist()
    [0.0, 0.5, 0.75, 0.875]
    """
    H, l = np.asarray(H, dtype=float), np.asarray(l, dtype=float)
    draws = iter(range(H.shape[0]))

    def grad(x):
        k = next(draws)
        return x @ H[k] - l[k]

    return opt.run(optimizer, grad, x0, H.shape[0], blowup=blowup)


class FilteredRunsModel:
    r"""SGD, filtered SGD and Adam with one step size :math:`\gamma` (``step``) on one finite sum.

    ``run(method, step, b_m, b_v, eps, batch_size)`` returns the iterates ``(iterations + 1, n)``
    of ``optimizers.make(name, step, **hyper)`` on the mini-batch gradients of
    :func:`batch_sequence`:

    - ``"sgd"``:      :math:`x_{k+1} = x_k - \gamma g_k`                   (depends on step, batch)
    - ``"filtered"``: :math:`\hat m_k = b_m \hat m_{k-1} + (1-b_m) g_k,\ x_{k+1} = x_k - \gamma
      \hat m_k`                                                            (+ ``b_m``)
    - ``"adam"``:     Adam with :math:`b_m, b_v, \varepsilon`               (+ ``b_v``, ``eps``)

    ``runs(...)`` returns all three in a dict. Each method has its own
    :class:`~course_utils.cache.BoundedCache` (``cache[method]``) keyed by exactly the parameters
    it depends on (:meth:`key`), so moving ε recomputes only Adam; each keeps the ``max_runs`` runs
    used last. ``computed`` counts the runs computed per method. All runs draw the same
    mini-batches (the seed is fixed), so the paths differ only by the method.
    ``sampling="reshuffle"`` draws each epoch a permutation of the summands (as deep-learning
    loaders do), ``"iid"`` every mini-batch independently.

    >>> model = FilteredRunsModel(iterations=50)
    >>> X = model.run("adam", 0.1)
    >>> X.shape, model.computed
    ((51, 2), {'sgd': 0, 'filtered': 0, 'adam': 1})
    """

    METHODS = ("sgd", "filtered", "adam")
    #: the name of each method in :func:`course_utils.optimizers.make`, and its hyper-parameters
    OPTIMIZERS = {"sgd": "sgd", "filtered": "filtered_sgd", "adam": "adam"}
    HYPER = {"sgd": (), "filtered": ("b_m",), "adam": ("b_m", "b_v", "eps")}

    def __init__(self, problem=None, x0=(-0.9, 2.1), iterations=200, seed=0, unbiased=True,
                 tail=100, max_runs=32, sampling="reshuffle"):
        self.problem = ellipses_problem(m=8, seed=0, condition=6.0) if problem is None else problem
        self.xstar = np.asarray(self.problem.minimizer(), dtype=float)
        self.x0 = _checks.as_vector(x0, "x0", self.xstar.shape[0])
        self.iterations = _checks.positive_int(iterations, "iterations")
        self.seed = seed
        self.unbiased = bool(unbiased)
        self.tail = min(_checks.positive_int(tail, "tail"), self.iterations)
        if sampling not in ("reshuffle", "iid"):
            raise ValueError(f"sampling must be 'reshuffle' or 'iid'; got {sampling!r}")
        self.sampling = sampling
        self.max_runs = _checks.positive_int(max_runs, "max_runs")
        self.batches = BoundedCache(self._batches, maxsize=self.problem.m)
        self.cache = {m: BoundedCache(self._runner(m), maxsize=self.max_runs) for m in self.METHODS}

    @property
    def computed(self):
        """The number of runs computed so far, per method."""
        return {m: c.computed for m, c in self.cache.items()}

    def sampler(self, batch_size):
        """The problem's own stochastic gradient for these settings (for :func:`optimizers.run`):
        it draws the mini-batches the cached runs use."""
        return self.problem.sampler(batch_size, seed=self.seed, unbiased=self.unbiased)

    def _batches(self, batch_size):
        return batch_sequence(self.problem, batch_size, self.seed, self.iterations, self.unbiased,
                              self.sampling)

    def _runner(self, method):
        def compute(step, batch_size, *hyper):
            optimizer = opt.make(self.OPTIMIZERS[method], step, **dict(zip(self.HYPER[method], hyper)))
            return run_on_batches(optimizer, *self.batches(batch_size), self.x0)
        return compute

    @classmethod
    def key(cls, method, step, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1):
        """The parameters a method's run depends on: ``(step, batch_size, *hyper)``.

        >>> FilteredRunsModel.key("filtered", 0.2, b_m=0.9, eps=1e-3)
        (0.2, 1, 0.9)
        """
        if method not in cls.HYPER:
            raise ValueError(f"method must be one of {cls.METHODS}; got {method!r}")
        hyper = {"b_m": float(b_m), "b_v": float(b_v), "eps": float(eps)}
        return (float(step), _checks.positive_int(batch_size, "batch_size")) + tuple(
            hyper[h] for h in cls.HYPER[method])

    def run(self, method, step, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1):
        """The iterates of ``method`` (one of :attr:`METHODS`) with these settings, cached."""
        key = self.key(method, step, b_m, b_v, eps, batch_size)       # checks the method first
        return self.cache[method](*key)

    def runs(self, step, b_m=0.9, b_v=0.999, eps=1e-8, batch_size=1):
        """``{method: run(method, ...)}`` for the three methods."""
        return {m: self.run(m, step, b_m, b_v, eps, batch_size) for m in self.METHODS}

    def distances(self, X):
        r""":math:`\|x_k - x^\star\|` for every iterate of ``X``."""
        return np.linalg.norm(X - self.xstar, axis=1)

    def stall_distance(self, X):
        r"""Mean of :math:`\|x_k - x^\star\|` over the last ``tail`` iterations (NaN if diverged)."""
        return float(np.mean(self.distances(X[-self.tail:])))
