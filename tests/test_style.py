"""The figure styles: COURSE_STYLE switches lecture mode on, lecture mode is bigger and colour-blind safe."""

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from course_utils import style


@pytest.fixture(autouse=True)
def _restore_rcparams():
    with mpl.rc_context():
        yield


@pytest.mark.parametrize("value, expected", [("lecture", "lecture"), ("LECTURE ", "lecture"),
                                             ("notebook", "notebook"), ("", "notebook")])
def test_apply_reads_course_style(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_STYLE", value)
    assert style.apply() == expected
    assert mpl.rcParams["font.size"] == (style.LECTURE if expected == "lecture" else style.NOTEBOOK)["font.size"]


def test_apply_without_the_variable_is_the_notebook_style(monkeypatch):
    monkeypatch.delenv("COURSE_STYLE", raising=False)
    assert style.apply() == "notebook"


def test_lecture_is_larger_and_thicker_than_the_notebook_style():
    style.notebook()
    small = {k: mpl.rcParams[k] for k in ("font.size", "lines.linewidth", "axes.linewidth")}
    style.lecture()
    for key, value in small.items():
        assert mpl.rcParams[key] >= 1.3 * value, key
    assert mpl.rcParams["font.size"] >= 14  # readable from the back of a hall


def test_lecture_cycle_is_okabe_ito():
    style.lecture()
    colors = [c["color"].upper() for c in mpl.rcParams["axes.prop_cycle"]]
    assert colors == [c.upper() for c in style.PALETTE]
    assert set(colors) == {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                           "#D55E00", "#CC79A7"}


def _simulate_deuteranopia(rgb):
    """Viénot, Brettel & Mollon (1999) deuteranope simulation in linear RGB."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0], [-0.02234, 0.02234, 1.0]])
    return lin @ m.T


def test_first_lecture_colours_stay_distinct_for_deuteranopes():
    """The first five line colours differ for a deuteranope (unlike tab10's red vs green)."""
    sim = _simulate_deuteranopia(np.array([to_rgb(c) for c in style.PALETTE[:5]]))
    gaps = [np.abs(a - b).max() for i, a in enumerate(sim) for b in sim[i + 1:]]
    assert min(gaps) > 0.08
    tab = _simulate_deuteranopia(np.array([to_rgb(c) for c in ("tab:red", "tab:green")]))
    assert np.abs(tab[0] - tab[1]).max() < 0.08  # the test would catch a colour-blind-unsafe pair


def test_notebook_after_lecture_restores_the_notebook_look():
    style.notebook()
    before = {k: mpl.rcParams[k] for k in style.LECTURE}
    style.lecture()
    style.notebook()
    after = {k: mpl.rcParams[k] for k in style.LECTURE}
    assert after == before


def test_a_lecture_figure_uses_the_style():
    style.lecture()
    fig = Figure()
    ax = fig.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    assert line.get_linewidth() == style.LECTURE["lines.linewidth"]
    assert line.get_color().upper() == style.PALETTE[0].upper()
    assert ax.xaxis.label.get_size() == style.LECTURE["axes.labelsize"]


def test_live_figures_render_larger_in_the_lecture_style():
    from course_utils.widgets.core import LiveFigure

    try:
        style.notebook()
        small = LiveFigure(figsize=(4.0, 3.0), dpi=80)
        style.lecture()
        large = LiveFigure(figsize=(4.0, 3.0), dpi=80)
    finally:
        style.notebook()
    assert small.fig.dpi == 80 and large.fig.dpi == 120
    assert small.image.layout.width == "320px" and large.image.layout.width == "480px"
    assert len(large.png()) > len(small.png())


def test_apps_enlarge_their_controls_only_in_the_lecture_style():
    import ipywidgets as widgets

    from course_utils.widgets.core import LECTURE_CSS, App, LiveFigure, slider

    def css_rows(app):
        return [w for w in app.children if isinstance(w, widgets.HTML) and w.value == LECTURE_CSS]

    try:
        style.notebook()
        plain = App({"s": slider(1.0, 0.0, 2.0)}, LiveFigure(figsize=(2, 2)), lambda: None)
        style.lecture()
        big = App({"s": slider(1.0, 0.0, 2.0)}, LiveFigure(figsize=(2, 2)), lambda: None)
    finally:
        style.notebook()
    assert css_rows(plain) == [] and len(css_rows(big)) == 1
    assert "--jp-widgets-font-size: 18px" in LECTURE_CSS
