"""The finite-sum test problems and the noisy gradient streams of course_utils.problems."""

import numpy as np
import pytest
from fd import fd_grad

from course_utils import optimizers as opt
from course_utils.objectives import LeastSquares, Quadratic
from course_utils.problems import (QuadraticSum, ellipses_problem, lines_problem,
                                   noisy_gradient_stream, noisy_oracle, reshuffling_batches)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ellipses_summands_values_and_grads(seed):
    f = ellipses_problem(m=5, seed=seed)
    x = np.random.default_rng(seed).standard_normal(2)
    vals, grads = f.summand_values(x), f.summand_grads(x)
    assert vals.shape == (5,) and grads.shape == (5, 2)
    for i in range(f.m):
        d = x - f.centers[i]
        assert vals[i] == pytest.approx(0.5 * d @ f.Qs[i] @ d, rel=1e-12)
    # the Jacobian of x -> (f_1(x), ..., f_m(x)) has the summands' gradients as rows
    np.testing.assert_allclose(grads, fd_grad(f.summand_values, x, batched=True), rtol=1e-6, atol=1e-8)
    # the sum of the summands is the total, for values, gradients and a batch of points
    assert vals.sum() == pytest.approx(f.value(x), rel=1e-12)
    np.testing.assert_allclose(grads.sum(axis=0), f.grad(x), rtol=1e-12, atol=1e-14)
    pts = np.random.default_rng(9).standard_normal((4, 3, 2))
    np.testing.assert_allclose(f.summand_values(pts).sum(-1), f.value(pts), rtol=1e-12)
    np.testing.assert_allclose(f.summand_grads(pts).sum(-2), f.grad(pts), rtol=1e-12, atol=1e-14)


def test_quadratic_sum_minimizer_closed_form():
    f = QuadraticSum([[1.0, 0.0], [-1.0, 2.0]], [np.diag([1.0, 0.0]), np.diag([1.0, 1.0])])
    # x1: (x1 - 1) + (x1 + 1) = 0 -> 0;  x2: only the second summand -> 2
    np.testing.assert_allclose(f.minimizer(), [0.0, 2.0], atol=1e-14)
    np.testing.assert_allclose(f.grad(f.minimizer()), 0.0, atol=1e-14)
    np.testing.assert_allclose(f.hessian(), [[2.0, 0.0], [0.0, 1.0]])
    assert f.min_value() == pytest.approx(1.0)          # 1/2 (1 + 1) from x1


def test_quadratic_sum_is_the_quadratic_it_was_written_out_as():
    """QuadraticSum reuses Quadratic: the same numbers as its former hand-written formulas."""
    f = ellipses_problem(m=7, seed=4)
    assert isinstance(f, Quadratic)
    H = f.Qs.sum(axis=0)
    lin = np.einsum("mij,mj->i", f.Qs, f.centers)
    const = 0.5 * float(np.einsum("mi,mij,mj->", f.centers, f.Qs, f.centers))
    X = np.random.default_rng(1).standard_normal((6, 5, 2))
    np.testing.assert_array_equal(f.value(X), 0.5 * np.einsum("...i,ij,...j->...", X, H, X) - X @ lin + const)
    np.testing.assert_array_equal(f.grad(X), X @ H - lin)
    np.testing.assert_array_equal(f.minimizer(), np.linalg.solve(H, lin))
    np.testing.assert_array_equal(f.hessian(), H)
    # and the Quadratic's spectral numbers come with it
    lam = np.linalg.eigvalsh(H)
    assert f.condition_number() == pytest.approx(lam[-1] / lam[0], rel=1e-12)
    # SGD iterates: the same as with the summands' gradients summed by hand
    idx_stream = reshuffling_batches(f.m, 2, seed=3)

    def by_hand(x):
        idx = next(idx_stream)
        return np.einsum("mij,mj->i", f.Qs[idx], x - f.centers[idx])

    np.testing.assert_allclose(opt.run(opt.gd(0.3), f.sampler(2, seed=3), [2.0, -1.0], 100),
                               opt.run(opt.gd(0.3), by_hand, [2.0, -1.0], 100), rtol=1e-12, atol=1e-14)


def test_lines_problem_summands_are_lines():
    ls = lines_problem(m=6, seed=0)
    assert isinstance(ls, LeastSquares) and ls.A.shape == (6, 2)
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(ls.summand_values(x), 0.5 * (ls.A @ x - ls.b) ** 2, rtol=1e-14)
    assert ls.summand_values(x).sum() == pytest.approx(ls.value(x), rel=1e-14)
    np.testing.assert_allclose(ls.summand_grads(x), fd_grad(ls.summand_values, x, batched=True),
                               rtol=1e-6, atol=1e-8)
    # a level set of f_i is a pair of lines: f_i is constant along the direction orthogonal to a_i
    a = ls.A[2]
    t = np.array([-a[1], a[0]])
    np.testing.assert_allclose(ls.summand_values(x + 3.7 * t)[2], ls.summand_values(x)[2],
                               rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: ellipses_problem(m=6, seed=3),
                                  lambda: lines_problem(m=6, seed=3)])
def test_samplers_unbiased_and_seeded(make):
    P = make()
    x = np.array([0.2, -0.4])
    # one epoch of single-sample draws visits every summand once: the unbiased mean is the gradient
    g = P.sampler(1, seed=5, unbiased=True)
    draws = np.array([g(x) for _ in range(P.m)])
    np.testing.assert_allclose(draws.mean(axis=0), P.grad(x), rtol=1e-12, atol=1e-14)
    assert sorted(np.concatenate(g.indices).tolist()) == list(range(P.m))
    # seeded: the same seed gives the same sequence, another seed a different one
    g1, g2, g3 = P.sampler(2, seed=1), P.sampler(2, seed=1), P.sampler(2, seed=2)
    s1 = np.array([g1(x) for _ in range(9)])
    s2 = np.array([g2(x) for _ in range(9)])
    s3 = np.array([g3(x) for _ in range(9)])
    np.testing.assert_array_equal(s1, s2)
    assert not np.allclose(s1, s3)


def test_quadratic_sum_sampler_matches_least_squares_scheme():
    # the same reshuffling as LeastSquares.sampler: the same batches for the same seed
    ls = lines_problem(m=7, seed=0)
    g = ls.sampler(3, seed=4)
    for _ in range(6):
        g(np.zeros(2))
    batches = reshuffling_batches(7, 3, seed=4)
    for idx in g.indices:
        np.testing.assert_array_equal(idx, next(batches))


def test_noisy_stream_mean_and_variance_at_a_fixed_seed():
    mean, std = np.array([1.0, -0.5, 0.0]), np.array([0.3, 2.0, 1.0])
    N = 20000
    g = noisy_gradient_stream(mean, std, steps=N, seed=0)
    assert g.shape == (N, 3)
    se_mean = std / np.sqrt(N)
    assert np.all(np.abs(g.mean(axis=0) - mean) < 5 * se_mean)
    se_var = std ** 2 * np.sqrt(2.0 / N)                       # sd of the sample variance (normal)
    assert np.all(np.abs(g.var(axis=0) - std ** 2) < 5 * se_var)
    m2 = (g ** 2).mean(axis=0)
    assert np.allclose(m2, mean ** 2 + std ** 2, rtol=0.05)
    np.testing.assert_array_equal(g, noisy_gradient_stream(mean, std, steps=N, seed=0))
    assert noisy_gradient_stream(mean, std, steps=4, seed=0, runs=3).shape == (3, 4, 3)
    assert not np.allclose(g[:10], noisy_gradient_stream(mean, std, steps=10, seed=1))


def test_noisy_oracle_is_seeded_and_centered():
    f = ellipses_problem(m=4, seed=0)
    x = np.array([0.5, 0.5])
    g1, g2 = noisy_oracle(f.grad, std=[0.1, 1.0], seed=3), noisy_oracle(f.grad, [0.1, 1.0], 3)
    a = np.array([g1(x) for _ in range(4000)])
    b = np.array([g2(x) for _ in range(4000)])
    np.testing.assert_array_equal(a, b)
    assert np.all(np.abs(a.mean(0) - f.grad(x)) < 5 * np.array([0.1, 1.0]) / np.sqrt(4000))
    X = opt.run(opt.gd(0.1), noisy_oracle(f.grad, 0.0), [0.0, 0.0], 3)
    np.testing.assert_allclose(X, opt.run(opt.gd(0.1), f.grad, [0.0, 0.0], 3))
    batch = noisy_oracle(f.grad, 1.0, seed=0)(np.zeros((5, 2)))
    assert batch.shape == (5, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: QuadraticSum([[0.0, 0.0]], [[[1.0, 2.0], [0.0, 1.0]]]), "symmetric"),
    (lambda: QuadraticSum([[0.0, 0.0]], [[[1.0, 0.0], [0.0, -1.0]]]), "semidefinite"),
    (lambda: QuadraticSum([[0.0, 0.0]], [[[1.0, 0.0], [0.0, 0.0]]]), "positive definite"),
    (lambda: QuadraticSum([[0.0, 0.0]], np.ones((2, 2, 2))), "shape"),
    (lambda: lines_problem(m=1), "at least 2"),
    (lambda: ellipses_problem(m=3).sampler(4), "at most m"),
    (lambda: noisy_gradient_stream([0.0], [-1.0], 3), "std must be >= 0"),
    (lambda: noisy_gradient_stream([0.0], [1.0], 0), "steps must be"),
    (lambda: noisy_oracle(3.0, 1.0), "callable"),
    (lambda: noisy_oracle(lambda x: x, [np.nan]), "std must be"),
])
def test_bad_input_raises_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()
