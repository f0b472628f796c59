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
   ``build/site-frames/`` under a hash of the notebook's code cells, and checked against the package
   files that run loaded: only a change in what a frame depends on redoes it.
3. ``sphinx-build`` with myst-nb and the book theme (config in ``site/conf.py``); math by MathJax 3
   with all its fonts (``tools/offline_math.py``), copied into the site.
4. Fix Jupyter-style heading anchors (``#Find-your-lesson``) to the ids Sphinx wrote; drop the
   theme's Font Awesome script; pictures load lazily.
5. Downloads: each lesson's notebook and a PDF of its page (headless Chromium, print stylesheet);
   the slides (``tools/build_slides.py --out build/site/slides``) when that builder exists.

The repository address and hub are read from ``site/links.cfg`` (the one place for them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offline_math import copy_mathjax  # noqa: E402  (MathJax 3 with all its fonts, one place)

ROOT = Path(__file__).resolve().parents[1]
SITE_CONF = ROOT / "site"
LINKS = SITE_CONF / "links.cfg"
BUILD = ROOT / "build"
STAGE = BUILD / "site-src"
FRAME_CACHE = BUILD / "site-frames"
OUT = BUILD / "site"
FRAMES_PER_SLIDER = 24
DRIVER = ROOT / "tools" / "site_driver.py"
SLIDES_BUILDER = ROOT / "tools" / "build_slides.py"     # the slides helper's (optional) builder
FRAMES_FORMAT = "png-palette-256"       # change when shrink_png changes: the cached frames are redone


# ------------------------------------------------------------------------------------------------
# Links: one place (site/links.cfg) for the repository and the hubs
# ------------------------------------------------------------------------------------------------
def git_remote(root: Path = ROOT) -> str:
    """The public web address of this clone's ``origin`` remote ('' when there is none or it is a
    local path): ``git@host:owner/repo.git`` -> ``https://host/owner/repo``."""
    try:
        url = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    m = re.fullmatch(r"(?:ssh://)?git@([^:/]+)[:/](.+?)(?:\.git)?/?", url)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    m = re.fullmatch(r"https://(?:[^@/]+@)?([^/]+/.+?)(?:\.git)?/?", url)
    return f"https://{m.group(1)}" if m else ""


def links(path: Path = LINKS) -> dict:
    """The course's addresses: ``site/links.cfg``, the repository falling back to the git remote.

    Each may be empty: then the links that need it are left out of the site (``launch_services``)."""
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#",))
    cfg.read(path, encoding="utf-8")
    if "links" not in cfg:
        raise ValueError(f"{path}: needs a [links] section")
    out = {k: v.strip().rstrip("/") for k, v in cfg["links"].items()}
    missing = {"repository", "branch", "binderhub", "jupyterhub"} - set(out)
    if missing:
        raise ValueError(f"{path}: [links] must set {sorted(missing)} (a value may be empty)")
    for key in ("repository", "binderhub", "jupyterhub"):
        if out[key] and (not re.match(r"^https?://[^/\s]+", out[key]) or re.search(
                r"OWNER|REPO|example\.(edu|org|com)", out[key])):
            raise ValueError(f"{path}: {key} = {out[key]!r} is not a real web address "
                             "(leave it empty to hide the links that need it)")
    if not out["repository"]:
        out["repository"] = git_remote()
    out["branch"] = out["branch"] or "main"
    return out


def launch_services(cfg: dict | None = None) -> dict[str, str]:
    """{'binder': why-not or '', 'hub': why-not or ''}: '' when the site can link the service."""
    cfg = cfg or links()
    repo = "" if cfg["repository"] else "no repository address (site/links.cfg or git remote origin)"
    return {"binder": repo or ("" if cfg["binderhub"] else "no binderhub in site/links.cfg"),
            "hub": repo or ("" if cfg["jupyterhub"] else "no jupyterhub in site/links.cfg")}


def binder_url(nb_path: str, cfg: dict | None = None) -> str:
    """BinderHub link that opens ``nb_path`` (relative to the repository root) in JupyterLab."""
    cfg = cfg or links()
    host, _, slug = cfg["repository"].split("://", 1)[-1].partition("/")      # OWNER/REPO
    spec = (f"gh/{slug}" if host == "github.com"
            else f"git/{quote(cfg['repository'], safe='')}")
    return (f"{cfg['binderhub']}/v2/{spec}/{cfg['branch']}"
            f"?urlpath={quote('lab/tree/' + nb_path, safe='')}")


def hub_url(nb_path: str, cfg: dict | None = None) -> str:
    """nbgitpuller link: the hub clones (or updates) the repository, then opens ``nb_path``."""
    cfg = cfg or links()
    name = cfg["repository"].rsplit("/", 1)[-1]
    query = urlencode({"repo": cfg["repository"], "branch": cfg["branch"],
                       "urlpath": f"lab/tree/{name}/{nb_path}"})
    return f"{cfg['jupyterhub']}/hub/user-redirect/git-pull?{query}"


def launch_html(nb_path: str, what: str, cfg: dict | None = None) -> str:
    """The launch links of a page ('' when no service has an address)."""
    cfg = cfg or links()
    ok = launch_services(cfg)
    parts = ([f'<a class="launch-binder" href="{html.escape(binder_url(nb_path, cfg))}">Binder</a>']
             if not ok["binder"] else []) + \
            ([f'<a class="launch-hub" href="{html.escape(hub_url(nb_path, cfg))}">your JupyterHub '
              f'(nbgitpuller)</a>'] if not ok["hub"] else [])
    if not parts:
        return ""
    return (f'<nav class="launch-links" aria-label="launch links">Run {what} live: '
            + " · ".join(parts) + "</nav>\n")


BADGE_NOTE = "<!-- The badge is written from site/links.cfg"


def badge_line(cfg: dict | None = None) -> str:
    """The README's Binder badge ('' when the site has no Binder address)."""
    cfg = cfg or links()
    if launch_services(cfg)["binder"]:
        return ""
    return ("[![Binder](https://mybinder.org/badge_logo.svg)]("
            + binder_url("notebooks/00-start-here.ipynb", cfg) + ")")


def write_badge(readme: Path = ROOT / "README.md", cfg: dict | None = None) -> bool:
    """Write (or remove) the README's Binder badge from site/links.cfg; True if it changed.

    The badge sits on the line before the note that says where it comes from; with no Binder
    address there is no badge (never a placeholder)."""
    text = readme.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines(keepends=True) if not ln.startswith("[![Binder](")]
    at = next((i for i, ln in enumerate(lines) if ln.startswith(BADGE_NOTE)), None)
    if at is None:
        raise ValueError(f"{readme}: the line {BADGE_NOTE!r}... marks where the badge goes")
    badge = badge_line(cfg)
    if badge:
        lines.insert(at, badge + "\n")
    new = "".join(lines)
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


def _code_key(nb_path: Path, n_frames: int) -> str:
    """What a notebook's frames depend on besides the package: its code cells (not its prose or
    stored outputs), the driver, the frame count and format, matplotlib's version."""
    import matplotlib
    h = hashlib.sha256()
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode() + b"\0")
    h.update(DRIVER.read_bytes())
    h.update(f"{n_frames} {FRAMES_FORMAT} {matplotlib.__version__}".encode())
    return h.hexdigest()[:16]


def _files_key(files: list[str]) -> str:
    """Hash of the package files a run loaded (their paths relative to the repository)."""
    h = hashlib.sha256()
    for f in sorted(files):
        p = Path(f)
        rel = p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else p.name
        h.update(rel.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"(gone)"))
    return h.hexdigest()[:16]


def record_package(data: dict) -> None:
    """Store in a frames manifest the package files its kernel run loaded (the driver lists them as
    ``modules``) and their hash: the cache stays valid while they are unchanged."""
    data["module_files"] = [Path(f).relative_to(ROOT).as_posix() for f in data.pop("modules", [])
                            if Path(f).is_relative_to(ROOT)]
    if data["module_files"]:        # and the package's data (lesson 04's precomputed study)
        data["module_files"] += sorted(p.relative_to(ROOT).as_posix()
                                       for p in (ROOT / "course_utils" / "data").glob("*") if p.is_file())
    data["modules_key"] = _files_key([str(ROOT / f) for f in data["module_files"]])


def package_unchanged(data: dict) -> bool:
    """Whether the package files recorded by :func:`record_package` are still as they were."""
    files = [str(ROOT / f) for f in data.get("module_files", [])]
    return bool(files) and _files_key(files) == data.get("modules_key")


def _fingerprint(nb_path: Path, n_frames: int) -> str:
    """Key of a notebook's cached frames: its code cells, the driver, the frame format (the
    package files the run loaded are checked against the manifest, see ``frames_for``)."""
    return _code_key(nb_path, n_frames)


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
        data = json.loads(manifest.read_text())
        if package_unchanged(data):
            log(f"  frames of {nb_path.name}: cached")
            return out_dir, data
        log(f"  frames of {nb_path.name}: a package file it uses changed")
    shutil.rmtree(FRAME_CACHE / slug(nb_path), ignore_errors=True)   # bounded: one version kept
    t0 = time.perf_counter()
    data = run_driver(nb_path, out_dir, n_frames)
    for app in data["apps"].values():
        for f in app["frames"]:
            shrink_png(out_dir / f["file"])
    record_package(data)
    manifest.write_text(json.dumps(data, indent=1))
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
        # on a phone the frame keeps a legible width and scrolls sideways (static-slider.css)
        f'<div class="static-slider-frame" tabindex="0" role="group" aria-label="picture (scrolls '
        f'sideways on a narrow screen)">'
        f'<img src="{html.escape(first["src"])}" loading="lazy" '
        f'alt="{html.escape(alt + str(first["value"]))}."></div>\n'
        f'<figcaption>{note}{_slider_launch(rel_nb)}</figcaption>\n'
        f'</figure>')


def _slider_launch(rel_nb: str) -> str:
    """' Launch the live version ...' with the services that have an address ('' if none)."""
    cfg = links()
    ok = launch_services(cfg)
    links_ = ([f'<a class="static-slider-launch" href="{html.escape(binder_url(rel_nb, cfg))}">'
               f'on Binder</a>'] if not ok["binder"] else []) + \
             ([f'<a href="{html.escape(hub_url(rel_nb, cfg))}">on your JupyterHub</a>']
              if not ok["hub"] else [])
    return f" Launch the live version {' or '.join(links_)}." if links_ else ""


def stage_notebook(src: Path, dst: Path, frames_dir: Path | None, data: dict | None,
                   static_prefix: str) -> dict:
    """Copy a notebook with static sliders in place of its widget outputs and alt text on figures."""
    nb = nbformat.read(src, as_version=4)
    rel_nb = src.relative_to(ROOT).as_posix()
    written = alt_texts().get(rel_nb, {})
    report = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.source = strip_test_markers(cell.source)
        app = (data or {}).get("apps", {}).get(str(i))
        has_png = any("image/png" in o.get("data", {}) for o in cell.outputs)
        if (app is not None or has_png) and cell.get("id") not in written:
            MISSING_ALT.setdefault(rel_nb, []).append(cell.get("id", f"#{i}"))
        if app is not None:
            if cell.get("id") in written:
                app = {**app, "alt": written[cell.id]}
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
            alt = written.get(cell.get("id")) or (" ".join(descs) if descs else _fallback_alt(nb, i))
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


ALT_TEXTS = SITE_CONF / "alt-text.json"
MISSING_ALT: dict[str, list[str]] = {}      # notebook -> ids of figure cells without a written alt text
_TEX = re.compile(r"[\\$^]|_\{")


def alt_texts(path: Path = ALT_TEXTS) -> dict[str, dict[str, str]]:
    """The figures' alt texts, written by people: ``{notebook: {cell id: text}}``.

    Each says what the figure shows in at most 250 characters of plain words (no TeX). They live
    here, not in the notebooks, so that writing one never touches a notebook."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for nb, cells in data.items():
        if nb.startswith("_"):
            continue
        for cid, text in cells.items():
            if not isinstance(text, str) or not 20 <= len(text) <= 250:
                raise ValueError(f"{path.name}: {nb} cell {cid}: an alt text has 20 to 250 characters, "
                                 f"got {len(text) if isinstance(text, str) else type(text).__name__}")
            if _TEX.search(text):
                raise ValueError(f"{path.name}: {nb} cell {cid}: write the words, not TeX: {text!r}")
    return {k: v for k, v in data.items() if not k.startswith("_")}


def strip_test_markers(source: str) -> str:
    """Code as published: without the lines that only steer the tests (``# NBVAL_IGNORE_OUTPUT``...)."""
    return "\n".join(ln for ln in source.split("\n")
                     if not re.match(r"\s*#\s*NBVAL_[A-Z_]+\s*$", ln))


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
    written = alt_texts().get(nb_path.relative_to(ROOT).as_posix(), {})
    for i, cell in enumerate(cells):
        if "readme-figure" in cell.metadata.get("tags", []):
            if cell.get("id") in written:
                return written[cell.id]
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
        if not cfg["repository"]:            # no address for the code: the name, not a dead link
            return m.group(1)[1:-1]
        return f"{m.group(1)}({cfg['repository']}/tree/{cfg['branch']}/{target})"
    readme = re.sub(r"(\[[^\]]*\])\(([^)\s]+)\)", repo_link, readme)
    toc = []
    for caption, names in pages.items():
        if names:
            toc += ["", "```{toctree}", ":hidden:", f":caption: {caption}", ""] + names + ["```"]
    (STAGE / "index.md").write_text(readme + "\n" + "\n".join(toc) + "\n", encoding="utf-8")


def trim_mathjax(folder: Path) -> Path:
    """Keep what the pages load: ``tex-chtml-full.js`` (every TeX extension in one file), its CHTML
    fonts, the menu and the accessibility extensions it fetches on demand; drop the other combined
    builds and the SVG output (about 15 MB)."""
    for f in folder.glob("*.js"):
        if f.name != "tex-chtml-full.js":
            f.unlink()
    for sub in ("output/svg", "output/svg.js", "input/mml", "input/mml.js", "input/asciimath",
                "input/asciimath.js", "sre", "node-main"):
        target = folder / sub
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    return folder


def stage(n_frames: int, log=print) -> dict:
    cfg = links()
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "_site_static").mkdir(parents=True)
    trim_mathjax(copy_mathjax(STAGE / "_site_static" / "mathjax"))     # MathJax 3 with all its fonts
    shutil.copytree(ROOT / "docs", STAGE / "docs")
    report = {}
    MISSING_ALT.clear()
    # every page in the menu: each docs/*.md, the slides when there is a builder for them
    teach = [f"docs/{p.stem}" for p in sorted((ROOT / "docs").glob("*.md"))]
    if SLIDES_BUILDER.exists():
        (STAGE / "docs" / "slides.md").write_text(
            "# Slides\n\nThe lecture as slides, in the browser, with speaker notes: "
            '<a href="../slides/index.html">open the slides</a>.\n', encoding="utf-8")
        teach.insert(0, "docs/slides")
    pages = {"Lessons": [], "Lecture deck": [], "Teach with it": teach}
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
    slim_pages(OUT)
    downloads = OUT / "downloads"
    downloads.mkdir()
    for nb in lessons():                                  # the notebooks as the course ships them
        shutil.copy2(nb, downloads / nb.name)
    if SLIDES_BUILDER.exists():
        subprocess.run([sys.executable, str(SLIDES_BUILDER), "--out", str(OUT / "slides")],
                       check=True, cwd=ROOT)
    t2 = time.perf_counter()
    pdf_pages = make_pdfs(OUT, log)
    t3 = time.perf_counter()
    size = site_size()
    log(f"site: {OUT.relative_to(ROOT)}/index.html, {len(list(OUT.rglob('*.html')))} HTML files, "
        f"{size / 1e6:.1f} MB; frames per slider {report}; {fixed} anchors fixed; "
        f"staging + frames {t1 - t0:.1f} s, sphinx {t2 - t1:.1f} s, PDFs {t3 - t2:.1f} s {pdf_pages}")
    for service, why in launch_services().items():
        if why:
            log(f"site: no {service} launch links on the pages: {why}")
    for nb, cells in MISSING_ALT.items():
        log(f"site: WARNING: {len(cells)} figure(s) of {nb} have no written alt text in "
            f"site/alt-text.json (cell ids {', '.join(cells)}): a generated description is used")
    return {"sliders": report, "size": size, "seconds": round(t3 - t0, 1), "pdf_pages": pdf_pages,
            "missing_alt": dict(MISSING_ALT), "launch_hidden": {k: v for k, v in launch_services().items() if v}}


FONTAWESOME_JS = re.compile(r'<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*></script>\s*')


def slim_pages(out: Path):
    """After Sphinx: no 1.5 MB Font Awesome script (the theme's CSS draws its few icons with the
    webfont it ships), and every picture loaded only when it comes into view."""
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = FONTAWESOME_JS.sub("", text)
        new = re.sub(r"<img(?![^>]*\bloading=)", '<img loading="lazy"', new)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for f in (out / "_static" / "scripts").glob("fontawesome.js*"):
        f.unlink()


def make_pdfs(out: Path, log=print) -> dict[str, int]:
    """A PDF of each lesson page (``downloads/<lesson>.pdf``): headless Chromium prints the built
    page with its print stylesheet after MathJax has typeset it. Returns the pages per PDF."""
    chromium = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        log(f"site: WARNING: no lesson PDFs: they need Chromium at {chromium} (Debian: apt-get install "
            "chromium; or set COURSE_CHROMIUM); the pages offer the notebooks only")
        for page in (out / "notebooks").glob("0*.html"):
            text = page.read_text(encoding="utf-8")
            page.write_text(re.sub(r'\s*<a class="download-pdf"[^>]*>PDF</a>', "", text), encoding="utf-8")
        return {}
    # Playwright's sync API refuses to start inside a running asyncio loop (a test session that
    # already drives a browser): print from a thread of our own, which has no loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_print_pdfs, out, chromium).result()


def _print_pdfs(out: Path, chromium: str) -> dict[str, int]:
    from playwright.sync_api import sync_playwright
    pages = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            for nb in lessons():
                html_path = out / "notebooks" / f"{nb.stem}.html"
                page.goto(html_path.as_uri())
                page.evaluate("""async () => {
                    document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager');
                    await Promise.all([...document.images].map(i => i.complete ? 0 :
                        new Promise(r => { i.onload = i.onerror = r; })));
                    if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
                }""")
                page.emulate_media(media="print")
                # a display equation wider than the printed column is scaled down to fit, whole
                page.evaluate("""() => document.querySelectorAll('mjx-container[display="true"]')
                    .forEach(m => { const w = m.parentElement.clientWidth, s = m.scrollWidth;
                                    if (s > w) m.style.zoom = (w / s).toFixed(3); })""")
                target = out / "downloads" / f"{nb.stem}.pdf"
                page.pdf(path=str(target), format="A4", print_background=True,
                         margin={"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"})
                pages[nb.stem] = pdf_page_count(target)
        finally:
            browser.close()
    return pages


def pdf_page_count(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", Path(path).read_bytes()))


def inputs_fingerprint() -> str:
    """Hash of everything the site is built from (a rebuild is skipped when it did not change)."""
    h = hashlib.sha256()
    files = ([ROOT / "README.md", DRIVER, Path(__file__), ROOT / "tools" / "offline_math.py"]
             + ([SLIDES_BUILDER] if SLIDES_BUILDER.exists() else []) + lessons() + lecture_parts()
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
    parser.add_argument("--pdf", action="store_true",
                        help="(re)make only the lessons' PDFs of an existing build/site")
    parser.add_argument("--frames", type=int, default=FRAMES_PER_SLIDER,
                        help="frames per continuous slider (10-40)")
    args = parser.parse_args(argv)
    if args.badge:
        print("README badge", "updated" if write_badge() else "already up to date")
        return
    if args.pdf:
        if not (OUT / "index.html").exists():
            raise SystemExit("no build/site yet: run `make site` first")
        print("PDF pages:", make_pdfs(OUT))
        return
    if not 10 <= args.frames <= 40:
        raise ValueError(f"--frames must be between 10 and 40, got {args.frames}")
    if args.frames == FRAMES_PER_SLIDER:
        ensure_built()
    else:
        build(args.frames)


if __name__ == "__main__":
    main()
