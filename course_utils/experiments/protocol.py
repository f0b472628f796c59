r"""A fair protocol for comparing Adam and SGD: the step of each optimizer chosen per σ by one rule.

The lecture's setting (:data:`.config.ADAM_STEP`, :data:`.config.SGD_STEPS`) gives Adam 1e-2 at
every σ and SGD steps that are 2-30 % of its stability limit, and stops every run at its first
zero-loss epoch. A comparison of the minima the two reach is fair only if neither is handicapped
by its step or by where it stops. The protocol:

1. **One grid for both.** Steps from the 1-3 grid ``1e-12, 3e-12, 1e-11, ..., 0.3, 1``
   (:data:`GRID`). For each optimizer and σ a *window* of it is tried: Adam
   :data:`ADAM_WINDOW` (3e-4 to 0.1, every σ); SGD the :data:`SGD_CANDIDATES` largest grid steps
   that are stable on every tuning seed (:func:`.measures.largest_stable_step`: 20 epochs without
   blowing up or raising the loss). Larger SGD steps diverge; the printed table shows that the
   smallest tried are slower, so the window does not cut the choice.
2. **One rule.** On the tuning seeds :data:`TUNE_SEEDS` (100-102, never used by the study, so
   the choice is not fitted to the seeds it is judged on), the chosen step is the one with the
   fewest epochs to zero training loss (median over the seeds) among the steps at which every
   tuning run reaches zero loss within :data:`TUNE_MAX_EPOCHS` without diverging.
3. **The same budget past zero loss.** Every run of the study then trains :data:`EXTRA_EPOCHS`
   epochs past its first zero-loss epoch (``extra_epochs`` of :func:`.runs.sweep`), so the end
   points compared are where each optimizer settles, not where it first enters the zero-loss
   region. (At zero hinge loss every gradient is 0: SGD stays put; Adam coasts on its momentum.)
4. **Adam's practical range.** Because conclusions turn on Adam's step, the study also trains
   Adam at each of :data:`ADAM_STEPS` (1e-3, 3e-3, 1e-2) against the same SGD runs.

:func:`select_steps` runs steps 1-2 and returns every tried step's numbers, so the choice can be
printed and checked.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import _checks, training
from .config import SIGMAS, _seeds, _sigmas, data
from .measures import largest_stable_step

__all__ = ["GRID", "ADAM_WINDOW", "SGD_CANDIDATES", "TUNE_SEEDS", "TUNE_MAX_EPOCHS",
           "EXTRA_EPOCHS", "ADAM_STEPS", "candidates", "select_steps", "RULE"]

#: The step grid shared by both optimizers: 1 and 3 times every power of ten from 1e-12 to 1.
GRID = tuple(sorted(float(f"{m}e{e}") for e in range(-12, 1) for m in (1, 3) if m * 10.0 ** e <= 1))
#: Adam's window of the grid (the same at every σ: Adam's step is a distance per coordinate).
ADAM_WINDOW = (3e-4, 1e-1)
#: How many of the largest stable grid steps SGD tries at each σ.
SGD_CANDIDATES = 5
#: Seeds of the step choice, disjoint from the study's seeds 0-9.
TUNE_SEEDS = (100, 101, 102)
TUNE_MAX_EPOCHS = 2000
#: Epochs every run trains past its first zero-loss epoch in the fair settings.
EXTRA_EPOCHS = 100
#: Adam's practical range: the study trains each of these against the rule's SGD steps.
ADAM_STEPS = (1e-3, 3e-3, 1e-2)
RULE = ("the grid step with the fewest epochs to zero training loss (median over tuning seeds "
        "100-102) among the steps at which every tuning run reaches zero loss within 2000 epochs "
        "without diverging")


def _on_grid(x):
    """The grid value nearest to x on a log scale."""
    g = np.array(GRID)
    return float(g[np.argmin(np.abs(np.log(g) - math.log(x)))])


def candidates(algorithm, sigma, stable=None):
    """The grid steps tried for ``algorithm`` at ``sigma``: Adam's window, or SGD's
    :data:`SGD_CANDIDATES` largest grid steps not above ``stable`` (its largest stable step,
    the minimum over the tuning seeds)."""
    if algorithm == "adam":
        return tuple(g for g in GRID if ADAM_WINDOW[0] * (1 - 1e-9) <= g <= ADAM_WINDOW[1] * (1 + 1e-9))
    if algorithm == "sgd":
        if stable is None:
            raise ValueError("candidates('sgd', ...) needs stable=, SGD's largest stable step")
        below = [g for g in GRID if g <= _checks.positive(stable, "stable")]
        return tuple(below[-SGD_CANDIDATES:])
    raise ValueError(f"algorithm must be 'adam' or 'sgd'; got {algorithm!r}")


def select_steps(seeds=TUNE_SEEDS, sigmas=SIGMAS, max_epochs=TUNE_MAX_EPOCHS, workers=2,
                 progress=None):
    """Choose each optimizer's step per σ by :data:`RULE`.

    Returns ``{"chosen": {"adam": (one step per σ), "sgd": (...)}, "tried": [...], "stable":
    {σ: SGD's largest stable step (min over seeds)}, "seeds": [...], "rule": RULE}``; ``tried``
    has one dict per (algorithm, σ, step): ``epochs`` (median epochs to zero loss over the seeds,
    None if a run did not get there), ``converged`` (how many of the seeds reached zero loss) and
    ``diverged`` (how many blew up). Trains about 165 runs (minutes on 2 cores).
    """
    seeds = _seeds(seeds)
    sigmas = _sigmas(sigmas)
    max_epochs = _checks.positive_int(max_epochs, "max_epochs")
    stable_all = largest_stable_step(sigmas, seeds)
    stable = {s: min(stable_all[(k, s)][0] for k in seeds) for s in sigmas}
    configs = [training.RunConfig(s, alg, g, seed=k)
               for alg in ("adam", "sgd") for s in sigmas
               for g in candidates(alg, s, stable[s] if alg == "sgd" else None) for k in seeds]
    X, y = data()
    workers = max(1, min(_checks.positive_int(workers, "workers"), len(seeds)))
    parts = [[c for c in configs if c.seed in seeds[w::workers]] for w in range(workers)]
    lock = threading.Lock()
    done = [0] * workers

    def run(w):
        def report(d, total, epoch):
            if progress is not None:
                with lock:
                    done[w] = d
                    progress(sum(done), len(configs), epoch)
        return training.train(parts[w], X, y, max_epochs=max_epochs, progress=report)

    with ThreadPoolExecutor(workers) as ex:
        outs = list(ex.map(run, range(workers)))
    res = {c: r for part, out in zip(parts, outs) for c, r in zip(part, out)}
    tried, chosen = [], {"adam": [], "sgd": []}
    for alg in ("adam", "sgd"):
        for s in sigmas:
            best = None
            for g in candidates(alg, s, stable[s] if alg == "sgd" else None):
                rs = [res[training.RunConfig(s, alg, g, seed=k)] for k in seeds]
                conv = sum(r.converged for r in rs)
                ep = float(np.median([r.epochs for r in rs])) if conv == len(rs) else None
                tried.append({"algorithm": alg, "sigma": s, "step": g, "epochs": ep,
                              "converged": conv, "diverged": sum(r.diverged for r in rs)})
                if ep is not None and (best is None or ep < best[0]):
                    best = (ep, g)
            if best is None:
                raise RuntimeError(f"no step of {alg}'s window reaches zero loss on every tuning "
                                   f"seed at sigma={s:g}: widen the window or max_epochs")
            chosen[alg].append(best[1])
    return {"chosen": {a: tuple(v) for a, v in chosen.items()}, "tried": tried,
            "stable": {s: stable[s] for s in sigmas}, "seeds": list(seeds), "rule": RULE}
