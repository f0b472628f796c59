"""The projection App: its artists show exactly what the numeric model computes, warning-free."""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.plots.core import ellipse_points  # noqa: E402
from course_utils.plots.geometry import touching_radii  # noqa: E402
from course_utils.widgets.projection import FRACTIONS, on_screen, projection_app  # noqa: E402


@pytest.fixture(scope="module")
def app():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return projection_app()


def xy(line):
    x, y = line.get_data()
    return np.column_stack([np.asarray(x, float), np.asarray(y, float)])


SETTINGS = [
    dict(x0_1=-2.5, x0_2=-1.5, h1=1.0, h2=6.0, step_fraction=0.3, step=0.3),
    dict(x0_1=2.0, x0_2=-2.5, h1=0.2, h2=1.0, step_fraction=0.8, step=1.2),
    dict(x0_1=0.0, x0_2=0.0, h1=5.0, h2=0.3, step_fraction=0.1, step=0.25),
    dict(x0_1=-3.0, x0_2=2.9, h1=9.0, h2=9.0, step_fraction=0.5, step=0.5),
]


@pytest.mark.parametrize("s", SETTINGS)
def test_artists_equal_the_numeric_model(app, s):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for k, v in s.items():
            app.controls[k].value = v
    pic, art = app.model, app.artists
    x0 = np.array([app.controls["x0_1"].value, app.controls["x0_2"].value])
    h = np.array([app.controls["h1"].value, app.controls["h2"].value])
    frac, g0 = app.controls["step_fraction"].value, app.controls["step"].value
    np.testing.assert_allclose(xy(art["gd"]), pic.gd(x0, frac))
    np.testing.assert_allclose(xy(art["scaled_gd"]), pic.scaled_gd(x0, h, frac))
    np.testing.assert_allclose(xy(art["sgd"]), pic.sgd(x0, frac))
    X_adam = pic.adam(x0, g0)
    k_adam = pic.adam_settled(X_adam)
    np.testing.assert_allclose(xy(art["adam"]), X_adam if k_adam is None else X_adam[:k_adam + 1])
    p, p_h = pic.projection(x0), pic.projection(x0, h)
    np.testing.assert_allclose(xy(art["proj"])[0], on_screen(p, (-3.5, 3.5))[0])
    np.testing.assert_allclose(xy(art["proj_h"])[0], on_screen(p_h, (-3.5, 3.5))[0])
    np.testing.assert_allclose(xy(art["x0"])[0], x0)
    for ln, r in zip(art["ellipses"], touching_radii(h, x0, p_h, FRACTIONS)):
        np.testing.assert_allclose(xy(ln), ellipse_points(h, x0, r, 160), atol=1e-12)
    # the largest ellipse touches the line at the H-projection (and stays on one side of it)
    E = xy(art["ellipses"][-1])
    side = E @ pic.a - pic.beta
    assert np.all(side <= 1e-9) or np.all(side >= -1e-9)
    assert np.min(np.linalg.norm(E - p_h, axis=1)) < 0.1
    circle = xy(art["circle"])
    np.testing.assert_allclose(np.linalg.norm(circle - x0, axis=1), np.linalg.norm(p - x0))
    assert "Adam" in art["status"].value
    assert app.live.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_only_changed_runs_are_recomputed(app):
    runs, projections = app.model.runs, app.model.projections
    n, m, renders = runs.computed, projections.computed, app.live.renders
    app.controls["h1"].value = 2.345      # only scaled GD and the H-projection depend on H
    assert (runs.computed, projections.computed) == (n + 1, m + 1)
    app.controls["step"].value = 0.7                 # Adam only
    assert (runs.computed, projections.computed) == (n + 2, m + 1)
    before = app.controls["x0_1"].value
    app.controls["x0_1"].value = 1.234    # all four runs, both projections
    assert (runs.computed, projections.computed) == (n + 6, m + 3)
    app.controls["x0_1"].value = before   # back to the settings drawn before: cached
    assert runs.computed == n + 6 and app.live.renders == renders + 4


def test_static_png_fallback(app):
    bundle = app._repr_mimebundle_()
    assert "image/png" in bundle


def test_gd_reaches_its_star_close_to_the_bound_and_diverges_past_it(app):
    app.controls["step_fraction"].value = 0.95
    x0 = np.array([app.controls["x0_1"].value, app.controls["x0_2"].value])
    p = app.model.projection(x0)
    assert np.linalg.norm(xy(app.artists["gd"])[-1] - p) < 1e-6       # 200 steps: 0.9^200 ~ 7e-10
    assert app.controls["step_fraction"].max > 1.0
    app.controls["step_fraction"].value = 1.1
    assert "GD diverged" in app.artists["status"].value


def test_a_projection_off_screen_is_drawn_on_the_border_and_named(app):
    for k, v in dict(x0_1=-3.0, x0_2=-3.0, h1=0.1, h2=10.0).items():
        app.controls[k].value = v
    h = np.array([app.controls["h1"].value, app.controls["h2"].value])
    p_h = app.model.projection([-3.0, -3.0], h)
    assert p_h[0] > 3.5                                                 # really off-screen
    q = xy(app.artists["proj_h"])[0]
    assert -3.5 <= q[0] <= 3.5 and -3.5 <= q[1] <= 3.5
    assert app.artists["proj_h"].get_marker() == ">"
    assert "H-norm projection off-screen" in app.artists["status"].value


def test_lecture_style_fits_a_720_pixel_screen():
    from course_utils import style

    style.lecture()
    try:
        app = projection_app()
        w, h = app.live.fig.canvas.get_width_height()
        assert h <= 500 and w <= 1000          # + two rows of sliders and one line of text < 720
        legend = app.live.axes.get_legend()
        assert legend.get_texts()[0].get_fontsize() * app.live.fig.dpi / 72 >= 20
    finally:
        style.notebook()


def test_bad_step_fraction_is_a_clear_error():
    with pytest.raises(ValueError, match="step_fraction must lie in"):
        projection_app(step_fraction=2.0)


def test_adam_runs_until_it_settles_or_says_it_did_not(app):
    """Issue 23: from x0 = (-3, -3) at γ0 = 0.2 Adam stopped after 150 steps at (0.64, 0.64),
    aᵀx − β = −0.44, labelled "Adam's limit". It now runs until it stays within 1e-3 of the line."""
    for k, v in {"x0_1": -3.0, "x0_2": -3.0, "step": 0.2}.items():
        app.controls[k].value = v
    pic, art = app.model, app.artists
    end = xy(art["adam"])[-1]
    k = len(xy(art["adam"])) - 1
    a = np.array([1.0, 3.0])
    assert abs(end @ a - 3.0) / np.linalg.norm(a) < 1e-3 and 600 < k < 800
    # sign(a) = (1, 1): Adam walks the diagonal to x0 + t(1, 1) on the line, t = (3 - a·x0)/4 = 3.75
    np.testing.assert_allclose(end, [0.75, 0.75], atol=2e-3)
    assert art["adam_end"].get_label() == "Adam's limit"
    assert f"Adam on the line after {k} steps" in art["status"].value
    # with a budget too small for it: the marker and the status say so
    pic.iterations["adam"] = 300
    app.controls["x0_1"].value = -2.95                      # a new start: a new (shorter) run
    assert len(xy(art["adam"])) == 301
    assert art["adam_end"].get_label() == "Adam after 300 steps (not converged)"
    res = xy(art["adam"])[-1] @ a - 3.0
    assert res < -0.01 and f"Adam after 300 steps, not converged: aᵀx − β = {res:.2f}" in art["status"].value
    assert any(t.get_text() == "Adam after 300 steps (not converged)"
               for t in app.live.axes.get_legend().get_texts())


def test_adam_settles_within_its_budget_over_the_slider_range():
    """The budget (1000 steps) covers x0 in [-3, 3]² and γ0 in [0.2, 1.5]: the worst start settles
    within 1e-3 of the line by step 689 (x0 = (-3, -3), γ0 = 0.2)."""
    from course_utils import optimizers as opt
    from course_utils.objectives import LeastSquares

    a = np.array([1.0, 3.0])
    ls = LeastSquares(np.stack([a, 2 * a]), [3.0, 6.0])          # the app's two agreeing rows
    g = np.linspace(-3.0, 3.0, 7)
    X0 = np.array([[u, v] for u in g for v in g])
    worst = 0
    for g0 in (0.2, 0.3, 1.5):                                   # all starts at once
        X = opt.run(opt.adam(opt.inverse_time_decay(g0, 10.0)), ls.grad, X0, 1000)
        far = np.abs(X @ a - 3.0) / np.linalg.norm(a) >= 1e-3   # (1001, 49)
        assert not far[-1].any()
        settled = np.where(far.any(axis=0), len(far) - np.argmax(far[::-1], axis=0), 0)
        worst = max(worst, int(settled.max()))
    assert 600 < worst < 800
