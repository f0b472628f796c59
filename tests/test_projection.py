"""projection_point: the two optimality conditions, A⁺b, (S)GD's limit, Adam's other limit, bad input."""

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils.objectives import LeastSquares
from course_utils.projection import (invariant, optimality_residuals, outside_range,
                                     projection_point)


def problem(m, n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n), rng


def metrics(n, rng):
    M = rng.standard_normal((n, n))
    ill = np.diag(np.geomspace(1e-3, 1e3, n))          # condition number 1e6
    return {"identity": None, "vector": rng.uniform(0.1, 10.0, n),
            "matrix": M @ M.T + 0.1 * np.eye(n), "ill-conditioned": ill}


@pytest.mark.parametrize("m,n", [(1, 2), (2, 3), (5, 8), (20, 100), (49, 50)])
@pytest.mark.parametrize("kind", ["identity", "vector", "matrix", "ill-conditioned"])
def test_both_optimality_conditions_hold(m, n, kind):
    A, b, x0, rng = problem(m, n, seed=m * 100 + n)
    H = metrics(n, rng)[kind]
    x = projection_point(A, b, x0, H)
    res = optimality_residuals(A, b, x0, x, H)
    assert res.stationarity < 1e-10
    assert res.feasibility < 1e-10 * max(1.0, np.linalg.norm(b))


@pytest.mark.parametrize("kind", ["vector", "matrix"])
def test_it_is_the_minimizer(kind):
    A, b, x0, rng = problem(3, 6, seed=7)
    H = metrics(6, rng)[kind]
    Hm = np.diag(H) if np.ndim(H) == 1 else H
    x = projection_point(A, b, x0, H)
    # any other solution x + z with A z = 0 is farther from x0 in the H-norm
    Z = outside_range(A, rng.standard_normal((200, 6)))      # null-space directions of A
    d0 = (x - x0) @ Hm @ (x - x0)
    d = np.einsum("ri,ij,rj->r", x + Z - x0, Hm, x + Z - x0)
    assert np.all(d > d0)


def test_matrix_and_vector_metric_agree():
    A, b, x0, rng = problem(4, 9, seed=3)
    h = rng.uniform(0.5, 2.0, 9)
    np.testing.assert_allclose(projection_point(A, b, x0, h), projection_point(A, b, x0, np.diag(h)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["identity", "vector", "matrix"])
def test_projection_point_is_the_closed_form_and_the_least_squares_minimizer(kind):
    """x0 + H^-1 A^T (A H^-1 A^T)^-1 (b - A x0), the formula the Metric-based code must keep."""
    A, b, x0, rng = problem(3, 7, seed=21)
    H = metrics(7, rng)[kind]
    Hm = np.eye(7) if H is None else np.diag(H) if np.ndim(H) == 1 else H
    Hinv_At = np.linalg.solve(Hm, A.T)
    expected = x0 + Hinv_At @ np.linalg.solve(A @ Hinv_At, b - A @ x0)
    x = projection_point(A, b, x0, H)
    np.testing.assert_allclose(x, expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(x, LeastSquares(A, b).minimizer(x0, H))
    # the metric's three uses agree with the matrix written out
    X = rng.standard_normal((4, 7))
    D = (X - x0) @ Hm
    np.testing.assert_allclose(invariant(A, x0, X, H), np.linalg.norm(outside_range(A, D), axis=-1),
                               rtol=1e-12, atol=1e-14)
    res = optimality_residuals(A, b, x0, X[0], H)
    assert res.stationarity == pytest.approx(
        np.linalg.norm(outside_range(A, D[0])) / np.linalg.norm(D[0]), rel=1e-12)


def test_batched_starting_points():
    A, b, _, rng = problem(3, 7, seed=4)
    X0 = rng.standard_normal((5, 7))
    P = projection_point(A, b, X0)
    assert P.shape == (5, 7)
    np.testing.assert_allclose(P[2], projection_point(A, b, X0[2]), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("m,n", [(1, 2), (3, 10), (20, 100)])
def test_zero_start_identity_metric_is_the_pseudo_inverse_solution(m, n):
    A, b, _, _ = problem(m, n, seed=n)
    np.testing.assert_allclose(projection_point(A, b, np.zeros(n)), np.linalg.pinv(A) @ b,
                               rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def seeded():
    rng = np.random.default_rng(11)
    A = rng.standard_normal((8, 30)) / np.sqrt(30)
    b = rng.standard_normal(8)
    x0 = rng.standard_normal(30)
    h = rng.uniform(0.2, 5.0, 30)
    return LeastSquares(A, b), x0, h


def test_gd_scaled_gd_and_sgd_converge_to_their_projection(seeded):
    ls, x0, h = seeded
    A, b = ls.A, ls.b
    lmax = np.linalg.eigvalsh(A @ A.T)[-1]
    lmax_h = np.linalg.eigvalsh((A / h) @ A.T)[-1]
    p, p_h = projection_point(A, b, x0), projection_point(A, b, x0, h)
    assert np.linalg.norm(p - p_h) > 0.1                 # the metric matters
    x_gd = opt.run(opt.gd(1.0 / lmax), ls.grad, x0, 3000)[-1]
    x_sgd_h = opt.run(opt.scaled_gd(1.0 / lmax_h, h), ls.grad, x0, 3000)[-1]
    step = 1.0 / np.max(np.sum(A * A, axis=1))
    X_sgd = opt.run(opt.gd(step), ls.sampler(1, seed=0), x0, 6000)
    assert np.linalg.norm(x_gd - p) < 1e-8
    assert np.linalg.norm(x_sgd_h - p_h) < 1e-8
    assert np.linalg.norm(X_sgd[-1] - p) < 1e-8
    # the invariant along the way: H x_k - H x0 stays in R(A^T)
    assert np.max(invariant(A, x0, X_sgd)) < 1e-10


def test_adam_with_decaying_step_converges_elsewhere(seeded):
    ls, x0, _ = seeded
    p = projection_point(ls.A, ls.b, x0)
    X = opt.run(opt.adam(opt.inverse_time_decay(0.01, 200)), ls.grad, x0, 4000)
    gnorm = np.linalg.norm(ls.grad(X), axis=-1)
    assert gnorm[-1] < 1e-4 * gnorm[0]                   # it converges: the gradient vanishes
    assert np.linalg.norm(X[-1] - X[-2]) < 1e-5
    assert np.linalg.norm(X[-1] - p) > 0.1               # ... to another solution
    assert invariant(ls.A, x0, X[-1]) > 0.1


def test_outside_range_and_invariant():
    A = np.array([[1.0, 1.0]])
    np.testing.assert_allclose(outside_range(A, [3.0, 1.0]), [1.0, -1.0])
    np.testing.assert_allclose(outside_range(A, [[2.0, 2.0], [0.0, 1.0]]), [[0, 0], [-0.5, 0.5]],
                               atol=1e-14)
    assert invariant(A, [0.0, 0.0], [[1.0, 1.0], [1.0, 0.0]]).shape == (2,)


# --- bad input: a sentence, not a numpy traceback ---------------------------------------------
A_OK, B_OK, X0_OK = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]]), np.array([1.0, 2.0]), np.zeros(3)


@pytest.mark.parametrize("args,match", [
    ((np.ones((2, 3)), [1.0, 1.0], X0_OK), r"full row rank m = 2; its rank is 1"),
    ((np.ones((2, 3)), B_OK, X0_OK), r"no solution: A has rank 1 < m = 2"),
    ((np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]), [1.0, 3.0], X0_OK), r"no solution.*rank 1"),
    ((np.eye(3), [1.0, 2.0, 3.0], X0_OK), r"m < n"),
    ((np.ones((4, 3)), np.ones(4), X0_OK), r"m = 4 equations for n = 3"),
    ((A_OK, [1.0, 2.0, 3.0], X0_OK), r"b must have length m = 2"),
    ((A_OK, B_OK, np.zeros(4)), r"x0 must have shape \(3,\)"),
    ((A_OK, [np.nan, 1.0], X0_OK), r"b contains NaN"),
    ((np.array([[1.0, np.nan, 0.0], [0.0, 1.0, 1.0]]), B_OK, X0_OK), r"A contains NaN"),
    ((A_OK, B_OK, [0.0, np.inf, 0.0]), r"x0 contains NaN or infinite"),
    ((np.ones(3), [1.0], X0_OK), r"A must be 2-dimensional"),
])
def test_bad_input_raises_a_clear_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        projection_point(*args)


@pytest.mark.parametrize("H,match", [
    ([1.0, -1.0, 2.0], r"positive definite: every diagonal entry must be > 0"),
    ([1.0, 2.0], r"length 3"),
    (np.diag([1.0, 0.0, 1.0]), r"positive definite; its smallest eigenvalue"),
    (np.array([[1.0, 2.0, 0], [0, 1.0, 0], [0, 0, 1.0]]), r"symmetric"),
    (np.eye(2), r"must be 3x3"),
])
def test_bad_metric_raises(H, match):
    with pytest.raises(ValueError, match=match):
        projection_point(A_OK, B_OK, X0_OK, H)


def test_residuals_validate_too():
    with pytest.raises(ValueError, match="x must have length 3"):
        optimality_residuals(A_OK, B_OK, X0_OK, [1.0, 2.0])
