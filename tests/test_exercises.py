"""Every exercise has a worked solution, and every solution passes its own checker."""

import runpy
from pathlib import Path

import numpy as np
import pytest

from course_utils import exercises

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.py"))


def test_every_exercise_has_a_solution_and_vice_versa():
    names = set(exercises.exercises())
    files = {p.stem for p in SOLUTIONS}
    assert names == files
    assert len(names) >= 4


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_passes_its_checker(path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    answer = runpy.run_path(str(path))["answer"]
    feedback = exercises.check(path.stem, answer)
    assert feedback.ok, feedback.message


def test_wrong_answers_get_a_hint_never_the_answer():
    for name, ex in exercises.exercises().items():
        feedback = exercises.check(name, np.nan)
        assert not feedback.ok
        assert ex.hint in feedback.message
        answer = runpy.run_path(str(ROOT / "solutions" / f"{name}.py"))["answer"]
        if isinstance(answer, (float, int, np.ndarray)):
            rest = feedback.message.replace(ex.hint, "").replace(name, "")
            for a in np.ravel(answer):
                shown = f"{a:.3g}"
                if len(shown) >= 3:   # the expected value is not leaked in the feedback
                    assert shown not in rest


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(ValueError, match="no exercise named"):
        exercises.check("99-nope", 1)
