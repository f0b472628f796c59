import numpy as np
import pytest

from course_utils.objectives import LeastSquares, Quadratic, quadratic_model

Q = np.array([[0.1, -0.1], [-0.1, 1.0]])


def central_diff(f, x, h=1e-6):
    e = np.eye(x.size)
    return np.array([(f(x + h * ei) - f(x - h * ei)) / (2 * h) for ei in e])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quadratic_grad_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((4, 4))
    f = Quadratic(B @ B.T + np.eye(4), c=rng.standard_normal(4), const=0.7)
    x = rng.standard_normal(4)
    np.testing.assert_allclose(f.grad(x), central_diff(f.value, x), rtol=1e-7, atol=1e-8)


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
    np.testing.assert_allclose(ls.grad(x), central_diff(ls.value, x), rtol=1e-7, atol=1e-7)
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
    ],
)
def test_bad_input_raises_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()
