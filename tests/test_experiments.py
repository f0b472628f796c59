"""The σ experiment's CLI and table."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from course_utils import experiments

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"seed", "sigma", "algorithm", "step", "iterations", "final_loss", "train_accuracy",
          "test_accuracy", "norm_theta0", "norm_theta_end", "lipschitz_theta0", "lipschitz_end",
          "lipschitz_measured", "sharpness", "flat_radius"}


def test_cli_json_has_the_fields(tmp_path):
    out = subprocess.run([sys.executable, "-m", "course_utils.experiments", "sharp-flat", "--json",
                          "--sigmas", "1,10", "--max-epochs", "2", "--seeds", "1,4",
                          "--sgd-steps", "0.03,1e-10", "--save", str(tmp_path / "runs.npz")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    runs = json.loads(out.stdout)
    assert len(runs) == 8
    assert [(r["seed"], r["sigma"], r["algorithm"]) for r in runs[:4]] == [
        (1, 1.0, "adam"), (1, 10.0, "adam"), (1, 1.0, "sgd"), (1, 10.0, "sgd")]
    assert [r["step"] for r in runs[:4]] == [1e-2, 1e-2, 0.03, 1e-10]
    for r in runs:
        assert FIELDS <= set(r)
        assert r["iterations"] == 10
        assert 0 < r["lipschitz_measured"] <= r["lipschitz_end"]
        assert r["flat_radius"] is None                    # not at zero loss after 2 epochs
    assert "runs finished" in out.stderr
    saved = np.load(tmp_path / "runs.npz")
    assert saved["theta_end"].shape == (8, 9201)
    assert [(int(k), float(s), str(a)) for k, s, a in
            zip(saved["seed"], saved["sigma"], saved["algorithm"])] == \
        [(r["seed"], r["sigma"], r["algorithm"]) for r in runs]
    # the saved end points are the runs' own: recompute one run's final norm
    assert np.isclose(np.linalg.norm(saved["theta_end"][5]), runs[5]["norm_theta_end"], rtol=1e-12)


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


def test_sweep_split_over_threads_gives_the_same_runs():
    # the seeds are split over the workers (one stack per thread);
    # a run's numbers must not depend on which stack (thread) trained it
    one = experiments.sweep((3, 4), max_epochs=4, workers=1)
    two = experiments.sweep((3, 4), max_epochs=4, workers=2)
    assert one is not two and len(one) == len(two) == 20
    for a, b in zip(one, two):
        assert (a.seed, a.sigma, a.algorithm) == (b.seed, b.sigma, b.algorithm)
        np.testing.assert_array_equal(a.theta_end, b.theta_end)
        assert a.epochs == b.epochs == 4 or a.converged
    assert len({r.norm_theta_end for r in one}) == 20
