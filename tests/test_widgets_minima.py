"""The apps of notebook 04 show the cached runs they claim to show, and blit what they draw."""

import warnings

import numpy as np
import pytest

from course_utils import experiments, nets
from course_utils.plots.classifiers import decision_values
from course_utils.plots.landscapes import clip
from course_utils.widgets import minima


@pytest.fixture(scope="module")
def sigma_app():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return minima.sigma_app(n=41)


def runs():
    return {(r.sigma, r.algorithm): r for r in experiments.sharp_flat(0)}


def full_render(live):
    for a in live.dynamic:
        a.set_animated(False)
    live.fig.canvas.draw()
    out = np.asarray(live.fig.canvas.buffer_rgba()).copy()
    for a in live.dynamic:
        a.set_animated(True)
    return out


@pytest.mark.parametrize("sigma, algorithm", [(0.01, "adam"), (1.0, "sgd"), (10.0, "adam")])
def test_sigma_app_shows_the_decision_regions_of_the_selected_run(sigma_app, sigma, algorithm):
    sigma_app.controls["sigma"].value = sigma
    sigma_app.controls["algorithm"].value = algorithm
    r = runs()[(sigma, algorithm)]
    expected = decision_values(nets.default_spec(), r.theta_end[None], n=41)[0] > 0
    art = sigma_app.live.dynamic[0]
    np.testing.assert_array_equal(np.asarray(art.get_array()), expected)
    lines = [a for a in sigma_app.live.dynamic if hasattr(a, "get_xdata")]
    hist = {alg: runs()[(sigma, alg)].history["lipschitz"] for alg in ("sgd", "adam")}
    assert any(np.array_equal(line.get_ydata(), hist[algorithm]) and line.get_linewidth() == 3.0
               for line in lines)


def test_sigma_app_blitted_frame_equals_a_full_render(sigma_app):
    sigma_app.controls["sigma"].value = 0.1
    fast = np.asarray(sigma_app.live.fig.canvas.buffer_rgba()).copy()
    full = full_render(sigma_app.live)
    assert np.mean(np.any(fast != full, axis=-1)) < 0.0005


def test_landscape_app_clips_at_z_max_and_blits():
    app = minima.landscape_app(n=9)
    app.controls["z_max"].value = 10.0
    img = app.live.dynamic[0]
    data = np.asarray(img.get_array())
    assert data.max() <= 10.0 and img.get_clim() == (0.0, 10.0)
    ab, grids = minima._Landscapes(0, 9, {"plain": 1.0, "filter": 0.05}).get(10.0, "plain")
    np.testing.assert_allclose(data, clip(grids["sgd"], 10.0))
    fast = np.asarray(app.live.fig.canvas.buffer_rgba()).copy()
    assert np.mean(np.any(fast != full_render(app.live), axis=-1)) < 0.0005
