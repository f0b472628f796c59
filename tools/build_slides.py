"""Build the lecture as reveal.js slides from the deck notebooks (``make slides``): no network, no kernel.

    python tools/build_slides.py                    # -> build/slides/index.html (frames cached)
    python tools/build_slides.py --out DIR          # -> DIR/index.html (the site uses build/site/slides)
    python tools/build_slides.py --pdf              # also DIR/lecture.pdf (make slides-pdf)

Where the slides come from
--------------------------
* ``notebooks/lecture/*.ipynb`` in order, read through the standard ``slideshow.slide_type`` cell
  metadata that ``tools/slide_types.py`` sets (``make nav``): a ``slide`` cell opens a slide, a
  ``-`` code cell adds its *stored* outputs (printed numbers, tables, the app) to it, a ``notes``
  cell becomes the speaker notes, ``skip`` cells are left out. The notebooks are not re-executed
  for the text.
* Every seed slide is one reveal.js slide, so the number on the slide, the address ``#/N``
  (``hashOneBasedIndex``) and the PDF page are the lecture's slide number. A cell over
  ``*Slides 6–11*`` is a build: six slides with the same heading, slide N showing the app at its
  preset named ``"N: ..."``. Presets without a number on a one-number slide are its fragments: the
  clicker steps the picture through them.
* Demos are pictures, not kernels: each deck notebook runs once in a kernel with the site's driver
  (``tools/site_driver.py``, through ``tools/build_site.py``: the app's main slider and a small
  toggle) plus the presets, every state a PNG, drawn for the picture's box on its slide
  (``slides/layout.json``, see ``--measure``) with every text >= 21 px. Cached in
  ``build/slides-frames/`` under a hash of the notebook's code, both drivers and the layout, and
  checked against the package files the run loaded, so a rebuild without changes takes seconds.
* reveal.js 5 from the ``sphinx-revealjs`` wheel (its notes plugin is the speaker view), MathJax 3
  with all its fonts from ``tools/offline_math.py``: both copied into the build; nothing is loaded
  from the network. The canvas is 1280 x 720, scaled by reveal.js to any screen.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import time
from pathlib import Path
from unittest import mock

import nbformat

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

import build_site  # noqa: E402  (the site's frame machinery: kernel run, driver, PNG shrinking)
import offline_math  # noqa: E402
import slide_types  # noqa: E402

ROOT = TOOLS.parent
DECK = ROOT / "notebooks" / "lecture"
ASSETS = ROOT / "slides"                      # the slides' own CSS and JS
OUT = ROOT / "build" / "slides"
FRAME_CACHE = ROOT / "build" / "slides-frames"
FRAMES_PER_SLIDER = 24
VOILA = "http://localhost:8866/voila/render/lecture/"     # `make lecture`'s address for the live links
PART_MINUTES = re.compile(r"\*Slides (\d+)–(\d+) · (\d+) minutes\*")
PRESET_NUMBER = re.compile(r"^(\d+): ")
LAYOUT = ASSETS / "layout.json"  # each demo slide's picture box at 1280 x 720 (--measure writes it)
MIN_LABEL_PX = 21       # the frames' smallest text when the picture fills its box (>= 20 px, 1 to spare)
# a slide whose square plot stands beside the text, at the full height of the slide (the projection
# plot: beside the text its panel gets about 1.3x the height it would get below it)
SIDE_SLIDES = {34}

# runs in the kernel after the site's driver: one PNG per preset of every app (the builds)
PRESETS_DRIVER = r'''
def _slides_presets(out_dir):
    import json as _j
    from pathlib import Path as _P
    found = {}
    for index, app in _site_apps.items():
        names = list(getattr(app, "_preset_values", None) or {})
        if not names or app.presets is None:
            continue
        texts = _site_texts(app)
        frames = []
        for j, name in enumerate(names):
            app.presets.value = name
            png = app.live.image.value or app.live.png()
            path = _P(out_dir) / f"cell{index:02d}-preset{j:02d}.png"
            path.write_bytes(png)
            values = {k: (float(v) if isinstance(v, (int, float)) else str(v))
                      for k, v in app._preset_values[name].items()}
            frames.append({"file": path.name, "name": name, "values": values,
                           "text": " ".join(t.value for t in texts if t.value)})
        app.presets.value = None
        app.reset()
        found[str(index)] = frames
    (_P(out_dir) / "presets.json").write_text(_j.dumps(found, indent=1))


def _slides_fit(out_dir):
    """Draw each app for the picture box of its slide (``slides/layout.json``, filled in by
    ``build_slides.py --measure``): the figure takes the box's shape and every text shows at least
    ``_SLIDES_MIN_PX`` pixels when the picture fills the box. Writes ``fit.json``: per app, the box
    and the smallest text in the PNG's own pixels (the slides' browser test scales it by the
    picture's size on screen)."""
    import io as _io
    import json as _j
    from pathlib import Path as _P
    from PIL import Image as _Image
    from course_utils import style as _style
    from course_utils.widgets import fit_projector as _fit
    boxes = _SLIDES_BOXES.get(_P(out_dir).parent.name, {})
    found = {}
    for index, app in _site_apps.items():
        box = boxes.get(str(index))
        fig = app.live.fig
        if box is not None:
            bw, bh = box
            w = fig.get_size_inches()[0]
            _fit(app, display_px=bw, max_height_px=bh, min_px=_SLIDES_MIN_PX, squeeze=True,
                 figsize=(w, w * bh / bw))
        png = app.live.image.value or app.live.png()
        with _Image.open(_io.BytesIO(png)) as im:
            width, height = im.size
        sizes = [t.get_fontsize() for t in _style.text_artists(fig)]
        label_px = min(sizes) * width / (72.0 * fig.get_size_inches()[0])
        found[str(index)] = {"box": box, "png": [width, height], "label_px": round(label_px, 2)}
    (_P(out_dir) / "fit.json").write_text(_j.dumps(found, indent=1))


_slides_site_frames = _site_frames


def _site_frames(out_dir, n=24):
    _slides_fit(out_dir)
    manifest = _slides_site_frames(out_dir, n)
    _slides_presets(out_dir)
    return manifest
'''


# ------------------------------------------------------------------------------------------------
# Frames: the site's kernel run, plus the presets
# ------------------------------------------------------------------------------------------------
def read_layout() -> dict[int, list[int]]:
    """{first slide number of a demo slide: [width, height] of its picture box, CSS px at 1280 x 720}."""
    if not LAYOUT.exists():
        return {}
    return {int(k): v for k, v in json.loads(LAYOUT.read_text(encoding="utf-8"))["boxes"].items()}


def demo_cells(nb_path: Path) -> dict[int, int]:
    """{code cell index: the first seed slide number of the slide it belongs to} of a deck notebook."""
    nb = nbformat.read(nb_path, as_version=4)
    out, current = {}, None
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "skip")
        if kind == "slide":
            current = (slide_types.slide_numbers(cell.source) or [1])[0]
        elif kind == "-" and cell.cell_type == "code" and current is not None:
            out[i] = current
    return out


def _extra_driver(nb_paths, layout) -> str:
    """The presets driver, with the picture box of every demo cell (by notebook slug)."""
    boxes = {}
    for p in nb_paths:
        cells = {str(i): layout[n] for i, n in demo_cells(p).items() if n in layout}
        if cells:
            boxes[build_site.slug(p)] = cells
    return (PRESETS_DRIVER + f"\n_SLIDES_BOXES = {json.dumps(boxes, sort_keys=True)}\n"
            f"_SLIDES_MIN_PX = {MIN_LABEL_PX}\n")


def _key(nb_path: Path, n_frames: int, extra: str) -> str:
    h = hashlib.sha256(build_site._fingerprint(nb_path, n_frames).encode())
    h.update(extra.encode())
    return h.hexdigest()[:16]


def frames_for(nb_path: Path, n_frames: int = FRAMES_PER_SLIDER, log=print,
               extra: str = PRESETS_DRIVER) -> tuple[Path, dict, dict]:
    """(folder, site manifest, presets) of one deck notebook, from the cache while its code cells,
    the drivers, the layout and the package files its run loaded are unchanged."""
    out_dir = FRAME_CACHE / build_site.slug(nb_path) / _key(nb_path, n_frames, extra)
    manifest_path = out_dir / "manifest.json"
    cached = False
    if (out_dir / "presets.json").exists() and manifest_path.exists():
        cached = build_site.package_unchanged(json.loads(manifest_path.read_text()))
        log(f"  frames of {nb_path.name}: " + ("cached" if cached else "a package file it uses changed"))
    if not cached:
        shutil.rmtree(FRAME_CACHE / build_site.slug(nb_path), ignore_errors=True)
        t0 = time.perf_counter()
        out_dir.mkdir(parents=True, exist_ok=True)
        data = build_site.run_driver(nb_path, out_dir, n_frames)     # (DRIVER: the combined driver)
        for png in out_dir.glob("*.png"):
            build_site.shrink_png(png)
        build_site.record_package(data)
        manifest_path.write_text(json.dumps(data, indent=1))
        log(f"  frames of {nb_path.name}: {time.perf_counter() - t0:.1f} s")
    manifest = json.loads(manifest_path.read_text())
    presets = json.loads((out_dir / "presets.json").read_text())
    fit = json.loads((out_dir / "fit.json").read_text())
    for index, app in manifest["apps"].items():
        app["fit"] = fit.get(index)
    return out_dir, manifest, presets


def all_frames(log=print) -> dict:
    from concurrent.futures import ThreadPoolExecutor
    parts = sorted(DECK.glob("*.ipynb"))
    extra = _extra_driver(parts, read_layout())
    driver = FRAME_CACHE / "driver.py"          # the site's driver + the presets, run in each kernel
    driver.parent.mkdir(parents=True, exist_ok=True)
    driver.write_text(build_site.DRIVER.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    with mock.patch.object(build_site, "DRIVER", driver):      # restored after the pool
        with ThreadPoolExecutor(max_workers=2) as pool:          # two kernels: both cores busy
            futures = {p: pool.submit(frames_for, p, FRAMES_PER_SLIDER, log, extra) for p in parts}
            return {p: f.result() for p, f in futures.items()}


# ------------------------------------------------------------------------------------------------
# Slides from cells
# ------------------------------------------------------------------------------------------------
def markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(text)


def _notes_html(source: str) -> str:
    m = re.search(r"<summary>\s*Presenter notes\s*</summary>(.*?)</details>", source, re.S)
    return markdown(m.group(1) if m else source)


def _outputs_html(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            out.append(f'<pre class="printed">{html.escape(o["text"].rstrip())}</pre>')
        elif "application/vnd.jupyter.widget-view+json" in data:
            continue
        elif "text/markdown" in data:
            out.append(f'<div class="printed-md">{markdown(data["text/markdown"])}</div>')
    return "\n".join(out)


class Slide:
    def __init__(self, number, heading, body, part, source_nb, anchor):
        self.number, self.heading, self.body, self.part = number, heading, body, part
        self.nb, self.anchor = source_nb, anchor
        self.outputs, self.notes, self.demo, self.group = [], [], None, [number]


def _heading(source: str) -> tuple[str, str]:
    """(heading text, the rest of the cell without the heading and the *Slide N* line)."""
    lines = source.strip().splitlines()
    head = next((ln for ln in lines if re.match(r"^#{1,2} ", ln)), "")
    rest = [ln for ln in lines if ln != head and not slide_types.SLIDE_LINE.match(ln)]
    return re.sub(r"^#+ ", "", head), "\n".join(rest).strip()


def collect(frames: dict) -> list[Slide]:
    """Every seed slide in order, with its body, printed outputs, notes and demo."""
    slides: list[Slide] = []
    for path in sorted(DECK.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        part_note = ""
        m = PART_MINUTES.search(nb.cells[0].source) if nb.cells else None
        if m and path.name != slide_types.START_PAGE:
            title = re.sub(r"^# ", "", nb.cells[0].source.strip().splitlines()[0])
            part_note = (f"<p class='part-time'><strong>{html.escape(title)}</strong>: slides "
                         f"{m.group(1)}–{m.group(2)}, {m.group(3)} minutes.</p>")
        group: list[Slide] = []
        folder, manifest, presets = frames.get(path, (None, {"apps": {}}, {}))
        for i, cell in enumerate(nb.cells):
            kind = cell.metadata.get("slideshow", {}).get("slide_type", "skip")
            if kind == "slide":
                numbers = slide_types.slide_numbers(cell.source) or [1]
                heading, body = _heading(cell.source)
                from links import jupyter_anchor
                body_html = markdown(body) if body else ""
                group = [Slide(n, heading, body_html, path.stem, path.name, jupyter_anchor(heading))
                         for n in numbers]
                for s in group:
                    s.group = numbers
                if part_note:
                    group[0].notes.append(part_note)
                    part_note = ""
                slides += group
            elif kind == "notes" and group:
                for s in group:
                    s.notes.append(_notes_html(cell.source))
            elif kind == "-" and group:
                printed = _outputs_html(cell)
                app = manifest.get("apps", {}).get(str(i))
                for s in group:
                    if printed:
                        s.outputs.append(printed)
                    if app is not None:
                        s.demo = {"cell": i, "app": app, "presets": presets.get(str(i), []),
                                  "slug": build_site.slug(path)}
    return slides


# ------------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------------
def _demo_html(s: Slide, group_numbers: list[int], voila: str) -> str:
    d = s.demo
    app, presets = d["app"], d["presets"]
    src = f"frames/{d['slug']}/"
    frames = [{"src": src + f["file"], "value": f["value"], "text": f["text"]} for f in app["frames"]]
    positions = app.get("positions", len(frames))
    toggle = app.get("toggle")
    j, k = (toggle["initial"] if toggle else 0), app["initial"]
    numbered = {int(m.group(1)): p for p in presets if (m := PRESET_NUMBER.match(p["name"]))}
    state = None
    steps = []
    if len(group_numbers) > 1 and s.number in numbered:
        state = numbered[s.number]
    elif len(group_numbers) == 1:
        steps = [p for p in presets if not PRESET_NUMBER.match(p["name"])]
    main = app["control"]
    if state is not None and main in state["values"]:       # the slider shows the build's value
        values = [f["value"] for f in app["frames"][:positions]]
        try:
            nums = [float(v) for v in values]
            k = min(range(positions), key=lambda i: abs(nums[i] - float(state["values"][main])))
        except ValueError:
            k = values.index(state["values"][main]) if state["values"][main] in values else k
    if toggle and state is not None and toggle["control"] in state["values"]:
        want = str(state["values"][toggle["control"]]).lower()       # "adam" vs the option "Adam"
        opts = [str(o).lower() for o in toggle["options"]]
        j = opts.index(want) if want in opts else j
    first = ({"src": src + state["file"], "text": state["text"]} if state is not None
             else frames[j * positions + k])
    shown = frames[j * positions + k]["value"]      # the readout: the build's exact value, if it sets one
    if state is not None and main in state["values"] and isinstance(state["values"][main], (int, float)):
        shown = f'{state["values"][main]:.4g}'
    uid = f"demo-{s.number}"
    label = build_site._math_label(app["description"] or app["control"])
    plain = build_site._plain_label(app["description"] or app["control"])
    radios = ""
    if toggle:
        tname = build_site._plain_label(toggle["description"] or toggle["control"])
        radios = (f'<fieldset class="demo-toggle"><legend>{html.escape(tname)}</legend>'
                  + "".join(f'<label><input type="radio" name="{uid}-option" value="{i}"'
                            f'{" checked" if i == j else ""}> {html.escape(str(o))}</label>'
                            for i, o in enumerate(toggle["options"])) + "</fieldset>")
    frag = "".join(f'<span class="fragment demo-step" data-src="{html.escape(src + p["file"])}" '
                   f'data-text="{html.escape(p["text"])}">{html.escape(p["name"])}</span>'
                   for p in steps)
    state_label = (f'<span class="demo-state">{html.escape(state["name"])}</span>' if state is not None
                   else "")
    live = f'{voila}{s.nb}#{s.anchor}'
    fit = app.get("fit") or {}
    label_px = f' data-label-px="{fit["label_px"]}"' if "label_px" in fit else ""   # (the browser test)
    alt = f"{app['alt']}"
    return (
        f'<figure class="demo" id="{uid}" data-positions="{positions}" '
        f'data-frames="{html.escape(json.dumps(frames))}">'
        f'<div class="demo-bar"><label for="{uid}-range">{label}</label>'
        f'<input type="range" id="{uid}-range" aria-label="{html.escape(plain)}" min="0" '
        f'max="{positions - 1}" step="1" value="{k}">'
        f'<output for="{uid}-range">{html.escape(str(shown))}</output>'
        f'{radios}{state_label}<span class="demo-steps">{frag}</span>'
        f'<a class="live" href="{html.escape(live)}" title="the same demo, live, in Voila (make lecture)">live</a></div>'
        f'<div class="demo-text">{first["text"]}</div>'
        f'<div class="demo-img"><img src="{html.escape(first["src"])}" loading="lazy" alt="{html.escape(alt)}" '
        f'data-final="{html.escape(src + steps[-1]["file"]) if steps else ""}"{label_px}></div>'
        f'</figure>')


def slide_html(s: Slide, group_numbers: list[int], voila: str) -> str:
    title = s.number == 1
    head = (f'<h1>{html.escape(s.heading)}</h1>' if title else f'<h2>{html.escape(s.heading)}</h2>')
    demo = _demo_html(s, group_numbers, voila) if s.demo else ""
    build = (f'<span class="build-of">build {group_numbers.index(s.number) + 1} of {len(group_numbers)}</span>'
             if len(group_numbers) > 1 else "")
    cls = "title-slide" if title else ("has-demo" if demo else "text-slide")
    if s.demo and s.group[0] in SIDE_SLIDES:
        cls += " side"
    outputs = "\n".join(s.outputs)
    notes = "\n".join(s.notes)
    if demo and outputs:            # the picture needs the room: the printed check goes to the notes
        notes += f"<p><strong>Printed by the deck:</strong></p>{outputs}"
        outputs = ""
    return (f'<section data-seed-number="{s.number}" class="seed-{s.number} {cls}">'
            f'<div class="frame">{head}{build}<div class="body">{s.body}</div>'
            f'{f"<div class=outputs>{outputs}</div>" if outputs else ""}{demo}</div>'
            f'<aside class="notes">{notes}</aside></section>')


def render(slides: list[Slide], voila: str = VOILA) -> str:
    body = "\n".join(slide_html(s, s.group, voila) for s in slides)
    template = (ASSETS / "index.html").read_text(encoding="utf-8")
    return template.replace("<!-- SLIDES -->", body)


# ------------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------------
def reveal_dir() -> Path:
    import sphinx_revealjs
    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def prune_mathjax(folder: Path):
    """Keep what the slides load: tex-chtml-full.js, its CHTML output and fonts, the TeX extensions
    it may autoload (about half of the copy: the SVG and MathML combined files go)."""
    for f in folder.glob("*.js"):
        if f.name not in ("tex-chtml-full.js", "core.js", "loader.js", "startup.js"):
            f.unlink()
    shutil.rmtree(folder / "output" / "svg", ignore_errors=True)
    (folder / "output" / "svg.js").unlink(missing_ok=True)


def build(out: Path = OUT, voila: str = VOILA, log=print) -> dict:
    t0 = time.perf_counter()
    frames = all_frames(log)
    t1 = time.perf_counter()
    slides = collect(frames)
    numbers = [s.number for s in slides]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"the deck's slides are not numbered 1..N in order: {numbers}")
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rv = reveal_dir()
    shutil.copytree(rv / "dist", out / "reveal" / "dist",
                    ignore=shutil.ignore_patterns("*.map", "*.esm.js", "theme"))
    (out / "reveal" / "dist" / "theme").mkdir()
    shutil.copy2(rv / "dist" / "theme" / "white.css", out / "reveal" / "dist" / "theme")
    shutil.copytree(rv / "dist" / "theme" / "fonts" / "source-sans-pro",     # the theme's font
                    out / "reveal" / "dist" / "theme" / "fonts" / "source-sans-pro")
    shutil.copytree(rv / "plugin" / "notes", out / "reveal" / "plugin" / "notes",
                    ignore=shutil.ignore_patterns("*.esm.js"))
    label_speaker_layout(out / "reveal" / "plugin" / "notes")
    prune_mathjax(offline_math.copy_mathjax(out / "mathjax"))
    for f in ("slides.css", "slides.js"):
        shutil.copy2(ASSETS / f, out / f)
    used = set()
    for s in slides:
        if s.demo:
            used.add(s.demo["slug"])
    for p, (folder, _, _) in frames.items():
        slug = build_site.slug(p)
        if slug in used:
            shutil.copytree(folder, out / "frames" / slug, ignore=shutil.ignore_patterns("*.json"))
    (out / "index.html").write_text(render(slides, voila), encoding="utf-8")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    info = {"slides": len(slides), "demos": sum(1 for s in slides if s.demo),
            "fragments": sum(len([p for p in s.demo["presets"] if not PRESET_NUMBER.match(p["name"])])
                             for s in slides if s.demo and len(s.group) == 1),
            "notes": sum(1 for s in slides if any(n.strip() for n in s.notes)),
            "size_mb": round(size / 1e6, 1), "frames_seconds": round(t1 - t0, 1),
            "seconds": round(time.perf_counter() - t0, 1)}
    (out / "build-info.json").write_text(json.dumps(info, indent=1))
    log(f"slides: {out}/index.html, {info['slides']} slides ({info['demos']} with a demo, "
        f"{info['fragments']} fragments), notes on {info['notes']}, {info['size_mb']} MB, "
        f"frames {info['frames_seconds']} s, total {info['seconds']} s")
    return info


def label_speaker_layout(folder: Path) -> None:
    """reveal.js's speaker view has a layout <select> without a name (axe: select-name, critical):
    give it one, in the page and in the copy of it that notes.js carries as a string."""
    for name, old, new in (("speaker-view.html", '<select class="speaker-layout-dropdown">',
                            '<select class="speaker-layout-dropdown" aria-label="Layout">'),
                           ("notes.js", '<select class=\\"speaker-layout-dropdown\\">',
                            '<select class=\\"speaker-layout-dropdown\\" aria-label=\\"Layout\\">')):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise RuntimeError(f"{path}: the speaker view's layout menu was not found (reveal.js changed?)")
        path.write_text(text.replace(old, new), encoding="utf-8")


def print_pdf(out: Path = OUT, log=print) -> Path:
    """Chromium (headless, the system's) prints reveal.js's print view: one page per slide."""
    from playwright.sync_api import sync_playwright
    pdf = Path(out) / "lecture.pdf"
    t0 = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto((Path(out) / "index.html").resolve().as_uri() + "?print-pdf")
        page.wait_for_function("document.documentElement.dataset.slidesReady === '1'", timeout=180_000)
        page.pdf(path=str(pdf), width="1280px", height="720px", print_background=True,
                 margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
        browser.close()
    log(f"pdf: {pdf} ({pdf.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    return pdf


# every text a demo can show under its controls, put in turn under them: the picture's box is the
# smallest one (a longer text wraps to one more line and leaves the picture less room)
MEASURE_BOXES = """() => {
  const sec = Reveal.getCurrentSlide();
  return [...sec.querySelectorAll('figure.demo')].map(fig => {
    const text = fig.querySelector('.demo-text'), box = fig.querySelector('.demo-img');
    const before = text.innerHTML;
    const texts = new Set(JSON.parse(fig.dataset.frames).map(f => f.text));
    fig.querySelectorAll('.demo-step').forEach(s => texts.add(s.dataset.text));
    let w = 1e9, h = 1e9;
    for (const t of texts) {
      text.innerHTML = t;
      w = Math.min(w, box.clientWidth);
      h = Math.min(h, box.clientHeight);
    }
    text.innerHTML = before;
    return [w, h];
  });
}"""


def measure_layout(out: Path = OUT, log=print) -> dict[int, list[int]]:
    """Chromium at 1280 x 720 (reveal.js's canvas, scale 1) measures each demo slide's picture box,
    the smallest over every text the demo shows; written to ``slides/layout.json``."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto((Path(out) / "index.html").resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.slidesReady === '1'", timeout=180_000)
        page.wait_for_function("document.documentElement.dataset.mathDone === '1'", timeout=180_000)
        if abs(page.evaluate("Reveal.getScale()") - 1.0) > 1e-6:
            raise RuntimeError("reveal.js does not draw the 1280 x 720 canvas at scale 1")
        numbers = page.evaluate("[...document.querySelectorAll('.reveal .slides section.has-demo')]"
                                ".map(s => Number(s.dataset.seedNumber))")
        boxes: dict[int, list[int]] = {}
        groups = {s.number: s.group for s in collect_numbers()}
        for n in numbers:
            page.evaluate(f"Reveal.slide({n - 1})")
            page.wait_for_function(f"Reveal.getCurrentSlide().dataset.seedNumber === '{n}'", timeout=30_000)
            figs = page.evaluate(MEASURE_BOXES)
            if len(figs) != 1 or min(figs[0]) < 100:
                raise RuntimeError(f"slide {n}: expected one demo with a picture box, measured {figs}")
            key = groups[n][0]
            old = boxes.get(key, [10**9, 10**9])
            boxes[key] = [min(old[0], int(figs[0][0])), min(old[1], int(figs[0][1]))]
        browser.close()
    LAYOUT.write_text(json.dumps({
        "about": "each demo slide's picture box in CSS px at 1280 x 720, by the first seed slide "
                 "number of its slide; written by `python tools/build_slides.py --measure`",
        "boxes": {str(k): v for k, v in sorted(boxes.items())}}, indent=1) + "\n", encoding="utf-8")
    log(f"layout: {len(boxes)} picture boxes -> {LAYOUT}")
    return boxes


def collect_numbers() -> list[Slide]:
    """The deck's slides with their build groups, without frames (numbers only)."""
    return collect({})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default build/slides)")
    parser.add_argument("--voila", default=VOILA, help="address of the deck in Voila, for the live links")
    parser.add_argument("--pdf", action="store_true", help="also print DIR/lecture.pdf with Chromium")
    parser.add_argument("--measure", action="store_true",
                        help="after a change to the deck's text: build, measure every demo's picture "
                             "box with Chromium (slides/layout.json), build again with frames drawn for it")
    args = parser.parse_args(argv)
    build(args.out, args.voila)
    if args.measure:
        measure_layout(args.out)
        build(args.out, args.voila)
    if args.pdf:
        print_pdf(args.out)


if __name__ == "__main__":
    main()
