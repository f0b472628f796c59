"""The slideshow (`make slides`) in Chromium, opened from file:// as a lecturer would: 57 slides whose
number on screen and in the address is the lecture's, nothing overflows the 1280 x 720 canvas at
three screen sizes, every text and every figure label is at least 20 px (scaled with the canvas), a
static control changes the picture, the clicker steps through the builds of slides 6–11, the speaker
view opens with the notes, the print view makes a PDF of one page per slide, nothing is fetched from
anywhere but the build folder, and axe-core finds no serious or critical violation. Waits are
ceilings against hangs, never time measurements (benchmarks/bench_slides.py measures the time to
ready).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_slides  # noqa: E402

pytestmark = pytest.mark.e2e

N_SLIDES = 57
READY = "document.documentElement.dataset.slidesReady === '1'"
SIZES = [(1280, 720), (1920, 1080), (1024, 768)]

# geometry of the current slide: its text boxes and pictures against the 1280 x 720 frame
MEASURE = """() => {
  const sec = Reveal.getCurrentSlide();
  const frame = sec.querySelector('.frame');
  const box = frame.getBoundingClientRect();
  const scale = Reveal.getScale();
  const out = {clipped: frame.scrollHeight > frame.clientHeight + 1 || frame.scrollWidth > frame.clientWidth + 1,
               outside: [], smallest: 1e9, number: document.querySelector('.slide-number').innerText.trim(),
               hash: location.hash, figure: 1e9};
  // a picture's smallest text: its size in the PNG's pixels (the build records it) times the
  // picture's size on the canvas (object-fit: contain) times reveal.js's scale
  for (const img of frame.querySelectorAll('img[data-label-px]')) {
    const k = Math.min(img.clientWidth / img.naturalWidth, img.clientHeight / img.naturalHeight);
    out.figure = Math.min(out.figure, Number(img.dataset.labelPx) * k * scale);
  }
  for (const el of frame.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('.fragment:not(.visible), mjx-assistive-mml')) continue;
    if (r.bottom > box.bottom + 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.left < box.left - 1)
      out.outside.push(el.tagName + '.' + el.className);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && !el.closest('mjx-container')) {
      out.smallest = Math.min(out.smallest, parseFloat(getComputedStyle(el).fontSize) * scale);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    build_slides.build(out, log=lambda *a: None)
    return out


def open_slides(browser, slides, size, suffix=""):
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: requests.append("failed: " + r.url))   # a file missing from the build
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto((slides / "index.html").as_uri() + suffix)
    page.wait_for_function(READY, timeout=120_000)
    if "print-pdf" not in suffix:       # the math of the other slides follows the one on screen
        page.wait_for_function("document.documentElement.dataset.mathDone === '1'", timeout=120_000)
    return page, requests


def foreign(requests, slides):
    base = slides.resolve().as_uri()
    return [u for u in requests if not u.startswith((base, "data:", "blob:", "about:"))]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_shows_its_seed_number_and_fits_the_screen(browser, slides, size, artifacts):
    page, requests = open_slides(browser, slides, size)
    assert page.evaluate("Reveal.getTotalSlides()") == N_SLIDES
    problems, smallest, figure = [], {}, {}
    for n in range(1, N_SLIDES + 1):
        page.evaluate(f"Reveal.slide({n - 1})")
        if n > 1:                                    # reveal.js writes the address just after
            page.wait_for_function(f"location.hash === '#/{n}'", timeout=30_000)
        page.wait_for_function("() => [...Reveal.getCurrentSlide().querySelectorAll('img')]"
                               ".every(i => i.complete)", timeout=60_000)
        m = page.evaluate(MEASURE)
        assert m["number"] == str(n) and m["hash"] in ({f"#/{n}"} | ({""} if n == 1 else set())), \
            (n, m["number"], m["hash"])      # (the first slide, never left yet, has no address)
        if m["clipped"] or m["outside"]:
            problems.append((n, m["clipped"], m["outside"][:3]))
        smallest[n], figure[n] = m["smallest"], m["figure"]
        if n in (1, 7, 21, 34, 45, 50):
            page.screenshot(path=str(artifacts / f"slides-{n:02d}-{size[0]}x{size[1]}.png"))
    assert not problems, problems
    scale = page.evaluate("Reveal.getScale()")
    low = {n: round(px, 1) for n, px in smallest.items() if px < 20 * min(scale, 1.0) - 0.05}
    assert not low, f"text under 20 px (scaled by {scale:.2f}): {low}"
    demos = page.evaluate("document.querySelectorAll('figure.demo img[data-label-px]').length")
    assert demos == sum(1 for px in figure.values() if px < 1e9) == 31, (demos, figure)
    low = {n: round(px, 1) for n, px in figure.items() if px < 20 * min(scale, 1.0) - 0.05}
    assert not low, (f"figure labels under 20 px (scaled by {scale:.2f}): {low}; after a change to "
                     "a demo slide's text, run `python tools/build_slides.py --measure`")
    assert not foreign(requests, slides), foreign(requests, slides)[:5]
    page.close()


def test_the_clicker_steps_through_the_builds_of_slides_6_to_11(browser, slides):
    page, _ = open_slides(browser, slides, (1280, 720), "#/6")
    seen = []
    for n in range(6, 12):
        page.wait_for_function(f"location.hash === '#/{n}'", timeout=30_000)
        sec = page.locator(f"section.seed-{n}")
        assert sec.locator(".demo-state").inner_text().startswith(f"{n}: ")
        seen.append(sec.locator(".demo-img img").get_attribute("src"))
        page.wait_for_function(f"document.querySelector('section.seed-{n} .demo-img img').naturalWidth > 0",
                               timeout=60_000)
        page.keyboard.press("ArrowRight")           # a presenter's clicker sends Right / PageDown
    assert len(set(seen)) == 6, seen
    page.close()


def test_a_static_control_changes_the_picture(browser, slides):
    page, _ = open_slides(browser, slides, (1280, 720), "#/34")
    img = page.locator("section.seed-34 .demo-img img")
    before = img.get_attribute("src")
    page.locator("section.seed-34 input[type=range]").focus()
    page.keyboard.press("End")                      # the slider's last position
    assert img.get_attribute("src") != before
    page.wait_for_function("document.querySelector('section.seed-34 .demo-img img').naturalWidth > 0",
                           timeout=60_000)
    assert page.evaluate("location.hash") == "#/34", "the arrow keys of a slider must not change slides"
    # a slide's own presets are fragments: the clicker steps the picture through them
    page.evaluate("document.activeElement.blur(); Reveal.slide(20, 0, -1)")   # no fragment shown yet
    img21 = page.locator("section.seed-21 .demo-img img")
    first = img21.get_attribute("src")
    page.keyboard.press("ArrowRight")
    assert img21.get_attribute("src") != first and page.locator("section.seed-21 .demo-step.visible").count() == 1
    page.close()


def test_speaker_view_shows_the_notes_and_a_timer(browser, slides):
    page, _ = open_slides(browser, slides, (1280, 720), "#/7")
    with page.context.expect_page(timeout=60_000) as popup:
        page.keyboard.press("s")
    view = popup.value
    view.wait_for_selector(".speaker-controls-notes", timeout=60_000)
    view.wait_for_function("document.querySelector('.speaker-controls-notes .value') && "
                           "document.querySelector('.speaker-controls-notes .value').innerText.includes('γ = 0.5')",
                           timeout=60_000)
    assert view.locator(".speaker-controls-time").count() == 1
    assert view.locator("#next-slide iframe, .speaker-controls-upcoming, iframe").count() >= 1
    view.close()
    page.close()


def test_print_view_makes_one_pdf_page_per_slide_with_builds_at_their_end(browser, slides, artifacts):
    page, requests = open_slides(browser, slides, (1280, 720), "?print-pdf")
    final = page.evaluate("document.querySelector('section.seed-21 .demo-img img').dataset.final")
    assert final and page.evaluate("document.querySelector('section.seed-21 .demo-img img').getAttribute('src')") == final
    pdf = page.pdf(width="1280px", height="720px", print_background=True)
    (artifacts / "slides.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == N_SLIDES, pages
    assert not foreign(requests, slides), foreign(requests, slides)[:5]
    page.close()


def test_axe_finds_no_serious_or_critical_violation(browser, slides, capsys):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page, _ = open_slides(browser, slides, (1280, 720))
    bad, summary = {}, []
    for n in (1, 7, 21, 34, 50):
        page.evaluate(f"Reveal.slide({n - 1})")
        violations = axe.run(page).response["violations"]
        summary.append(f"slide {n}: " + (", ".join(f"{v['id']}:{v.get('impact')}" for v in violations) or "none"))
        serious = [(v["id"], v["nodes"][0]["target"]) for v in violations
                   if v.get("impact") in ("serious", "critical")]
        if serious:
            bad[n] = serious
    with capsys.disabled():
        print("\naxe-core on the slides: " + "; ".join(summary))
    assert not bad, bad
    page.close()
