"""The repository's promises: one set of runtime packages (pinned in requirements.lock), a two-command
quick start, CI = README."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def runtime_from_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower() for d in deps}


def environment_lines():
    return [line for line in (ROOT / "environment.yml").read_text().splitlines()
            if line.strip().startswith("- ")]


def test_environment_yml_and_pyproject_name_the_same_runtime_packages():
    conda = set()
    for line in environment_lines():
        item = line.strip()[2:].split("#")[0].strip()
        name = re.split(r"[<>=! ]", item, maxsplit=1)[0].lower()
        if name and name not in {"python", "pip", "pip:", "-e", "conda-forge"} and not item.startswith("-e"):
            conda.add(name)
    assert conda == runtime_from_pyproject()
    assert runtime_from_pyproject() == {"numpy", "matplotlib", "ipywidgets", "jupyterlab"}


def lock_pins():
    """{name: version} of requirements.lock (names normalized as pip does)."""
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s;#]*)", line)
        assert m, f"requirements.lock: every package must be pinned with ==; got {line!r}"
        pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


def test_lock_pins_every_runtime_and_test_package_and_says_how_it_was_made():
    from packaging.requirements import Requirement

    text = (ROOT / "requirements.lock").read_text()
    header = "\n".join(ln for ln in text.splitlines() if ln.startswith("#"))
    assert "make lock" in header and "Python 3.11" in header
    pins = lock_pins()
    assert "course-utils" not in pins, "the lock pins the dependencies, not the course's own package"
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps, extras = list(meta["dependencies"]), ["test"]
    while extras:                                  # `course_utils[site]` in an extra: its packages
        for dep in meta["optional-dependencies"][extras.pop()]:
            req = Requirement(dep)
            if re.sub(r"[-_.]+", "-", req.name).lower() == "course-utils":
                extras += sorted(req.extras)
            else:
                deps.append(dep)
    for dep in deps:
        req = Requirement(dep)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} (pyproject.toml) is missing from requirements.lock: run make lock"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"requirements.lock pins {name}=={pins[name]}, outside pyproject's {req.specifier}: run make lock"


def test_environment_yml_pins_the_runtime_versions_of_the_lock():
    pins = lock_pins()
    conda = {}
    for line in environment_lines():
        item = line.strip()[2:].split("#")[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", item)
        if m:
            conda[m.group(1).lower()] = m.group(2)
    assert set(conda) == runtime_from_pyproject(), "environment.yml must pin each runtime package with =="
    for name, version in conda.items():
        assert pins.get(name) == version, \
            f"environment.yml pins {name}=={version}, requirements.lock {name}=={pins.get(name)}"


def test_makefile_installs_from_the_lock_and_rebuilds_when_it_changes():
    text = (ROOT / "Makefile").read_text()
    stamp_rule = re.search(r"^\$\(STAMP\):([^|\n]*)", text, re.M)
    assert stamp_rule and "pyproject.toml" in stamp_rule.group(1) and "$(LOCK)" in stamp_rule.group(1)
    assert re.search(r"^LOCK\s*:=\s*requirements\.lock\s*$", text, re.M)
    assert "pip install -r $(LOCK)" in text and "pip install --no-deps -e ." in text
    for target in ("lock", "test-latest", "unit"):
        assert re.search(rf"^{target}:", text, re.M), target
    assert "'.[test,site]'" in text


def test_environment_yml_pins_python_for_repo2docker_and_installs_the_package():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*- python=3\.11\s", text, re.M)
    assert re.search(r"^\s*- -e \.\s", text, re.M)
    assert "conda-forge" in text
    for line in environment_lines():
        assert "#" in line, f"environment.yml: say what this line is for: {line.strip()}"


def test_pyproject_declares_the_package_and_test_extra():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == "course_utils"
    assert meta["requires-python"] == ">=3.11"     # as requirements.lock: numpy 2.4 needs 3.11
    extra = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower() for d in meta["optional-dependencies"]["test"]}
    assert {"pytest", "nbval"} <= extra


def quick_start_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- quick-start -->(.*?)<!-- /quick-start -->", text, re.S)
    assert block, "README needs its quick start between <!-- quick-start --> markers"
    return re.findall(r"^\s*(make \S+)\s*(?:#.*)?$", block.group(1), re.M)


def test_readme_quick_start_is_exactly_two_commands():
    assert quick_start_commands() == ["make lab", "make test"]


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    commands = [ln for ln in lines if not ln.startswith(("set ", "cd ", "command -v make", "export "))]
    assert commands == [quick_start_commands()[1]]
    # CI asks for the browser tests: there a missing chromium fails them instead of skipping them
    assert "export COURSE_E2E_REQUIRED=1" in lines


def makefile_recipe(target):
    """The recipe lines of a Makefile target."""
    m = re.search(rf"^{target}:[^\n]*\n((?:\t[^\n]*\n)*)", (ROOT / "Makefile").read_text(), re.M)
    assert m, f"the Makefile has no target {target}"
    return [ln.strip() for ln in m.group(1).splitlines()]


def test_makefile_has_the_documented_targets():
    text = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "notebooks", "nav"):
        assert re.search(rf"^{target}:", text, re.M), target
    # make nav runs the generator; make notebooks re-executes, then regenerates the navigation
    assert makefile_recipe("nav") == ["$(BIN)/python tools/nav.py"]
    assert makefile_recipe("notebooks") == ["$(BIN)/python tools/refresh_notebooks.py", "$(MAKE) nav"]


# The front-end modules: the only ones that may import matplotlib or ipywidgets.
FRONT_END = ("course_utils/plots/", "course_utils/widgets/", "course_utils/style.py")


def numeric_modules(root=ROOT):
    """Every module of course_utils outside :data:`FRONT_END` (models/, metric, cache, ... included),
    as ``(dotted name, path)``; found on disk, so a new module is checked without editing this list."""
    out = []
    for path in sorted((root / "course_utils").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(FRONT_END):
            continue
        out.append((rel[:-3].removesuffix("/__init__").replace("/", "."), path))
    return out


_FRONT_END_IMPORT = re.compile(r"^\s*(import|from)\s+(matplotlib|ipywidgets)\b", re.M)
_PROBE = ("import importlib, sys; importlib.import_module(sys.argv[1]); "
          "print(' '.join(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")


def front_end_imports(root=ROOT, only=None):
    """``{module: what it pulls in}`` for every numeric module (or those named in ``only``) that
    imports matplotlib or ipywidgets: in its source (even inside a function), or at run time when
    imported alone in a fresh Python (one subprocess per module, run side by side)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    modules = [(n, p) for n, p in numeric_modules(root) if only is None or n in only]
    probes = {name: subprocess.Popen([sys.executable, "-c", _PROBE, name], cwd=root, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for name, _ in modules}
    bad = {}
    for name, path in modules:
        out, err = probes[name].communicate(timeout=300)
        assert probes[name].returncode == 0, f"importing {name} failed:\n{err}"
        found = set(out.split())
        found |= {m.group(2) for m in _FRONT_END_IMPORT.finditer(path.read_text(encoding="utf-8"))}
        if found:
            bad[name] = sorted(found)
    return bad


def test_numeric_modules_import_neither_matplotlib_nor_ipywidgets():
    names = [name for name, _ in numeric_modules()]
    # discovery finds the whole numeric layer (a broken glob must not pass by checking nothing)
    assert {"course_utils", "course_utils._checks", "course_utils.objectives", "course_utils.optimizers",
            "course_utils.problems", "course_utils.projection", "course_utils.landscape",
            "course_utils.nets", "course_utils.training", "course_utils.experiments",
            "course_utils.metric", "course_utils.cache", "course_utils.models"} <= set(names), names
    assert not any(n.startswith(("course_utils.plots", "course_utils.widgets")) for n in names)
    assert front_end_imports() == {}


def test_the_import_check_catches_a_numeric_module_that_imports_matplotlib(tmp_path):
    import shutil

    pkg = tmp_path / "course_utils"
    shutil.copytree(ROOT / "course_utils", pkg, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (pkg / "models" / "leaky.py").write_text("import matplotlib\n")          # directly
    (pkg / "models" / "indirect.py").write_text("from . import leaky\n")       # through another module
    nets = pkg / "nets.py"                                                        # inside a function
    nets.write_text(nets.read_text(encoding="utf-8") + "\n\ndef show():\n    import ipywidgets\n")
    probe = ["course_utils.models.leaky", "course_utils.models.indirect", "course_utils.nets",
             "course_utils.cache"]
    assert front_end_imports(tmp_path, only=probe) == {"course_utils.models.leaky": ["matplotlib"],
                                                       "course_utils.models.indirect": ["matplotlib"],
                                                       "course_utils.nets": ["ipywidgets"]}


def test_readme_unit_test_commands_keep_the_doctests():
    text = (ROOT / "README.md").read_text()
    testing = text.split("## Testing", 1)[1].split("## Contributing", 1)[0]
    assert re.search(r"^make unit\b", testing, re.M)
    for line in re.findall(r"^\.venv/bin/pytest .*-p no:nbval.*$", testing, re.M):
        assert "--doctest-modules" in line and "course_utils" in line, line
    unit = re.search(r"^unit:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S).group(0)
    assert "--doctest-modules" in unit and "course_utils" in unit and "no:nbval" in unit


def test_binder_image_pins_the_same_packages_and_installs_the_course_not_editable():
    """binder/ is what repo2docker builds for Binder and for a hub's user image (docs/hub.md)."""
    pins = lock_pins()
    binder = (ROOT / "binder" / "environment.yml").read_text()
    conda = dict(re.findall(r"^\s*- ([A-Za-z0-9_.-]+)==(\S+)", binder, re.M))
    assert set(conda) == runtime_from_pyproject() | {"nbgitpuller"}
    for name, version in conda.items():
        assert pins.get(name) == version, f"binder/environment.yml pins {name}=={version}, lock {pins.get(name)}"
    assert re.search(r"^\s*- python=3\.11\s", binder, re.M) and "-e ." not in binder
    post = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"^python -m pip install .*--no-deps \.\s*$", post, re.M) and " -e " not in post
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
