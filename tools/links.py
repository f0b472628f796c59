"""Read markdown the way the course's readers see it: headings, their anchors, link targets.

Shared by the navigation generator (``tools/nav.py``) and the tests of links, navigation, the slide
map and the deck (``tests/test_links.py``, ...), which import this module, not the generator.

* :func:`markdown_sources` – the markdown cells of a notebook, as text.
* :func:`headings_of_text`, :func:`headings` – ``(level, text)`` of every ATX heading outside
  fenced code.
* :func:`jupyter_anchor`, :func:`github_anchor`, :func:`anchor_ids` – the ids a ``#fragment`` may
  name: JupyterLab's (spaces -> '-') and GitHub's (lower case, punctuation dropped), plus explicit
  ``<a id=...>``.
* :func:`extract_links` – targets of markdown links and images, reference definitions and HTML
  ``src``/``href``, outside code and math.

Example
-------
>>> extract_links("See [the map](00-start-here.ipynb#Lessons) and `[not](a link)`.")
['00-start-here.ipynb#Lessons']
>>> jupyter_anchor("Read **one** step"), github_anchor("Read **one** step: why?")
('Read-one-step', 'read-one-step-why')
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat



def markdown_sources(nb):
    return ["".join(c.source) if isinstance(c.source, list) else c.source
            for c in nb.cells if c.cell_type == "markdown"]


def strip_fences(text):
    """Text with fenced code blocks blanked (headings and links inside them do not count)."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)


def strip_inline_code(text):
    return re.sub(r"`[^`\n]*`", "", text)


def headings_of_text(text):
    """(level, text) of every ATX heading outside fenced code."""
    return [(len(m.group(1)), m.group(2).strip().rstrip("#").strip())
            for m in re.finditer(r"^(#{1,6})\s+(.+?)\s*$", strip_fences(text), re.M)]


def headings(nb_path):
    """(level, text) of every heading in the notebook's markdown cells, in order."""
    nb = nbformat.read(nb_path, as_version=4)
    return [h for src in markdown_sources(nb) for h in headings_of_text(src)]


def plain(heading):
    """Heading text as rendered: emphasis markers and code backticks removed, links reduced to text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"(\*\*|__|\*|`)", "", text).strip()


def jupyter_anchor(heading):
    """JupyterLab / nbconvert id of a heading: its text with spaces replaced by '-'."""
    return plain(heading).replace(" ", "-")


def github_anchor(heading):
    """GitHub's id of a markdown heading: lower case, punctuation dropped, spaces -> '-'."""
    text = plain(heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchor_ids(path):
    """Every fragment that reaches a heading (or an explicit <a id/name>) of a notebook or .md file."""
    path = Path(path)
    if path.suffix == ".ipynb":
        texts = markdown_sources(nbformat.read(path, as_version=4))
    else:
        texts = [path.read_text(encoding="utf-8")]
    ids = set()
    for text in texts:
        for _, h in headings_of_text(text):
            ids.update({jupyter_anchor(h), github_anchor(h)})
        ids.update(re.findall(r"<a\s+(?:id|name)=[\"']([^\"']+)[\"']", text))
    return ids


_MD_LINK = re.compile(r"\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_HTML_LINK = re.compile(r"<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)


def extract_links(text):
    """Targets of markdown links/images, reference definitions and HTML src/href, outside code/math."""
    text = strip_inline_code(strip_fences(text))
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"(?<![\\$])\$[^$\n]+\$", "", text)
    return [m.group(1) for rx in (_MD_LINK, _HTML_LINK, _REF_LINK) for m in rx.finditer(text)]
