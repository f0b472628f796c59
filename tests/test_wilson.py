"""Wilson et al. (2017) data: the construction, and GD vs adaptive methods on it."""

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils.datasets.wilson import BLOCK, error_rate, features, make_wilson
from course_utils.objectives import LeastSquares


def test_construction_matches_the_paper():
    X = features(np.array([1.0, -1.0, 1.0]))
    assert X.shape == (3, 3 + 3 * BLOCK)
    np.testing.assert_array_equal(X[:, :3], [[1, 1, 1], [-1, 1, 1], [1, 1, 1]])
    np.testing.assert_array_equal(X[0, 3:8], [1, 0, 0, 0, 0])      # y = +1: one signature 1
    np.testing.assert_array_equal(X[1, 8:13], [1, 1, 1, 1, 1])     # y = -1: five signature 1s
    np.testing.assert_array_equal(X[2, 13:18], [1, 0, 0, 0, 0])
    assert X[0, 8:].sum() == 0 and X[1, 3:8].sum() == 0             # blocks are private


def test_seeded_and_shaped():
    a, b = make_wilson(10, 20, seed=3), make_wilson(10, 20, seed=3)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert a.X_train.shape == (10, 3 + BLOCK * 30) and a.X_test.shape == (20, 3 + BLOCK * 30)
    assert a.y_train.sum() > 0
    assert np.all(a.X_test[:, 3:3 + BLOCK * 10] == 0)             # test signatures are unseen
    # lemma 3.1's premise: X sign(X^T y) = 4 y
    np.testing.assert_allclose(a.X_train @ np.sign(a.X_train.T @ a.y_train), 4 * a.y_train)


@pytest.mark.parametrize("kwargs,match", [
    (dict(p=0.4), r"p = P\(y = \+1\) must lie in \(1/2, 1\)"),
    (dict(n_train=0), r"n_train must be a positive integer"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_wilson(**kwargs)
    with pytest.raises(ValueError, match="labels y must be"):
        features([1.0, 0.5])


def test_gd_generalizes_adaptive_methods_predict_the_majority():
    d = make_wilson(40, 400, p=0.7, seed=0)
    ls = LeastSquares(d.X_train, d.y_train)
    x0 = np.zeros(d.X_train.shape[1])
    L = np.linalg.norm(d.X_train, 2) ** 2
    w_gd = opt.run(opt.gd(1.0 / L), ls.grad, x0, 1500)[-1]
    w_ada = opt.run(opt.adagrad(0.1), ls.grad, x0, 1500)[-1]
    w_adam = opt.run(opt.adam(opt.inverse_time_decay(0.05, 100)), ls.grad, x0, 2000)[-1]
    np.testing.assert_allclose(w_gd, np.linalg.pinv(d.X_train) @ d.y_train, atol=1e-8)
    sign_sol = np.sign(d.X_train.T @ d.y_train) / 4
    for w in (w_ada, w_adam):
        np.testing.assert_allclose(w, sign_sol, atol=1e-6)
    minority = np.mean(d.y_test < 0)
    for w in (w_gd, w_ada, w_adam):
        assert error_rate(w, d.X_train, d.y_train) == 0.0
    assert error_rate(w_gd, d.X_test, d.y_test) == 0.0
    assert error_rate(w_adam, d.X_test, d.y_test) == pytest.approx(minority)
    assert error_rate(w_ada, d.X_test, d.y_test) == pytest.approx(minority)
