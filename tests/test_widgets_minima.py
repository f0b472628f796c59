"""The apps of notebook 04 show the stored runs they claim to show, draw the zero-loss edge,
accept the slides' z_max presets and a log colour scale, and blit what they draw."""

import warnings

import numpy as np
import pytest

from course_utils import experiments, nets
from course_utils.plots.classifiers import decision_values
from course_utils.plots.landscapes import LOG_FLOOR, clip
from course_utils.widgets import minima


@pytest.fixture(scope="module")
def sigma_app():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return minima.sigma_app(n=41)


def runs(adam_step=experiments.ADAM_STEP):
    st = experiments.load_study()
    adam = st.results(st.setting_of(adam_step), algorithms="adam")
    return {(r.sigma, r.algorithm): r for r in adam + st.results("main", algorithms="sgd")}


def full_render(live):
    for a in live.dynamic:
        a.set_animated(False)
    live.fig.canvas.draw()
    out = np.asarray(live.fig.canvas.buffer_rgba()).copy()
    for a in live.dynamic:
        a.set_animated(True)
    return out


@pytest.mark.parametrize("sigma, algorithm, step", [(0.01, "adam", 1e-2), (1.0, "sgd", 1e-2),
                                                    (10.0, "adam", 1e-2), (0.1, "adam", 1e-3)])
def test_sigma_app_shows_the_decision_regions_of_the_selected_run(sigma_app, sigma, algorithm, step):
    sigma_app.controls["adam_step"].value = step
    sigma_app.controls["sigma"].value = sigma
    sigma_app.controls["algorithm"].value = algorithm
    r = runs(step)[(sigma, algorithm)]
    expected = decision_values(nets.default_spec(), r.theta_end[None], n=41)[0] > 0
    art = sigma_app.live.dynamic[0]
    np.testing.assert_array_equal(np.asarray(art.get_array()), expected)
    lines = [a for a in sigma_app.live.dynamic if hasattr(a, "get_xdata")]
    hist = runs(step)[(sigma, algorithm)].history["lipschitz"]
    assert any(np.array_equal(line.get_ydata(), hist) and line.get_linewidth() == 3.0 for line in lines)


def test_default_app_shows_the_stored_decision_regions():
    app = minima.sigma_app(sigma=1.0, algorithm="adam")
    np.testing.assert_array_equal(np.asarray(app.live.dynamic[0].get_array()),
                                  experiments.load_study().decision(1.0, "adam") > 0)


def test_stored_runs_are_the_trained_ones():
    """The app's seed-0 runs come from the study; retraining sigma = 10 gives the same end points."""
    fresh = {(r.sigma, r.algorithm): r for r in experiments.sharp_flat(0, (10.0,))}
    for key, r in fresh.items():
        np.testing.assert_allclose(r.theta_end, runs()[key].theta_end, rtol=0,
                                   atol=1e-9 * np.abs(r.theta_end).max())


def test_sigma_app_blitted_frame_equals_a_full_render(sigma_app):
    sigma_app.controls["sigma"].value = 0.1
    fast = np.asarray(sigma_app.live.fig.canvas.buffer_rgba()).copy()
    full = full_render(sigma_app.live)
    assert np.mean(np.any(fast != full, axis=-1)) < 0.0005


def test_landscape_app_clips_at_z_max_masks_zero_and_blits():
    app = minima.landscape_app(n=9)
    app.controls["z_max"].value = 10.0
    img = app.live.dynamic[0]
    data = np.ma.asarray(img.get_array())
    assert data.max() <= 10.0 and img.get_clim() == (0.0, 10.0)
    ab, grids = minima._Landscapes(0, 9, experiments.LANDSCAPE_SPANS).get(10.0, "plain")
    np.testing.assert_allclose(data.filled(0.0), clip(grids["sgd"], 10.0))
    np.testing.assert_array_equal(np.ma.getmaskarray(data), grids["sgd"] == 0)
    fast = np.asarray(app.live.fig.canvas.buffer_rgba()).copy()
    assert np.mean(np.any(fast != full_render(app.live), axis=-1)) < 0.0005


@pytest.mark.parametrize("z_max", [1e3, 1e5, 1e9, 2e4])
def test_landscape_app_takes_the_slides_presets_and_a_log_scale(z_max):
    app = minima.landscape_app(sigma=10.0, z_max=z_max, log=True)
    img = app.live.dynamic[0]
    assert img.get_clim() == (LOG_FLOOR, z_max) and type(img.norm).__name__ == "LogNorm"
    assert app.controls["z_max"].value == z_max and app.controls["log"].value is True
    # the stored grids: the same span as the notebook's figures, and a drawn zero-loss edge
    assert img.get_extent()[1] == experiments.LANDSCAPE_SPANS["plain"]
    assert any(type(a).__name__ in ("ContourSet", "QuadContourSet") for a in app.live.dynamic)
    app.controls["log"].value = False
    assert img.get_clim() == (0.0, z_max)


def test_linear_z_max_1e9_says_why_the_panel_is_one_colour():
    app = minima.landscape_app(sigma=0.01, z_max=1e9)
    titles = [ax.get_title() for ax in app.live.axes]
    assert all("≪ z_max: one colour" in t for t in titles)
    app.controls["log"].value = True
    assert not any("one colour" in ax.get_title() for ax in app.live.axes)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="z_max"):
        minima.landscape_app(z_max=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        minima.sigma_app(sigma=3.0)
    with pytest.raises(ValueError, match="kind"):
        minima.landscape_app(kind="pca")
