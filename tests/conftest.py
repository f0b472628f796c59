"""Suite-wide checks.

When the whole suite runs (``pytest`` with no paths, i.e. the README's ``make test``), the set of
notebooks nbval collected must equal the notebooks in ``notebooks/`` (the lessons) and
``notebooks/lecture/`` (the lecture deck): a wrong glob, a missing ``--nbval`` or a renamed folder
then fails loudly instead of passing while testing nothing. ``tests/test_deck.py`` checks that the
deck folder holds the expected parts.

(SIGTERM is handled in the repository's top-level ``conftest.py``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
DECK_DIR = NOTEBOOK_DIR / "lecture"


def notebooks_on_disk():
    return sorted([*NOTEBOOK_DIR.glob("*.ipynb"), *DECK_DIR.glob("*.ipynb")])


def pytest_collection_modifyitems(session, config, items):
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return  # a contributor ran a subset on purpose
    collected = {Path(str(item.path)).resolve() for item in items if str(item.path).endswith(".ipynb")}
    expected = {p.resolve() for p in notebooks_on_disk()}
    if collected != expected:
        missing = sorted(p.relative_to(NOTEBOOK_DIR).as_posix() for p in expected - collected)
        extra = sorted(p.relative_to(NOTEBOOK_DIR).as_posix() if p.is_relative_to(NOTEBOOK_DIR) else str(p)
                       for p in collected - expected)
        raise pytest.UsageError(
            f"nbval collected a different set of notebooks than notebooks/ and notebooks/lecture/ hold: "
            f"missing {missing}, unexpected {extra}. Is --nbval in addopts and 'notebooks' in testpaths?"
        )
    config.stash[_COLLECTED] = sorted(p.relative_to(NOTEBOOK_DIR).as_posix() for p in collected)


_COLLECTED = pytest.StashKey[list]()


def pytest_report_header(config):
    names = [p.relative_to(NOTEBOOK_DIR).as_posix() for p in notebooks_on_disk()]
    return f"notebooks under nbval: {len(names)} ({', '.join(names)})"

