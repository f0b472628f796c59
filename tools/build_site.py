"""Build the course as a static website in build/site/ (``make site``): no network, no kernel to read it.

    python tools/build_site.py              # frames (cached) + Sphinx build -> build/site/index.html
    python tools/build_site.py --badge      # write the README's Binder badge from site/links.cfg

Steps
1. Stage the sources in ``build/site-src/``: the README as the home page, ``docs/*.md`` and their
   pictures, the lessons ``notebooks/0*.ipynb`` and, when present, the lecture deck
   ``notebooks/lecture/*.ipynb``. The notebooks keep their stored outputs (they are not re-executed
   for the pages).
2. Static sliders: each lesson runs once in a kernel (``tools/site_driver.py`` rides along) and the
   main slider of every app it displays is driven through its own controls; each position's PNG is
   a frame. The widget output of that cell is replaced on the page by an ``<input type="range">``
   that swaps the frames (``site/_static/static-slider.js``). Frames are cached in
   ``build/site-frames/`` under a hash of the notebook and the package, so a rebuild is quick.
3. ``sphinx-build`` with myst-nb and the book theme (config in ``site/conf.py``); math by the
   MathJax that the ``jupyter-server-mathjax`` package ships, copied into the site.
4. Fix Jupyter-style heading anchors (``#Find-your-lesson``) to the ids Sphinx wrote.

The repository address and hub are read from ``site/links.cfg`` (the one place for them).
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SITE_CONF = ROOT / "site"
LINKS = SITE_CONF / "links.cfg"
BUILD = ROOT / "build"
STAGE = BUILD / "site-src"
FRAME_CACHE = BUILD / "site-frames"
OUT = BUILD / "site"
FRAMES_PER_SLIDER = 24
DRIVER = ROOT / "tools" / "site_driver.py"
FRAMES_FORMAT = "png-palette-256"       # change when shrink_png changes: the cached frames are redone


# ------------------------------------------------------------------------------------------------
# Links: one place (site/links.cfg) for the repository and the hubs
# ------------------------------------------------------------------------------------------------
def links(path: Path = LINKS) -> dict:
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#",))
    cfg.read(path, encoding="utf-8")
    out = {k: v.strip().rstrip("/") for k, v in cfg["links"].items()}
    missing = {"repository", "branch", "binderhub", "jupyterhub"} - set(out)
    if missing:
        raise ValueError(f"{path}: [links] must set {sorted(missing)}")
    return out


def binder_url(nb_path: str, cfg: dict | None = None) -> str:
    """BinderHub link that opens ``nb_path`` (relative to the repository root) in JupyterLab."""
    cfg = cfg or links()
    slug = cfg["repository"].split("://", 1)[-1].split("/", 1)[-1]      # OWNER/REPO
    return (f"{cfg['binderhub']}/v2/gh/{slug}/{cfg['branch']}"
            f"?urlpath={quote('lab/tree/' + nb_path, safe='')}")


def hub_url(nb_path: str, cfg: dict | None = None) -> str:
    """nbgitpuller link: the hub clones (or updates) the repository, then opens ``nb_path``."""
    cfg = cfg or links()
    name = cfg["repository"].rsplit("/", 1)[-1]
    query = urlencode({"repo": cfg["repository"], "branch": cfg["branch"],
                       "urlpath": f"lab/tree/{name}/{nb_path}"})
    return f"{cfg['jupyterhub']}/hub/user-redirect/git-pull?{query}"


def badge_line(cfg: dict | None = None) -> str:
    return ("[![Binder](https://mybinder.org/badge_logo.svg)]("
            + binder_url("notebooks/00-start-here.ipynb", cfg) + ")")


def write_badge(readme: Path = ROOT / "README.md") -> bool:
    """Rewrite the README's Binder badge line from site/links.cfg; True if it changed."""
    text = readme.read_text(encoding="utf-8")
    new = re.sub(r"^\[!\[Binder\]\([^)]*\)\]\([^)]*\)$", badge_line(), text, count=1, flags=re.M)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


# ------------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------------
def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("0*.ipynb"))


def lecture_parts() -> list[Path]:
    return sorted((ROOT / "notebooks" / "lecture").glob("*.ipynb"))


def slug(nb_path: Path) -> str:
    """A notebook's name for its frames: unique across notebooks/ and notebooks/lecture/."""
    rel = nb_path.resolve().relative_to(ROOT / "notebooks").with_suffix("")
    return "-".join(rel.parts)


def _fingerprint(nb_path: Path, n_frames: int) -> str:
    """Key of a notebook's cached frames: the notebook, the package, the driver, the frame format."""
    h = hashlib.sha256()
    files = [nb_path, DRIVER] + sorted((ROOT / "course_utils").rglob("*.py"))
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(f"{n_frames} {FRAMES_FORMAT}".encode())
    return h.hexdigest()[:16]


def run_driver(nb_path: Path, out_dir: Path, n_frames: int) -> dict:
    """Run the notebook in a kernel with the driver; write frames + manifest.json to out_dir."""
    from nbclient import NotebookClient

    nb = nbformat.read(nb_path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(nb_path.parent)}})
    with client.setup_kernel():
        def run(src, index):
            cell = nbformat.v4.new_code_cell(src)
            client.execute_cell(cell, index)
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            if errors:
                raise RuntimeError(f"{nb_path.name}: site driver failed: "
                                   f"{errors[0].get('ename')}: {errors[0].get('evalue')}")
            return cell

        cells = list(nb.cells)      # (execute_cell stores each synthetic cell in nb.cells)
        run(DRIVER.read_text(encoding="utf-8"), 0)
        for i, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, i)
            run(f"_site_after({i}, Out.get({cell.execution_count}))", i)
        run(f"_ = _site_frames({str(out_dir)!r}, {n_frames})", len(cells) - 1)
    return json.loads((out_dir / "manifest.json").read_text())


def shrink_png(path: Path):
    """Re-encode a frame with a 256-colour palette: a plot has few colours; about 3x smaller."""
    from PIL import Image
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                           dither=Image.Dither.NONE)
    small.save(path, "PNG", compress_level=9)


def frames_for(nb_path: Path, n_frames: int, log=print) -> tuple[Path, dict]:
    """Frames and figure descriptions of one notebook, from the cache when nothing changed."""
    key = _fingerprint(nb_path, n_frames)
    out_dir = FRAME_CACHE / slug(nb_path) / key
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        log(f"  frames of {nb_path.name}: cached")
        return out_dir, json.loads(manifest.read_text())
    shutil.rmtree(FRAME_CACHE / slug(nb_path), ignore_errors=True)   # bounded: one version kept
    t0 = time.perf_counter()
    data = run_driver(nb_path, out_dir, n_frames)
    for app in data["apps"].values():
        for f in app["frames"]:
            shrink_png(out_dir / f["file"])
    counts = {k: len(v["frames"]) for k, v in data["apps"].items()}
    log(f"  frames of {nb_path.name}: {time.perf_counter() - t0:.1f} s, frames per app cell {counts}")
    return out_dir, data


def _math_label(description: str) -> str:
    """A slider label: ``$b_v$`` -> MathJax inline math, other text escaped."""
    parts = re.split(r"(\$[^$]+\$)", description)
    return "".join(
        f'<span class="math notranslate nohighlight">\\({html.escape(p[1:-1])}\\)</span>'
        if p.startswith("$") and p.endswith("$") and len(p) > 2 else html.escape(p)
        for p in parts)


def _plain_label(description: str) -> str:
    """The slider's name for screen readers: ``$\\gamma$ / bound`` -> ``gamma / bound``."""
    text = re.sub(r"<[^>]+>", "", description)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[${}\\]", "", text)).strip()


def slider_html(stem: str, rel_nb: str, index: int, app: dict, static_prefix: str) -> str:
    """The static slider that replaces an app's widget output on the page.

    ``data-frames`` holds every frame as ``{src, value, text}``; with a toggle (radio buttons,
    e.g. SGD / Adam) frame ``option * positions + position`` is shown.
    """
    uid = f"ss-{re.sub(r'[^a-z0-9]+', '-', stem.lower())}-{index}"
    frames = [{"src": f"{static_prefix}frames/{stem}/{f['file']}", "value": f["value"],
               "text": f["text"]} for f in app["frames"]]
    positions = app.get("positions", len(frames))
    toggle = app.get("toggle")
    j = toggle["initial"] if toggle else 0
    k = app["initial"]
    first = frames[j * positions + k]
    label = _math_label(app["description"] or app["control"])
    plain = _plain_label(app["description"] or app["control"])
    alt = f"{app['alt']} Shown at {plain} = "
    radios = ""
    if toggle:
        tname = _plain_label(toggle["description"] or toggle["control"])
        radios = (f'<fieldset class="static-slider-toggle"><legend>{html.escape(tname)}</legend>'
                  + "".join(f'<label><input type="radio" name="{uid}-option" value="{i}"'
                            f'{" checked" if i == j else ""}> {html.escape(str(o))}</label>'
                            for i, o in enumerate(toggle["options"]))
                  + "</fieldset>")
    others = ", ".join(app["other_controls"])
    what = f"{positions} positions of this slider" + (
        f" × {len(toggle['options'])} choices of {html.escape(tname)}" if toggle else "")
    note = (f"{len(frames)} precomputed pictures of the app ({what})"
            + (f"; its other controls ({html.escape(others)}) need the live version" if others else "")
            + ".")
    return (
        f'<figure class="static-slider" id="{uid}" data-alt="{html.escape(alt)}" '
        f'data-positions="{positions}" data-frames="{html.escape(json.dumps(frames))}">\n'
        f'<div class="static-slider-controls">'
        f'<label for="{uid}-range">{label}</label>'
        f'<input type="range" id="{uid}-range" aria-label="{html.escape(plain)}" min="0" '
        f'max="{positions - 1}" step="1" value="{k}" '
        f'aria-valuetext="{html.escape(str(first["value"]))}">'
        f'<output for="{uid}-range" aria-live="polite">{html.escape(str(first["value"]))}</output>'
        f'{radios}</div>\n'
        f'<div class="static-slider-text">{first["text"]}</div>\n'
        f'<img src="{html.escape(first["src"])}" alt="{html.escape(alt + str(first["value"]))}.">\n'
        f'<figcaption>{note} <a class="static-slider-launch" href="{html.escape(binder_url(rel_nb))}">'
        f'Launch the live version</a> (Binder) or '
        f'<a href="{html.escape(hub_url(rel_nb))}">on your JupyterHub</a>.</figcaption>\n'
        f'</figure>')


def stage_notebook(src: Path, dst: Path, frames_dir: Path | None, data: dict | None,
                   static_prefix: str) -> dict:
    """Copy a notebook with static sliders in place of its widget outputs and alt text on figures."""
    nb = nbformat.read(src, as_version=4)
    rel_nb = src.relative_to(ROOT).as_posix()
    report = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        app = (data or {}).get("apps", {}).get(str(i))
        if app is not None:
            html_out = slider_html(slug(src), rel_nb, i, app, static_prefix)
            cell.outputs = [o for o in cell.outputs
                            if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]
            cell.outputs.insert(0, nbformat.v4.new_output(
                "display_data", data={"text/html": html_out, "text/plain": "static slider"}))
            report[i] = len(app["frames"])
            continue
        # a widget we have no frames for: keep its stored PNG, drop the (dead) widget view
        for o in cell.outputs:
            o.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        descs = (data or {}).get("figures", {}).get(str(i))
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            alt = " ".join(descs) if descs else _fallback_alt(nb, i)
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": alt}
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)
    if frames_dir is not None and data and data.get("apps"):
        target = STAGE / "_site_static" / "frames" / slug(src)
        target.mkdir(parents=True, exist_ok=True)
        for app in data["apps"].values():
            for f in app["frames"]:
                shutil.copy2(frames_dir / f["file"], target / f["file"])
    return report


def _fallback_alt(nb, index: int) -> str:
    """No figure description recorded: say which section the picture belongs to."""
    for cell in reversed(nb.cells[:index]):
        if cell.cell_type == "markdown":
            text = re.sub(r"[#*_`$\\]", "", cell.source).strip().split("\n")[0]
            return f"Figure for: {text[:150]}"
    return "Figure of the notebook."


def readme_figure_alt(nb_path: Path, data: dict | None) -> str | None:
    """What the lesson's picture (its cell tagged ``readme-figure``) shows, from the kernel run."""
    cells = nbformat.read(nb_path, as_version=4).cells
    for i, cell in enumerate(cells):
        if "readme-figure" in cell.metadata.get("tags", []):
            descs = (data or {}).get("figures", {}).get(str(i))
            return " ".join(descs) if descs else None
    return None


def stage_index(cfg: dict, pages: dict[str, list[str]], alts: dict[str, str] | None = None):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for stem, alt in (alts or {}).items():      # the lesson pictures: say what they show
        alt = alt.replace("|", "‖")                     # (it sits in a Markdown table row)
        readme = re.sub(rf'(<img src="docs/img/{re.escape(stem)}\.png" alt=")([^"]*)(")',
                        lambda m: m.group(1) + html.escape(f"{m.group(2)}. {alt}") + m.group(3), readme)
    # the badge image lives on another host: the home page has its own launch links instead
    readme = re.sub(r"^\[!\[Binder\].*\n(<!--.*-->\n)?", "", readme, flags=re.M)
    # links into the repository that are not pages (folders, source files) point at the code host
    def repo_link(m):
        target = m.group(2)
        if target.startswith(("http", "#", "notebooks/", "docs/")) or target.endswith((".md", ".ipynb")):
            return m.group(0)
        return f"{m.group(1)}({cfg['repository']}/tree/{cfg['branch']}/{target})"
    readme = re.sub(r"(\[[^\]]*\])\(([^)\s]+)\)", repo_link, readme)
    toc = []
    for caption, names in pages.items():
        if names:
            toc += ["", "```{toctree}", ":hidden:", f":caption: {caption}", ""] + names + ["```"]
    (STAGE / "index.md").write_text(readme + "\n" + "\n".join(toc) + "\n", encoding="utf-8")


def copy_mathjax(target: Path):
    """MathJax 2 as the jupyter-server-mathjax package ships it (no CDN), with its HTML-CSS output
    and STIX-Web fonts; without translations, the SVG output and the a11y explorer (-7 MB)."""
    import jupyter_server_mathjax
    src = Path(jupyter_server_mathjax.__file__).parent / "static"

    def skip(folder, names):
        rel = Path(folder).relative_to(src).as_posix()
        return [n for n in names if n == "localization" or (rel, n) in {("jax/output", "SVG"),
                                                                         ("extensions", "a11y")}]

    shutil.copytree(src, target, ignore=skip)


def stage(n_frames: int, log=print) -> dict:
    cfg = links()
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "_site_static").mkdir(parents=True)
    copy_mathjax(STAGE / "_site_static" / "mathjax")
    shutil.copytree(ROOT / "docs", STAGE / "docs")
    report = {}
    pages = {"Lessons": [], "Lecture deck": [], "Teach with it": ["docs/slide-map", "docs/lecture-mode"]}
    sources = lessons() + lecture_parts()
    # each notebook runs in its own kernel (a process): two at a time, the slowest first, keep
    # both cores busy (lesson 04 alone trains ten networks)
    from concurrent.futures import ThreadPoolExecutor
    env_style = os.environ.pop("COURSE_STYLE", None)   # the kernels draw in the notebook style
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {src: pool.submit(frames_for, src, n_frames, log) for src in sources}
            results = {src: f.result() for src, f in futures.items()}   # frames + figures' alt text
    finally:
        if env_style is not None:
            os.environ["COURSE_STYLE"] = env_style
    for src in sources:
        rel = src.relative_to(ROOT)
        depth = len(rel.parts) - 1
        frames_dir, data = results[src]
        report[rel.as_posix()] = stage_notebook(src, STAGE / rel, frames_dir, data,
                                                "../" * depth + "_static/")
        pages["Lecture deck" if "lecture" in rel.parts else "Lessons"].append(rel.with_suffix("").as_posix())
    alts = {src.stem: readme_figure_alt(src, results[src][1]) for src in sources}
    stage_index(cfg, pages, {k: v for k, v in alts.items() if v})
    return report


# ------------------------------------------------------------------------------------------------
# After the build: Jupyter-style anchors -> Sphinx ids
# ------------------------------------------------------------------------------------------------
def _norm(anchor: str) -> str:
    from urllib.parse import unquote
    a = unicodedata.normalize("NFKD", unquote(anchor)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", a.lower())


def fix_anchors(out: Path) -> int:
    ids = {}
    for page in out.rglob("*.html"):
        ids[page] = set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))
    fixed = 0
    for page in list(ids):
        text = page.read_text(encoding="utf-8")

        def repl(m):
            nonlocal fixed
            path, frag = m.group(2), m.group(3)
            target = (page.parent / path).resolve() if path else page
            if target not in ids or frag in ids[target]:
                return m.group(0)
            match = [i for i in ids[target] if _norm(i) == _norm(frag)]
            if not match:
                return m.group(0)
            fixed += 1
            return f'{m.group(1)}{path}#{match[0]}"'

        new = re.sub(r'(href=")([^"#:]*\.html|)#([^"]+)"', repl, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return fixed


def site_size(out: Path = OUT) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def build(n_frames: int = FRAMES_PER_SLIDER, log=print) -> dict:
    t0 = time.perf_counter()
    report = {k: {str(c): n for c, n in v.items()} for k, v in stage(n_frames, log).items()}
    t1 = time.perf_counter()
    shutil.rmtree(OUT, ignore_errors=True)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(SITE_CONF), "-d",
           str(BUILD / "site-doctrees"), str(STAGE), str(OUT)]
    env = {**os.environ, "COURSE_SITE_STAGE": str(STAGE)}
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    for junk in [*(OUT / "_static").glob("*.html"),      # the theme's Jinja macro files, not pages
                 *(OUT / "_static").rglob("*.map")]:     # source maps of the theme's scripts
        junk.unlink()
    shutil.rmtree(OUT / "_sources", ignore_errors=True)   # copies of the sources: not linked
    fixed = fix_anchors(OUT)
    t2 = time.perf_counter()
    size = site_size()
    log(f"site: {OUT.relative_to(ROOT)}/index.html, {len(list(OUT.rglob('*.html')))} HTML files, "
        f"{size / 1e6:.1f} MB; frames per slider {report}; {fixed} anchors fixed; "
        f"staging + frames {t1 - t0:.1f} s, sphinx {t2 - t1:.1f} s")
    return {"sliders": report, "size": size, "seconds": round(t2 - t0, 1)}


def inputs_fingerprint() -> str:
    """Hash of everything the site is built from (a rebuild is skipped when it did not change)."""
    h = hashlib.sha256()
    files = ([ROOT / "README.md", DRIVER, Path(__file__)] + lessons() + lecture_parts()
             + sorted(p for d in ("docs", "site", "course_utils") for p in (ROOT / d).rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts))
    for p in files:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def ensure_built(log=print) -> dict:
    """Build the site unless build/site/ is already the build of the current sources."""
    stamp = OUT / ".build-info.json"
    key = inputs_fingerprint()
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("inputs") == key:
            log(f"site: {OUT.relative_to(ROOT)} is up to date")
            return info
    info = build(log=log)
    info["inputs"] = key
    stamp.write_text(json.dumps(info, indent=1))
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--badge", action="store_true", help="write the README badge and stop")
    parser.add_argument("--frames", type=int, default=FRAMES_PER_SLIDER,
                        help="frames per continuous slider (10-40)")
    args = parser.parse_args(argv)
    if args.badge:
        print("README badge", "updated" if write_badge() else "already up to date")
        return
    if not 10 <= args.frames <= 40:
        raise ValueError(f"--frames must be between 10 and 40, got {args.frames}")
    if args.frames == FRAMES_PER_SLIDER:
        ensure_built()
    else:
        build(args.frames)


if __name__ == "__main__":
    main()
