"""Every link a reader can click in README.md, docs/*.md and the notebooks' markdown cells works.

Relative links (markdown links and images, reference definitions, HTML ``src``/``href``): the file
exists inside the repository, and an ``#anchor`` into a notebook or a .md file names one of its
headings (JupyterLab's id: the heading text with spaces replaced by '-'; GitHub's lower-case slug is
accepted too). External http(s) links are not fetched (no network in CI): they must be well formed.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


from navtool import md  # noqa: E402  (tools/links.py: reading markdown)

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "notebooks").glob("*.ipynb"))]


def texts(path):
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [(f"cell {i}", c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]
    return [("", path.read_text(encoding="utf-8"))]


def problem(doc, target):
    """None if ``target`` (a link found in ``doc``) works, else what is wrong with it."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        if not parts.netloc or "." not in parts.netloc or " " in target:
            return "malformed web address"
        return None
    if parts.scheme == "mailto":
        return None if "@" in parts.path else "malformed mail address"
    if parts.scheme or target.startswith("//"):
        return f"unexpected scheme {parts.scheme!r} (use a relative link or http(s))"
    if target.startswith("attachment:"):
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return "absolute path: use a link relative to the document"
    dest = (doc.parent / path).resolve() if path else doc
    if not dest.is_relative_to(ROOT):
        return "points outside the repository"
    if not dest.exists():
        return f"missing file {dest.relative_to(ROOT)}"
    if parts.fragment and dest.suffix in (".ipynb", ".md"):
        fragment = unquote(parts.fragment)
        if fragment not in md.anchor_ids(dest):
            return f"no heading for #{fragment} in {dest.relative_to(ROOT)}"
    return None


def test_the_documents_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in DOCUMENTS}
    assert "README.md" in names and "notebooks/00-start-here.ipynb" in names


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(doc):
    broken = []
    for where, text in texts(doc):
        for target in md.extract_links(text):
            why = problem(doc, target)
            if why:
                broken.append(f"{where} {target}: {why}".strip())
    assert not broken, f"{doc.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_the_checker_sees_and_judges_links():
    sample = ('[a](README.md) ![b](docs/img/x.png "title") <img src="tools/nav.py" width="9">\n'
              '[![badge](https://img.shields.io/x.svg)](https://mybinder.org/v2/gh/a/b/HEAD)\n'
              '`[not](a-link.md)` $[0, 1](x)$\n```\n[no](fenced.md)\n```\n[ref]: docs/slide-map.md\n')
    assert md.extract_links(sample) == ["README.md", "docs/img/x.png", "https://img.shields.io/x.svg",
                                         "https://mybinder.org/v2/gh/a/b/HEAD", "tools/nav.py",
                                         "docs/slide-map.md"]
    doc = ROOT / "README.md"
    assert problem(doc, "tools/nav.py") is None
    assert problem(doc, "https://mybinder.org/x") is None
    assert "missing file" in problem(doc, "notebooks/99-nothing.ipynb")
    assert "malformed" in problem(doc, "https://localhost")
    assert "outside" in problem(doc, "../../etc/passwd")
    assert "no heading" in problem(doc, "notebooks/00-start-here.ipynb#No-such-section")
    assert problem(doc, "notebooks/00-start-here.ipynb#Check-what-you-need") is None
