"""The lecture deck (notebooks/lecture) in Voila at projector size, as a lecturer uses it.

Per part, in headless Chromium at 1280 x 720: the time until the page is interactive (every app's
figure loaded), the smallest text on the page (markdown, formulas, printed output, widget labels,
readouts, buttons) and in the figures (each figure's fonts are sized for the width it is shown
at; here the width it is really drawn at must be no smaller), no horizontal overflow, no figure
or app taller than the screen; then the lecturer's controls: a preset stays selected after its
click, reset restores the opening values, Esc releases a slider so PageDown scrolls the page, and
``#Section`` in the address lands on the section. At 1920 x 1080 the figures must grow.
Screenshots go to ``e2e-artifacts/deck-*.png``; measurements to ``e2e-artifacts/deck-measure.json``.

The time until a page is ready is measured and written to ``e2e-artifacts/deck-measure.json``
(and reported by ``benchmarks/bench_lecture_server.py``), never asserted: on a busy machine any
bound fails for no fault of the page. Waits are ceilings that only catch a hang, and fail at once
when the server or a kernel died.
"""

from __future__ import annotations

import json

import pytest

from e2e_helpers import NOTEBOOK_DIR, notebooks, open_page, start_lecture_server, visit_every_page

pytestmark = pytest.mark.e2e

DECK = NOTEBOOK_DIR / "lecture"
PARTS = sorted(DECK.glob("*.ipynb"))
#: the ceiling of every wait for a page: only a hang reaches it (a dead server fails at once)
PAGE_CEILING_S = 900
MIN_PX = 20.0
SMALL = {"width": 1280, "height": 720}
LARGE = {"width": 1920, "height": 1080}

_MEASURE = {}

SCROLLER_JS = """() => {
  const cell = document.querySelector('.jp-Cell');
  for (let e = cell; e; e = e.parentElement) {
    const s = getComputedStyle(e).overflowY;
    if ((s === 'auto' || s === 'scroll') && e.scrollHeight > e.clientHeight) return e;
  }
  return document.scrollingElement;
}"""

# smallest font of every visible element that holds text itself; a formula counts at its
# container's size (its sub- and superscripts are smaller by design)
FONTS_JS = """() => {
  const out = [];
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                         && getComputedStyle(e).visibility !== 'hidden'; };
  for (const e of document.querySelectorAll('.jp-Cell *')) {
    if (e.closest('mjx-container') && e.tagName !== 'MJX-CONTAINER') continue;
    if (e.closest('.jp-InputArea') || e.closest('style') || e.closest('script')) continue;
    const own = e.tagName === 'MJX-CONTAINER' ||
      [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(e)) continue;
    if (e.closest('details') && !e.closest('details').open && e.tagName !== 'SUMMARY') continue;
    out.push([parseFloat(getComputedStyle(e).fontSize), e.tagName + '.' + (e.className || ''),
              (e.innerText || e.textContent || '').trim().slice(0, 40)]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out.slice(0, 5);
}"""

# each app: the width its figure's fonts were sized for (class course-fit-<px>), the width and
# height the image is really drawn at (object-fit: contain), and the app's own height
APPS_JS = """() => [...document.querySelectorAll('.course-app')].map(app => {
  const img = app.querySelector('img');
  const fit = [...app.classList].find(c => c.startsWith('course-fit-'));
  const box = img.getBoundingClientRect();
  const ratio = img.naturalWidth / img.naturalHeight;
  const drawnW = Math.min(box.width, box.height * ratio), drawnH = drawnW / ratio;
  return {designed: fit ? parseFloat(fit.slice(11)) : null, drawnW, drawnH,
          boxW: box.width, appH: app.getBoundingClientRect().height};
})"""


def overflow(page):
    return page.evaluate("""(scroller) => {
      const sc = (%s)();
      const wide = [...document.querySelectorAll('.jp-Cell *')].filter(e => {
        const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; })
        .map(e => e.tagName + '.' + e.className).slice(0, 5);
      return {scrollW: sc.scrollWidth, clientW: sc.clientWidth, wide};
    }""" % SCROLLER_JS)


def scroll_top(page):
    return page.evaluate(f"() => ({SCROLLER_JS})().scrollTop")


def open_part(page, voila, path, fragment=""):
    return open_page(page, voila, path, fragment, ceiling=PAGE_CEILING_S)


def active_preset(app):
    return app.locator(".course-presets .widget-toggle-button.mod-active").all_inner_texts()


@pytest.mark.parametrize("path", PARTS, ids=lambda p: p.stem)
def test_deck_part_at_projector_scale(path, voila, browser, artifacts, request):
    page = browser.new_page()
    page.set_viewport_size(SMALL)
    m = _MEASURE.setdefault(path.stem, {})
    try:
        ready, n_apps = open_part(page, voila, path)
        m["ready_s"] = round(ready, 2)                # measured, not asserted
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"deck-{path.stem}-1280.png"))
        page.screenshot(path=str(artifacts / f"deck-{path.stem}-1280-full.png"), full_page=True)

        fonts = page.evaluate(FONTS_JS)
        m["smallest_page_font_px"] = fonts[0][0] if fonts else None
        assert fonts and fonts[0][0] >= MIN_PX, f"text below {MIN_PX} px: {fonts}"

        apps = page.evaluate(APPS_JS)
        assert len(apps) == n_apps
        m["apps"] = apps
        m["tallest_figure_px"] = round(max((a["drawnH"] for a in apps), default=0))
        m["tallest_app_px"] = round(max((a["appH"] for a in apps), default=0))
        for k, a in enumerate(apps):
            assert a["designed"], f"app {k + 1} was not fitted to the projector (widgets.fit_projector)"
            # figure text >= 20 px: fonts were sized for `designed` px; drawn at least that wide
            assert a["drawnW"] >= 0.97 * a["designed"], f"app {k + 1} drawn narrower than designed: {a}"
            assert a["drawnH"] <= SMALL["height"], f"app {k + 1}: figure taller than the screen: {a}"
            assert a["appH"] <= SMALL["height"], f"app {k + 1}: app taller than the screen: {a}"
        m["smallest_figure_font_px"] = round(min((MIN_PX * a["drawnW"] / a["designed"] for a in apps),
                                                 default=float("nan")), 1)

        o = overflow(page)
        assert o["scrollW"] <= o["clientW"] + 1 and not o["wide"], f"horizontal overflow: {o}"
        heads = page.locator(".jp-RenderedHTMLCommon h2")
        for k in range(heads.count()):                # what the class sees on each slide
            heads.nth(k).evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(150)
            page.screenshot(path=str(artifacts / f"deck-{path.stem}-slide{k + 1:02d}-1280.png"))
        for k in range(n_apps):                       # what the class sees when the app is on screen
            page.locator(".course-app").nth(k).evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(200)
            page.screenshot(path=str(artifacts / f"deck-{path.stem}-app{k + 1}-1280.png"))

        if n_apps:
            _lecturer_controls(page, m)

        # figures grow with the width at 1920 x 1080
        page.set_viewport_size(LARGE)
        page.wait_for_timeout(700)
        page.screenshot(path=str(artifacts / f"deck-{path.stem}-1920.png"))
        big = page.evaluate(APPS_JS)
        for small, large in zip(apps, big):
            assert large["drawnW"] > 1.2 * small["drawnW"], f"figure did not grow at 1920 px: {small} {large}"
        o = overflow(page)
        assert o["scrollW"] <= o["clientW"] + 1, f"horizontal overflow at 1920: {o}"
    finally:
        (artifacts / "deck-measure.json").write_text(json.dumps(_MEASURE, indent=2))
        page.close()


def _eventually(page, get, want, equal=True, ceiling_ms=120_000):
    """``get()`` once it equals ``want`` (or differs from it, ``equal=False``), polled every 200 ms;
    its last value at the ceiling, which only a hang reaches (a busy kernel answers late)."""
    waited = 0
    while ((value := get()) == want) != equal and waited < ceiling_ms:
        page.wait_for_timeout(200)
        waited += 200
    return value


def _settled(page, get, quiet_ms=1500, ceiling_ms=120_000):
    """``get()`` once it has not changed for ``quiet_ms``: the kernel has answered every move.
    (ipywidgets drops a value the kernel sends while the browser still waits for the echo of its
    own last change, so a reset clicked during a burst of slider moves can be lost.)"""
    last, still, waited = get(), 0, 0
    while still < quiet_ms and waited < ceiling_ms:
        page.wait_for_timeout(250)
        waited += 250
        value = get()
        still = still + 250 if value == last else 0
        last = value
    return last


def _lecturer_controls(page, m):
    apps = page.locator(".course-app")
    first = apps.first
    readouts = first.locator(".widget-readout")
    opening = readouts.all_inner_texts()
    opening_preset = active_preset(first)
    # presets: the second preset of every app that has presets stays selected after its click
    for k in range(apps.count()):
        app = apps.nth(k)
        buttons = app.locator(".course-presets .widget-toggle-button")
        if buttons.count() < 2:
            continue
        app.scroll_into_view_if_needed()
        target = buttons.nth(1)
        label = target.inner_text()
        target.click()
        page.wait_for_timeout(1200)                  # the browser rounds and sends values back
        assert active_preset(app) == [label], f"app {k + 1}: preset {label!r} not kept: {active_preset(app)}"
        # reset: back to the opening values (readouts) and the opening preset
        page.wait_for_timeout(200)
    first.scroll_into_view_if_needed()
    first.locator(".course-reset").click()          # back to the slide's settings
    got = _eventually(page, readouts.all_inner_texts, opening)
    assert got == opening, f"reset: {got} != {opening}"
    assert active_preset(first) == opening_preset
    before = opening
    slider = first.locator(".widget-slider").first
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    moved = _eventually(page, readouts.all_inner_texts, before, equal=False)
    assert moved != before, "the arrow keys did not move the first slider"
    _settled(page, readouts.all_inner_texts)      # every arrow's value has reached the kernel
    first.locator(".course-reset").click()
    got = _eventually(page, readouts.all_inner_texts, before)
    assert got == before, f"reset: {got} != {before}"
    m["reset_ok"] = True
    # Esc releases the slider: then PageDown scrolls the page and leaves the slider alone
    handle.focus()
    assert handle.evaluate("h => h === document.activeElement")
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement === document.body || !document.activeElement")
    top = scroll_top(page)
    page.keyboard.press("PageDown")
    page.wait_for_timeout(400)
    assert scroll_top(page) > top, "PageDown did not scroll the page after Esc"
    assert readouts.all_inner_texts() == before
    # PageDown while a slider has the focus: the page moves, the slider does not
    handle.focus()
    top = scroll_top(page)
    page.keyboard.press("PageUp")
    page.wait_for_timeout(400)
    assert readouts.all_inner_texts() == before, "PageUp moved a focused slider"
    assert scroll_top(page) != top, "PageUp with a focused slider did not scroll"
    m["focus_release_ok"] = True
    m["opening_preset"] = opening_preset


@pytest.mark.parametrize("section", ["Scaling-H-=-diag(∇²f)-:=-P", "Outline"])
def test_address_with_a_section_lands_on_it(section, voila, browser, artifacts):
    path = DECK / "01-variable-metric-methods.ipynb"
    page = browser.new_page()
    page.set_viewport_size(SMALL)
    try:
        open_part(page, voila, path, fragment="#" + section)
        page.wait_for_timeout(1500)
        y = page.evaluate("""(id) => { const e = document.getElementById(id)
                || document.getElementById(encodeURI(id));      // Voila percent-encodes ids
            return e ? e.getBoundingClientRect().top : null; }""", section)
        page.screenshot(path=str(artifacts / f"deck-landing-{section[:12]}.png"))
        assert y is not None, f"no element with id {section!r}"
        assert -5 <= y <= 120, f"section {section!r} is at y = {y:.0f} px, not at the top"
    finally:
        page.close()


def test_metric_app_opens_on_its_preset_and_keeps_it(voila, browser):
    """01's scaled-GD app opens on "P = diag(Q)" (the issue: it opened on "custom diag")."""
    path = DECK / "01-variable-metric-methods.ipynb"
    page = browser.new_page()
    page.set_viewport_size(SMALL)
    try:
        open_part(page, voila, path)
        page.wait_for_timeout(1500)
        app = page.locator(".course-app", has_text="custom diag").first
        active = app.locator(".widget-toggle-buttons .widget-toggle-button.mod-active").all_inner_texts()
        assert "P = diag(Q)" in active, active
        app.locator(".widget-toggle-button").get_by_text("I", exact=True).click()
        page.wait_for_timeout(1500)
        active = app.locator(".widget-toggle-buttons .widget-toggle-button.mod-active").all_inner_texts()
        assert active == ["I"], active
    finally:
        page.close()


#: Voila's options in `make lecture` (tests/test_deck.py checks the Makefile uses exactly these):
#: every page, deck and lessons, is executed ahead in a pre-heated kernel.
LECTURE_FLAGS = ["--preheat_kernel=True", "--pool_size=1"]
def test_make_lecture_serves_every_page_and_ends_its_kernels(browser, tmp_path_factory, artifacts):
    """`make lecture`'s server (tools/serve_lecture.py, with make's LECTURE_FLAGS): every page,
    deck parts and lessons, has its pre-heated kernel and opens as an app; leaving a page shuts
    its kernel down (Voila's shutdown beacon is accepted, no 403), so after opening and leaving
    every page the server holds as many kernels as before: one pre-heated kernel per page."""
    paths = PARTS + notebooks()
    server = start_lecture_server(NOTEBOOK_DIR, tmp_path_factory.mktemp("lecture"),
                                  artifacts / "voila-lecture.log", voila_args=LECTURE_FLAGS)
    try:
        r = visit_every_page(browser, server, paths, SMALL)
        _MEASURE["make-lecture"] = {k: v for k, v in r.items() if k != "ready_s"}
        for stem, ready in r["ready_s"].items():
            _MEASURE.setdefault(stem, {})["ready_preheated_s"] = ready
        assert r["kernels_before"] == len(paths), f"{r['kernels_before']} kernels for {len(paths)} pages"
        assert r["refused_shutdowns"] == 0, "Voila refused a page's kernel shutdown (403)"
        assert len(r["reloaded"]) <= 1, f"pages that needed a reload: {r['reloaded']}"
        assert not r["still_running"], f"visited pages' kernels still running: {r['still_running']}"
        assert r["kernels_after"] == r["kernels_before"], (
            f"{r['kernels_before']} kernels before, {r['kernels_after']} after opening and leaving "
            f"{len(paths)} pages")
    finally:
        (artifacts / "deck-measure.json").write_text(json.dumps(_MEASURE, indent=2))
        server.stop()


def test_jupyterlab_link_lands_on_its_section_once_the_part_is_open(lab, browser):
    """JupyterLab 4 opens a linked notebook at its top the first time (it scrolls before the
    notebook is drawn); with the part open, a click on a slide link lands on the heading. This is
    what docs/slide-map.md tells the lecturer."""
    from e2e_helpers import ROOT, open_in_lab

    page = browser.new_page()
    page.set_viewport_size(SMALL)
    try:
        open_in_lab(page, lab, DECK / "00-start-the-lecture.ipynb", ROOT)
        link = page.locator(".jp-RenderedMarkdown a", has_text="part 1 › Gradient method interpretation").first
        heading_top = """() => { const h = [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) h2')].find(
            h => h.textContent.startsWith('Gradient method interpretation'));
            return h ? h.getBoundingClientRect().top : null; }"""
        link.scroll_into_view_if_needed()
        link.click()                                   # opens part 1
        page.wait_for_timeout(8000)
        page.locator(".lm-TabBar-tab", has_text="00-start").first.click()
        page.wait_for_timeout(1500)
        link.scroll_into_view_if_needed()
        link.click()                                   # part 1 is open: lands on the heading
        page.wait_for_timeout(4000)
        top = page.evaluate(heading_top)
        assert top is not None and 0 <= top <= 200, f"heading at {top} px"
    finally:
        lab.shutdown_kernels()
        page.close()
