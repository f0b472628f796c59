"""The apps of notebook 01, built with the Agg canvas and driven by setting slider values."""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import optimizers  # noqa: E402
from course_utils.objectives import Quadratic  # noqa: E402
from course_utils.models.descent import StepModel, h_presets  # noqa: E402
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


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="preset"):
        descent.scaled_gd_explorer(F, preset="nope")
    with pytest.raises(ValueError, match="step_range"):
        descent.step_model_app(F, step_range=(1.0, 0.5))
    with pytest.raises(ValueError, match="step_max = 2.4"):
        descent.gd_explorer(F, step=3.0)


# --- apps --------------------------------------------------------------------------------------
def test_step_model_app_moves_the_model_with_the_step():
    app = descent.step_model_app(F, x_k=X0, step=0.5)
    assert isinstance(app, App) and isinstance(app.model, StepModel)
    lm, mk = app.artists["model"], app.artists["minimum"]
    for g in (0.2, 1.0, 2.5):
        app.controls["step"].value = g
        m = F.value(X0) - g * F.grad(X0) @ F.grad(X0) / 2            # model minimum value
        assert mk.get_xdata()[0] == pytest.approx(g, rel=1e-12)
        assert mk.get_ydata()[0] == pytest.approx(m)
        assert np.nanmin(lm.get_ydata()) >= m - 1e-12
    assert app.live.renders >= 4


@pytest.mark.parametrize("step", [0.3, 1.818, 1.97, 1.99, 2.3])
def test_gd_explorer_draws_the_iterates_and_the_banner_exactly_past_the_bound(step):
    app = descent.gd_explorer(F, step=1.0, x0=X0, iterations=200)
    app.controls["step"].value = step
    X = optimizers.run(optimizers.gd(step), F.grad, X0, 200)
    a = app.artists
    pline, cur, ban = a["path"], a["current"], a["banner"]
    assert np.array_equal(xy(pline), X, equal_nan=True)          # k slider sits at the end
    app.controls["k"].value = 7
    assert np.array_equal(xy(pline), X[:8])
    assert np.array_equal(xy(cur)[0], X[7])
    assert ban.get_visible() == (step > F.stable_step_bound())
    assert ban.get_text() == "diverges: γ > 2/λmax = 1.978"
    assert a["title"].get_text().startswith(f"γ = {step:.3f}, k = 7: ")
    app.redraw()                                                 # idempotent
    assert np.array_equal(xy(pline), X[:8])


def test_gd_explorer_start_point_sliders():
    app = descent.gd_explorer(F, step=1.0, x0=X0, iterations=50)
    app.controls["x0_1"].value = 2.0
    app.controls["x0_2"].value = -1.0
    X = optimizers.run(optimizers.gd(1.0), F.grad, [2.0, -1.0], 50)
    assert np.array_equal(xy(app.artists["path"]), X)
    assert np.array_equal(xy(app.artists["start"])[0], [2.0, -1.0])


def test_iteration_slider_never_reruns_the_optimizer(count_runs):
    app = descent.gd_explorer(F, step=1.0, x0=X0, iterations=100)
    n = len(count_runs)
    assert n == 1
    renders = app.live.renders
    for k in (0, 3, 50, 100, 10):
        app.controls["k"].value = k
    assert len(count_runs) == n and app.model.runs.computed == 1
    assert app.live.renders == renders + 5                       # one render per move
    app.controls["step"].value = 1.5
    assert len(count_runs) == n + 1
    app.controls["step"].value = 1.5                             # no change, no event, no run
    app.controls["step"].value = 1.0                             # back: cached, no run
    assert len(count_runs) == n + 1 and app.model.runs.computed == 2

    sapp = descent.scaled_gd_explorer(F, x0=X0, iterations=40)
    m = len(count_runs)
    for k in (0, 1, 2, 40):
        sapp.controls["k"].value = k
    assert len(count_runs) == m


def test_scaled_explorer_presets_and_sliders():
    app = descent.scaled_gd_explorer(F, x0=X0, iterations=40)
    path_I, path_H = app.artists["gd_path"], app.artists["scaled_path"]
    k = app.controls["k"]
    k.value = 40
    base = optimizers.run(optimizers.gd(F.optimal_step()), F.grad, X0, 40)
    assert np.array_equal(xy(path_I), base)
    for preset, H in h_presets(F).items():
        renders = app.live.renders
        app.controls["H"].value = preset
        assert app.live.renders == renders + 1                   # sliders follow: one render
        X = optimizers.run(optimizers.scaled_gd(F.optimal_step(H), H), F.grad, X0, 40)
        assert np.array_equal(xy(path_H), X)
    assert np.allclose(xy(path_H)[1], 0.0, atol=1e-12)          # Newton: one step
    renders = app.live.renders
    app.controls["h1"].value = 0.5
    assert app.controls["H"].value == "custom diag" and app.live.renders == renders + 1
    H = np.array([app.controls["h1"].value, app.controls["h2"].value])
    X = optimizers.run(optimizers.scaled_gd(F.optimal_step(H), H), F.grad, X0, 40)
    assert np.array_equal(xy(path_H), X)
    app.controls["H"].value = "I"
    assert (app.controls["h1"].value, app.controls["h2"].value) == (1.0, 1.0)


def test_blit_png_is_a_valid_png_of_the_figure():
    app = descent.gd_explorer(F, iterations=20)
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
    app = descent.gd_explorer(F, step=1.0, x0=(0.0, 0.0), iterations=20)
    gline, rline = app.artists["gap"], app.artists["theory"]
    assert np.isnan(rline.get_ydata()).all() and np.isnan(gline.get_ydata()).all()
    app.controls["x0_1"].value = 1.0                       # and it recovers when moved off x*
    assert np.isfinite(rline.get_ydata()[0])


@pytest.mark.parametrize("step", [0.1, 1.0, 1.4, 2.0, 3.0])
def test_step_model_app_keeps_the_next_iterate_inside_both_panels(step):
    app = descent.step_model_app(F, x_k=X0, step=0.5)
    ax1, ax2 = app.live.axes
    app.controls["step"].value = step
    step = app.controls["step"].value              # on the log slider's grid, inside its range
    mk = app.artists["minimum"]
    x_next = X0 - step * F.grad(X0)
    assert np.allclose(xy(app.artists["next"])[0], x_next)
    y0, y1 = ax1.get_ylim()
    assert y0 < mk.get_ydata()[0] < y1 and ax1.get_xlim()[0] < step < ax1.get_xlim()[1]
    (a0, a1), (b0, b1) = ax2.get_xlim(), ax2.get_ylim()
    assert a0 < x_next[0] < a1 and b0 < x_next[1] < b1


def test_step_model_app_says_above_exactly_up_to_the_bound():
    app = descent.step_model_app(F, x_k=X0, step=0.5)
    title = app.artists["title"]
    g = F.grad(X0)
    bound = (g @ g) / (g @ F.Q @ g)                                # 1.0163...
    app.controls["step"].value = bound * 0.999
    assert "lies above" in title.get_text() and f"{bound * 0.999:.3f}" in title.get_text()
    app.controls["step"].value = bound * 1.003
    assert title.get_text() == f"γ = {bound * 1.003:.3f}: the model dips below f"


def test_newton_preset_greys_out_the_diagonal_sliders():
    app = descent.scaled_gd_explorer(F, x0=X0, iterations=20)
    h1, h2 = app.controls["h1"], app.controls["h2"]
    assert not h1.disabled
    app.controls["H"].value = "Q (Newton)"
    assert h1.disabled and h2.disabled
    app.controls["H"].value = "I"
    assert not h1.disabled and (h1.value, h2.value) == (1.0, 1.0)
    assert descent.scaled_gd_explorer(F, x0=X0, iterations=5, preset="Q (Newton)").controls["h1"].disabled


def test_titles_never_show_a_negative_zero():
    from course_utils.widgets.descent import _fmt

    assert _fmt([-1e-9, -0.0]) == "[0., 0.]"
    assert _fmt([-0.0004, 0.0006]) == "[0.   , 0.001]"
    assert "-" in _fmt([-0.0006, 1.0])            # a real negative number keeps its sign


@pytest.mark.parametrize("make", ["gd_explorer", "scaled_gd_explorer", "step_model_app"])
def test_the_legend_is_under_the_panels_covering_nothing(make):
    """Issue 23: legends inside the panels covered x* and the convergence curves (deck slides
    6-17), and the model's minimum (slides 3-4). One legend sits under the panels and overlaps
    none of them."""
    kw = {} if make == "step_model_app" else {"x0": X0, "iterations": 20}
    app = getattr(descent, make)(F, **kw)
    fig = app.live.fig
    renderer = fig.canvas.get_renderer()
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)
    box = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "$x^\\star$" in labels or any("x^" in t for t in labels)
