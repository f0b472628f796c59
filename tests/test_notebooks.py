"""Hygiene of the stored notebooks (nbval itself re-runs them and compares outputs)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00-start-here.ipynb",
    "01-scale-the-gradient.ipynb",
    "02-converge-to-the-projection.ipynb",
    "03-look-inside-adam.ipynb",
    "04-compare-sharp-and-flat-minima.ipynb",
]
ABSOLUTE_PATH = re.compile(r"(/(work|root|tmp|home|Users|private)/)|([A-Za-z]:\\\\Users)")


def test_the_course_has_exactly_the_expected_notebooks():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb_path(request):
    return request.param


def test_small_enough(nb_path):
    assert nb_path.stat().st_size < 2_000_000, f"{nb_path.name} is {nb_path.stat().st_size / 1e6:.2f} MB"


def test_executed_top_to_bottom_in_one_kernel(nb_path):
    cells = code_cells(load(nb_path))
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, "some code cells were never executed: run `make notebooks`"
    assert counts == list(range(1, len(cells) + 1)), "cells ran out of order or in several sessions"
    assert any(c["outputs"] for c in cells), "no stored outputs: students browsing see no figures"


def test_no_unexpected_errors(nb_path):
    for cell in code_cells(load(nb_path)):
        tags = cell["metadata"].get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        if "raises-exception" in tags:
            assert errors, "a raises-exception cell must show its error"
        else:
            assert not errors, f"stored error {errors[0]['ename']} in an untagged cell"
        assert "# NBVAL_RAISES_EXCEPTION" not in "".join(cell["source"]), "use the raises-exception tag"


def test_no_saved_widget_state(nb_path):
    assert "widgets" not in load(nb_path)["metadata"], "strip metadata.widgets (make notebooks does)"


def test_no_absolute_paths_or_addresses_in_outputs(nb_path):
    for cell in code_cells(load(nb_path)):
        for out in cell["outputs"]:
            text = json.dumps({k: v for k, v in out.items() if k != "data"} | {
                "data": {k: v for k, v in out.get("data", {}).items() if not k.startswith("image/")}})
            assert not ABSOLUTE_PATH.search(text), f"an output shows a path of this machine: {text[:200]}"


def test_standard_skeleton(nb_path):
    nb = load(nb_path)
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    first_code = "".join(code_cells(nb)[0]["source"])
    assert "import" in first_code and "style.apply()" in first_code, "first code cell: imports + style.apply()"
    if nb_path.name != "00-start-here.ipynb":
        for heading in ("What you'll learn", "What you need", "## Summary", "## On your own"):
            assert heading in md, f"missing section {heading!r}"
    later_imports = [c for c in code_cells(nb)[1:]
                     if re.search(r"^(import|from \S+ import)\s", "".join(c["source"]), re.M)
                     and "solution" not in "".join(c["source"])]
    assert not later_imports, "all imports belong in the first code cell"


def test_widget_cells_ignore_output(nb_path):
    """A cell that shows an App must carry NBVAL_IGNORE_OUTPUT (widget ids change every run)."""
    for cell in code_cells(load(nb_path)):
        shows_widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                           for o in cell["outputs"])
        if shows_widget:
            assert re.search(r"^# NBVAL_IGNORE_OUTPUT\s*$", "".join(cell["source"]), re.M)
