"""`make slides`: the deck notebooks as a reveal.js slideshow (tools/build_slides.py), checked in its HTML.

The build runs here (frames come from the cache in build/slides-frames/ when the deck and the
package did not change; the first build runs each deck notebook once in a kernel). The browser
checks (fit, speaker view, PDF, network, axe) are tests/e2e/test_slides_browser.py.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_slides  # noqa: E402

N_SLIDES = 57                      # the seed lecture's slides, builds included
BUILDS = {"(Unscaled) Gradient descent on convex quadratic problem": range(6, 12),
          "Scaling H = diag(∇²f) := P": range(12, 18),
          "Classification experiment": range(40, 50),
          "Adam vs SGD – Flat or sharp minima": range(55, 58)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    info = build_slides.build(out, log=lambda *a: None)
    return out, info, (out / "index.html").read_text(encoding="utf-8")


def sections(page):
    """[(seed number, section html)] in document order."""
    return [(int(m.group(1)), m.group(0)) for m in
            re.finditer(r'<section data-seed-number="(\d+)".*?</section>', page, re.S)]


def test_one_slide_per_seed_slide_in_order(built):
    _, info, page = built
    numbers = [n for n, _ in sections(page)]
    assert numbers == list(range(1, N_SLIDES + 1))
    assert info["slides"] == N_SLIDES
    for n, sec in sections(page):
        assert f'data-seed-number="{n}"' in sec


def test_every_slide_has_speaker_notes_and_each_part_its_time(built):
    _, info, page = built
    notes = {n: re.search(r'<aside class="notes">(.*?)</aside>', sec, re.S).group(1)
             for n, sec in sections(page)}
    empty = [n for n, t in notes.items() if not re.sub(r"<[^>]+>|\s", "", t)]
    assert not empty, f"slides without notes: {empty}"
    assert info["notes"] == N_SLIDES
    for first, minutes in ((2, 25), (19, 20), (26, 20), (37, 25)):      # the first slide of each part
        assert f"{minutes} minutes" in notes[first], (first, notes[first][:200])
    assert "Pontus Giselsson" in dict(sections(page))[1]
    assert "| break |" in dict(sections(page))[1]


def test_builds_are_runs_of_slides_with_the_same_heading_and_their_own_picture(built):
    out, _, page = built
    by_number = dict(sections(page))
    for heading, numbers in BUILDS.items():
        pictures = []
        for i, n in enumerate(numbers):
            sec = by_number[n]
            assert f"<h2>{html.escape(heading)}</h2>" in sec, (n, heading)
            assert f"build {i + 1} of {len(numbers)}" in sec
            state = re.search(r'<span class="demo-state">(\d+): ', sec)
            assert state and int(state.group(1)) == n, f"slide {n} does not show its build's preset"
            src = re.search(r'<div class="demo-img"><img src="([^"]+)"', sec).group(1)
            pictures.append(hashlib.sha256((out / src).read_bytes()).hexdigest())
        assert len(set(pictures)) == len(pictures), f"{heading}: two builds show the same picture"


def test_static_controls_have_a_frame_for_every_position(built):
    out, info, page = built
    demos = re.findall(r'<figure class="demo" id="demo-(\d+)" data-positions="(\d+)" '
                       r'data-frames="([^"]+)"', page)
    assert len(demos) == info["demos"] >= 25
    for n, positions, frames in demos:
        frames = json.loads(html.unescape(frames))
        assert len(frames) % int(positions) == 0 and int(positions) >= 2, n
        for f in frames:
            assert (out / f["src"]).is_file(), (n, f["src"])
        # the pictures differ along the control: the slider shows something
        first, last = (out / frames[0]["src"]).read_bytes(), (out / frames[int(positions) - 1]["src"]).read_bytes()
        assert first != last, f"slide {n}: the first and last position show the same picture"


def test_every_demo_is_drawn_for_its_picture_box_with_labels_of_21_px(built):
    """The frames take the shape of their slide's picture box (slides/layout.json) and their
    smallest text is 21 px when the picture fills the box; the browser test checks it on screen."""
    out, _, page = built
    layout = build_slides.read_layout()
    groups = {}
    for n, sec in sections(page):
        m = re.search(r'<img src="([^"]+)"[^>]*data-label-px="([0-9.]+)"', sec)
        if m:
            groups.setdefault(max(k for k in layout if k <= n), []).append((n, m.group(1), float(m.group(2))))
    assert sorted(groups) == sorted(layout), "a demo slide without a measured box (run --measure)"
    from PIL import Image
    for first, shown in groups.items():
        bw, bh = layout[first]
        for n, src, label_px in shown:
            with Image.open(out / src) as im:
                w, h = im.size
            assert w / h == pytest.approx(bw / bh, rel=0.01), (n, (w, h), (bw, bh))
            fill = min(bw / w, bh / h)                  # object-fit: contain
            assert label_px * fill >= 21 - 0.05, (n, label_px * fill)


def test_slides_with_their_own_presets_step_through_them_as_fragments(built):
    _, info, page = built
    sec = dict(sections(page))[21]                     # b_v = 0.5, 0.9, 0.99 on the variance slide
    steps = re.findall(r'<span class="fragment demo-step" data-src="([^"]+)"', sec)
    assert len(steps) == 3 and len(set(steps)) == 3
    assert info["fragments"] == page.count('class="fragment demo-step"')


def test_nothing_is_loaded_from_another_host(built):
    out, _, page = built
    for attr, url in re.findall(r'\b(src|href)="([^"]*)"', page):
        if attr == "href" and url.startswith(build_slides.VOILA):
            continue                                   # the "live" links: clicked, never loaded
        assert not re.match(r"^[a-z]+:|^//", url), url
        assert (out / url.split("#")[0].split("?")[0]).exists(), url
    for f in ("slides.js", "slides.css", "reveal/dist/reveal.js", "reveal/plugin/notes/notes.js"):
        text = (out / f).read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"https?://(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}/[^\s\"']*\.(js|css|woff2?)",
                             text), f
    assert (out / "mathjax" / "tex-chtml-full.js").is_file()
    assert (out / "mathjax/output/chtml/fonts/woff-v2/MathJax_AMS-Regular.woff").is_file()


def test_live_links_open_the_deck_section_in_voila(built):
    _, _, page = built
    links = re.findall(r'<a class="live" href="([^"]+)"', page)
    assert links and all(u.startswith(build_slides.VOILA) for u in links)
    assert f"{build_slides.VOILA}01-variable-metric-methods.ipynb#Scaling-H-=-diag(∇²f)-:=-P" in \
        [html.unescape(u) for u in links]


def test_reveal_runs_on_a_fixed_canvas_with_one_based_addresses():
    js = (build_slides.ASSETS / "slides.js").read_text(encoding="utf-8")
    for setting in ("width: 1280", "height: 720", "hashOneBasedIndex: true", 'slideNumber: "c"',
                    "pdfSeparateFragments: false", "pdfMaxPagesPerSlide: 1", "RevealNotes"):
        assert setting in js, setting
    css = (build_slides.ASSETS / "slides.css").read_text(encoding="utf-8")
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", css)]
    assert min(sizes) >= 20, "text under 20 px on the 1280 x 720 canvas"


def test_a_rebuild_reuses_the_cached_frames(built, tmp_path):
    out, _, _ = built
    stamps = {p: p.stat().st_mtime_ns for p in build_slides.FRAME_CACHE.rglob("presets.json")}
    assert len(stamps) == 5                              # one frame folder per deck notebook
    info = build_slides.build(tmp_path / "again", log=lambda *a: None)
    assert {p: p.stat().st_mtime_ns for p in build_slides.FRAME_CACHE.rglob("presets.json")} == stamps
    assert info["slides"] == N_SLIDES


def test_the_command_line_writes_index_html_where_asked(tmp_path):
    build_slides.main(["--out", str(tmp_path / "site-slides")])
    assert (tmp_path / "site-slides" / "index.html").is_file()
