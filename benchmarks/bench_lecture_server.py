"""`make lecture`'s server as the lecturer meets it: time to a ready page, and kernels that end.

    python benchmarks/bench_lecture_server.py             # every deck part and lesson

Not a test (``make bench`` runs it; the browser test asserts only the kernel counts). Starts
tools/serve_lecture.py with make's flags (every page pre-heated) and headless Chromium as the
end-to-end tests do (tests/e2e/e2e_helpers.py), opens every page at 1280 x 720 one after the
other and leaves it, then prints the seconds until each page was ready (every app's figure
loaded), the machine's load, and the number of kernels before and after (one per page when every
left page's kernel was shut down).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_helpers import (NOTEBOOK_DIR, chromium_missing_reason, launch_browser, notebooks,  # noqa: E402
                         start_lecture_server, visit_every_page)


def main():
    reason = chromium_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    from playwright.sync_api import sync_playwright

    paths = sorted((NOTEBOOK_DIR / "lecture").glob("*.ipynb")) + notebooks()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        t0 = time.monotonic()
        server = start_lecture_server(NOTEBOOK_DIR, tmp / "jupyter", tmp / "lecture.log")
        browser = launch_browser(pw, tmp / "profile")
        try:
            load0 = os.getloadavg()[0]
            r = visit_every_page(browser, server, paths, {"width": 1280, "height": 720})
            r["load_1min"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
            r["total_s"] = round(time.monotonic() - t0, 1)
        finally:
            browser.close()
            server.stop()
    for stem, s in r["ready_s"].items():
        print(f"{stem:45s} ready after {s:6.2f} s (pre-heated)")
    print(f"kernels: {r['kernels_before']} before, {r['kernels_after']} after opening and leaving "
          f"{r['pages']} pages; refused shutdowns {r['refused_shutdowns']}; load {r['load_1min']}; "
          f"total {r['total_s']} s")
    print(json.dumps(r))
    return 0 if r["kernels_after"] == r["kernels_before"] else 1


if __name__ == "__main__":
    sys.exit(main())
