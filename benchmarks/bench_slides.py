"""Time to ready of the slides (build/slides; built first if missing) from file:// and from a static
server, at 1280 x 720 and 1920 x 1080; screenshots of a few slides into build/slides-shots/.
Not a test: times depend on the machine (a busy 2-core machine here); they go to the report.

    python benchmarks/bench_slides.py [slide numbers...]
"""

import functools
import http.server
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides"
SHOTS = ROOT / "build" / "slides-shots"
READY = "document.documentElement.dataset.slidesReady === '1'"


def time_to_ready(browser, url, size, repeat=3):
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_function(READY, timeout=120_000)
        times.append(time.perf_counter() - t0)
        page.close()
    return statistics.median(times), max(times)


def main(numbers):
    if not (OUT / "index.html").exists():
        sys.path.insert(0, str(ROOT / "tools"))
        import build_slides
        build_slides.build(OUT)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(OUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            for size in ((1280, 720), (1920, 1080)):
                for name, url in (("file://", (OUT / "index.html").as_uri()),
                                  ("static server", f"http://127.0.0.1:{server.server_port}/index.html")):
                    med, worst = time_to_ready(browser, url, size)
                    print(f"{size[0]}x{size[1]} {name}: ready in {med:.2f} s (median of 3, worst {worst:.2f} s)")
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                for n in numbers:
                    page.goto((OUT / "index.html").as_uri() + f"#/{n}")
                    page.wait_for_function(READY, timeout=120_000)
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(SHOTS / f"slide{n:02d}-{size[0]}x{size[1]}.png"))
                page.close()
            browser.close()
    finally:
        server.shutdown()
    print(f"screenshots in {SHOTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 7, 13, 21, 24, 34, 45, 50, 56])
