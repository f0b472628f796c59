"""The apps of notebook 01, built with the Agg canvas and driven by setting slider values."""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import optimizers  # noqa: E402
from course_utils.objectives import Quadratic  # noqa: E402
from course_utils.widgets import App, descent  # noqa: E402

F = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
X0 = np.array([-4.0, 1.5])


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture
def count_runs(monkeypatch):
    calls = []
    real = optimizers.run

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(optimizers, "run", counting)
    return calls


def xy(line):
    return np.column_stack([line.get_xdata(), line.get_ydata()])


# --- numeric part ------------------------------------------------------------------------------
def test_descent_run_matches_optimizers_run_and_the_spectral_numbers():
    r = descent.descent_run(F, 1.0, X0, 50)
    assert np.array_equal(r.iterates, optimizers.run(optimizers.gd(1.0), F.grad, X0, 50))
    assert r.bound == pytest.approx(1.978283936, abs=1e-8)
    lam = F.scaled_eigenvalues()
    assert r.rate == pytest.approx(max(abs(1 - lam)))
    assert r.gap[0] == pytest.approx(F.value(X0))
    assert not r.diverges
    P = np.diag(F.Q)
    s = descent.descent_run(F, F.optimal_step(P), X0, 30, H=P)
    assert np.array_equal(s.iterates, optimizers.run(optimizers.scaled_gd(1.0, P), F.grad, X0, 30))
    assert s.rate == pytest.approx(0.316227766, abs=1e-8)


def test_descent_run_past_the_bound_diverges_silently():
    r = descent.descent_run(F, 2.3, X0, 200)
    assert r.diverges and optimizers.diverged(r.iterates)
    assert np.isnan(r.gap[-1]) and np.isfinite(r.gap[0])


def test_model_level_set_is_the_H_sphere_through_x_k_centred_at_the_next_iterate():
    H = np.array([0.1, 1.0])
    r = descent.descent_run(F, 1.0, X0, 5, H=H)
    pts = descent.model_level_set(r, 2)
    c, x = r.iterates[3], r.iterates[2]
    d = pts - c
    radius = np.sqrt(np.einsum("ni,i,ni->n", d, H, d))
    assert np.allclose(radius, np.sqrt((x - c) @ (H * (x - c))), rtol=1e-12)
    assert np.all(np.isnan(descent.model_level_set(r, 5)))      # no step after the last iterate


def test_step_model_view_minimum_is_the_gradient_step():
    t = np.linspace(0, 2, 401)
    for H in (None, [0.1, 1.0], F.Q):
        v = descent.step_model_view(F, X0, 0.5, t, H)
        Hm = np.eye(2) if H is None else (np.diag(H) if np.ndim(H) == 1 else np.asarray(H))
        assert np.allclose(v["x_next"], X0 - 0.5 * np.linalg.solve(Hm, F.grad(X0)))
        assert t[np.argmin(v["model"])] == pytest.approx(0.5)
        assert v["model"][0] == pytest.approx(v["f"][0])                 # touches f at x_k


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="gamma"):
        descent.descent_run(F, -1.0, X0, 5)
    with pytest.raises(ValueError, match="positive definite"):
        descent.descent_run(F, 1.0, X0, 5, H=[1.0, -1.0])
    with pytest.raises(ValueError, match="preset"):
        descent.scaled_gd_explorer(F, preset="nope")


# --- apps --------------------------------------------------------------------------------------
def test_step_model_app_moves_the_model_with_gamma():
    app = descent.step_model_app(F, x_k=X0, gamma=0.5)
    assert isinstance(app, App)
    lm, mk = app.live.dynamic[0], app.live.dynamic[1]
    for g in (0.2, 1.0, 2.5):
        app.controls["gamma"].value = g
        m = F.value(X0) - g * F.grad(X0) @ F.grad(X0) / 2            # model minimum value
        assert mk.get_xdata()[0] == pytest.approx(g, rel=1e-12)
        assert mk.get_ydata()[0] == pytest.approx(m)
        assert np.nanmin(lm.get_ydata()) >= m - 1e-12
    assert app.live.renders >= 4


@pytest.mark.parametrize("gamma", [0.3, 1.818, 1.97, 1.99, 2.3])
def test_gd_explorer_draws_the_iterates_and_the_banner_exactly_past_the_bound(gamma):
    app = descent.gd_explorer(F, gamma=1.0, x0=X0, steps=200)
    app.controls["gamma"].value = gamma
    X = optimizers.run(optimizers.gd(gamma), F.grad, X0, 200)
    pline, start, cur, ring, ban = app.live.dynamic[:5]
    assert np.array_equal(xy(pline), X, equal_nan=True)          # k slider sits at the end
    app.controls["k"].value = 7
    assert np.array_equal(xy(pline), X[:8])
    assert np.array_equal(xy(cur)[0], X[7])
    assert ban.get_visible() == (gamma > F.stable_step_bound())
    app.update()                                                 # idempotent


def test_gd_explorer_start_point_sliders():
    app = descent.gd_explorer(F, gamma=1.0, x0=X0, steps=50)
    app.controls["x0_1"].value = 2.0
    app.controls["x0_2"].value = -1.0
    X = optimizers.run(optimizers.gd(1.0), F.grad, [2.0, -1.0], 50)
    assert np.array_equal(xy(app.live.dynamic[0]), X)


def test_iteration_slider_never_reruns_the_optimizer(count_runs):
    app = descent.gd_explorer(F, gamma=1.0, x0=X0, steps=100)
    n = len(count_runs)
    assert n == 1
    for k in (0, 3, 50, 100, 10):
        app.controls["k"].value = k
    assert len(count_runs) == n and app.cache.computed == 1
    app.controls["gamma"].value = 1.5
    assert len(count_runs) == n + 1
    app.controls["gamma"].value = 1.5                            # no change, no event, no run
    assert len(count_runs) == n + 1

    sapp = descent.scaled_gd_explorer(F, x0=X0, steps=40)
    m = len(count_runs)
    for k in (0, 1, 2, 40):
        sapp.controls["k"].value = k
    assert len(count_runs) == m


def test_scaled_explorer_presets_and_sliders():
    app = descent.scaled_gd_explorer(F, x0=X0, steps=40)
    path_I, cur_I, ring_I, path_H = app.live.dynamic[4:8]
    k = app.controls["k"]
    k.value = 40
    base = optimizers.run(optimizers.gd(F.optimal_step()), F.grad, X0, 40)
    assert np.array_equal(xy(path_I), base)
    for preset, H in descent.h_presets(F).items():
        app.controls["H"].value = preset
        X = optimizers.run(optimizers.scaled_gd(F.optimal_step(H), H), F.grad, X0, 40)
        assert np.array_equal(xy(path_H), X)
    assert np.allclose(xy(path_H)[1], 0.0, atol=1e-12)          # Newton: one step
    app.controls["h1"].value = 0.5
    assert app.controls["H"].value == "custom diag"
    H = np.array([app.controls["h1"].value, app.controls["h2"].value])
    X = optimizers.run(optimizers.scaled_gd(F.optimal_step(H), H), F.grad, X0, 40)
    assert np.array_equal(xy(path_H), X)
    app.controls["H"].value = "I"
    assert (app.controls["h1"].value, app.controls["h2"].value) == (1.0, 1.0)


def test_blit_png_is_a_valid_png_of_the_figure():
    app = descent.gd_explorer(F, steps=20)
    png = app.live.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import io

    from PIL import Image
    im = Image.open(io.BytesIO(png))
    w, h = app.live.fig.canvas.get_width_height()
    assert im.size == (w, h) and im.mode == "RGB"
    assert "image/png" in app._repr_mimebundle_()


def test_gd_explorer_from_the_minimizer_draws_without_a_warning():
    # x0 = x* = 0: the gap is 0, the theory line has nothing to draw; no divide-by-zero warning
    app = descent.gd_explorer(F, gamma=1.0, x0=(0.0, 0.0), steps=20)
    gline, rline = app.live.dynamic[6:8]
    assert np.isnan(rline.get_ydata()).all() and np.isnan(gline.get_ydata()).all()
    app.controls["x0_1"].value = 1.0                       # and it recovers when moved off x*
    assert np.isfinite(rline.get_ydata()[0])


@pytest.mark.parametrize("gamma", [0.1, 1.0, 1.4, 2.0, 3.0])
def test_step_model_app_keeps_the_next_iterate_inside_both_panels(gamma):
    app = descent.step_model_app(F, x_k=X0, gamma=0.5)
    ax1, ax2 = app.live.axes
    app.controls["gamma"].value = gamma
    mk = app.live.dynamic[1]
    x_next = X0 - gamma * F.grad(X0)
    y0, y1 = ax1.get_ylim()
    assert y0 < mk.get_ydata()[0] < y1 and ax1.get_xlim()[0] < gamma < ax1.get_xlim()[1]
    (a0, a1), (b0, b1) = ax2.get_xlim(), ax2.get_ylim()
    assert a0 < x_next[0] < a1 and b0 < x_next[1] < b1


def test_step_model_app_says_above_exactly_up_to_the_bound():
    app = descent.step_model_app(F, x_k=X0, gamma=0.5)
    title = app.live.dynamic[-1]
    g = F.grad(X0)
    bound = (g @ g) / (g @ F.Q @ g)                                # 1.0163...
    app.controls["gamma"].value = bound * 0.999
    assert "lies above" in title.get_text() and f"{bound * 0.999:.3f}" in title.get_text()
    app.controls["gamma"].value = bound * 1.003
    assert title.get_text() == f"γ = {bound * 1.003:.3f}: the model dips below f"


def test_newton_preset_greys_out_the_diagonal_sliders():
    app = descent.scaled_gd_explorer(F, x0=X0, steps=20)
    h1, h2 = app.controls["h1"], app.controls["h2"]
    assert not h1.disabled
    app.controls["H"].value = "Q (Newton)"
    assert h1.disabled and h2.disabled
    app.controls["H"].value = "I"
    assert not h1.disabled and (h1.value, h2.value) == (1.0, 1.0)
    assert descent.scaled_gd_explorer(F, x0=X0, steps=5, preset="Q (Newton)").controls["h1"].disabled


def test_titles_never_show_a_negative_zero():
    from course_utils.widgets.descent import _fmt

    assert _fmt([-1e-9, -0.0]) == "[0., 0.]"
    assert _fmt([-0.0004, 0.0006]) == "[0.   , 0.001]"
    assert "-" in _fmt([-0.0006, 1.0])            # a real negative number keeps its sign
