"""The course website (``make site``): pages, links, static sliders, launch links, weight.

The first test that needs it builds ``build/site/`` with ``tools/build_site.py`` (a few minutes the
first time: each lesson runs once in a kernel to precompute the slider frames; later runs reuse
the frames, and the whole build is skipped when no source changed). The browser checks (figures,
sliders moved from the keyboard, axe-core) are in ``tests/e2e/test_site_browser.py``.
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402

WIDGET = "application/vnd.jupyter.widget-view+json"


class Page(HTMLParser):
    """Tags, attributes and ids of one HTML page (stdlib parser: no extra dependency)."""

    def __init__(self, path: Path):
        super().__init__()
        self.path, self.tags, self.ids = path, [], set()
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag
                and all(v in (a.get(k) or "").split() for k, v in attrs.items())]


@pytest.fixture(scope="module")
def site():
    info = build_site.ensure_built()
    pages = {p: Page(p) for p in sorted(build_site.OUT.rglob("*.html"))}
    return {"info": info, "pages": pages, "out": build_site.OUT}


def sources():
    return build_site.lessons() + build_site.lecture_parts()


def page_of(out: Path, nb: Path) -> Path:
    return out / nb.relative_to(ROOT).with_suffix(".html")


def app_cells(nb: Path) -> list[int]:
    cells = nbformat.read(nb, as_version=4).cells
    return [i for i, c in enumerate(cells) if c.cell_type == "code"
            and any(WIDGET in o.get("data", {}) for o in c.get("outputs", []))]


def test_one_page_per_lesson_and_deck_part_plus_home_search_and_slide_map(site):
    out = site["out"]
    assert len(build_site.lessons()) >= 5                    # 00..04: a wrong glob finds nothing
    expected = {page_of(out, nb) for nb in sources()}
    found = {p for p in site["pages"] if p.parent.name in ("notebooks", "lecture")}
    assert found == expected
    for name in ("index.html", "search.html", "searchindex.js", "docs/slide-map.html",
                 "docs/lecture-mode.html"):
        assert (out / name).is_file(), name
    home = (out / "index.html").read_text(encoding="utf-8")
    for nb in build_site.lessons():                          # navigation reaches every lesson
        assert f'href="notebooks/{nb.stem}.html"' in home, nb.name


def local_refs(page: Page):
    for tag, a in page.tags:
        for attr in ("href", "src"):
            ref = a.get(attr)
            if ref and not re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I):   # not http:, mailto:, data:
                yield tag, attr, ref


def test_every_relative_href_and_src_resolves_with_its_anchor(site):
    out, pages = site["out"], site["pages"]
    broken, checked = [], 0
    for path, page in pages.items():
        for tag, attr, ref in local_refs(page):
            url = urlsplit(ref)
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{path.relative_to(out)}: <{tag} {attr}={ref!r}> missing file")
            elif url.fragment and target.suffix == ".html" and target in pages \
                    and unquote(url.fragment) not in pages[target].ids:
                broken.append(f"{path.relative_to(out)}: <{tag} {attr}={ref!r}> missing anchor")
    assert checked > 200
    assert not broken, "\n".join(broken[:30])


def test_pages_load_nothing_from_elsewhere_and_math_comes_from_the_shipped_mathjax(site):
    out, pages = site["out"], site["pages"]
    for path, page in pages.items():
        for tag, a in page.tags:
            ref = a.get("src") if tag in ("script", "img", "iframe", "video", "audio", "source") \
                else a.get("href") if tag == "link" and "stylesheet" in (a.get("rel") or "") else None
            assert not (ref and re.match(r"^(https?:)?//", ref)), f"{path.name} loads {ref}"
    for css in out.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//|url\(\s*['\"]?https?://", text), css
    lesson = pages[page_of(out, build_site.lessons()[1])]
    mathjax = [a["src"] for a in lesson.find("script") if "tex-chtml-full.js" in (a.get("src") or "")]
    assert mathjax and mathjax[0].startswith("../_static/mathjax/tex-chtml-full.js"), mathjax
    # MathJax 3 with the fonts that MathJax 2's copy lacked: the AMS (ℝ) and calligraphic (𝓡) ones
    fonts = out / "_static/mathjax/output/chtml/fonts/woff-v2"
    assert (fonts / "MathJax_AMS-Regular.woff").is_file() and (fonts / "MathJax_Calligraphic-Regular.woff").is_file()
    assert not (out / "_static/mathjax/MathJax.js").exists()           # no MathJax 2 left
    assert lesson.find("span", **{"class": "math"}), "no inline math on lesson 01"


def test_no_font_awesome_script_and_pictures_load_lazily(site):
    out, pages = site["out"], site["pages"]
    assert not list(out.rglob("fontawesome.js*"))
    for path, page in pages.items():
        assert not [a for a in page.find("script") if "fontawesome" in (a.get("src") or "")], path
        for img in page.find("img"):
            assert img.get("loading") == "lazy", (path.name, img.get("src"))
    js = (out / "_static/static-slider.js").read_text(encoding="utf-8")
    assert "IntersectionObserver" in js        # a slider's other frames load when it comes near


def test_published_code_has_no_test_markers_and_gets_copy_buttons(site):
    out, pages = site["out"], site["pages"]
    marked = [nb.name for nb in sources() if "NBVAL_" in nb.read_text(encoding="utf-8")]
    assert marked, "no notebook carries a test marker: this test would check nothing"
    for nb in sources():
        assert "NBVAL_" not in page_of(out, nb).read_text(encoding="utf-8"), nb.name
        assert [a for a in pages[page_of(out, nb)].find("script") if "course.js" in (a.get("src") or "")]
    assert "copy-code" in (out / "_static/course.js").read_text(encoding="utf-8")
    assert build_site.strip_test_markers("# NBVAL_IGNORE_OUTPUT\nx = 1\n#  NBVAL_SKIP\ny") == "x = 1\ny"
    assert build_site.strip_test_markers("s = '# NBVAL_IGNORE_OUTPUT'") == "s = '# NBVAL_IGNORE_OUTPUT'"


def test_each_lesson_has_download_buttons_for_its_notebook_and_a_pdf(site):
    out, pages = site["out"], site["pages"]
    for nb in build_site.lessons():
        page = pages[page_of(out, nb)]
        ipynb = page.find("a", **{"class": "download-ipynb"})
        pdf = page.find("a", **{"class": "download-pdf"})
        assert ipynb, nb.name
        target = (page_of(out, nb).parent / ipynb[0]["href"]).resolve()
        assert target.read_bytes() == nb.read_bytes()          # the notebook as the course ships it
        if not site["info"]["pdf_pages"]:                      # no Chromium here: no PDF, no link
            assert not pdf
            continue
        pdf_file = (page_of(out, nb).parent / pdf[0]["href"]).resolve()
        assert pdf_file.read_bytes()[:5] == b"%PDF-"
        assert site["info"]["pdf_pages"][nb.stem] == build_site.pdf_page_count(pdf_file) >= 1


def test_every_page_is_reachable_from_the_menu_and_there_is_no_empty_index(site):
    out, pages = site["out"], site["pages"]
    home = pages[out / "index.html"]
    menu = {urlsplit(a["href"]).path for a in home.find("a", **{"class": "reference"})
            if a.get("href") and "internal" in (a.get("class") or "")}
    for path in pages:
        rel = path.relative_to(out).as_posix()
        if rel in ("index.html", "search.html") or rel.startswith("slides/"):
            continue
        assert rel in menu, f"{rel} is in no menu"
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.stem}.html" in menu, doc.name
    assert not (out / "genindex.html").exists()
    if build_site.SLIDES_BUILDER.exists():
        assert "docs/slides.html" in menu and (out / "slides" / "index.html").is_file()


def test_every_app_has_a_static_slider_with_frames_that_differ(site):
    out, pages = site["out"], site["pages"]
    sliders = 0
    for nb in sources():
        page = pages[page_of(out, nb)]
        cells = app_cells(nb)
        figures = page.find("figure", **{"class": "static-slider"})
        assert len(figures) == len(cells), f"{nb.name}: {len(figures)} sliders for {len(cells)} apps"
        ranges = [a for a in page.find("input") if a.get("type") == "range"]
        assert len(ranges) == len(cells)
        for fig, rng in zip(figures, ranges):
            frames = json.loads(fig["data-frames"])
            n, positions = len(frames), int(fig["data-positions"])
            assert int(rng["max"]) == positions - 1 and 0 <= int(rng["value"]) < positions
            # a continuous slider: 24 positions (+ its start value); a selection slider: one per
            # option (the σ sliders of lesson 04 have 5), times the choices of a toggle (SGD/Adam)
            assert 10 <= n <= 40, (nb.name, n)
            assert n % positions == 0
            files = [(page_of(out, nb).parent / f["src"]).resolve() for f in frames]
            assert all(f.is_file() for f in files)
            data = [f.read_bytes() for f in files]
            assert len(set(data)) >= n - 1, f"{nb.name}: frames repeat"      # the picture moves
            assert len({f["value"] for f in frames}) == positions              # and so does the value
            assert sum(map(len, data)) / n < 150_000, "frames too heavy for a page"
            sliders += 1
    assert sliders >= 9


def test_figures_have_alt_text_that_says_what_they_show(site):
    out, pages = site["out"], site["pages"]
    for nb in sources():
        page = pages[page_of(out, nb)]
        for img in page.find("img"):
            alt = img.get("alt") or ""
            assert len(alt) > 20 and not alt.endswith(".png"), (nb.name, img.get("src"), alt)
            assert alt.count(alt[:40]) == 1, f"{nb.name}: a figure described twice: {alt[:80]}"
    written = build_site.alt_texts()
    p01 = pages[page_of(out, build_site.lessons()[1])]
    alts = " ".join(a.get("alt", "") for a in p01.find("img"))
    rel01 = build_site.lessons()[1].relative_to(ROOT).as_posix()
    assert written[rel01] and all(text in alts for text in written[rel01].values())
    # every figure has a written alt text (a new figure without one: the build warns, this fails)
    assert not site["info"]["missing_alt"], site["info"]["missing_alt"]
    home = [a.get("alt", "") for a in pages[out / "index.html"].find("img")]
    assert len(home) >= 4 and all(len(a) > 20 for a in home)


def test_written_alt_texts_are_short_plain_words(tmp_path):
    for nb, cells in build_site.alt_texts().items():
        assert (ROOT / nb).is_file(), nb
        ids = {c.get("id") for c in nbformat.read(ROOT / nb, as_version=4).cells}
        assert set(cells) <= ids, f"{nb}: alt texts for cells that are gone: {set(cells) - ids}"
    bad = tmp_path / "alt.json"
    bad.write_text(json.dumps({"n.ipynb": {"a": "The loss $f(x)$ against the step size of GD"}}))
    with pytest.raises(ValueError, match="not TeX"):
        build_site.alt_texts(bad)
    bad.write_text(json.dumps({"n.ipynb": {"a": "x" * 251}}))
    with pytest.raises(ValueError, match="20 to 250"):
        build_site.alt_texts(bad)


def test_launch_links_come_from_links_cfg_and_are_never_placeholders(site):
    cfg = build_site.links()
    hidden = build_site.launch_services(cfg)
    assert site["info"]["launch_hidden"] == {k: v for k, v in hidden.items() if v}
    for path, page in site["pages"].items():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"OWNER/REPO|example\.edu|jupyterhub\.example", text), path
        binder = page.find("a", **{"class": "launch-binder"})
        hub = page.find("a", **{"class": "launch-hub"})
        if path.name in ("search.html",) or path.parent.name == "slides":
            continue
        assert bool(binder) == (not hidden["binder"]) and bool(hub) == (not hidden["hub"]), path
        for a in binder:
            assert a["href"].startswith(cfg["binderhub"] + "/v2/")
        for a in hub:
            assert a["href"].startswith(cfg["jupyterhub"] + "/hub/user-redirect/git-pull?")


def test_launch_links_of_a_page_with_and_without_addresses():
    cfg = {"repository": "https://github.com/someone/sgd-course", "branch": "main",
           "binderhub": "https://binder.example.org", "jupyterhub": "https://hub.uni.test"}
    html = build_site.launch_html("notebooks/01-x.ipynb", "this notebook", cfg)
    assert 'class="launch-binder" href="https://binder.example.org/v2/gh/someone/sgd-course/main?' in html
    assert 'class="launch-hub" href="https://hub.uni.test/hub/user-redirect/git-pull?' in html
    assert "launch-binder" in build_site.launch_html("n.ipynb", "x", {**cfg, "jupyterhub": ""})
    assert "launch-hub" not in build_site.launch_html("n.ipynb", "x", {**cfg, "jupyterhub": ""})
    assert build_site.launch_html("n.ipynb", "x", {**cfg, "repository": ""}) == ""
    assert build_site.badge_line({**cfg, "repository": ""}) == ""
    other = {**cfg, "repository": "https://gitlab.uni.test/course/sgd"}
    assert build_site.binder_url("n.ipynb", other).startswith(
        "https://binder.example.org/v2/git/https%3A%2F%2Fgitlab.uni.test%2Fcourse%2Fsgd/main?")


def test_links_cfg_rejects_placeholders_and_reads_the_git_remote(tmp_path, monkeypatch):
    cfg = tmp_path / "links.cfg"
    cfg.write_text("[links]\nrepository = https://github.com/OWNER/REPO\nbranch = main\n"
                   "binderhub = https://mybinder.org\njupyterhub =\n")
    with pytest.raises(ValueError, match="repository.*not a real web address"):
        build_site.links(cfg)
    cfg.write_text("[links]\nrepository =\nbranch = main\nbinderhub = https://mybinder.org\njupyterhub =\n")
    monkeypatch.setattr(build_site, "git_remote", lambda: "https://github.com/a/b")
    assert build_site.links(cfg)["repository"] == "https://github.com/a/b"
    monkeypatch.undo()
    import subprocess
    repo = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert build_site.git_remote(repo) == ""                  # no origin: no address
    for url, web in [("git@github.com:someone/sgd.git", "https://github.com/someone/sgd"),
                     ("https://github.com/someone/sgd.git", "https://github.com/someone/sgd"),
                     ("/srv/git/sgd", "")]:
        subprocess.run(["git", "-C", str(repo), "remote", "remove", "origin"], capture_output=True)
        subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", url], check=True)
        assert build_site.git_remote(repo) == web, url


def test_launch_urls_written_out_by_hand():
    cfg = {"repository": "https://github.com/someone/sgd-course", "branch": "main",
           "binderhub": "https://binder.example.org", "jupyterhub": "https://hub.example.edu"}
    assert build_site.binder_url("notebooks/01-x.ipynb", cfg) == (
        "https://binder.example.org/v2/gh/someone/sgd-course/main"
        "?urlpath=lab%2Ftree%2Fnotebooks%2F01-x.ipynb")
    assert build_site.hub_url("notebooks/01-x.ipynb", cfg) == (
        "https://hub.example.edu/hub/user-redirect/git-pull?"
        "repo=https%3A%2F%2Fgithub.com%2Fsomeone%2Fsgd-course&branch=main"
        "&urlpath=lab%2Ftree%2Fsgd-course%2Fnotebooks%2F01-x.ipynb")


def test_readme_badge_is_written_from_links_cfg(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = build_site.badge_line()
    lines = readme.splitlines()
    assert [ln for ln in lines if ln.startswith("[![Binder](")] == ([badge] if badge else []), \
        "README badge differs from site/links.cfg: run `python tools/build_site.py --badge`"
    copy = tmp_path / "README.md"
    copy.write_text(readme, encoding="utf-8")
    cfg = {"repository": "https://github.com/someone/sgd", "branch": "main",
           "binderhub": "https://mybinder.org", "jupyterhub": ""}
    build_site.write_badge(copy, cfg)
    new = copy.read_text(encoding="utf-8").splitlines()
    assert new[new.index(build_site.badge_line(cfg)) + 1].startswith(build_site.BADGE_NOTE)
    build_site.write_badge(copy, {**cfg, "repository": ""})
    assert "[![Binder](" not in copy.read_text(encoding="utf-8")


def test_links_cfg_missing_a_key_is_a_clear_error(tmp_path):
    bad = tmp_path / "links.cfg"
    bad.write_text("[links]\nrepository = https://github.com/a/b\nbranch = main\n")
    with pytest.raises(ValueError, match=r"binderhub.*jupyterhub"):
        build_site.links(bad)


def test_site_weight_is_reported_and_under_50_mb(site, capsys):
    out = site["out"]
    total = build_site.site_size(out)
    rows = []
    for path, page in site["pages"].items():
        refs = {(path.parent / urlsplit(r).path).resolve() for t, a, r in local_refs(page)
                if t in ("img", "script", "link") and urlsplit(r).path}
        frames = {(path.parent / f["src"]).resolve() for fig in page.find("figure", **{"class": "static-slider"})
                  for f in json.loads(fig["data-frames"])}
        weight = path.stat().st_size + sum(p.stat().st_size for p in refs | frames if p.is_file())
        rows.append(f"{path.relative_to(out)}: {weight / 1e6:.2f} MB with its images and scripts")
    with capsys.disabled():
        print(f"\nsite weight: {total / 1e6:.1f} MB in {sum(1 for _ in out.rglob('*'))} files")
        print("\n".join(rows))
    assert total < 50e6


def test_lecture_deck_parts_get_their_own_section_when_present(tmp_path, monkeypatch):
    """The deck (notebooks/lecture/*.ipynb) may or may not exist: the navigation follows the glob."""
    monkeypatch.setattr(build_site, "STAGE", tmp_path)
    cfg = build_site.links()
    pages = {"Lessons": ["notebooks/00-start-here"], "Lecture deck": ["notebooks/lecture/01-part"],
             "Teach with it": ["docs/slide-map"]}
    build_site.stage_index(cfg, pages)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert ":caption: Lecture deck\n\nnotebooks/lecture/01-part\n" in index
    assert "badge_logo.svg" not in index                     # no picture from another host
    build_site.stage_index(cfg, {**pages, "Lecture deck": []})
    assert "Lecture deck" not in (tmp_path / "index.md").read_text(encoding="utf-8")
    assert [p.relative_to(ROOT).parts[:2] for p in build_site.lecture_parts()] == \
        [("notebooks", "lecture")] * len(build_site.lecture_parts())
