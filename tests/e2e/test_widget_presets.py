"""The deck's presets in a real browser (issue 23): a preset on a log slider shows exactly its value
(the browser's grid used to show 1.001 for 1 and 2.004 for 2) and stays selected."""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from e2e_helpers import start_voila

pytestmark = pytest.mark.e2e

CELL = '''import ipywidgets as w
from course_utils.objectives import Quadratic
from course_utils.widgets import descent
f = Quadratic([[0.1, -0.1], [-0.1, 1.0]])
app = descent.step_model_app(f, x_k=(-4.0, 1.5), step=0.5)
app.add_presets({"g05": {"step": 0.5}, "g1": {"step": 1.0}, "g2": {"step": 2.0}})
kernel = w.HTML(value="start")
kernel.add_class("kernel-value")
s = app.controls["step"]
def show(change=None):
    kernel.value = f"value={s.value!r} preset={app.presets.value!r}"
s.observe(show, names="value")
app.presets.observe(show, names="value")
display(kernel)
app'''


def test_presets_show_their_exact_values_in_the_browser(browser, tmp_path, artifacts):
    folder = tmp_path / "nb"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "presets.ipynb")
    server = start_voila(folder, tmp_path / "jupyter", artifacts / "voila-presets.log", style="notebook")
    try:
        page = browser.new_page()
        page.goto(server.url("/voila/render/presets.ipynb"), timeout=300_000)
        page.wait_for_selector(".course-presets button", timeout=300_000)
        for label, shown, value in (("g2", "2.000", 2.0), ("g1", "1.000", 1.0), ("g05", "0.500", 0.5)):
            page.locator(".course-presets button", has_text=label).click()
            deadline = time.monotonic() + 60                 # a ceiling that only catches a hang
            while time.monotonic() < deadline:
                kernel = page.locator(".kernel-value").inner_text()
                if f"preset='{label}'" in kernel and page.locator(".widget-readout").first.inner_text() == shown:
                    break
                time.sleep(0.2)
            assert page.locator(".widget-readout").first.inner_text() == shown, label
            time.sleep(1.0)                                  # the browser's echo has arrived
            kernel = page.locator(".kernel-value").inner_text()
            got = float(re.search(r"value=([0-9.e+-]+)", kernel).group(1))
            assert abs(got - value) <= 1e-12 * value and f"preset='{label}'" in kernel, kernel
        page.close()
    finally:
        server.stop()
