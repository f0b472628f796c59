"""The course tools for the tests: ``md`` (tools/links.py, reading markdown: headings, anchors,
link targets) and ``nav`` (tools/nav.py, the navigation generator, loaded as a module).

The tests of links and anchors use ``md``; only the tests of the generator itself use ``nav``.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))          # as when a tool runs as a script: `import links` works

import links as md  # noqa: E402


def _load():
    spec = importlib.util.spec_from_file_location("course_nav", TOOLS / "nav.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


nav = sys.modules.get("course_nav") or _load()
