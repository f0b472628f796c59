"""Issue #10, bad inputs of the training stack: diverging runs, bad seeds, bad algorithm names,
results that a caller cannot corrupt, and a CLI that survives a closed pipe."""

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from course_utils import experiments, nets, training

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "course_utils.experiments", "sharp-flat"]


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


@pytest.mark.parametrize("sigma, step", [(1e6, 0.1), (10.0, 1.0), (1.0, 100.0)])
def test_a_diverging_run_is_flagged_and_the_others_go_on(sigma, step):
    X, y = experiments.data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no RuntimeWarning either
        res = training.train([(sigma, "sgd", step), (1.0, "sgd", 0.03)], X, y, max_epochs=3)
    bad, good = res
    assert bad.diverged and not bad.converged
    assert math.isnan(bad.train_accuracy) and math.isnan(bad.lipschitz_end)
    # the healthy run of the same batch is exactly what it is when trained alone
    alone = training.train([(1.0, "sgd", 0.03)], X, y, max_epochs=3)[0]
    assert not good.diverged and good.epochs == 3
    np.testing.assert_allclose(good.theta_end, alone.theta_end, rtol=0, atol=1e-10)


def test_cli_shows_diverged_runs_and_writes_valid_json():
    out = subprocess.run(CLI + ["--sigmas", "1,1e6", "--sgd-step", "0.03,0.1", "--max-epochs", "2",
                                "--quiet", "--json"], capture_output=True, text=True, cwd=ROOT,
                         env=env(), check=True)
    assert "NaN" not in out.stdout
    runs = json.loads(out.stdout)
    bad = [r for r in runs if r["diverged"]]
    assert [(r["sigma"], r["algorithm"]) for r in bad] == [(1e6, "sgd")]
    assert bad[0]["final_loss"] is None and bad[0]["test_accuracy"] is None
    assert bad[0]["lipschitz_end"] is None
    table = subprocess.run(CLI + ["--sigmas", "1,1e6", "--sgd-step", "0.03,0.1", "--max-epochs", "2",
                                  "--quiet"], capture_output=True, text=True, cwd=ROOT, env=env(),
                           check=True).stdout
    row = [line for line in table.splitlines() if line.startswith("| 1e+06")][0]
    assert "diverged" in row and "1 of 4 runs diverged" in table


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), ("3", TypeError),
                                         (True, TypeError)])
def test_bad_seed_is_named_in_the_api(seed, error):
    X, y = experiments.data()
    with pytest.raises(error, match="seed"):
        training.train([(1.0, "sgd", 0.1)], X, y, seed=seed, max_epochs=1)
    with pytest.raises(error, match="seed"):
        training.RunConfig(1.0, "sgd", 0.1, seed=seed)
    with pytest.raises(error, match="seed"):
        experiments.sharp_flat(seed, max_epochs=1)
    with pytest.raises((TypeError, ValueError), match="seed"):
        experiments.sweep([0, seed], max_epochs=1)


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--seed", "1.5"], ["--seed", "a"],
                                  ["--seeds", "0-"], ["--seeds", "a"], ["--seeds", "-2"],
                                  ["--seeds", "3-1"]])
def test_bad_seed_is_named_by_the_cli(args):
    out = subprocess.run(CLI + args + ["--max-epochs", "1"], capture_output=True, text=True,
                         cwd=ROOT, env=env())
    assert out.returncode == 2 and "seed" in out.stderr and "Traceback" not in out.stderr


def test_parse_seeds():
    assert experiments.parse_seeds("0-9") == tuple(range(10))
    assert experiments.parse_seeds("13,21") == (13, 21)
    assert experiments.parse_seeds(" 0-2, 7") == (0, 1, 2, 7)
    for bad in ("", "0-", "a", "-1", "1,1", "2-1"):
        with pytest.raises(ValueError, match="seed"):
            experiments.parse_seeds(bad)


def test_algorithms_as_a_bare_string_and_unknown_names():
    one = experiments.sharp_flat(0, (10.0,), algorithms="adam", max_epochs=1)
    assert [r.algorithm for r in one] == ["adam"]
    with pytest.raises(ValueError, match=r"algorithms.*'lbfgs'.*adam, sgd"):
        experiments.sharp_flat(0, (10.0,), algorithms=("adam", "lbfgs"), max_epochs=1)
    with pytest.raises(ValueError, match="algorithms"):
        experiments.sharp_flat(0, (10.0,), algorithms=(), max_epochs=1)
    with pytest.raises(TypeError, match="algorithms"):
        experiments.sharp_flat(0, (10.0,), algorithms=3, max_epochs=1)


def test_cached_results_cannot_be_corrupted():
    res = experiments.sharp_flat(0, (10.0,), max_epochs=1)
    r = res[0]
    before = r.theta_end.copy()
    with pytest.raises(ValueError):
        r.theta_end[0] = 123.0
    with pytest.raises(ValueError):
        r.history["loss"][0] = 5.0
    with pytest.raises(TypeError):
        r.history["loss"] = np.zeros(3)
    with pytest.raises(AttributeError):
        r.final_loss = 0.0
    again = experiments.sharp_flat(0, (10.0,), max_epochs=1)[0]
    assert again is r and np.array_equal(again.theta_end, before)
    assert not nets.default_spec().check_theta(r.theta_end).flags.writeable


def test_cli_survives_a_closed_pipe():
    read, write = os.pipe()
    os.close(read)                                  # the reader is gone before anything is written
    try:
        out = subprocess.run(CLI + ["--sigmas", "10", "--max-epochs", "1", "--quiet"], stdout=write,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env(), timeout=120)
    finally:
        os.close(write)
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr
    assert out.returncode == 0
