"""The σ experiment's CLI and table."""

import json
import subprocess
import sys
from pathlib import Path

from course_utils import experiments

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"sigma", "algorithm", "step", "iterations", "final_loss", "train_accuracy", "norm_theta0",
          "norm_theta_end", "lipschitz_theta0", "lipschitz_end"}


def test_cli_json_has_the_fields():
    out = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat", "--json",
                          "--sigmas", "1,10", "--max-epochs", "2", "--seed", "1"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    runs = json.loads(out.stdout)
    assert len(runs) == 4
    assert {(r["sigma"], r["algorithm"]) for r in runs} == {(1.0, "adam"), (10.0, "adam"),
                                                            (1.0, "sgd"), (10.0, "sgd")}
    for r in runs:
        assert FIELDS <= set(r)
        assert r["iterations"] == 10
    assert "runs finished" in out.stderr


def test_cli_table_and_bad_input():
    out = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat",
                          "--sigmas", "10", "--max-epochs", "1", "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.startswith("| σ |") and out.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat",
                          "--sigmas", "-1"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "sigma" in bad.stderr


def test_cache_returns_the_same_object():
    a = experiments.sharp_flat(0, (10.0,), max_epochs=1)
    b = experiments.sharp_flat(0, (10.0,), max_epochs=1)
    assert a is b
    assert "| 10 |" in experiments.table_markdown(a)
    assert experiments.slides_markdown().count("\n") == 6
