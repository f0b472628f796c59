"""The repository's promises: one set of runtime packages, a two-command quick start, CI = README."""

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
    assert meta["requires-python"] == ">=3.10"
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
    commands = [ln for ln in lines if not ln.startswith(("set ", "cd ", "command -v make"))]
    assert commands == [quick_start_commands()[1]]


def test_makefile_has_the_documented_targets():
    text = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "notebooks"):
        assert re.search(rf"^{target}:", text, re.M), target


def test_numeric_modules_import_neither_matplotlib_nor_ipywidgets():
    for name in ("objectives", "optimizers", "_checks"):
        src = (ROOT / "course_utils" / f"{name}.py").read_text()
        assert not re.search(r"^\s*(import|from)\s+(matplotlib|ipywidgets)", src, re.M), name
