"""The course website in Chromium, no kernel anywhere: figures load, math renders, static sliders
move from the keyboard (the picture changes), nothing is fetched from another host, and axe-core
finds no serious or critical violation on any page, in light and in dark mode.

The site is built (or found up to date) by ``tools/build_site.py`` and served from ``build/site``
by a local static file server; screenshots at projector size (1280x720) go to ``e2e-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402

pytestmark = pytest.mark.e2e

LESSONS = build_site.lessons() + build_site.lecture_parts()
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def site_url():
    build_site.ensure_built()
    handler = functools.partial(QuietHandler, directory=str(build_site.OUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def open_page(page, url, site_url):
    foreign = []
    page.on("request", lambda r: foreign.append(r.url)
            if not r.url.startswith((site_url, "data:", "blob:", "about:")) else None)
    page.set_viewport_size(PROJECTOR)
    page.goto(url, wait_until="load")
    # pictures load lazily (when scrolled to): load them all now, then check every one arrived
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
    return foreign


def mathjax_done(page, timeout=60_000):
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.document"
                           " && document.querySelector('mjx-container')", timeout=timeout)
    page.evaluate("async () => { await MathJax.startup.promise; }")


def stored_outputs(nb):
    """How many figures (PNG outputs) and apps (widget views) the notebook stores."""
    import json
    outputs = [o for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", [])]
    return {"figures": sum("image/png" in o.get("data", {}) for o in outputs),
            "apps": sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)}


@pytest.mark.parametrize("nb", LESSONS, ids=lambda p: p.stem)
def test_lesson_page_shows_its_figures_and_its_static_slider_moves(page, site_url, nb, artifacts):
    rel = nb.relative_to(ROOT).with_suffix(".html").as_posix()
    foreign = open_page(page, f"{site_url}/{rel}", site_url)
    if page.locator(".math").count():             # the deck's start page has no formula
        mathjax_done(page)
    broken = page.evaluate("() => [...document.images].filter(i => !i.naturalWidth).map(i => i.src)")
    assert not broken, broken
    stored = stored_outputs(nb)
    n_figures = page.evaluate("() => document.querySelectorAll('article img').length")
    assert n_figures >= stored["figures"] > 0 or stored["figures"] == 0 == stored["apps"]
    sliders = page.locator("figure.static-slider")
    if stored["apps"]:
        assert sliders.count() >= 1, f"{nb.name} shows {stored['apps']} apps but no static slider"
    else:
        assert sliders.count() == 0
    page.screenshot(path=str(artifacts / f"site-{nb.stem}-top.png"))
    for k in range(sliders.count()):
        fig = sliders.nth(k)
        rng, img, out = fig.locator("input[type=range]"), fig.locator("img"), fig.locator("output")
        fig.scroll_into_view_if_needed()
        before = (img.get_attribute("src"), out.inner_text(), img.screenshot())
        start, last = int(rng.get_attribute("value")), int(rng.get_attribute("max"))
        rng.focus()                                               # the keyboard alone moves it
        page.keyboard.press("ArrowLeft" if start == last else "ArrowRight")
        page.wait_for_function("(f) => f.querySelector('img').complete", arg=fig.element_handle())
        after = (img.get_attribute("src"), out.inner_text(), img.screenshot())
        assert after[0] != before[0] and after[1] != before[1], (nb.name, k)
        assert after[2] != before[2], f"{nb.name}: slider {k} moved but the picture did not change"
        assert rng.get_attribute("aria-valuetext") == after[1]
        assert img.evaluate("i => i.naturalWidth") > 300
        box = img.bounding_box()
        assert box["width"] <= PROJECTOR["width"], "frame wider than the projector"
        radios = fig.locator("input[type=radio]")
        if radios.count():                                        # e.g. SGD / Adam
            unchecked = radios.nth(1 if radios.nth(0).is_checked() else 0)
            unchecked.focus()
            page.keyboard.press("Space")
            page.wait_for_function("(f) => f.querySelector('img').complete", arg=fig.element_handle())
            assert unchecked.is_checked()
            assert img.get_attribute("src") != after[0] and img.screenshot() != after[2]
        if k == 0 or radios.count():
            fig.screenshot(path=str(artifacts / f"site-{nb.stem}-slider{k}.png"))
    assert not foreign, f"requests to other hosts: {foreign[:5]}"


def all_pages():
    build_site.ensure_built(log=lambda *a: None)
    return sorted(p.relative_to(build_site.OUT).as_posix() for p in build_site.OUT.rglob("*.html"))


def test_axe_finds_no_serious_or_critical_violation_on_any_page(page, site_url, capsys):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    bad, summary = {}, []
    for rel in all_pages():
        foreign = open_page(page, f"{site_url}/{rel}", site_url)
        assert not foreign, (rel, foreign[:5])
        if page.locator(".math").count():
            mathjax_done(page)
        for mode in ("light", "dark"):         # the theme's switch sets data-theme on <html>
            page.evaluate("m => { document.documentElement.dataset.theme = m;"
                          " document.documentElement.dataset.mode = m; }", mode)
            page.wait_for_timeout(400)             # the theme's colour transitions end
            result = axe.run(page)
            violations = result.response["violations"]
            serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
            found = ", ".join(sorted(f"{v['id']}:{v.get('impact')}" for v in violations)) or "none"
            summary.append(f"{rel} ({mode}): {len(violations)} violations ({found})")
            if serious:
                bad[f"{rel} ({mode})"] = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
                                          for v in serious]
    with capsys.disabled():
        print("\naxe-core on the site:\n" + "\n".join(summary))
    assert not bad, bad
