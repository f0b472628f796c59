"""Every notebook in a real JupyterLab: Run > Run All Cells, no unexpected error, every slider
moves its figure.

A slider "moves its figure" when, after focusing its handle and pressing the arrow keys, an
``<img>`` in the same output area (the App's ``ipywidgets.Image``) gets a new ``src``: each
update of the Image widget's value gives it a new blob: URL. This fails when the ipywidgets front
end is missing or broken (try ``COURSE_E2E_DISABLE_WIDGETS=1``), when a callback raises, or when
a slider is not wired to its figure.
"""

from __future__ import annotations

import warnings

import pytest

from e2e_helpers import (NOTEBOOK_DIR, SLIDER, WIDGET_MIME, expected_errors, live_cells, load_notebook,
                         move_slider, notebooks, open_in_lab, output_area_of,
                         run_all_cells_from_menu, stored_widget_displays, unexpected_errors,
                         wait_for_run_all, widget_display_errors)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("nb_path", notebooks(), ids=lambda p: p.stem)
def test_run_all_then_every_slider_moves_its_figure(nb_path, lab, page, artifacts):
    nb = load_notebook(nb_path)
    shot = artifacts / f"lab-{nb_path.stem}.png"
    try:
        open_in_lab(page, lab, nb_path, NOTEBOOK_DIR.parent)
        run_all_cells_from_menu(page)
        wait_for_run_all(page)

        cells = live_cells(page)
        errors = unexpected_errors(cells, expected_errors(nb))
        assert not errors, "unexpected errors after Run All Cells:\n" + "\n".join(errors)

        live_widgets = sum(WIDGET_MIME in o["mimes"] for c in cells for o in c["outputs"])
        if stored_widget_displays(nb) or live_widgets:
            assert live_widgets, "the stored notebook shows widgets, the run displayed none"
            # widgets render asynchronously once their output arrives
            try:
                page.locator(".jp-OutputArea-output > .jupyter-widgets").nth(live_widgets - 1).wait_for(
                    state="attached", timeout=300_000)   # a ceiling for a hang
            except Exception:  # playwright's TimeoutError
                pass  # the count below says what is missing
        rendered = page.locator(".jp-OutputArea-output > .jupyter-widgets").count()
        assert rendered == live_widgets, (
            f"{live_widgets} widget displays, {rendered} rendered as live widgets: is the ipywidgets "
            f"JupyterLab extension ({lab.extra.get('disable_widgets') and 'DISABLED' or 'enabled'}) loaded?")
        assert not widget_display_errors(page), widget_display_errors(page)

        sliders = page.locator(f".jp-OutputArea-output {SLIDER}")
        n = sliders.count()
        if live_widgets:
            assert n > 0, "the notebook shows widgets but no slider rendered"
        failures, skipped = [], []
        for k in range(n):
            moved, message = move_slider(page, sliders.nth(k))
            label = f"slider {k + 1}/{n} ({sliders.nth(k).inner_text().strip()[:40]!r})"
            if moved:
                continue
            if "focus" in message and output_area_of(sliders.nth(k)).locator(".widget-play").count():
                skipped.append(f"{label}: part of a Play control, {message}")
            else:
                failures.append(f"{label}: {message}")
        for s in skipped:
            warnings.warn(s)
        assert not failures, "\n".join(failures)
    finally:
        page.screenshot(path=str(shot))
        lab.shutdown_kernels()
