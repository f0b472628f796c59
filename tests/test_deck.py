"""The lecture deck in notebooks/lecture: the lecture in slide order, nothing but the lecture.

nbval re-runs the deck (tests/conftest.py checks it is collected); the browser tests in
tests/e2e/test_voila_deck.py check projector scale, ready time and the lecturer's controls in Voila.
"""

import re
from pathlib import Path

import nbformat
import pytest

from navtool import md, nav

ROOT = Path(__file__).resolve().parents[1]
DECK = ROOT / "notebooks" / "lecture"
PARTS = ["01-variable-metric-methods.ipynb", "02-adaptive-methods-and-adam.ipynb",
         "03-convergence-to-the-projection-point.ipynb", "04-sharp-or-flat-minima.ipynb"]
EXPECTED = ["00-start-the-lecture.ipynb", *PARTS]
N_SLIDES = 57                  # the seed lecture's slides, builds included
SLIDES_LINE = re.compile(r"^\*Slides? ([^*]+)\*\s*$", re.M)


def load(name):
    return nbformat.read(DECK / name, as_version=4)


def slide_numbers(spec):
    """'3–4' -> [3, 4]; '2' -> [2]; '40–49' -> 40..49."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("–")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def sections(name):
    """[(heading, [slide numbers], markdown source, notes source)] of the '## ' slide sections of a
    part, in order; the notes are the markdown cell right after the section's cell."""
    out = []
    cells = load(name).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        heads = [h for level, h in nav.headings_of_text(cell.source) if level == 2]
        m = SLIDES_LINE.search(cell.source)
        if heads and m:
            after = cells[i + 1].source if i + 1 < len(cells) else ""
            out.append((heads[0], slide_numbers(m.group(1)), cell.source, after))
    return out


def test_the_deck_has_a_start_page_and_four_parts():
    assert sorted(p.name for p in DECK.glob("*.ipynb")) == EXPECTED


def test_the_parts_cover_every_slide_once_in_order():
    numbers = [n for name in PARTS for _, ns, _, _ in sections(name) for n in ns]
    assert numbers == sorted(numbers), "sections out of slide order"
    assert len(numbers) == len(set(numbers)), "a slide appears in two sections"
    # slide 1 (the title) is the start page's heading; 2..57 are sections of the parts
    assert set(numbers) == set(range(2, N_SLIDES + 1)), sorted(set(range(2, N_SLIDES + 1)) - set(numbers))
    assert nav.headings_of_text(load(EXPECTED[0]).cells[0].source)[0] == (
        1, "Stochastic Gradient Descent – Implicit Regularization")


@pytest.mark.parametrize("name", PARTS)
def test_every_slide_section_has_presenter_notes(name):
    for heading, _, source, after in sections(name):
        assert "<details>" not in source, f"{name} › {heading}: notes belong in their own notes cell"
        m = re.fullmatch(r"<details><summary>Presenter notes</summary>(.*?)</details>", after, re.S)
        assert m, f"{name} › {heading}: no presenter-notes cell right after the slide"
        for part in ("**Say:**", "**Click:**", "**The class sees:**"):
            assert part in m.group(1), f"{name} › {heading}: notes lack {part}"


@pytest.mark.parametrize("name", EXPECTED)
def test_slideshow_metadata_follows_the_convention(name):
    """Every cell carries the standard slideshow.slide_type that tools/slide_types.py derives."""
    nb = load(name)
    stored = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert stored == nav.slide_types.slide_types(nb, start_page=name == EXPECTED[0]), "run `make nav`"
    slides = [c for c, t in zip(nb.cells, stored) if t == "slide"]
    notes = [c for c, t in zip(nb.cells, stored) if t == "notes"]
    assert len(notes) == len(slides) > 0                    # one notes cell per slide cell
    code = [t for c, t in zip(nb.cells, stored) if c.cell_type == "code"]
    assert code[0] == "skip" and set(code[1:]) <= {"-"}     # set-up code skipped, outputs shown


def test_the_title_slide_names_the_author_and_the_running_order():
    title = load(EXPECTED[0]).cells[0].source
    assert "*Slide 1*" in title and "Pontus Giselsson" in title
    assert re.search(r"25 min\) \+ .*20 min\) \| break \| .*20 min\) \+ .*25 min\)", title), title


@pytest.mark.parametrize("name", EXPECTED)
def test_nothing_but_the_lecture(name):
    nb = load(name)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in nb.cells)
    assert "style.deck()" in code[0], "the first code cell must display style.deck() (page style, keys)"
    assert not re.search(r"\bcheck\(|course_utils\.exercises|solution\(|On your own", text), \
        "no exercises or checker output in the deck"
    for src in code:
        shows_app = re.search(r"(_app|fit_projector)\(", src) and not src.startswith("import")
        if shows_app and "fit_projector(" in src:
            assert src.splitlines()[0] == "# NBVAL_IGNORE_OUTPUT", src[:80]


@pytest.mark.parametrize("name", PARTS)
def test_every_app_is_fitted_to_the_projector(name):
    for src in (c.source for c in load(name).cells if c.cell_type == "code"):
        if re.search(r"\b\w+_app\s*=\s*\w+\(", src) or "explorer(" in src:
            assert "fit_projector(" in src, src[:120]


def test_start_page_minutes_add_up_to_two_lectures_of_45():
    table = "\n".join(c.source for c in load(EXPECTED[0]).cells if c.cell_type == "markdown")
    rows = re.findall(r"^\| \[(\d) · [^\]]+\]\((\d\d-[a-z-]+\.ipynb)\) \| ([\d–]+) \| (\d+) \|", table, re.M)
    assert [r[1] for r in rows] == PARTS
    minutes = [int(r[3]) for r in rows]
    assert sum(minutes[:2]) == 45 and sum(minutes[2:]) == 45
    # the part's own header says the same slides and minutes
    for number, part, slides, mins in rows:
        first = load(part).cells[0].source
        assert f"*Slides {slides} · {mins} minutes*" in first, part


def test_links_of_the_deck_resolve():
    for name in EXPECTED:
        for cell in load(name).cells:
            if cell.cell_type != "markdown":
                continue
            for target in md.extract_links(cell.source):
                path, _, frag = target.partition("#")
                if re.match(r"^[a-z]+:", target):
                    continue
                dest = (DECK / path).resolve() if path else DECK / name
                assert dest.is_file(), f"{name}: {target}"
                if frag and dest.suffix == ".ipynb":
                    from urllib.parse import unquote
                    assert unquote(frag) in md.anchor_ids(dest), f"{name}: {target}"


def test_the_slide_map_is_reachable_from_the_deck():
    start = load(EXPECTED[0])
    tagged = [c for c in start.cells if "slide-map" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].source == f"{nav.SLIDE_MAP_MARK}\n\n{nav.slide_map_table()}"
    assert "Outline" in tagged[0].source and "01-variable-metric-methods.ipynb#Outline" in tagged[0].source


def test_make_lecture_serves_the_deck_with_pre_heated_kernels():
    import ast

    tree = ast.parse((ROOT / "tests" / "e2e" / "test_voila_deck.py").read_text())   # the browser test's flags
    flags = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", "") == "LECTURE_FLAGS")

    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\nlecture:"):].split("\n\n")[0]
    declared = re.search(r"^LECTURE_FLAGS = (.*)$", makefile, re.M).group(1).split()
    assert declared == flags == ["--preheat_kernel=True", "--pool_size=1"]
    assert recipe.count("$(LECTURE_FLAGS)") == 2        # the deck server and the one-lesson server
    assert "preheat_denylist" not in makefile           # every page is pre-heated, lesson 04 too
    assert "lecture/00-start-the-lecture.ipynb" in recipe      # it prints the start page's address
