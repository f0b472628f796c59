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
    # projector scale: every control text at least 20 px
    import re
    sizes = [int(v) for v in re.findall(r"font-size:\s*(\d+)px", LECTURE_CSS)]
    assert sizes and min(sizes) >= 20, sizes


def test_min_points_is_the_projector_formula():
    # a 12-inch figure drawn 1250 px wide: 1 pt = 1250 / (72 * 12) px
    assert abs(style.min_points(12.0) - 20 * 72 * 12 / 1250) < 1e-12
    assert abs(style.min_points(6.0, display_px=600, min_px=30) - 30 * 72 * 6 / 600) < 1e-12
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="figure_width_in"):
            style.min_points(bad)


def test_projector_fonts_makes_every_text_legible_and_caps_the_height():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.0, 6.0), dpi=90, layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize=6)
    ax.set_title("title", fontsize=8)
    ax.set_xlabel("x", fontsize=7)
    ax.text(0.5, 0.5, "note", fontsize=5)
    assert style.smallest_font_px(fig) < 12                 # 5 pt on a 12-inch figure shown 1250 px
    pt = style.projector_fonts(fig, display_px=1250, min_px=20, max_height_px=450)
    assert abs(style.smallest_font_px(fig, 1250) - 20.0) < 1e-9
    assert abs(pt - style.min_points(12.0)) < 1e-12
    w, h = fig.get_size_inches()
    assert w == 12.0 and abs(h * 1250 / w - 450) < 1e-9   # 450 px tall when 1250 px wide
    with pytest.raises(ValueError, match="max_height_px"):
        style.projector_fonts(fig, max_height_px=0)


def test_deck_page_style_is_scoped_to_voila_and_at_least_20px():
    import re

    sizes = [int(v) for v in re.findall(r"font-size:\s*(\d+)px", style.DECK_CSS)]
    assert sizes and min(sizes) >= 20, sizes
    rules = [r.strip() for r in re.findall(r"([^{}]+)\{", style.DECK_CSS.replace("<style>", ""))]
    for selector_list in rules:
        for sel in selector_list.split(","):
            assert sel.strip().startswith("body.jp-Notebook"), f"unscoped CSS rule: {sel!r}"
    for key in ("Escape", "PageDown", "PageUp", "hashchange", "pointerdown"):
        assert key in style.DECK_JS
    try:
        html = style.deck()
        assert style.current() == "lecture"
        assert html.data == style.DECK_CSS + style.DECK_JS
    finally:
        style.notebook()
