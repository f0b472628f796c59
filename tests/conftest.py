"""Suite-wide checks.

When the whole suite runs (``pytest`` with no paths, i.e. the README's ``make test``), the set of
notebooks nbval collected must equal the notebooks in ``notebooks/``: a wrong glob, a missing
``--nbval`` or a renamed folder then fails loudly instead of passing while testing nothing.

A SIGTERM to pytest (a CI timeout, ``kill PID``) ends the run like Ctrl-C: pytest then tears the
fixtures down, so the JupyterLab and Voila servers of ``tests/e2e`` and nbval's kernels are stopped
instead of being left running.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"


def notebooks_on_disk():
    return sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))


def pytest_collection_modifyitems(session, config, items):
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return  # a contributor ran a subset on purpose
    collected = {Path(str(item.path)).resolve() for item in items if str(item.path).endswith(".ipynb")}
    expected = {p.resolve() for p in notebooks_on_disk()}
    if collected != expected:
        missing = sorted(p.name for p in expected - collected)
        extra = sorted(p.name for p in collected - expected)
        raise pytest.UsageError(
            f"nbval collected a different set of notebooks than notebooks/ holds: "
            f"missing {missing}, unexpected {extra}. Is --nbval in addopts and 'notebooks' in testpaths?"
        )
    config.stash[_COLLECTED] = sorted(p.name for p in collected)


_COLLECTED = pytest.StashKey[list]()


def pytest_report_header(config):
    names = [p.name for p in notebooks_on_disk()]
    return f"notebooks under nbval: {len(names)} ({', '.join(names)})"


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C so that fixtures (servers, kernels) are torn down."""


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)      # a second SIGTERM ends pytest at once
    raise _Terminated(f"pytest received signal {signum} (SIGTERM): stopping servers and kernels")


def pytest_configure(config):
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
