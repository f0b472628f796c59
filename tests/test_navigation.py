"""The course's navigation is generated (tools/nav.py) and must match the notebooks.

If a test here fails after you renamed a notebook or changed a title: run ``python tools/nav.py``.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if not p.name.startswith("00-")]
NAME = re.compile(r"^\d{2}-[a-z][a-z0-9]*(-[a-z0-9]+)+\.ipynb$")
NOT_VERBS = {"intro", "introduction", "lesson", "chapter", "part", "notebook", "the", "a", "an"}


from navtool import md, nav  # noqa: E402  (tools/links.py, tools/nav.py)


# --- the real course ---------------------------------------------------------------------------

def test_navigation_has_not_drifted():
    problems = nav.check(ROOT)
    assert not problems, "run `python tools/nav.py`:\n" + "\n".join(problems)


def test_notebook_names_are_numbered_verb_phrases():
    names = [p.name for p in NOTEBOOKS]
    assert names and names[0] == "00-start-here.ipynb"
    for name in names:
        assert NAME.match(name), f"{name}: expected NN-verb-phrase.ipynb (lower case, words joined by '-')"
        assert name[3:].split("-")[0] not in NOT_VERBS, f"{name}: start the phrase with a verb"
    assert [int(n[:2]) for n in names] == list(range(len(names))), "numbers 00, 01, ... without gaps"


def nav_links(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "nav" in c.metadata.get("tags", [])]
    assert cells, f"{path.name}: no cell tagged 'nav'"
    return nb, cells, [t for c in cells for t in md.extract_links(c.source)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_ends_with_previous_map_next_links_that_resolve(path):
    nb, cells, links = nav_links(path)
    assert nb.cells[-1] is cells[-1] and len(cells) == 1, "the nav cell must be the single last cell"
    i = LESSONS.index(path)
    previous = NOTEBOOKS[NOTEBOOKS.index(path) - 1].name
    expected = [previous, "00-start-here.ipynb"] + ([LESSONS[i + 1].name] if i + 1 < len(LESSONS) else [])
    assert links == expected
    assert "←" in cells[0].source and ("→" in cells[0].source or i + 1 == len(LESSONS))
    for target in links:
        assert (path.parent / target).is_file(), f"{path.name}: link to missing {target}"


def test_start_here_lists_every_lesson_in_order():
    _, _, links = nav_links(NOTEBOOK_DIR / "00-start-here.ipynb")
    lesson_links = list(dict.fromkeys(t for t in links if t.endswith(".ipynb")))
    assert lesson_links == [p.name for p in LESSONS]
    assert all((NOTEBOOK_DIR / t).is_file() for t in lesson_links)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_title_and_a_one_line_description(path):
    _, meta = nav.load(path)
    assert meta.title and meta.title != path.stem, f"{path.name}: no '# Title' heading"
    assert meta.description, f"{path.name}: write a sentence after the title or tag a cell 'summary-line'"


# --- the tool itself, on a throw-away course ---------------------------------------------------

def make_course(root, titles, readme=True):
    (root / "notebooks").mkdir(parents=True)
    (root / "docs" / "img").mkdir(parents=True)
    for i, title in enumerate(titles):
        stem = f"{i:02d}-" + "-".join(title.lower().split())
        nb = new_notebook(cells=[
            new_markdown_cell(f"# {title}\n\nLesson {i} shows $\\|x\\|_H$ | e.g. things. More."),
            new_markdown_cell("## What you need\n\n- gradients, ~25 min"),
            new_code_cell("1 + 1", execution_count=1,
                          outputs=[new_output("execute_result", {"text/plain": "2"}, execution_count=1)]),
            new_markdown_cell("## Summary"),
        ])
        nbformat.write(nb, root / "notebooks" / f"{stem}.ipynb")
    if readme:
        (root / "README.md").write_text("# Course\n\n<!-- toc -->\nold\n<!-- /toc -->\n\nend\n")
    return sorted((root / "notebooks").glob("*.ipynb"))


def code_cells(path):
    return [dict(c) for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_tool_writes_then_check_passes_and_second_write_changes_nothing(tmp_path):
    paths = make_course(tmp_path, ["Start here", "Scale the gradient", "Look inside Adam"])
    (tmp_path / "docs" / "img" / f"{paths[1].stem}.png").write_bytes(b"png")
    before = {p: code_cells(p) for p in paths}
    assert nav.check(tmp_path), "a fresh course must report drift"
    written, problems = nav.write(tmp_path)
    assert len(written) == 4 and not problems
    assert nav.check(tmp_path) == []
    assert nav.write(tmp_path) == ([], [])
    assert {p: code_cells(p) for p in paths} == before, "code cells or outputs changed"

    readme = (tmp_path / "README.md").read_text()
    assert "old" not in readme and readme.endswith("<!-- /toc -->\n\nend\n")
    assert f'<img src="docs/img/{paths[1].stem}.png"' in readme and paths[2].stem + ".png" not in readme
    assert "| ~25 min |" in readme
    assert "Lesson 1 shows $\\Vert x\\Vert _H$ \\| e.g. things." in readme   # one sentence, table-safe
    last = nbformat.read(paths[1], as_version=4).cells[-1]
    assert last.metadata["tags"] == ["nav"] and "03" not in last.source
    assert md.extract_links(last.source) == [paths[0].name, paths[0].name, paths[2].name]


def test_check_reports_a_renamed_title_and_a_bad_name(tmp_path):
    paths = make_course(tmp_path, ["Start here", "Scale the gradient", "Look inside Adam"])
    nav.write(tmp_path)
    nb = nbformat.read(paths[2], as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("Look inside Adam", "Open up Adam")
    nbformat.write(nb, paths[2])
    problems = nav.check(tmp_path)
    assert any("01-scale-the-gradient" in p and "Open up Adam" in p for p in problems)
    assert any(p.startswith("README.md") for p in problems)
    paths[2].rename(paths[2].with_name("3-Adam.ipynb"))
    assert any("NN-verb-phrase" in p for p in nav.check(tmp_path))
    assert nav.main(["--check", "--root", str(tmp_path)]) == 1


def test_existing_nav_cell_is_replaced_and_moved_last(tmp_path):
    paths = make_course(tmp_path, ["Start here", "Scale the gradient", "Look inside Adam"])
    nb = nbformat.read(paths[1], as_version=4)
    nb.cells.insert(1, new_markdown_cell("stale", metadata={"tags": ["nav"]}))
    nbformat.write(nb, paths[1])
    nav.write(tmp_path)
    cells = nbformat.read(paths[1], as_version=4).cells
    navs = [c for c in cells if "nav" in c.metadata.get("tags", [])]
    assert len(navs) == 1 and cells[-1] is navs[0] and "stale" not in navs[0].source


def test_description_rules():
    nb = new_notebook(cells=[new_markdown_cell("# T\n\n## What you'll learn\n\n- a")])
    assert nav.description_of(nb) == ""
    nb.cells.append(new_markdown_cell("**Scaled GD** converges. Next.", metadata={"tags": ["summary-line"]}))
    assert nav.description_of(nb) == "**Scaled GD** converges."
    assert nav.first_sentence("Pick $x = 1.5$. Then i.e. go. x") == "Pick $x = 1.5$."


def test_the_generator_reads_markdown_with_the_tests_parser():
    # one parser (tools/links.py) for the generator and the link tests, not a copy in each
    assert Path(md.__file__).name == "links.py"
    for name in ("markdown_sources", "headings_of_text", "jupyter_anchor", "plain", "strip_fences"):
        assert getattr(nav, name) is getattr(md, name), name
    assert "import nav" not in Path(md.__file__).read_text(encoding="utf-8")
