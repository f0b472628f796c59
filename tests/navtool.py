"""``tools/nav.py`` loaded as a module, for the tests of navigation, links and the slide map."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("course_nav", ROOT / "tools" / "nav.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


nav = sys.modules.get("course_nav") or _load()
