"""Lecture mode: every notebook served by Voila (COURSE_STYLE=lecture) renders as an app.

The page loads, shows no code, no unexpected error, every widget display comes alive, and the
first slider of every app changes its figure.
"""

from __future__ import annotations

import re

import pytest

from e2e_helpers import (SLIDER, expected_errors, load_notebook, move_slider, notebooks,
                         stored_widget_displays, wait_in_page, widget_display_errors)

pytestmark = pytest.mark.e2e

#: the ceiling of a page's wait: only a hang reaches it
PAGE_CEILING_MS = 900_000

ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|There was an error when executing cell"
                        r"|^\w*(Error|Exception)\b", re.M)


def rendered_errors(page):
    """[(cell classes, text)] for every output that shows an exception."""
    found = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(o => {
          const cell = o.closest('.jp-Cell');
          return [cell ? cell.className : '', o.innerText];
        })""")
    return [(cls, text) for cls, text in found if ERROR_TEXT.search(text)]


@pytest.mark.parametrize("nb_path", notebooks(), ids=lambda p: p.stem)
def test_lecture_mode_renders_an_app_without_code(nb_path, voila, page, artifacts):
    nb = load_notebook(nb_path)
    try:
        # waits are ceilings for a hang (a busy machine renders lesson 04 in minutes); a dead
        # server or kernel fails them at once
        page.goto(voila.url(f"/voila/render/{nb_path.name}"), wait_until="commit", timeout=PAGE_CEILING_MS)
        wait_in_page(page, voila, "() => document.readyState === 'complete' && !!document.querySelector('.jp-Cell')",
                     timeout=PAGE_CEILING_MS // 1000)

        expected = expected_errors(nb)
        allowed = {e for e in expected.values() if e}
        bad = []
        for cls, text in rendered_errors(page):
            if "celltag_raises-exception" in cls and (not allowed or any(e in text for e in allowed)):
                continue
            bad.append(text[-600:])
        assert not bad, "errors in the Voila page:\n" + "\n---\n".join(bad)

        code = page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-CodeCell .jp-Editor:visible, .cm-editor:visible")
        assert code.count() == 0, f"{code.count()} code inputs visible: lecture mode must show no code"

        n_widgets = stored_widget_displays(nb)
        views = page.locator(".jp-OutputArea-output > .jupyter-widgets")
        if n_widgets:
            wait_in_page(page, voila, "n => document.querySelectorAll("
                         "'.jp-OutputArea-output > .jupyter-widgets').length >= n", n_widgets,
                         timeout=PAGE_CEILING_MS // 1000)
        page.wait_for_timeout(300)
        assert not widget_display_errors(page), widget_display_errors(page)
        js_errors = page.get_by_text("Click to show javascript error").count()
        assert js_errors == 0, f"{js_errors} widgets failed to render (javascript error)"

        # the first slider of every app must change its figure
        failures, moved = [], 0
        for k in range(views.count()):
            slider = views.nth(k).locator(SLIDER).first
            if not slider.count():
                continue
            ok, message = move_slider(page, slider)
            moved += ok
            if not ok:
                failures.append(f"app {k + 1}: {message}")
        assert not failures, "\n".join(failures)
        if n_widgets:
            assert moved, "the notebook shows widgets but no slider moved a figure"
    finally:
        page.screenshot(path=str(artifacts / f"voila-{nb_path.stem}.png"), full_page=True)
