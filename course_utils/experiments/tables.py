"""The σ experiment's results as JSON records, an npz file and markdown tables."""

from __future__ import annotations

import math

import numpy as np

from .config import SLIDES
from .runs import SweepResults

def _finite(x):
    """A JSON-safe number: NaN and infinities become None (JSON null)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def records(results, metrics=None):
    """One JSON-ready dict per run (the fields the CLI's ``--json`` prints); NaN becomes None.

    ``metrics``: optional list of dicts from :func:`measure`, one per result.
    """
    out = []
    for k, r in enumerate(results):
        rec = {
            "seed": r.seed, "sigma": r.sigma, "algorithm": r.algorithm, "step": r.config.step,
            "iterations": r.iterations, "epochs": r.epochs, "converged": r.converged,
            "diverged": r.diverged, "final_loss": _finite(r.final_loss),
            "train_accuracy": _finite(r.train_accuracy),
            "norm_theta0": _finite(r.norm_theta0), "norm_theta_end": _finite(r.norm_theta_end),
            "lipschitz_theta0": _finite(r.lipschitz_theta0), "lipschitz_end": _finite(r.lipschitz_end),
        }
        if metrics is not None:
            rec.update({key: _finite(v) for key, v in metrics[k].items()})
            rec["sharpness_kind"] = "gauss_newton_top_eigenvalue"
        out.append(rec)
    return out


def save_npz(path, results):
    """Write ``theta_end`` (runs x P) with ``seed``, ``sigma``, ``algorithm``, ``step`` and
    ``diverged`` arrays, in the order of ``results`` (the JSON's order)."""
    np.savez_compressed(
        path, theta_end=np.stack([r.theta_end for r in results]),
        seed=np.array([r.seed for r in results]), sigma=np.array([r.sigma for r in results]),
        algorithm=np.array([r.algorithm for r in results]),
        step=np.array([r.config.step for r in results]),
        diverged=np.array([r.diverged for r in results]))


def _sci(x):
    if not math.isfinite(x):
        return "–"
    m, e = f"{x:.1e}".split("e")
    return f"{m}e{int(e)}"


def table_markdown(results, metrics=None):
    """The conclusions table as markdown, at the slides' layout and a run-to-run stable precision.

    Several seeds: one row per (seed, σ) with a seed column. With ``metrics`` (from :func:`measure`)
    the test accuracies are added. A diverged run shows ``diverged``.
    """
    results = SweepResults(results)
    metric = {id(r): m for r, m in zip(results, metrics)} if metrics is not None else {}
    seeds = sorted(results.seeds)
    many = len(seeds) > 1
    sigmas = sorted(results.sigmas)
    head = ["σ", "Adam ‖θ0‖", "Adam ‖θend‖", "Adam L_m", "SGD ‖θ0‖", "SGD ‖θend‖", "SGD L_m"]
    if metrics is not None:
        head += ["Adam test acc.", "SGD test acc."]
    if many:
        head = ["seed"] + head
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k in seeds:
        for s in sigmas:
            cells = ([str(k)] if many else []) + [f"{s:g}"]
            acc = []
            for alg in ("adam", "sgd"):
                try:
                    r = results.get(s, alg, seed=k)
                except KeyError:
                    cells += ["–"] * 3
                    acc.append("–")
                    continue
                if r.diverged:
                    cells += [f"{r.norm_theta0:.3g}", "diverged", "–"]
                    acc.append("–")
                    continue
                end = f"{r.norm_theta_end:.3g}" if r.converged else f"{r.norm_theta_end:.3g} (not 0)"
                cells += [f"{r.norm_theta0:.3g}", end, _sci(r.lipschitz_end)]
                a = metric[id(r)]["test_accuracy"] if metrics is not None else None
                acc.append("–" if a is None else f"{100 * a:.1f} %")
            if metrics is not None:
                cells += acc
            lines.append("| " + " | ".join(cells) + " |")
    n_div = sum(r.diverged for r in results)
    if n_div:
        lines.append(f"\n{n_div} of {len(results)} runs diverged (left out of any statistic).")
    return "\n".join(lines)


def slides_markdown():
    """The slides' table in the same layout."""
    lines = ["| σ | Adam ‖θ0‖ | Adam ‖θend‖ | Adam L_m | SGD ‖θ0‖ | SGD ‖θend‖ | SGD L_m |",
             "|---|---|---|---|---|---|---|"]
    for s, row in SLIDES.items():
        cells = [f"{s:g}"]
        for alg in ("adam", "sgd"):
            n0, n1, lm = row[alg]
            cells += [f"{n0:g}", f"{n1:g}", _sci(lm)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)




def protocol_markdown(tuned):
    """The step choice of :func:`.protocol.select_steps` as markdown: per optimizer and σ, every
    tried step with its median epochs to zero loss (or how many tuning runs failed), the chosen
    one in bold."""
    chosen = tuned["chosen"]
    sigmas = sorted({t["sigma"] for t in tuned["tried"]})
    lines = ["| optimizer | σ | tried steps: median epochs to loss 0 (✗ = a tuning run did not get "
             "there) | chosen |", "|---|---|---|---|"]
    for alg in ("sgd", "adam"):
        for i, s in enumerate(sigmas):
            cells = []
            for t in tuned["tried"]:
                if t["algorithm"] == alg and t["sigma"] == s:
                    e = "✗" if t["epochs"] is None else f"{t['epochs']:.0f}"
                    txt = f"{t['step']:.0e}: {e}"
                    cells.append(f"**{txt}**" if t["step"] == chosen[alg][i] else txt)
            lines.append(f"| {'SGD' if alg == 'sgd' else 'Adam'} | {s:g} | {', '.join(cells)} | "
                         f"{chosen[alg][i]:.0e} |")
    return "\n".join(lines)
