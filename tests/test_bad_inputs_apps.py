"""Issue 20's bad inputs of the app factories: a starting value off its slider is an error naming
it (as ``step`` already was), never silently clamped; sizes that cannot fit are refused before
the app allocates anything."""

from __future__ import annotations

import pytest

from course_utils.objectives import Quadratic
from test_bad_inputs import raises_clearly
from test_bad_inputs_api import capped_memory  # noqa: F401  (the fixture)

widgets = pytest.importorskip("course_utils.widgets")
from course_utils.widgets import adaptive, descent, minima  # noqa: E402

F = Quadratic([[0.1, -0.1], [-0.1, 1.0]])

CASES = {
    "gd_explorer-x0-off-the-sliders": (lambda: descent.gd_explorer(F, x0=(100.0, 100.0)), ValueError, "x0",
                                       "on the sliders"),
    "gd_explorer-x0-nan": (lambda: descent.gd_explorer(F, x0=(float("nan"), 0.0)), ValueError, "x0", "NaN"),
    "gd_explorer-iterations-0": (lambda: descent.gd_explorer(F, iterations=0), ValueError, "iterations",
                                 "integer >= 1"),
    "variance_estimate_app-b_v-0.999": (lambda: adaptive.variance_estimate_app(b_v=0.999), ValueError, "b_v",
                                        r"\[0.5, 0.995\]"),
    "variance_estimate_app-b_v-0.1": (lambda: adaptive.variance_estimate_app(b_v=0.1), ValueError, "b_v",
                                      r"\[0.5, 0.995\]"),
    "variance_estimate_app-seed": (lambda: adaptive.variance_estimate_app(seed=-1), ValueError, "seed", ">= 0"),
    "sigma_app-n-0": (lambda: minima.sigma_app(n=0), ValueError, "n", "from 2 to"),
}

HUGE = {
    "gd_explorer-iterations-1e9": (lambda: descent.gd_explorer(F, iterations=10**9), ValueError, "iterations",
                                   "GiB"),
    "variance_estimate_app-steps-1e10": (lambda: adaptive.variance_estimate_app(steps=10**10), ValueError,
                                         "steps", "GiB"),
    "sigma_app-n-20000": (lambda: minima.sigma_app(n=20000), ValueError, "n", "from 2 to 1001"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_off_slider_or_bad_start_is_a_clear_error(case):
    raises_clearly(*CASES[case])


@pytest.mark.parametrize("case", list(HUGE))
def test_a_huge_app_is_refused_before_allocating(case, capped_memory):  # noqa: F811
    raises_clearly(*HUGE[case])


def test_the_edges_of_the_sliders_are_accepted():
    app = descent.gd_explorer(F, x0=(-5.0, 2.5), iterations=20)
    assert tuple(app.model.iterations for _ in (0,)) == (20,)
    assert adaptive.variance_estimate_app(steps=20, b_v=0.995).controls["b_v"].value == pytest.approx(0.995)
