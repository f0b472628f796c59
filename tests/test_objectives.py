import numpy as np
import pytest
from fd import fd_grad

from course_utils import optimizers as opt
from course_utils.objectives import (FiniteSum, LeastSquares, Quadratic, quadratic_model,
                                     reshuffling_batches)
from course_utils.problems import ellipses_problem, lines_problem

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quadratic_grad_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((4, 4))
    f = Quadratic(B @ B.T + np.eye(4), c=rng.standard_normal(4), const=0.7)
    x = rng.standard_normal(4)
    np.testing.assert_allclose(f.grad(x), fd_grad(f.value, x, batched=True), rtol=1e-7, atol=1e-8)


def test_quadratic_value_closed_form_and_batch():
    f = Quadratic(Q, c=[1.0, -2.0])
    x = np.array([2.0, 3.0])
    assert f.value(x) == pytest.approx(0.5 * (0.1 * 4 - 0.2 * 6 + 9.0) + 2.0 - 6.0, rel=1e-14)
    grid = np.random.default_rng(0).standard_normal((5, 7, 2))
    vals, grads = f.value(grid), f.grad(grid)
    assert vals.shape == (5, 7) and grads.shape == (5, 7, 2)
    np.testing.assert_allclose(vals[3, 4], f.value(grid[3, 4]), rtol=1e-14)
    np.testing.assert_allclose(grads[3, 4], Q @ grid[3, 4] + [1.0, -2.0], rtol=1e-14)


def test_lecture_quadratic_numbers():
    f = Quadratic(Q)
    lam = f.scaled_eigenvalues()
    np.testing.assert_allclose(lam, [0.55 - np.sqrt(0.45 ** 2 + 0.01), 0.55 + np.sqrt(0.45 ** 2 + 0.01)])
    assert lam.round(4).tolist() == [0.089, 1.011]
    assert f.condition_number() == pytest.approx(11.36, abs=0.005)
    assert f.stable_step_bound() == pytest.approx(1.978, abs=5e-4)
    assert f.optimal_rate() == pytest.approx(0.838, abs=5e-4)
    P = np.diag(Q)
    assert f.condition_number(P) == pytest.approx(1.92, abs=0.005)
    assert f.optimal_rate(P) == pytest.approx(0.316, abs=5e-4)
    # the matrix form and the vector form of a diagonal H agree
    assert f.condition_number(np.diag(P)) == pytest.approx(f.condition_number(P), rel=1e-12)


def test_quadratic_model_touches_f_and_its_minimizer_is_the_step():
    f = Quadratic(Q)
    xk, gamma = np.array([1.5, -0.5]), 0.7
    for H in (None, [0.1, 1.0], [[2.0, 0.3], [0.3, 1.0]]):
        m = quadratic_model(f, xk, gamma, H)
        Hm = np.eye(2) if H is None else (np.diag(H) if np.ndim(H) == 1 else np.asarray(H))
        assert m.value(xk) == pytest.approx(f.value(xk), rel=1e-13)
        np.testing.assert_allclose(m.grad(xk), f.grad(xk), atol=1e-14)
        np.testing.assert_allclose(m.minimizer(), xk - gamma * np.linalg.solve(Hm, f.grad(xk)), atol=1e-13)


def test_least_squares_gradients_and_summands():
    rng = np.random.default_rng(3)
    A, b = rng.standard_normal((5, 8)), rng.standard_normal(5)
    ls = LeastSquares(A, b)
    x = rng.standard_normal(8)
    np.testing.assert_allclose(ls.grad(x), fd_grad(ls.value, x, batched=True), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ls.summand_grads(x).sum(axis=0), ls.grad(x), atol=1e-12)
    np.testing.assert_allclose(ls.summand_grads(x)[2], A[2] * (A[2] @ x - b[2]), atol=1e-14)
    assert ls.value(x) == pytest.approx(0.5 * np.sum((A @ x - b) ** 2), rel=1e-14)


def test_sampler_is_seeded_reshuffling_and_unbiased_scale():
    rng = np.random.default_rng(4)
    ls = LeastSquares(rng.standard_normal((6, 3)), rng.standard_normal(6))
    x = rng.standard_normal(3)
    g1, g2 = ls.sampler(2, seed=7), ls.sampler(2, seed=7)
    epoch = [g1(x) for _ in range(3)]
    for _ in range(3):
        g2(x)
    assert sorted(np.concatenate(g1.indices).tolist()) == list(range(6))     # each row once per epoch
    assert [i.tolist() for i in g1.indices] == [i.tolist() for i in g2.indices]
    np.testing.assert_allclose(np.sum(epoch, axis=0), ls.grad(x), atol=1e-12)
    gu = ls.sampler(3, seed=1, unbiased=True)
    np.testing.assert_allclose(gu(x) + gu(x), 2 * ls.grad(x), atol=1e-12)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: Quadratic([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), "square"),
        (lambda: Quadratic([[np.nan, 0.0], [0.0, 1.0]]), "NaN"),
        (lambda: Quadratic(Q, c=[1.0, 2.0, 3.0]), "length 2"),
        (lambda: Quadratic(Q).value([1.0, 2.0, 3.0]), r"\(\.\.\., 2\)"),
        (lambda: Quadratic(Q).grad([np.nan, 0.0]), "NaN"),
        (lambda: Quadratic([[1.0, 0.0], [0.0, -1.0]]).minimizer(), "positive definite"),
        (lambda: quadratic_model(Quadratic(Q), [0.0, 0.0], step=0.0), "step must be a positive"),
        (lambda: quadratic_model(Quadratic(Q), [0.0, 0.0], 1.0, H=[1.0, -1.0]), "positive definite"),
        (lambda: LeastSquares(np.ones((2, 3)), [1.0]), "length 2"),
        (lambda: LeastSquares(np.ones((2, 3)), [1.0, 1.0]).sampler(3), "batch_size must be at most"),
        (lambda: LeastSquares(np.ones((2, 3)), [1.0, 1.0]).minimizer(x0=[0.0, 0.0]), r"x0 must have shape \(3,\)"),
        (lambda: LeastSquares(np.ones((2, 3)), [1.0, 1.0]).minimizer(H=[1.0, 0.0, 1.0]), "positive definite"),
        (lambda: reshuffling_batches(3, 4, seed=0), "batch_size must be at most m = 3"),      # at once
        (lambda: reshuffling_batches(3, 0, seed=0), "batch_size must be a positive integer"),
    ],
)
def test_bad_input_raises_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- the finite-sum protocol ----------------------------------------------------------------------
def old_least_squares_sampler(ls, batch_size, seed, unbiased=False):
    """LeastSquares.sampler as it was before it drew from reshuffling_batches (a queue of its own):
    the reference the shared sampler must reproduce bit for bit."""
    rng = np.random.default_rng(seed)
    scale = ls.m / batch_size if unbiased else 1.0
    queue = []

    def g(x):
        if not queue:
            perm = rng.permutation(ls.m)
            queue.extend(perm[i:i + batch_size] for i in range(0, ls.m - batch_size + 1, batch_size))
        idx = queue.pop(0)
        Ai = ls.A[idx]
        return scale * ((x @ Ai.T - ls.b[idx]) @ Ai)

    return g


@pytest.mark.parametrize("batch_size, unbiased", [(1, False), (3, True), (7, False)])
def test_least_squares_sampler_gives_the_same_iterates_as_before(batch_size, unbiased):
    ls = lines_problem(m=7, seed=2)
    new = opt.run(opt.gd(0.2), ls.sampler(batch_size, seed=9, unbiased=unbiased), [1.5, -1.0], 300)
    old = opt.run(opt.gd(0.2), old_least_squares_sampler(ls, batch_size, 9, unbiased), [1.5, -1.0], 300)
    np.testing.assert_array_equal(new, old)


def test_reshuffling_batches_is_an_epoch_of_disjoint_batches_per_permutation():
    batches = reshuffling_batches(7, 3, seed=4)
    rng = np.random.default_rng(4)
    for _ in range(3):                      # 2 batches an epoch, the 7th row waits
        perm = rng.permutation(7)
        np.testing.assert_array_equal(next(batches), perm[0:3])
        np.testing.assert_array_equal(next(batches), perm[3:6])


@pytest.mark.parametrize("make", [lambda: LeastSquares(np.random.default_rng(0).standard_normal((6, 3)),
                                                       np.random.default_rng(1).standard_normal(6)),
                                  lambda: lines_problem(m=5, seed=1),
                                  lambda: ellipses_problem(m=5, seed=1)])
def test_both_problems_implement_the_finite_sum_protocol(make):
    P = make()
    assert isinstance(P, FiniteSum)
    rng = np.random.default_rng(3)
    x, X = rng.standard_normal(P.n), rng.standard_normal((4, P.n))
    x_star = P.minimizer()                                    # the zero-argument call
    np.testing.assert_allclose(P.grad(x_star), 0.0, atol=1e-12)
    assert P.value(x_star) <= P.value(X).min()
    np.testing.assert_allclose(P.summand_values(X).sum(-1), P.value(X), rtol=1e-12)
    np.testing.assert_allclose(P.summand_grads(X).sum(-2), P.grad(X), rtol=1e-11, atol=1e-12)
    Qi, li = P.summand_affine()                               # grad f_i(x) = Q_i x - l_i
    assert Qi.shape == (P.m, P.n, P.n) and li.shape == (P.m, P.n)
    np.testing.assert_allclose(P.summand_grads(x), Qi @ x - li, rtol=1e-12, atol=1e-13)
    idx = np.array([0, 2])
    np.testing.assert_allclose(P.batch_grad(x, idx, scale=2.5), 2.5 * P.summand_grads(x)[idx].sum(0),
                               rtol=1e-12, atol=1e-13)
    g = P.sampler(1, seed=0, unbiased=True)
    epoch = np.mean([g(x) for _ in range(P.m)], axis=0)      # every summand once, times m
    np.testing.assert_allclose(epoch, P.grad(x), rtol=1e-12, atol=1e-13)


def test_least_squares_minimizer_over_determined_is_the_unique_solution():
    rng = np.random.default_rng(5)
    A, b = rng.standard_normal((9, 3)), rng.standard_normal(9)
    ls = LeastSquares(A, b)
    x_star = np.linalg.solve(A.T @ A, A.T @ b)                # normal equations, full column rank
    for x0, H in ((None, None), (rng.standard_normal(3), [1.0, 5.0, 0.2])):
        np.testing.assert_allclose(ls.minimizer(x0, H), x_star, rtol=1e-10)
    assert ls.min_value() == pytest.approx(ls.value(x_star), rel=1e-12)


def test_least_squares_minimizer_under_determined_is_the_H_projection_of_x0():
    rng = np.random.default_rng(6)
    A, b = rng.standard_normal((2, 5)), rng.standard_normal(2)
    ls = LeastSquares(A, b)
    np.testing.assert_allclose(ls.minimizer(), np.linalg.pinv(A) @ b, rtol=1e-12, atol=1e-14)
    x0, h = rng.standard_normal(5), rng.uniform(0.2, 5.0, 5)
    # closed form of the H-projection: x0 + H^-1 A^T (A H^-1 A^T)^-1 (b - A x0)
    Hinv_At = A.T / h[:, None]
    expected = x0 + Hinv_At @ np.linalg.solve(A @ Hinv_At, b - A @ x0)
    np.testing.assert_allclose(ls.minimizer(x0, h), expected, rtol=1e-12)
    np.testing.assert_allclose(ls.minimizer(x0, np.diag(h)), expected, rtol=1e-12)
    # scaled GD from x0 with the same metric converges there
    X = opt.run(opt.scaled_gd(1.0 / np.linalg.eigvalsh((A / h) @ A.T)[-1], h), ls.grad, x0, 3000)
    np.testing.assert_allclose(X[-1], expected, rtol=1e-9)
    # a batch of starting points gives one projection per row
    X0 = rng.standard_normal((3, 5))
    np.testing.assert_allclose(ls.minimizer(X0)[1], ls.minimizer(X0[1]), rtol=1e-13, atol=1e-14)


def test_metric_forms_agree_with_the_formulas_they_replace():
    """The Metric-based code against the branches it replaced (within 1e-12)."""
    f = Quadratic([[2.0, 0.4, 0.1], [0.4, 1.0, 0.2], [0.1, 0.2, 0.5]])
    h = np.array([0.5, 2.0, 4.0])
    s = 1.0 / np.sqrt(h)
    np.testing.assert_allclose(f.scaled_eigenvalues(h), np.linalg.eigvalsh(f.Q * np.outer(s, s)),
                               rtol=1e-12)
    F = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 3.0]])
    L = np.linalg.cholesky(F)
    M = np.linalg.solve(L, np.linalg.solve(L, f.Q).T)
    np.testing.assert_allclose(f.scaled_eigenvalues(F), np.linalg.eigvalsh(0.5 * (M + M.T)), rtol=1e-12)
    xk = np.array([1.0, -1.0, 0.5])
    for H, Hm in ((None, np.eye(3)), (h, np.diag(h)), (F, F)):
        np.testing.assert_allclose(quadratic_model(f, xk, 0.3, H).Q, Hm / 0.3, rtol=1e-15)
