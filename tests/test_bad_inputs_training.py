"""Issue #10, bad inputs of the training stack: diverging runs, bad seeds, bad algorithm names,
results that a caller cannot corrupt, and a CLI that survives a closed pipe."""

import json
import math
import os
import re
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


# ---------------------------------------------------------------- issue 20: the CLI and study files
def run_cli(args, timeout=300):
    return subprocess.run(CLI + args, capture_output=True, text=True, cwd=ROOT, env=env(),
                          timeout=timeout)


def test_ctrl_c_stops_a_multi_seed_run_and_saves_what_finished(tmp_path):
    """SIGINT once a run has finished: the CLI stops (no traceback), exits 130 and saves exactly
    the finished runs. (The old code trained every seed to the end, then gave a traceback.)"""
    import signal
    import time
    out = tmp_path / "runs.npz"
    proc = subprocess.Popen(CLI + ["--seeds", "0-5", "--sigmas", "5,10", "--adam-step", "0.01",
                                   "--save", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=env())
    err = b""
    deadline = time.monotonic() + 600            # a ceiling for a hang, not a timing
    while time.monotonic() < deadline:
        ch = proc.stderr.read1(4096)
        if not ch:
            break
        err += ch
        finished = [int(m) for m in re.findall(rb"\] (\d+)/24 runs finished", err)]
        if finished and finished[-1] >= 1:
            break
    proc.send_signal(signal.SIGINT)
    stdout, rest = proc.communicate(timeout=600)
    err = (err + rest).decode()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted:" in err
    with np.load(out) as z:
        n = len(z["seed"])
        assert 1 <= n < 24 and z["theta_end"].shape == (n, nets.default_spec().size)
    assert f"interrupted: {n} of 24 runs had finished" in err


@pytest.mark.parametrize("seeds, match", [("0-3000000000", "at most"), ("0-9999", "GiB")])
def test_huge_seed_ranges_are_refused_before_allocating(seeds, match):
    out = run_cli(["--seeds", seeds, "--max-epochs", "1", "--quiet"], timeout=120)
    assert out.returncode == 2 and match in out.stderr and "Traceback" not in out.stderr


def test_huge_seed_ranges_in_the_api():
    with pytest.raises(ValueError, match="at most"):
        experiments.parse_seeds("0-3000000000")
    with pytest.raises(MemoryError, match="GiB"):
        experiments.sweep(range(9000), max_epochs=1)
    with pytest.raises(MemoryError, match="GiB"):
        training.check_memory(10 ** 7, 100)


@pytest.mark.parametrize("name, match", [("missing/out.npz", "does not exist"),
                                         ("out.txt", "must end in .npz"),
                                         ("adir", "must end in .npz"),
                                         ("afile/out.npz", "does not exist")])
def test_save_is_checked_before_training(tmp_path, name, match):
    (tmp_path / "afile").write_text("x")
    out = run_cli(["--sigmas", "10", "--max-epochs", "1", "--save", str(tmp_path / name)])
    assert out.returncode == 2 and "--save" in out.stderr and match in out.stderr
    assert "runs finished" not in out.stderr            # refused before any training
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_save_refuses_an_unwritable_folder():
    out = run_cli(["--sigmas", "10", "--max-epochs", "1", "--save", "/proc/out.npz"])
    assert out.returncode == 2 and "cannot write" in out.stderr and "runs finished" not in out.stderr


def test_save_keeps_the_name_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "runs.npz"
    args = ["--sigmas", "10", "--max-epochs", "1", "--quiet", "--save", str(target)]
    assert run_cli(args).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.npz"]
    first = target.read_bytes()
    again = run_cli(args)
    assert again.returncode == 2 and "--force" in again.stderr and target.read_bytes() == first
    assert run_cli(args + ["--force"]).returncode == 0
    with np.load(target) as z:
        assert list(z["sigma"]) == [10.0, 10.0] and list(z["algorithm"]) == ["adam", "sgd"]


def _copy_study(tmp_path):
    import shutil
    for suffix in (".json", ".npz"):
        shutil.copy(experiments.STUDY_DIR / f"{experiments.STUDY_NAME}{suffix}", tmp_path)
    return tmp_path / f"{experiments.STUDY_NAME}.json", tmp_path / f"{experiments.STUDY_NAME}.npz"


def _rewrite_npz(path, change):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _reverse_rows(a):
    a["theta_end"] = a["theta_end"][::-1].copy()


def _cut_theta(a):
    a["theta_end"] = a["theta_end"][:, :100].copy()


@pytest.mark.parametrize("damage", ["truncate npz", "garbage json", "drop records", "reverse rows",
                                    "cut theta", "reverse rows, checksum updated"])
def test_a_damaged_study_says_run_make_study(tmp_path, damage):
    import hashlib
    js, nz = _copy_study(tmp_path)
    if damage == "truncate npz":
        nz.write_bytes(nz.read_bytes()[:5000])
    elif damage == "garbage json":
        js.write_text(js.read_text()[:1000])
    elif damage == "drop records":
        meta = json.loads(js.read_text())
        del meta["records"][3]
        js.write_text(json.dumps(meta))
    elif damage == "reverse rows":
        _rewrite_npz(nz, _reverse_rows)
    elif damage == "cut theta":
        _rewrite_npz(nz, _cut_theta)
    else:                                   # a consistent checksum does not hide swapped rows
        _rewrite_npz(nz, _reverse_rows)
        meta = json.loads(js.read_text())
        meta["npz_sha256"] = hashlib.sha256(nz.read_bytes()).hexdigest()
        js.write_text(json.dumps(meta))
    with pytest.raises(experiments.StudyCorrupt, match=r"study is corrupt: run `make study`"):
        experiments.load_study(str(tmp_path))


def test_the_shipped_study_passes_its_checks():
    study = experiments.load_study()
    assert study.check() is study
