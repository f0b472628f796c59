"""Slider latency as a student feels it: key press -> changed figure, in a real JupyterLab.

    python benchmarks/bench_browser_latency.py                      # every notebook
    python benchmarks/bench_browser_latency.py notebooks/01-*.ipynb --moves 20

Not a test (``make bench`` runs it). For each notebook: start JupyterLab and headless Chromium
as the end-to-end tests do (tests/e2e/e2e_helpers.py), Run All Cells, then press ArrowRight on the
notebook's main slider (the first slider of its first app) ``--moves`` times. In the page, a
``keydown`` listener notes ``performance.now()`` and a ``MutationObserver`` notes the moment the
``src`` of an ``<img>`` of that app changes (the kernel computed, rendered and sent a new PNG and
the browser swapped it in). Prints the median and 90th percentile per notebook against the
targets: median <= 150 ms for notebooks 01-03, <= 300 ms for 04.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_helpers import (HANDLE, NOTEBOOK_DIR, READOUT, SLIDER, chromium_missing_reason,  # noqa: E402
                         launch_browser, notebooks, open_in_lab, output_area_of,
                         run_all_cells_from_menu, start_jupyterlab, wait_for_run_all)

TARGET_MS = {"04": 300.0}
DEFAULT_TARGET_MS = 150.0

_INSTALL_PROBE = """area => {
  const probe = {presses: [], changes: []};
  document.addEventListener('keydown', () => probe.presses.push(performance.now()), true);
  new MutationObserver(records => {
    if (records.some(r => r.target.tagName === 'IMG' && r.attributeName === 'src'))
      probe.changes.push(performance.now());
  }).observe(area, {subtree: true, attributes: true, attributeFilter: ['src']});
  window.__latencyProbe = probe;
}"""


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure(page, moves, settle_ms=250, timeout_ms=10_000):
    slider = page.locator(f".jp-OutputArea-output {SLIDER}").first
    slider.wait_for(state="attached", timeout=30_000)
    slider.scroll_into_view_if_needed()
    area = output_area_of(slider)
    area.evaluate(_INSTALL_PROBE)
    handle, readout = slider.locator(HANDLE).first, slider.locator(READOUT).first
    handle.focus()
    key, latencies = "ArrowRight", []
    for _ in range(moves):
        value = readout.inner_text()
        n_changes = page.evaluate("() => window.__latencyProbe.changes.length")
        page.keyboard.press(key)
        if readout.inner_text() == value:          # at the end of its range: go back
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            page.keyboard.press(key)
        page.wait_for_function(f"() => window.__latencyProbe.changes.length > {n_changes}",
                               timeout=timeout_ms, polling="raf")
        page.wait_for_timeout(settle_ms)          # let trailing updates land before the next press
        latencies.append(page.evaluate(
            f"() => {{ const p = window.__latencyProbe;"
            f" return p.changes[{n_changes}] - p.presses[p.presses.length - 1]; }}"))
    label = slider.locator(".widget-label").first.inner_text() if slider.locator(".widget-label").count() else "?"
    return " ".join(label.replace("\n", "").split()), latencies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--moves", type=int, default=15, help="key presses per notebook (>= 10)")
    args = parser.parse_args(argv)
    reason = chromium_missing_reason()
    if reason:
        sys.exit(reason)
    paths = [p.resolve() for p in args.notebooks] or notebooks()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        server = start_jupyterlab(NOTEBOOK_DIR.parent, tmp / "lab", tmp / "jupyterlab.log",
                                  disable_widgets=False)
        browser = launch_browser(pw, tmp / "profile")
        try:
            for path in paths:
                page = browser.new_page()
                try:
                    open_in_lab(page, server, path, NOTEBOOK_DIR.parent)
                    run_all_cells_from_menu(page)
                    wait_for_run_all(page)
                    if not page.locator(f".jp-OutputArea-output {SLIDER}").count():
                        print(f"{path.name}: no slider, skipped", flush=True)
                        continue
                    label, lat = measure(page, max(args.moves, 10))
                    target = TARGET_MS.get(path.name[:2], DEFAULT_TARGET_MS)
                    rows.append((path.name, label, statistics.median(lat), percentile(lat, 0.9), target))
                    print(f"{path.name}: slider {label!r}: median {rows[-1][2]:.0f} ms, "
                          f"p90 {rows[-1][3]:.0f} ms over {len(lat)} moves "
                          f"(all: {', '.join(f'{x:.0f}' for x in lat)})", flush=True)
                finally:
                    page.close()
                    server.shutdown_kernels()
        finally:
            browser.close()
            server.stop()

    print(f"\n{'notebook':42s} {'slider':22s} {'median':>8s} {'p90':>8s} {'target':>8s}")
    for name, label, med, p90, target in rows:
        verdict = "ok" if med <= target else "SLOW"
        print(f"{name:42s} {label[:22]:22s} {med:6.0f}ms {p90:6.0f}ms {target:6.0f}ms  {verdict}")


if __name__ == "__main__":
    main()
