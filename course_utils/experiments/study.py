"""The shipped study (``make study``): trained and measured once, stored in
``course_utils/data/sharp_flat_study.{json,npz}``, loaded and checked by :func:`load_study`."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .. import landscape, nets, training
from .. import _checks
from . import protocol
from .config import (PLANE_TEST_SET, SIGMAS, TEST_SET, _algorithms, _seeds, check_step, data,
                     plane_test_data, test_data)
from .measures import (LANDSCAPE_N, LANDSCAPE_SPANS, decision_arrays, landscape_grids,
                       largest_stable_step, measure)
from .runs import SweepResults, sweep
from .tables import records

#: Where the shipped study lives (``make study`` regenerates it): JSON records + npz arrays.
STUDY_DIR = Path(__file__).resolve().parent.parent / "data"
STUDY_NAME = "sharp_flat_study"
STUDY_SEEDS = tuple(range(10))
#: The settings of the study: name -> ``step`` (the argument of :func:`sweep`; missing keys take
#: the defaults). "main" is the lecture's setting; the others probe the sensitivity to Adam's step
#: and to SGD's (the notebook's open exercise).
STUDY_SETTINGS = {
    "main": {},
    "adam 1e-3": {"adam": 1e-3},
    "adam 3e-3": {"adam": 3e-3},
    "sgd near limit": {"sgd": (0.3, 0.3, 0.1, 1.5e-6, 3e-10)},
}


def build_study(seeds=STUDY_SEEDS, settings=STUDY_SETTINGS, progress=None, workers=None,
                log=print, fair=True):
    """Train and measure the whole study; returns ``(meta, arrays)`` for :func:`save_study`.

    ``meta["records"]``: one record per run (:func:`records` fields + :func:`measure`'s, and the
    ``setting`` name and the share of a 21 x 21 plain landscape grid with loss 0). ``arrays``:
    ``theta_end`` of every seed-``seeds[0]`` run, the L_m histories of those runs, the landscape
    grids of the main setting and the largest stable SGD steps. ``settings``: name -> ``step``
    (:data:`STUDY_SETTINGS`; the JSON stores each as ``adam_step`` and ``sgd_steps``).
    ``fair``: also choose the steps by the fair protocol and add its settings
    (:func:`add_fair_settings`).
    """
    seeds = _seeds(seeds)
    if not isinstance(settings, dict) or "main" not in settings:
        raise ValueError(f"settings must be a dict name -> step with a 'main' setting (the "
                         f"landscape grids are of its runs); got {settings!r}")
    X, y = data()
    Xt, yt = test_data()
    meta = {"seeds": list(seeds), "sigmas": list(SIGMAS), "test_set": TEST_SET,
            "settings": [], "sharpness_kind": "gauss_newton_top_eigenvalue", "records": [],
            "timings": {}}
    arrays = {"theta_rows": [], "theta_end": [], "hist": {}}
    for name, step in settings.items():
        step = check_step(step)
        meta["settings"].append({"name": name, "adam_step": step["adam"],     # the stored field
                                 "sgd_steps": list(step["sgd"])})              # names of the JSON
        t0 = time.perf_counter()
        res = sweep(seeds, SIGMAS, step, progress=progress, workers=workers)
        t1 = time.perf_counter()
        mets = [measure(r, X, y, Xt, yt, flat_radius=(name == "main") and r.converged) for r in res]
        recs = records(res, mets)
        for rec, r in zip(recs, res):
            rec["setting"] = name
            rec["landscape_zero_fraction"] = None
            if name == "main" and r.converged:
                d1, d2 = landscape.directions(r.theta_end, seed=0)
                ab = np.linspace(-1, 1, 21)
                rec["landscape_zero_fraction"] = float(np.mean(
                    landscape.loss_grid(r.theta_end, d1, d2, X, y, ab, ab) == 0))
            if r.seed == seeds[0]:
                key = f"{name}|{r.sigma:g}|{r.algorithm}"
                arrays["theta_rows"].append(key)
                arrays["theta_end"].append(r.theta_end)
                arrays["hist"][key] = (r.history["lipschitz_epoch"], r.history["lipschitz"])
        meta["records"] += recs
        meta["timings"][name] = {"train_s": round(t1 - t0, 1),
                                 "measure_s": round(time.perf_counter() - t1, 1)}
        log(f"{name}: {len(res)} runs trained in {t1 - t0:.1f} s, measured in "
            f"{time.perf_counter() - t1:.1f} s")
        if name == "main":
            main = res
    t0 = time.perf_counter()
    stable = largest_stable_step(SIGMAS, seeds)
    meta["stable_sgd_step"] = [{"seed": k, "sigma": s, "stable": a, "unstable": b}
                               for (k, s), (a, b) in stable.items()]
    log(f"largest stable SGD steps (bisection): {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    grids = {}
    for s in SIGMAS:
        for kind in LANDSCAPE_SPANS:
            ab, Z = landscape_grids(main.get(s, "sgd", seeds[0]).theta_end,
                                    main.get(s, "adam", seeds[0]).theta_end, kind)
            for alg in Z:
                grids[f"{s:g}|{kind}|{alg}"] = Z[alg]
    arrays["grids"] = grids
    meta["landscape"] = {"spans": LANDSCAPE_SPANS, "n": LANDSCAPE_N, "seed": seeds[0],
                         "directions_seed": 0}
    log(f"landscape grids: {time.perf_counter() - t0:.1f} s")
    if fair:
        add_fair_settings(meta, arrays, seeds, progress=progress, log=log)
    return meta, arrays


#: The fair settings' names: Adam at each step of :data:`.protocol.ADAM_STEPS`, and at the rule's
#: step per σ ("fair: adam by rule"), each against SGD at the rule's step, every run trained
#: :data:`.protocol.EXTRA_EPOCHS` epochs past its first zero-loss epoch.
FAIR_PREFIX = "fair: "
FAIR_DEFAULT = "fair: adam by rule"
#: Flat-radius directions per run in the fair settings (spread reported as quartiles).
FAIR_DIRECTIONS = 30


def fair_setting_names():
    return [f"{FAIR_PREFIX}adam {g:g}" for g in protocol.ADAM_STEPS] + [FAIR_DEFAULT]


def _measure_all(runs, workers=2, **kw):
    """:func:`measure` of every run, in ``workers`` threads (numpy releases the GIL)."""
    X, y = data()
    Xt, yt = test_data()
    plane = plane_test_data()
    with ThreadPoolExecutor(max(1, workers)) as ex:
        return list(ex.map(lambda r: measure(r, X, y, Xt, yt, plane=plane, **kw), runs))


def add_fair_settings(meta, arrays, seeds=STUDY_SEEDS, tuned=None, progress=None, log=print):
    """Add the fair protocol's settings (:mod:`.protocol`) to a study's ``(meta, arrays)``.

    ``tuned``: the result of :func:`.protocol.select_steps` (run when None; minutes). SGD is
    trained once at the rule's steps; Adam at each of :data:`.protocol.ADAM_STEPS` and at the
    rule's steps; all with ``extra_epochs=EXTRA_EPOCHS``. Every run is measured by
    :func:`measure` with :data:`FAIR_DIRECTIONS` flat-radius directions (quartiles kept), the
    off-curve test set and the normalized Gauss-Newton eigenvalue. ``meta["protocol"]`` keeps
    the rule, every tried step and the choice; seed ``seeds[0]``'s θ_end is stored for
    :data:`FAIR_DEFAULT`, and decision regions for every fair setting.
    """
    seeds = _seeds(seeds)
    if tuned is None:
        tuned = protocol.select_steps(progress=progress)
    chosen = {a: tuple(float(g) for g in tuned["chosen"][a]) for a in ("adam", "sgd")}
    extra = protocol.EXTRA_EPOCHS
    t0 = time.perf_counter()
    sgd = sweep(seeds, SIGMAS, {"sgd": chosen["sgd"]}, algorithms="sgd", extra_epochs=extra,
                progress=progress)
    adams = {}
    for name, g in zip(fair_setting_names(), list(protocol.ADAM_STEPS) + [chosen["adam"]]):
        adams[name] = sweep(seeds, SIGMAS, {"adam": g}, algorithms="adam", extra_epochs=extra,
                            progress=progress)
    t1 = time.perf_counter()
    log(f"fair settings: trained in {t1 - t0:.1f} s")
    unique = list(sgd) + [r for res in adams.values() for r in res]
    seen, todo = {}, []
    for r in unique:                        # the rule's Adam runs may equal a fixed step's
        key = (r.seed, r.sigma, r.algorithm, r.config.step)
        if key not in seen:
            seen[key] = len(todo)
            todo.append(r)
    mets = _measure_all(todo, flat_radius=True, n_dirs=FAIR_DIRECTIONS, filter_radius=False)
    log(f"fair settings: {len(todo)} runs measured in {time.perf_counter() - t1:.1f} s")
    meta.setdefault("timings", {})["fair"] = {"train_s": round(t1 - t0, 1),
                                              "measure_s": round(time.perf_counter() - t1, 1)}
    meta["protocol"] = {"rule": tuned["rule"], "tune_seeds": list(tuned["seeds"]),
                        "tried": tuned["tried"], "stable": {str(k): v for k, v in tuned["stable"].items()},
                        "chosen": {a: list(v) for a, v in chosen.items()}, "extra_epochs": extra,
                        "adam_steps": list(protocol.ADAM_STEPS), "directions": FAIR_DIRECTIONS,
                        "plane_test_set": PLANE_TEST_SET}
    meta["settings"] = [d for d in meta["settings"] if not d["name"].startswith(FAIR_PREFIX)]
    meta["records"] = [r for r in meta["records"] if not r["setting"].startswith(FAIR_PREFIX)]
    for name, ares in adams.items():
        res = SweepResults(list(ares) + list(sgd))
        adam = ares[0].config.step if name != FAIR_DEFAULT else list(chosen["adam"])
        meta["settings"].append({"name": name, "adam_step": adam, "sgd_steps": list(chosen["sgd"]),
                                 "extra_epochs": extra})
        recs = records(res, [mets[seen[(r.seed, r.sigma, r.algorithm, r.config.step)]] for r in res])
        for rec, r in zip(recs, res):
            rec["setting"] = name
            rec["first_zero_epoch"] = r.first_zero_epoch
            fz = r.first_zero_epoch
            rec["norm_at_first_zero"] = None if fz is None else float(r.history["norm"][fz])
            if r.seed == seeds[0]:
                key = f"{name}|{r.sigma:g}|{r.algorithm}"
                arrays.setdefault("decision_extra", {})[key] = r.theta_end
                if name == FAIR_DEFAULT:
                    arrays["theta_rows"].append(key)
                    arrays["theta_end"].append(r.theta_end)
                    arrays["hist"][key] = (r.history["lipschitz_epoch"], r.history["lipschitz"])
        meta["records"] += recs
    return meta, arrays


def read_study_arrays(directory=None):
    """``(meta, arrays)`` of a stored study, in the form :func:`save_study` writes (to extend it)."""
    study = load_study(directory)
    meta = json.loads(json.dumps(study.meta))
    arrays = {"theta_rows": list(study._theta), "theta_end": [np.array(t) for t in study._theta.values()],
              "hist": {k: (np.array(e), np.array(v)) for k, v in study._hist.items() for e, v in [v]},
              "grids": {k: np.array(g) for k, g in study._grids.items()},
              "decision_extra": {}}
    for key, signs in study._decision.items():
        if key not in study._theta:
            arrays["decision_extra"][key] = signs
    return meta, arrays


def save_study(meta, arrays, directory=None):
    """Write ``<directory>/sharp_flat_study.json`` and ``.npz`` (default: the package's data).

    The JSON keeps the npz's SHA-256 (``npz_sha256``) and the npz's rows, so :func:`load_study`
    can tell a damaged or mismatched pair from a good one."""
    directory = Path(directory) if directory is not None else STUDY_DIR
    directory.mkdir(parents=True, exist_ok=True)
    keys = list(arrays["hist"])
    theta = np.stack(arrays["theta_end"])
    extra = {k: v for k, v in arrays.get("decision_extra", {}).items() if k not in arrays["theta_rows"]}
    dec = decision_arrays(theta)
    n = int(dec["decision_n"])
    if extra:
        bits = []
        for v in extra.values():
            v = np.asarray(v)
            signs = v.reshape(-1) if v.dtype == bool else decision_arrays(v[None])["decision_bits"][0]
            bits.append(np.packbits(signs) if v.dtype == bool else signs)
        dec["decision_bits"] = np.concatenate([dec["decision_bits"], np.stack(bits)])
    npz = directory / f"{STUDY_NAME}.npz"
    np.savez_compressed(
        npz,
        theta_rows=np.array(arrays["theta_rows"]), theta_end=theta,
        decision_rows=np.array(list(arrays["theta_rows"]) + list(extra)),
        hist_keys=np.array(keys),
        hist_len=np.array([len(arrays["hist"][k][0]) for k in keys]),
        hist_epoch=np.concatenate([arrays["hist"][k][0] for k in keys]),
        hist_lipschitz=np.concatenate([arrays["hist"][k][1] for k in keys]),
        grid_keys=np.array(list(arrays["grids"])),
        grids=np.stack(list(arrays["grids"].values())),
        **dec)
    meta = dict(meta)
    meta["npz_sha256"] = hashlib.sha256(npz.read_bytes()).hexdigest()
    meta["npz_rows"] = list(arrays["theta_rows"])
    with open(directory / f"{STUDY_NAME}.json", "w") as fh:
        json.dump(meta, fh, indent=0, allow_nan=False)
        fh.write("\n")
    return directory


class Study:
    """The shipped study, loaded once (:func:`load_study`).

    * ``records``: a list of dicts, one per run (seed, setting, σ, algorithm and every measured
      number); :meth:`values` collects one field over seeds as an array.
    * ``settings``: setting name -> its ``step`` dict ``{"adam": γ, "sgd": (one γ per σ)}``, what
      :func:`sweep` takes (stored in the JSON as ``adam_step`` and ``sgd_steps``);
      :meth:`setting_of` finds the name of a ``step``.
    * :meth:`results`: the seed-0 runs of a setting as a :class:`SweepResults` of
      :class:`course_utils.training.RunResult` (θ_end and L_m history as stored; θ0 recomputed
      from the seed), in :func:`sharp_flat`'s order.
    * :meth:`grid`: the stored landscape grids of the main setting.

    Example
    -------
    >>> study = load_study()
    >>> study.setting_of({"adam": 1e-3}), study.settings["adam 1e-3"]["adam"]
    ('adam 1e-3', 0.001)
    >>> study.results("adam 1e-3").get(0.01, "adam").config.step
    0.001
    """

    def __init__(self, meta, npz):
        self.meta = meta
        self.records = meta["records"]
        self.seeds = tuple(meta["seeds"])
        self.sigmas = tuple(meta["sigmas"])
        self.settings = {d["name"]: {"adam": d["adam_step"] if np.ndim(d["adam_step"]) == 0
                                     else tuple(d["adam_step"]), "sgd": tuple(d["sgd_steps"])}
                         for d in meta["settings"]}
        self.stable_sgd_step = {(d["seed"], d["sigma"]): (d["stable"], d["unstable"])
                                for d in meta["stable_sgd_step"]}
        self._theta = dict(zip(npz["theta_rows"].tolist(), npz["theta_end"]))
        ends = np.cumsum(npz["hist_len"])
        self._hist = {k: (npz["hist_epoch"][e - n:e], npz["hist_lipschitz"][e - n:e])
                      for k, n, e in zip(npz["hist_keys"].tolist(), npz["hist_len"], ends)}
        self._grids = dict(zip(npz["grid_keys"].tolist(), npz["grids"]))
        self._decision = {}
        if "decision_bits" in npz:
            n = int(npz["decision_n"])
            self.decision_grid = {"n": n, "lim": float(npz["decision_lim"])}
            rows = npz["decision_rows"].tolist() if "decision_rows" in npz else npz["theta_rows"].tolist()
            for key, bits in zip(rows, npz["decision_bits"]):
                self._decision[key] = np.unpackbits(bits, count=n * n).reshape(n, n).astype(bool)
        else:
            self.decision_grid = None
        self._by = {(r["setting"], r["seed"], r["sigma"], r["algorithm"]): r for r in self.records}
        for a in list(self._theta.values()) + list(self._grids.values()) + list(self._decision.values()):
            a.flags.writeable = False

    def check(self):
        """Raise :class:`StudyCorrupt` unless the study is whole and consistent: every setting has
        one record per (seed, σ, algorithm) and nothing else, every stored θ_end has P entries,
        belongs to a record and reproduces that record's ‖θ_end‖ (so rows cannot be swapped),
        and the L_m histories and grids have their stated sizes."""
        P = nets.default_spec().size
        names = set(self.settings)
        want = {(n, k, float(s), a) for n in names for k in self.seeds for s in self.sigmas
                for a in training.ALGORITHMS}
        if set(self._by) != want or len(self.records) != len(want):
            raise StudyCorrupt(f"its records are not one per (setting, seed, σ, algorithm): "
                               f"{len(self.records)} records, {len(want)} expected")
        for key, th in self._theta.items():
            name, sigma, alg = key.split("|")
            rec = self._by.get((name, self.seeds[0], float(sigma), alg))
            if th.shape != (P,) or rec is None:
                raise StudyCorrupt(f"stored θ_end row {key!r} has shape {th.shape} or no record")
            if not math.isclose(float(np.linalg.norm(th)), rec["norm_theta_end"], rel_tol=1e-9):
                raise StudyCorrupt(f"stored θ_end row {key!r} does not match its record's "
                                   f"‖θ_end‖ = {rec['norm_theta_end']:.6g}")
            if key not in self._hist:
                raise StudyCorrupt(f"no L_m history for the stored run {key!r}")
        n = self.meta["landscape"]["n"]
        if any(g.shape != (n, n) for g in self._grids.values()):
            raise StudyCorrupt(f"a landscape grid is not {n} x {n}")
        return self

    def record(self, sigma, algorithm, seed=0, setting="main"):
        return self._by[(setting, seed, float(sigma), algorithm)]

    def values(self, field, sigma, algorithm, setting="main"):
        """``field`` of every seed's run, an array over :attr:`seeds` (None -> NaN)."""
        out = [self._by[(setting, k, float(sigma), algorithm)][field] for k in self.seeds]
        return np.array([np.nan if v is None else v for v in out], dtype=float)

    def has_results(self, seed=0, step=None, setting=None):
        """Whether the runs of ``seed`` at ``step`` (or of the named ``setting``) are stored
        (θ_end and L_m histories are stored for seed ``seeds[0]`` only)."""
        setting = setting or self.setting_of(step)
        return seed == self.seeds[0] and setting is not None and \
            f"{setting}|{self.sigmas[0]:g}|adam" in self._theta

    def setting_of(self, step=None):
        """The name of the stored setting with these step sizes (a ``step`` dict as
        :func:`sweep` takes; missing keys are the defaults) that stops at the first zero-loss
        epoch (not a fair setting), or None."""
        want = check_step(step, self.sigmas)
        for name, d in self.settings.items():
            if name.startswith(FAIR_PREFIX):
                continue
            if np.allclose(d["adam"], want["adam"], rtol=1e-9, atol=0.0) and \
                    np.allclose(d["sgd"], want["sgd"], rtol=1e-9, atol=0.0):
                return name
        return None

    def results(self, setting="main", algorithms=training.ALGORITHMS):
        """The stored runs of seed ``seeds[0]`` as a :class:`SweepResults` (Adam's first, then
        SGD's, each in the order of :attr:`sigmas`)."""
        seed = self.seeds[0]
        th0 = nets.init_theta(np.array(self.sigmas), np.random.default_rng(seed))
        out = []
        for alg in _algorithms(algorithms):
            for k, s in enumerate(self.sigmas):
                rec = self.record(s, alg, seed, setting)
                key = f"{setting}|{s:g}|{alg}"
                ep, lip = self._hist[key]
                out.append(training.RunResult(
                    config=training.RunConfig(s, alg, rec["step"], seed=seed), theta0=th0[k],
                    theta_end=self._theta[key], iterations=rec["iterations"], epochs=rec["epochs"],
                    converged=rec["converged"], diverged=rec["diverged"],
                    final_loss=rec["final_loss"], train_accuracy=rec["train_accuracy"],
                    lipschitz_theta0=rec["lipschitz_theta0"], lipschitz_end=rec["lipschitz_end"],
                    history={"lipschitz_epoch": ep, "lipschitz": lip}, seed=seed))
        return SweepResults(out)

    def decision(self, sigma, algorithm, setting="main"):
        """The sign of the stored seed-0 run's m(x) on :attr:`decision_grid`: ``n x n`` values ±1
        (rows follow x2, like :func:`course_utils.plots.classifiers.decision_values`), or None."""
        signs = self._decision.get(f"{setting}|{float(sigma):g}|{algorithm}")
        return None if signs is None else np.where(signs, 1.0, -1.0)

    def grid(self, sigma, kind):
        """``(ab, {"sgd": Z, "adam": Z})``: the stored landscape grids around the seed-0 end points."""
        span, n = self.meta["landscape"]["spans"][kind], self.meta["landscape"]["n"]
        ab = np.linspace(-span, span, n)
        return ab, {alg: self._grids[f"{float(sigma):g}|{kind}|{alg}"] for alg in ("sgd", "adam")}


class StudyCorrupt(ValueError):
    """The shipped study's files are damaged or do not belong together."""

    def __init__(self, detail):
        super().__init__(f"study is corrupt: run `make study` ({detail})")


@functools.lru_cache(maxsize=2)
def load_study(directory=None):
    """The study shipped with the package (``course_utils/data/sharp_flat_study.{json,npz}``),
    made by ``make study``; loaded once and checked (:meth:`Study.check`, and the npz's SHA-256
    against the one the JSON keeps). Raises ``FileNotFoundError`` naming ``make study`` if a
    file is absent, :class:`StudyCorrupt` ("study is corrupt: run `make study`") if it is
    damaged: truncated, not JSON or npz, rows reordered or cut, fields missing."""
    directory = Path(directory) if directory is not None else STUDY_DIR
    js, nz = directory / f"{STUDY_NAME}.json", directory / f"{STUDY_NAME}.npz"
    if not (js.exists() and nz.exists()):
        raise FileNotFoundError(f"the study {js.with_suffix('')}.{{json,npz}} is missing: "
                                f"run `make study` to build it")
    try:
        with open(js, encoding="utf-8") as fh:
            meta = json.load(fh)
        if not isinstance(meta, dict):
            raise StudyCorrupt(f"{js.name} is not a JSON object")
        digest = hashlib.sha256(nz.read_bytes()).hexdigest()
        if meta.get("npz_sha256") != digest:
            raise StudyCorrupt(f"{nz.name} is not the file {js.name} was written with "
                               f"(SHA-256 differs)")
        with np.load(nz, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        if arrays["theta_rows"].tolist() != meta["npz_rows"]:
            raise StudyCorrupt("the npz's rows are not those the JSON lists")
        return Study(meta, arrays).check()
    except StudyCorrupt:
        raise
    except (ValueError, KeyError, TypeError, IndexError, OSError, EOFError,
            zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise StudyCorrupt(f"{type(exc).__name__}: {exc}") from None
