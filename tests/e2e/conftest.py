"""Fixtures of the end-to-end tests: headless Chromium, JupyterLab and Voila servers.

Deselect these tests with ``pytest -m "not e2e"``. Screenshots and server logs go to
``e2e-artifacts/`` in the repository root (gitignored); the run prints where.
"""

from __future__ import annotations

import os

import pytest

from e2e_helpers import (ARTIFACTS, NOTEBOOK_DIR, chromium_missing_reason, launch_browser,
                         start_jupyterlab, start_voila)


def _unavailable(reason):
    # Where the browser tests are asked for (COURSE_E2E_REQUIRED=1, as .ci/run does) a missing
    # browser is a failure; elsewhere (no root, or apt-get could not install chromium) they skip
    # with the reason and the rest of the suite runs.
    if os.environ.get("COURSE_E2E_REQUIRED") == "1":
        pytest.fail(f"{reason} (COURSE_E2E_REQUIRED=1 asks for the browser tests)", pytrace=False)
    pytest.skip(reason)


_ran = []


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    _ran.append(True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser(tmp_path_factory, artifacts):
    """A fresh headless Chromium profile (persistent context in a temporary folder)."""
    reason = chromium_missing_reason()
    if reason:
        _unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = launch_browser(pw, tmp_path_factory.mktemp("chromium-profile"))
        # a ceiling for a hang, not a time budget: a busy 2-core machine is slow, not stuck
        context.set_default_timeout(300_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts):
    """JupyterLab whose root is the folder holding ``notebooks/`` (the repository)."""
    before = {p: p.read_bytes() for p in NOTEBOOK_DIR.glob("*.ipynb")}
    server = start_jupyterlab(NOTEBOOK_DIR.parent, tmp_path_factory.mktemp("jupyterlab"),
                              artifacts / "jupyterlab.log")
    try:
        yield server
    finally:
        server.stop()
    # the browser ran every notebook: none of them may have been saved back (autosave is off)
    changed = sorted(p.name for p, data in before.items() if p.read_bytes() != data)
    assert not changed, f"JupyterLab wrote to the repository's notebooks: {changed}"


@pytest.fixture(scope="module")
def voila(tmp_path_factory, artifacts):
    """Voila serving ``notebooks/`` in lecture mode (COURSE_STYLE=lecture reaches its kernels)."""
    server = start_voila(NOTEBOOK_DIR, tmp_path_factory.mktemp("voila"), artifacts / "voila.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _ran:
        terminalreporter.write_line(f"e2e screenshots and server logs: {ARTIFACTS}")
