"""Loaded by every pytest run in this repository (the README's, nbval on one notebook, make unit).

A SIGTERM to pytest (a CI timeout, ``kill PID``) ends the run like Ctrl-C: pytest then tears the
fixtures down, so the JupyterLab and Voila servers of ``tests/e2e`` and nbval's kernels are stopped
instead of being left running. ``tests/test_cleanup.py`` checks it.
"""

from __future__ import annotations

import signal
import threading


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C so that fixtures (servers, kernels) are torn down."""


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)      # a second SIGTERM ends pytest at once
    raise _Terminated(f"pytest received signal {signum} (SIGTERM): stopping servers and kernels")


def pytest_configure(config):
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
