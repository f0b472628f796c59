"""Issue 20's bad inputs of the public API (the CLI and study-file cases live elsewhere): each is
a clear error naming its argument, raised by course_utils before anything large is allocated, or
the right answer. ``benchmarks/probe_bad_inputs.py`` counts the same kind of cases on any checkout.

"Before anything is allocated" is checked by the address space: the sizes below would need tens
of GiB, and each case runs with a cap of 2 GiB of *new* address space (``resource.RLIMIT_AS``),
so an attempt to allocate them is a MemoryError, which fails the case.
"""

from __future__ import annotations

import resource
import sys

import numpy as np
import pytest

from course_utils import _checks, landscape, nets, problems, training
from course_utils import optimizers as opt
from course_utils.datasets.spirals import two_spirals
from course_utils.datasets.wilson import make_wilson
from course_utils.exercises import digits_verdict
from course_utils.metric import Metric
from course_utils.models.adaptive import batch_sequence
from course_utils import objectives
from course_utils.objectives import LeastSquares, Quadratic, reshuffling_batches
from test_bad_inputs import no_runtime_warning, raises_clearly

NAN, INF = float("nan"), float("inf")
F = Quadratic([[1.0, 0.0], [0.0, 2.0]])


def _vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return None


@pytest.fixture
def capped_memory():
    """At most 2 GiB more address space while the case runs (Linux; elsewhere no cap)."""
    if not sys.platform.startswith("linux") or _vm_bytes() is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _vm_bytes() + 2 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _zero_loss_point():
    """A network and data on which its hinge loss is exactly 0 (flat_radius starts there)."""
    spec = nets.default_spec()
    th = nets.init_theta(10.0, np.random.default_rng(0))
    X, _ = two_spirals(400)
    m = spec.forward(th, X)
    keep = np.abs(m) >= 1
    X, y = X[keep][:40], np.sign(m[keep][:40])
    assert X.shape[0] >= 10 and spec.loss(th, X, y) == 0.0
    return th, X, y


TH = nets.init_theta(1.0, np.random.default_rng(0))
XS, YS = two_spirals(20)
P8 = problems.ellipses_problem(m=8, seed=0, condition=6.0)

# (call, exception, argument named, what the message says)
HUGE = {
    "run-bfgs-stored-states": (lambda: opt.run(opt.bfgs(), lambda x: x, np.ones(2000), 1000, return_states=True),
                               ValueError, "steps", "iterates and states"),
    "run-huge-x0": (lambda: opt.run(opt.gd(0.1), lambda x: x, np.ones(10**6), 10**5), ValueError, "steps", "GiB"),
    "two_spirals-1e9": (lambda: two_spirals(10**9), ValueError, "n", "GiB"),
    "make_wilson-20000x20000": (lambda: make_wilson(20000, 20000), ValueError, "n_train", "GiB"),
    "batch_sequence-1e8": (lambda: batch_sequence(P8, 2, 0, 10**8), ValueError, "iterations", "GiB"),
    "noisy_gradient_stream-1e10": (lambda: problems.noisy_gradient_stream([0.0, 1.0], [1.0, 1.0], 10**10),
                                   ValueError, "steps", "GiB"),
    "lines_problem-1e9": (lambda: problems.lines_problem(m=10**9), ValueError, "m", "GiB"),
    "ellipses_problem-1e9": (lambda: problems.ellipses_problem(m=10**9), ValueError, "m", "GiB"),
    "sphere-1e10": (lambda: Metric([1.0, 1.0]).sphere([0.0, 0.0], n=10**10), ValueError, "n", "GiB"),
    "reshuffled_batch_indices-1e10": (lambda: objectives.reshuffled_batch_indices(8, 2, 0, 10**10), ValueError, "count", "GiB"),
    "loss_grid-3000x3000": (lambda: landscape.loss_grid(TH, TH, TH, XS, YS, np.zeros(3000), np.zeros(3000)),
                            ValueError, "alphas", "grid points"),
}


@pytest.mark.parametrize("case", list(HUGE))
def test_a_huge_size_is_refused_before_allocating(case, capped_memory):
    call, exc, argument, expected = HUGE[case]
    raises_clearly(call, exc, argument, expected)


def test_the_memory_limit_is_what_is_available_now(monkeypatch):
    """The limit follows MemAvailable, not the machine's size: with 1 GiB available a 600 MiB
    array is refused, with 2 GiB it is not (MEMORY_SHARE = 1/2)."""
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"n=.*too many.*0.586 GiB.*1 GiB"):
        _checks.check_memory(600 * 2**20, "n", 5, "the points")
    monkeypatch.setattr(_checks, "available_memory", lambda: 2 * 2**30)
    assert _checks.check_memory(600 * 2**20, "n", 5, "the points") == 600 * 2**20
    monkeypatch.undo()
    try:
        text = open("/proc/meminfo").read()
    except OSError:
        return
    kib = int(text.split("MemAvailable:")[1].split()[0])
    assert abs(_checks.available_memory() - kib * 1024) < 2**30        # it reads MemAvailable


ERRORS = {
    # optimizers: g must be finite and of the state's shape
    **{f"{name}-g-nan": (lambda name=name: getattr(opt, name)(0.1).update(
        np.array([NAN, 1.0]), getattr(opt, name)(0.1).init(np.zeros(2))), ValueError, "g", "NaN")
       for name in ("gd", "adam", "rmsprop", "adagrad", "adamax", "adadelta", "sgd_momentum", "filtered_sgd")},
    **{f"{name}-g-inf": (lambda name=name: getattr(opt, name)(0.1).update(
        np.array([INF, 1.0]), getattr(opt, name)(0.1).init(np.zeros(2))), ValueError, "g", "infinite")
       for name in ("gd", "adam", "sgd_momentum")},
    **{f"{name}-g-2x2-vs-2": (lambda name=name: getattr(opt, name)(0.1).update(
        np.ones((2, 2)), getattr(opt, name)(0.1).init(np.zeros(2))), ValueError, "g", r"shape \(2, 2\)")
       for name in ("gd", "adam", "rmsprop", "adagrad", "adamax", "adadelta", "sgd_momentum", "filtered_sgd")},
    "adam-g-3-vs-2": (lambda: opt.adam(0.1).update(np.ones(3), opt.adam(0.1).init(np.zeros(2))),
                      ValueError, "g", r"shape \(3,\)"),
    "adam-g-text": (lambda: opt.adam(0.1).update("a", opt.adam(0.1).init(np.zeros(2))),
                    ValueError, "g", "array of numbers"),
    "gd-step-text": (lambda: opt.gd("0.1"), TypeError, "step", "positive finite number"),
    "run-steps-bool": (lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], True), ValueError, "steps", "integer"),
    "run-x0-empty": (lambda: opt.run(opt.gd(0.1), F.grad, [], 3), ValueError, "x0", "at least one"),
    # chunks and other sizes
    **{f"{what}-chunk-{c}": (call, exc, "chunk", "integer >= 1")
       for c, exc in ((-1, ValueError), (0, ValueError), (2.5, TypeError), (True, TypeError))
       for what, call in (
           ("loss", lambda c=c: nets.default_spec().loss(TH, XS, YS, chunk=c)),
           ("input_gradient", lambda c=c: nets.default_spec().input_gradient(TH, XS, chunk=c)),
           ("loss_grid", lambda c=c: landscape.loss_grid(TH, TH, TH, XS, YS, [0.0, 1.0], [0.0], chunk=c)))},
    "two_spirals-n-float": (lambda: two_spirals(10.0), TypeError, "n", "integer"),
    "sphere-n-0": (lambda: Metric([1.0, 1.0]).sphere([0.0, 0.0], n=0), ValueError, "n", "integer >= 2"),
    "LeastSquares-empty": (lambda: LeastSquares(np.zeros((0, 2)), np.zeros(0)), ValueError, "A", "at least one row"),
    # negative seeds, with the argument's name
    **{f"seed-{name}": (call, ValueError, "seed", "integer >= 0") for name, call in (
        ("two_spirals", lambda: two_spirals(10, noise=1.0, seed=-1)),
        ("make_wilson", lambda: make_wilson(4, 2, seed=-3)),
        ("lines_problem", lambda: problems.lines_problem(seed=-1)),
        ("ellipses_problem", lambda: problems.ellipses_problem(seed=-1)),
        ("noisy_gradient_stream", lambda: problems.noisy_gradient_stream([0.0], [1.0], 3, seed=-1)),
        ("noisy_oracle", lambda: problems.noisy_oracle(F.grad, 1.0, seed=-1)),
        ("reshuffling_batches", lambda: reshuffling_batches(5, 2, -1)),
        ("batch_sequence", lambda: batch_sequence(P8, 2, -1, 3)),
        ("directions", lambda: landscape.directions(TH, seed=-1)))},
    "seed-float": (lambda: two_spirals(10, noise=1.0, seed=1.5), TypeError, "seed", "integer"),
    # the rest of the list
    "train-0-points": (lambda: training.train([(1.0, "sgd", 0.1)], np.zeros((0, 2)), np.zeros(0), max_epochs=2),
                       ValueError, "X", "0 data points"),
    "digits_verdict-digits-negative": (lambda: digits_verdict(1.0, 1.0, digits=-5), ValueError, "digits", "1 to 17"),
    "digits_verdict-digits-float": (lambda: digits_verdict(1.0, 1.0, digits=2.5), ValueError, "digits", "integer"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_is_a_clear_error(case):
    call, exc, argument, expected = ERRORS[case]
    raises_clearly(call, exc, argument, expected)


@pytest.mark.parametrize("t_max", [-1.0, 0.0, NAN, INF])
def test_flat_radius_refuses_a_t_max_that_is_not_positive(t_max):
    th, X, y = _zero_loss_point()
    raises_clearly(lambda: landscape.flat_radius(th, th, X, y, t_max=t_max), ValueError, "t_max", "positive")


def test_flat_radius_is_in_its_range_for_a_good_t_max():
    th, X, y = _zero_loss_point()
    d = landscape.directions(th, seed=0)
    r = no_runtime_warning(lambda: landscape.flat_radius(th, np.stack(d), X, y, t_max=1.0))
    assert r.shape == (2,) and np.all((r > 0) & (r <= 1.0))
    # the loss is 0 just inside the radius and positive just outside (bisection to 2^-20)
    spec = nets.default_spec()
    for k, dk in enumerate(d):
        if r[k] < 1.0:
            inside = min(spec.loss(th + 0.999 * r[k] * s * dk, X, y) for s in (1, -1))
            assert inside == 0.0


def test_chunked_loss_equals_the_unchunked_one():
    th = np.stack([TH, 2 * TH, -TH])
    spec = nets.default_spec()
    whole = spec.loss(th, XS, YS)
    for chunk in (1, 2, 5):
        np.testing.assert_allclose(spec.loss(th, XS, YS, chunk=chunk), whole, rtol=1e-12, atol=0)
    np.testing.assert_allclose(spec.input_gradient(TH, XS, chunk=3), spec.input_gradient(TH, XS),
                               rtol=1e-12, atol=1e-15)


def test_batch_sequence_draws_the_samplers_batches_at_once():
    """The vectorized draw gives exactly the batches of the sampler's stream."""
    stream = reshuffling_batches(P8.m, 3, 7)
    want = np.array([next(stream) for _ in range(50)])
    np.testing.assert_array_equal(objectives.reshuffled_batch_indices(P8.m, 3, 7, 50), want)
    H, l = batch_sequence(P8, 3, 7, 50)
    g = P8.sampler(3, seed=7, unbiased=True)
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose([x @ H[k] - l[k] for k in range(50)], [g(x) for _ in range(50)],
                               rtol=1e-12, atol=1e-12)


def test_run_flags_a_non_finite_gradient_as_divergence():
    """A gradient that overflows is the run diverging (its rows NaN from there), not an error
    from the optimizer's input check; the other runs of the batch go on."""
    def grad(x):
        g = F.grad(x)
        g[0] = [INF, 0.0] if np.abs(x[0]).max() > 0 else g[0]
        return g
    X = no_runtime_warning(lambda: opt.run(opt.gd(0.1), grad, [[1.0, 1.0], [1.0, 1.0]], 3))
    assert np.all(np.isnan(X[1:, 0])) and np.all(np.isfinite(X[:, 1]))
    np.testing.assert_allclose(X[1, 1], [0.9, 0.8], rtol=1e-12)
