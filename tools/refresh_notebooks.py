"""Re-execute notebooks in place, each in a fresh kernel, and store clean outputs.

    python tools/refresh_notebooks.py                 # every notebook in notebooks/
    python tools/refresh_notebooks.py notebooks/01-*.ipynb

The first PNG output of the cell tagged ``readme-figure`` is saved as ``docs/img/<notebook>.png``,
the lesson's picture in the README, so the README shows what the notebooks' own code draws.

Cells run top to bottom with the working directory set to notebooks/ (as nbval and JupyterLab do);
cells tagged ``raises-exception`` may fail. Afterwards the saved widget state
(``metadata.widgets``) is stripped: it is large and nbval does not need it. Cells tagged
``no-stored-output`` (exercise checks, "predict before you run") are run but stored without their
outputs, so a reader sees no verdict or answer before trying; they start with
``# NBVAL_IGNORE_OUTPUT``, so nbval runs them and compares nothing. Contributors run this
(``make notebooks``) instead of hand-editing outputs.
"""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
IMAGES = ROOT / "docs" / "img"


def clean(nb):
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            if "no-stored-output" in cell.metadata.get("tags", []):
                cell.outputs = []
            cell.metadata.pop("collapsed", None)
            cell.metadata.pop("scrolled", None)
    return nb


def save_readme_figure(nb, path: Path):
    """Write the first PNG of the cell tagged ``readme-figure`` to docs/img/<stem>.png."""
    for cell in nb.cells:
        if "readme-figure" in cell.metadata.get("tags", []):
            for out in cell.get("outputs", []):
                png = out.get("data", {}).get("image/png")
                if png:
                    IMAGES.mkdir(parents=True, exist_ok=True)
                    target = IMAGES / f"{path.stem}.png"
                    target.write_bytes(base64.b64decode(png))
                    return target
    return None


def refresh(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(clean(nb), path)
    save_readme_figure(nb, path)
    return elapsed


def main(argv):
    paths = [Path(a).resolve() for a in argv] or (sorted(NOTEBOOKS.glob("*.ipynb"))          # the lessons
                                                  + sorted(NOTEBOOKS.glob("lecture/*.ipynb")))  # the deck
    for path in paths:
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        seconds = refresh(path)
        size = path.stat().st_size / 1e6
        print(f"  done in {seconds:.1f} s, {size:.2f} MB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
