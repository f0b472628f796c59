"""Every bad input gets the right answer or a clear error (issue #10).

Each case either

* raises a ``ValueError``/``TypeError`` from ``course_utils`` whose message names the argument
  (and says what is expected), with no RuntimeWarning on the way; or
* returns the right answer, checked against a closed form, again without a RuntimeWarning.

RuntimeWarnings are turned into errors inside every case, so a case that only "works" by
dividing by zero fails here.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils import projection
from course_utils.objectives import LeastSquares, Quadratic

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])
F = Quadratic(Q, c=[1.0, 0.0])


def no_runtime_warning(call):
    """Run ``call()`` with RuntimeWarnings as errors; return its value."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return call()


def raises_clearly(call, exc, argument, expected):
    """``call()`` raises ``exc`` from course_utils; the message names ``argument`` and matches
    ``expected`` (what is expected of it)."""
    with pytest.raises(exc) as info:
        no_runtime_warning(call)
    msg = str(info.value)
    assert re.search(rf"\b{re.escape(argument)}\b", msg), f"message does not name {argument!r}: {msg}"
    assert re.search(expected, msg), f"message does not say {expected!r}: {msg}"
    # raised by the package itself, not deep inside numpy
    assert "course_utils" in info.traceback[-1].path.parts, info.traceback[-1].path
    return msg


# ---------------------------------------------------------------------------------------------
# errors: (call, exception, argument the message names, what it must say)
# ---------------------------------------------------------------------------------------------
RUN = dict(grad=F.grad, x0=[3.0, -2.0], steps=2)
SINGULAR = [[1.0, 1.0], [1.0, 1.0]]

ERRORS = {
    # newton(hessian=H): a finite, square, invertible matrix of the right size
    "newton-hessian-not-square":
        (lambda: opt.newton(hessian=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ValueError, "hessian", "square"),
    "newton-hessian-1d":
        (lambda: opt.newton(hessian=[1.0, 2.0]), ValueError, "hessian", "dimension"),
    "newton-hessian-nan":
        (lambda: opt.newton(hessian=[[1.0, np.nan], [0.0, 1.0]]), ValueError, "hessian", "NaN"),
    "newton-hessian-text":
        (lambda: opt.newton(hessian="Q"), ValueError, "hessian", "array of numbers"),
    "newton-hessian-singular":
        (lambda: opt.newton(hessian=SINGULAR), ValueError, "hessian", "singular"),
    "newton-hessian-zero":
        (lambda: opt.newton(hessian=np.zeros((2, 2))), ValueError, "hessian", "singular"),
    "newton-hessian-wrong-size":
        (lambda: opt.run(opt.newton(hessian=np.eye(3)), **RUN), ValueError, "hessian", "2x2"),
    "newton-hessian-callable-singular":
        (lambda: opt.run(opt.newton(hessian=lambda x: SINGULAR), **RUN), ValueError, "hessian", "singular"),
    "newton-hessian-callable-wrong-shape":
        (lambda: opt.run(opt.newton(hessian=lambda x: np.eye(3)), **RUN), ValueError, "hessian", "2x2"),
    "newton-objective-hessian-singular":      # least squares with m < n: A^T A is singular
        (lambda: opt.run(opt.newton(), LeastSquares([[1.0, 1.0]], [2.0]).grad, [0.0, 0.0], 1),
         ValueError, "hessian", "singular"),
    # eps = 0 divides 0 by 0 where a gradient coordinate is 0
    **{f"{name}-eps-0": (lambda name=name: getattr(opt, name)(eps=0.0), ValueError, "eps", "eps > 0")
       for name in ("adam", "adagrad", "rmsprop", "adamax", "adadelta")},
    # the step-size numbers of a quadratic need a (semi)definite Q
    **{f"{method}-{kind}": (lambda method=method, M=M: getattr(Quadratic(M), method)(),
                            ValueError, "Q", "positive (semi)?definite")
       for method in ("stable_step_bound", "optimal_step", "optimal_rate")
       for kind, M in (("negative-definite", [[-1.0, 0.0], [0.0, -2.0]]),
                       ("indefinite", [[1.0, 0.0], [0.0, -2.0]]),
                       ("zero", [[0.0, 0.0], [0.0, 0.0]]))},
    **{f"{method}-singular": (lambda method=method: getattr(Quadratic([[1.0, 0.0], [0.0, 0.0]]), method)(),
                              ValueError, "Q", "positive definite")
       for method in ("optimal_step", "optimal_rate", "condition_number")},
    "stable_step_bound-indefinite-with-H":
        (lambda: Quadratic([[1.0, 0.0], [0.0, -2.0]]).stable_step_bound(H=[1.0, 4.0]),
         ValueError, "Q", "indefinite"),
    # run(..., steps): the iterates must fit in memory; checked before allocating
    "run-steps-too-many":
        (lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], steps=10**12), ValueError, "steps", "too many"),
    "run-steps-too-many-batched":
        (lambda: opt.run(opt.gd(0.1), F.grad, np.ones((1000, 2)), steps=10**9), ValueError, "steps",
         "GiB"),
    "run-steps-negative":
        (lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], steps=-1), ValueError, "steps", "integer >= 0"),
    "run-steps-float":
        (lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], steps=10.5), ValueError, "steps", "integer >= 0"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_is_a_clear_error(case):
    call, exc, argument, expected = ERRORS[case]
    raises_clearly(call, exc, argument, expected)


def test_too_many_steps_fail_before_allocating():
    msg = raises_clearly(lambda: opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], steps=10**12),
                         ValueError, "steps", "too many")
    assert "1.49e+04 GiB" in msg            # (10**12 + 1) x 2 floats x 8 bytes = 14901 GiB


# ---------------------------------------------------------------------------------------------
# right answers
# ---------------------------------------------------------------------------------------------
def test_newton_uses_the_given_hessian_even_with_an_objectives_bound_grad():
    # With H = 2Q the Newton step is half of the exact one: x1 = (x0 + x*)/2. Before the fix,
    # run() silently replaced H by f.hessian and x1 was x* itself.
    x0 = np.array([3.0, -2.0])
    for H in (2 * Q, lambda x: 2 * Q):
        X = no_runtime_warning(lambda: opt.run(opt.newton(hessian=H), F.grad, x0, 1))
        np.testing.assert_allclose(X[1], 0.5 * (x0 + F.minimizer()), rtol=1e-12)
    # run(..., hessian=) is used only when newton() has none of its own; f.hessian is the fallback
    X = opt.run(opt.newton(), F.grad, x0, 1, hessian=4 * Q)
    np.testing.assert_allclose(X[1], x0 + 0.25 * (F.minimizer() - x0), rtol=1e-12)
    X = opt.run(opt.newton(), F.grad, x0, 1)
    np.testing.assert_allclose(X[1], F.minimizer(), rtol=1e-12)


RANK_DEFICIENT = [
    # (A, v, component of v orthogonal to every row of A) with A of rank < m
    ([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]], [1.0, -1.0, 0.0], [1.0, -1.0, 0.0]),   # the example
    ([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]], [3.0, 1.0, 5.0], [1.0, -1.0, 5.0]),
    ([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],        # row 3 = row 1 + row 2
     [2.0, -3.0, 4.0, 5.0], [0.0, 0.0, 4.0, 5.0]),
    ([[0.0, 0.0, 0.0]], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),                      # A = 0: nothing removed
]


@pytest.mark.parametrize("A, v, expected", RANK_DEFICIENT)
def test_outside_range_is_right_for_a_rank_deficient_A(A, v, expected):
    out = no_runtime_warning(lambda: projection.outside_range(A, v))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    batch = no_runtime_warning(lambda: projection.outside_range(A, np.stack([v, 2 * np.asarray(v)])))
    np.testing.assert_allclose(batch, [expected, 2 * np.asarray(expected)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("A, v, expected", RANK_DEFICIENT)
def test_invariant_is_right_for_a_rank_deficient_A(A, v, expected):
    n = len(v)
    x0 = np.arange(1.0, n + 1)
    X = np.stack([x0, x0 + np.asarray(v), x0 + 2 * np.asarray(v)])
    got = no_runtime_warning(lambda: projection.invariant(A, x0, X))
    norm = np.linalg.norm(expected)
    np.testing.assert_allclose(got, [0.0, norm, 2 * norm], rtol=1e-12, atol=1e-12)
    h = np.arange(1.0, n + 1)                                   # H = diag(h): the part of H (x - x0)
    got_h = no_runtime_warning(lambda: projection.invariant(A, x0, X, H=h))
    ref = np.linalg.norm(projection.outside_range(A, h * np.asarray(v)))
    np.testing.assert_allclose(got_h, [0.0, ref, 2 * ref], rtol=1e-12, atol=1e-12)


def test_invariant_stays_zero_along_gd_on_a_least_squares_problem_with_repeated_rows():
    # rows 1 and 2 agree up to a factor: rank 1 < m = 2. GD keeps x_k - x0 in R(A^T), so the
    # invariant is zero to round-off along the whole run (with QR it was not).
    A = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]])
    ls = LeastSquares(A, [1.0, 2.0])
    x0 = np.array([0.5, -1.0, 2.0])
    X = opt.run(opt.gd(0.02), ls.grad, x0, 200)
    inv = no_runtime_warning(lambda: projection.invariant(A, x0, X))
    assert np.max(inv) < 1e-12
    assert np.linalg.norm(X[-1] - x0) > 0.1                 # it did move


@pytest.mark.parametrize("name", ["adam", "adagrad", "rmsprop", "adamax"])
def test_a_tiny_eps_still_works_where_a_gradient_coordinate_is_zero(name):
    # what eps > 0 is for: the coordinate whose gradient is 0 does not move (no 0/0)
    o = getattr(opt, name)(0.1, eps=1e-12)
    step, _ = no_runtime_warning(lambda: o.update(np.array([2.0, 0.0]), o.init(np.zeros(2))))
    assert step[1] == 0.0 and step[0] < 0


def test_stable_step_bound_of_a_semidefinite_Q_is_two_over_lambda_max():
    # a singular but convex quadratic (least squares with m < n) has a stable step bound
    assert Quadratic([[1.0, 0.0], [0.0, 0.0]]).stable_step_bound() == pytest.approx(2.0, rel=1e-12)
    assert Quadratic([[4.0, 0.0], [0.0, 0.0]]).stable_step_bound(H=[2.0, 1.0]) == pytest.approx(1.0, rel=1e-12)


def test_run_with_many_steps_that_fit_still_runs():
    X = opt.run(opt.gd(0.1), F.grad, [1.0, 1.0], steps=20_000)
    assert X.shape == (20_001, 2) and np.all(np.isfinite(X))
