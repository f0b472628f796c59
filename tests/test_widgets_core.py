"""The lecturer controls of widgets.core: drift-free log sliders, tolerant presets, reset."""

import numpy as np
import pytest

from course_utils.objectives import Quadratic
from course_utils.widgets import core, descent


def browser_value(s, v):
    """What the browser shows and sends back for value ``v`` of a FloatLogSlider: the grid point."""
    j = np.round((np.log10(v) - s.min) / s.step)
    return float(10 ** (s.min + j * s.step))


@pytest.mark.parametrize("value,lo,hi", [(0.2, 1e-3, 1.0), (0.1, 1e-2, 1e1), (1e-8, 1e-8, 1.0),
                                         (6.0, 0.1, 10.0), (0.3, 0.2, 1.5)])
def test_log_slider_keeps_its_opening_value_on_the_browser_grid(value, lo, hi):
    s = core.log_slider(value, lo, hi)
    assert s.value == value
    assert abs(browser_value(s, value) - value) <= 1e-12 * value
    # the range stays inside [lo, hi] and loses less than one step at each end
    assert lo * (1 - 1e-9) <= 10 ** s.min and 10 ** s.max <= hi * (1 + 1e-9)
    assert s.min - np.log10(lo) < s.step + 1e-12 and np.log10(hi) - s.max < s.step + 1e-12


def test_log_slider_puts_decade_multiples_on_the_grid():
    s = core.log_slider(0.1, 1e-2, 1e1)          # 01's h sliders: presets 0.1 and 1
    for v in (0.01, 0.1, 1.0, 10.0):
        assert abs(browser_value(s, v) - v) <= 1e-12 * v
    # the old grid (200 steps over 3 decades from 1e-2) sent back 0.101 for 0.1
    old = 10 ** (-2 + np.round(1 / 0.015) * 0.015)
    assert abs(old - 0.101) < 5e-4


@pytest.mark.parametrize("args,match", [((0.0, 1e-3, 1.0), "value"), ((0.5, -1.0, 1.0), "lo"),
                                        ((2.0, 1e-3, 1.0), r"\[lo, hi\]"),
                                        ((0.5, 1e-3, float("nan")), "hi")])
def test_log_slider_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        core.log_slider(*args)


def test_same_value_is_half_a_step():
    s = core.log_slider(0.1, 1e-2, 1e1)
    half = s.step / 2
    assert core.same_value(s, 0.1, 0.101)                       # the browser's rounding
    assert core.same_value(s, 0.1, 10 ** (-1 + 0.99 * half))
    assert not core.same_value(s, 0.1, 10 ** (-1 + 1.01 * half))
    assert not core.same_value(s, 0.1, 10 ** (-1 + s.step))      # one step: a real move
    lin = core.slider(1.0, 0.0, 2.0, step=0.01)
    assert core.same_value(lin, 1.0, 1.004) and not core.same_value(lin, 1.0, 1.006)
    import ipywidgets as w
    tb = w.ToggleButtons(options=["a", "b"])
    assert core.same_value(tb, "a", "a") and not core.same_value(tb, "a", "b")


def make_app():
    live = core.LiveFigure(figsize=(2, 1.5))
    calls = []
    g = core.log_slider(0.2, 1e-3, 1.0, description="γ")
    b = core.slider(0.9, 0.0, 0.99, step=0.01, description="b")
    app = core.App({"step": g, "b": b}, live, lambda *_: calls.append(1))
    return app, g, b


def test_reset_restores_the_opening_values():
    app, g, b = make_app()
    g.value, b.value = 0.05, 0.3
    app.reset()
    assert (g.value, b.value) == (0.2, 0.9)
    app.set_initial(b=0.5)
    g.value, b.value = 0.01, 0.1
    app.reset()
    assert (g.value, b.value) == (0.2, 0.5)
    with pytest.raises(ValueError, match="unknown control"):
        app.set_initial(beta=1.0)


def test_reset_button_is_in_the_app_and_works():
    app, g, _ = make_app()
    assert app.reset_button in app._control_row.children
    g.value = 0.01
    app.reset_button.click()
    assert g.value == 0.2


def test_presets_stay_selected_through_browser_rounding():
    app, g, b = make_app()
    pick = app.add_presets({"γ = 0.2": {"step": 0.2}, "γ = 0.05": {"step": 0.05, "b": 0.0}})
    assert pick.value == "γ = 0.2"                       # the opening values match a preset
    pick.value = "γ = 0.05"
    assert (g.value, b.value) == (0.05, 0.0)
    g.value = browser_value(g, 0.05) * (1 + 1e-15)      # the browser echoes its grid value
    assert pick.value == "γ = 0.05"
    g.value = 0.05 * 1.004                               # within half a step
    assert pick.value == "γ = 0.05"
    g.value = 10 ** (np.log10(0.05) + g.step)            # one step away: no preset any more
    assert pick.value is None
    app.reset()
    assert pick.value == "γ = 0.2" and (g.value, b.value) == (0.2, 0.9)


@pytest.mark.parametrize("presets,match", [({}, "non-empty"), ({"x": {"beta": 1}}, "unknown"),
                                           ({"x": 3}, "map control names")])
def test_presets_reject_bad_input(presets, match):
    app, _, _ = make_app()
    with pytest.raises(ValueError, match=match):
        app.add_presets(presets)


def observed_app():
    live = core.LiveFigure(figsize=(2, 1.5))
    drawn = []
    g = core.slider(1.0, 0.0, 2.0, step=0.01, description="γ")
    b = core.slider(0.5, 0.0, 1.0, step=0.01, description="b")
    k = core.widgets.IntSlider(value=0, min=0, max=10)
    play = core.widgets.Play(value=0, min=0, max=10)
    app = core.App({"step": g, "b": b, "play": play, "k": k}, live, drawn.append, observe=True)
    return app, drawn


def test_observed_app_redraws_once_per_change_with_the_values_by_name():
    app, drawn = observed_app()
    c = app.controls
    c["step"].value = 1.5
    assert drawn == [{"step": 1.5, "b": 0.5, "k": 0}]      # Play is no setting: it drives k
    c["play"].value = 4                                    # the browser's jslink moves k too
    assert len(drawn) == 1
    c["k"].value = 4
    assert drawn[-1] == {"step": 1.5, "b": 0.5, "k": 4}
    with app.hold():                                       # two controls, one redraw
        c["step"].value, c["b"].value = 0.25, 0.75
    assert len(drawn) == 3 and drawn[-1] == {"step": 0.25, "b": 0.75, "k": 4}
    app.reset()                                            # back to the opening values, once
    assert len(drawn) == 4 and drawn[-1] == {"step": 1.0, "b": 0.5, "k": 0}
    assert "play" not in app.initial


def test_a_change_that_leaves_the_drawn_values_draws_nothing():
    # a control synced to another before the App's own observer (as scaled_gd_explorer's H and h)
    live, drawn, box = core.LiveFigure(figsize=(2, 1.5)), [], {}
    g = core.slider(1.0, 0.0, 2.0, step=0.01)
    b = core.slider(0.5, 0.0, 1.0, step=0.01)

    def follow(change):
        with box["app"].hold():
            b.value = change["new"] / 2

    g.observe(follow, names="value")
    box["app"] = app = core.App({"step": g, "b": b}, live, drawn.append, observe=True)
    g.value = 0.5
    assert drawn == [{"step": 0.5, "b": 0.25}]             # once: the App's observer draws nothing new
    app.redraw()
    assert len(drawn) == 2                                 # by hand: always


def test_scaled_explorer_keeps_its_preset_when_the_browser_rounds_h():
    f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    app = descent.scaled_gd_explorer(f, iterations=20)
    h1, h2, pick = app.controls["h1"], app.controls["h2"], app.controls["H"]
    assert pick.value == "P = diag(Q)" and (h1.value, h2.value) == (0.1, 1.0)
    h1.value = 0.101                                     # what the old slider sent back
    assert pick.value == "P = diag(Q)"
    pick.value = "I"
    h1.value = browser_value(h1, 1.0) * (1 + 2e-16)
    assert pick.value == "I"
    h1.value = 0.5                                       # a real move
    assert pick.value == "custom diag"
    app.reset()
    assert pick.value == "P = diag(Q)" and (h1.value, h2.value) == (0.1, 1.0)


def test_fit_projector_makes_every_text_20px_and_the_figure_fit_the_screen():
    from course_utils import style
    from course_utils.widgets.adaptive import filtered_sgd_app

    try:
        style.lecture()
        app = filtered_sgd_app(step=0.2)
        assert style.smallest_font_px(app.live.fig, 1250) < 20     # the lesson's 8-pt legend
        core.fit_projector(app, max_height_px=450)
        fig = app.live.fig
        assert style.smallest_font_px(fig, app.display_px) >= 20 - 1e-9
        w, h = fig.get_size_inches()
        assert h / w * app.display_px <= 450 + 1e-9
        # every title stays inside the figure, also after the callback rewrote them
        app.controls["step"].value = 0.05
        r = fig.canvas.get_renderer()
        for ax in fig.axes:
            box = ax.title.get_window_extent(r)
            if ax.title.get_text().strip():
                assert box.x0 >= -1 and box.x1 <= fig.bbox.width + 1 and box.y1 <= fig.bbox.height + 1
    finally:
        style.notebook()


def test_fit_projector_keeps_the_shape_without_squeeze():
    from course_utils import style
    from course_utils.widgets.projection import projection_app

    try:
        style.lecture()
        app = core.fit_projector(projection_app(), squeeze=False, figsize=(13, 5.4))
        fig = app.live.fig
        assert fig.get_size_inches().tolist() == [13, 5.4]
        title = app.live.axes.title
        assert title.get_window_extent(fig.canvas.get_renderer()).y1 <= fig.bbox.height + 1  # title on the figure
        assert abs(app.display_px - 450 * 13 / 5.4) < 1e-9        # shown 450 px tall
        assert style.smallest_font_px(app.live.fig, app.display_px) >= 20 - 1e-9
    finally:
        style.notebook()


def test_wrap_lines_never_breaks_inside_math():
    text = r"$L_m$: 3.8e+16 → 3.9e+16, $\|\theta_0\| = 110$ end"
    out = core._wrap_lines(text, lambda line: len(line) <= 12)
    assert out.replace("\n", " ") == text
    for line in out.split("\n"):
        assert line.count("$") % 2 == 0


def browser_shows(s, v):
    """The readout the browser prints for value ``v`` of slider ``s`` (its grid point, .3g)."""
    return format(browser_value(s, v), s.readout_format)


# the presets of the deck (notebooks/lecture) on the log sliders of the lessons' apps
DECK_PRESETS = [
    ("step_model_app", {"γ = 0.5": {"step": 0.5}, "γ = 1": {"step": 1.0}, "γ = 2": {"step": 2.0}}),
    ("gd_explorer", {"γ = 0.5": {"step": 0.5}, "γ = 1": {"step": 1.0}, "best γ = 1.818": {"step": 1.818},
                     "γ = 1.95": {"step": 1.95}, "γ = 2.05": {"step": 2.05}}),
    ("filtered_sgd_app", {"b_m = 0": {"step": 0.2, "b_m": 0.0}, "b_m = 0.9": {"step": 0.2, "b_m": 0.9},
                          "γ = 0.05, b_m = 0.9": {"step": 0.05, "b_m": 0.9}}),
    ("projection_app", {"H = diag(1, 6)": {"h1": 1.0, "h2": 6.0}, "H = I": {"h1": 1.0, "h2": 1.0}}),
]


def deck_app(name):
    from course_utils.widgets import adaptive, projection
    f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
    return {"step_model_app": lambda: descent.step_model_app(f, x_k=(-4.0, 1.5), step=0.5),
            "gd_explorer": lambda: descent.gd_explorer(f, step=1.0, x0=(-4.0, 1.5), iterations=20),
            "filtered_sgd_app": lambda: adaptive.filtered_sgd_app(step=0.2),
            "projection_app": lambda: projection.projection_app()}[name]()


@pytest.mark.parametrize("name,presets", DECK_PRESETS, ids=[n for n, _ in DECK_PRESETS])
def test_deck_presets_land_and_show_exactly(name, presets):
    """Issue 23: presets showed 1.001, 2.004, 0.0506 and h2 = 0.996. Each preset is now a grid
    point of its slider: the kernel holds the exact value, the browser shows it and sends it back."""
    app = deck_app(name)
    opening = {n: app.controls[n].value for v in presets.values() for n in v}
    pick = app.add_presets(presets)
    for label, values in presets.items():
        pick.value = label
        for n, v in values.items():
            w = app.controls[n]
            assert w.value == v, (label, n, w.value)
            if isinstance(w, core.widgets.FloatLogSlider):
                assert core.on_grid(w, v)
                assert abs(browser_value(w, v) - v) <= 1e-12 * v
                assert browser_shows(w, v) == format(v, w.readout_format)   # "1", "2", "0.05"
                lo, hi = w._course_bounds                               # the range stays inside
                assert lo * (1 - 1e-9) <= 10 ** w.min and 10 ** w.max <= hi * (1 + 1e-9)
                w.value = browser_value(w, v)                           # the browser's echo
        assert pick.value == label
    app.reset()
    for n, v in opening.items():
        w = app.controls[n]
        assert w.value == v and core.on_grid(w, v)


def test_the_old_grid_showed_the_issue_numbers():
    """Without re-anchoring, the grid of the opening value puts the presets where issue 23 saw them."""
    s = core.log_slider(0.5, 0.1, 3.0, readout_format=".4g")    # step_model_app's step slider
    assert [browser_shows(s, v) for v in (1.0, 2.0)] == ["1.001", "2.004"]   # the issue's numbers
    core.set_value(s, 2.0)
    assert s.value == 2.0 and browser_shows(s, 2.0) == "2" and not core.on_grid(s, 0.5)
    core.set_value(s, 0.5)
    assert s.value == 0.5 and core.on_grid(s, 0.5)
    h = core.log_slider(6.0, 0.1, 10.0)                          # the projection app's h2
    assert browser_shows(h, 1.0) == "0.996"                      # the issue's number, before
    core.set_value(h, 1.0)
    assert browser_shows(h, 1.0) == "1"
