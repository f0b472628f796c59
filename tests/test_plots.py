"""Small tests of the generic plot helpers (course_utils.plots.core)."""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_utils.objectives import Quadratic  # noqa: E402
from course_utils.plots import core  # noqa: E402

F = Quadratic([[0.1, -0.1], [-0.1, 1.0]])


@pytest.fixture
def ax():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield Figure().add_subplot()


@pytest.mark.parametrize("H", [[0.1, 1.0], [[2.0, 0.5], [0.5, 1.0]], F.Q])
def test_ellipse_points_lie_on_the_H_sphere(H):
    c, r = np.array([0.3, -1.2]), 0.7
    pts = core.ellipse_points(H, c, r, n=101)
    Hm = np.diag(H) if np.ndim(H) == 1 else np.asarray(H)
    d = pts - c
    assert pts.shape == (101, 2)
    assert np.allclose(np.sqrt(np.einsum("ni,ij,nj->n", d, Hm, d)), r, atol=1e-12, rtol=0)


@pytest.mark.parametrize("H", [[0.1, 1.0], [[2.0, 0.5], [0.5, 1.0]]])
def test_touching_radii_are_fractions_of_the_H_distance(H):
    from course_utils.plots.geometry import touching_radii

    x0, x_hat = np.array([0.3, -1.2]), np.array([1.0, 0.5])
    Hm = np.diag(H) if np.ndim(H) == 1 else np.asarray(H)
    d = x_hat - x0
    np.testing.assert_allclose(touching_radii(H, x0, x_hat, (0.5, 1.0)),
                               np.sqrt(d @ Hm @ d) * np.array([0.5, 1.0]), rtol=1e-14)


def test_ellipse_rejects_a_bad_metric():
    with pytest.raises(ValueError, match="positive definite"):
        core.ellipse_points([1.0, 0.0], [0.0, 0.0])


def test_grid_values_is_one_batched_call():
    X, Y, Z = core.grid_values(F.value, (-1, 1), (-2, 2), n=11)
    assert X.shape == Y.shape == Z.shape == (11, 11)
    assert Z[5, 5] == pytest.approx(0.0) and Z[0, 0] == pytest.approx(F.value([-1.0, -2.0]))


def test_helpers_return_their_artists(ax):
    cs = core.contours(F.value, (-2, 2), (-1, 1), ax=ax, levels=5, n=31)
    assert len(cs.levels) == 5 and ax.get_xlim() == (-2, 2)
    line = core.path([[0, 0], [1, 1], [2, 0]], ax=ax)
    assert np.array_equal(line.get_xdata(), [0, 1, 2])
    arts = core.level_sets_with_path(F.value, [[1, 1], [0, 0]], (-2, 2), (-1, 1), ax=ax)
    assert set(arts) == {"contours", "path", "start"}
    conv = core.convergence([1.0, 0.1, 0.0, np.nan], ax=ax)
    assert np.isnan(conv.get_ydata()[2:]).all()            # 0 and NaN are not drawn
    rl = core.rate_line(0.5, 3, start=2.0, ax=ax)
    assert np.allclose(rl.get_ydata(), [2, 1, 0.5, 0.25])
    ban = core.banner(ax, "diverges")
    assert not ban.get_visible() and ban.get_text() == "diverges"


def test_set_points_set_ellipse_and_move_arrow(ax):
    p = core.point([1.0, 2.0], ax=ax)
    core.set_points(p, [[0, 1], [2, 3]])
    assert np.array_equal(p.get_xdata(), [0, 2]) and np.array_equal(p.get_ydata(), [1, 3])
    e = core.ellipse([1.0, 1.0], [0, 0], 1.0, ax=ax)
    core.set_ellipse(e, [1.0, 4.0], [1.0, 0.0], 2.0)
    d = np.column_stack([e.get_xdata(), e.get_ydata()]) - [1.0, 0.0]
    assert np.allclose(np.sqrt(d[:, 0] ** 2 + 4 * d[:, 1] ** 2), 2.0, atol=1e-12)
    core.set_ellipse(e, [1.0, 1.0], [np.nan, 0.0], 1.0)
    assert not e.get_visible()
    a = core.step_arrow([0, 0], [1, 1], ax=ax)
    core.move_arrow(a, [1, 2], [3, 4])
    assert a.xy == (3.0, 4.0) and tuple(a.xyann) == (1.0, 2.0) and a.get_visible()
    core.move_arrow(a, [1, 2], [np.nan, 4])
    assert not a.get_visible()


def test_log_rate_values_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.allclose(core.log_rate_values(0.5, 3, start=4.0, power=2), [4, 1, 0.25, 1 / 16])
        zero = core.log_rate_values(0.0, 3, start=1.0)
        assert zero[0] == 1.0 and np.isnan(zero[1:]).all()
        big = core.log_rate_values(10.0, 1000, power=2)
        assert np.isfinite(big).all() and big.max() <= 1e300
        tiny = core.log_rate_values(1e-3, 1000)
        assert np.isnan(tiny[-1])


def test_log_rate_values_from_a_zero_gap_is_empty_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(core.log_rate_values(0.5, 4, start=0.0)).all()
        assert np.isnan(core.log_rate_values(0.0, 4, start=0.0)).all()
