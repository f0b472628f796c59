"""LinePicture, the model of notebook 02's picture, without any front end: limits, bounds, caching."""

import numpy as np
import pytest

from course_utils import optimizers as opt
from course_utils.models.projection import FRACTIONS, LinePicture

X0 = np.array([-2.5, -1.5])
H = np.array([1.0, 6.0])


def test_line_picture_lands_where_the_lesson_says():
    pic = LinePicture([1.0, 3.0], 3.0)
    p, p_h = pic.projection(X0), pic.projection(X0, H)
    # the closed forms: x0 + t a with a'x = beta (2-norm), x0 + t H^-1 a (H-norm)
    a = np.array([1.0, 3.0])
    np.testing.assert_allclose(p, X0 + (3.0 - a @ X0) / (a @ a) * a, rtol=1e-12)
    np.testing.assert_allclose(p_h, X0 + (3.0 - a @ X0) / (a @ (a / H)) * (a / H), rtol=1e-12)
    assert np.linalg.norm(pic.gd(X0, 0.3)[-1] - p) < 1e-8
    assert np.linalg.norm(pic.sgd(X0, 0.3)[-1] - p) < 1e-8
    assert np.linalg.norm(pic.scaled_gd(X0, H, 0.3)[-1] - p_h) < 1e-8
    end = pic.adam(X0, 0.3)[-1]
    assert abs(pic.a @ end - pic.beta) < 1e-2 and np.linalg.norm(end - p) > 1.0


def test_step_bounds_are_the_closed_forms():
    pic = LinePicture([1.0, 3.0], 3.0)                  # rows a and 2a: A'A = 5 a a'
    assert pic.step_bound() == pytest.approx(2 / (5 * 10), rel=1e-12)         # 2 / (5 |a|^2)
    assert pic.step_bound(H) == pytest.approx(2 / (5 * (1 + 9 / 6)), rel=1e-12)  # 2 / (5 a'H^-1 a)
    assert pic.sgd_step_bound() == pytest.approx(2 / (4 * 10), rel=1e-12)     # 2 / max |a_i|^2
    X = pic.gd(X0, 0.3)
    np.testing.assert_array_equal(X, opt.run(opt.gd(0.3 * 0.04), pic.ls.grad, X0, 30))


def test_iteration_counts_and_divergence_past_the_bound():
    pic = LinePicture([1.0, 3.0], 3.0, gd_iterations=200, sgd_iterations=50, adam_iterations=20)
    assert pic.gd(X0, 0.95).shape == (201, 2) and pic.scaled_gd(X0, H, 0.5).shape == (201, 2)
    assert pic.sgd(X0, 0.5).shape == (51, 2) and pic.adam(X0, 0.3).shape == (21, 2)
    near = {f: np.linalg.norm(pic.gd(X0, f)[-1] - pic.projection(X0)) for f in (0.95, 0.99)}
    assert near[0.95] < 1e-8 and 0.05 < near[0.99] < 0.07    # the numbers of notebook 02
    assert opt.diverged(pic.gd(X0, 1.1))


def test_runs_and_projections_are_cached_by_their_own_inputs():
    pic = LinePicture([1.0, 3.0], 3.0)
    fr = pic.frame(X0, H, 0.3, {"adam": 0.3})
    assert pic.runs.computed == 4 and pic.projections.computed == 2
    pic.frame(X0, [2.0, 6.0], 0.3, {"adam": 0.3})                 # a new H: scaled GD and the H-projection
    assert pic.runs.computed == 5 and pic.projections.computed == 3
    pic.frame(X0, H, 0.3, {"adam": 0.5})                          # a new Adam step: Adam only
    assert pic.runs.computed == 6 and pic.projections.computed == 3
    assert pic.frame(X0, H, 0.3, {"adam": 0.3}).runs["gd"] is fr.runs["gd"]      # sliding back: cached
    assert pic.runs.computed == 6
    with pytest.raises(ValueError):
        fr.runs["gd"][0, 0] = 1.0                       # cached arrays are read-only


def test_frame_numbers():
    pic = LinePicture([1.0, 3.0], 3.0)
    fr = pic.frame(X0, H, 0.3, {"adam": 0.3})
    p, p_h = fr.projection, fr.projection_h
    r2 = np.linalg.norm(p - X0)
    np.testing.assert_allclose(np.linalg.norm(fr.circle - X0, axis=1), r2, rtol=1e-12)
    r_h = np.sqrt((p_h - X0) @ (H * (p_h - X0)))
    for pts, frac in zip(fr.ellipses, FRACTIONS):
        d = pts - X0
        np.testing.assert_allclose(np.sqrt(np.einsum("ni,i,ni->n", d, H, d)), frac * r_h, rtol=1e-12)
    assert fr.distances["GD"] < 1e-8 and fr.distances["Adam"] > 1.0
    assert fr.distances["scaled GD"] == pytest.approx(np.linalg.norm(fr.runs["scaled_gd"][-1] - p_h))


@pytest.mark.parametrize("kwargs,match", [(dict(a=[0.0, 0.0]), "nonzero"),
                                          (dict(gd_iterations=0), "gd_iterations"),
                                          (dict(second_scale=-1.0), "second_scale")])
def test_bad_input_is_a_clear_error(kwargs, match):
    args = dict(a=[1.0, 3.0], beta=3.0) | kwargs
    with pytest.raises(ValueError, match=match):
        LinePicture(**args)
    with pytest.raises(ValueError, match="h"):
        LinePicture([1.0, 3.0], 3.0).scaled_gd(X0, [1.0, -1.0], 0.3)


@pytest.mark.parametrize("step", [0.3, {"sgd": 0.3}, {"adam": 0.3, "gd": 0.1}, {"adam": -1.0}])
def test_adams_step_is_named_by_method(step):
    with pytest.raises(ValueError, match="step"):
        LinePicture([1.0, 3.0], 3.0).frame(X0, H, 0.3, step)
