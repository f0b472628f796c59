r"""The slides' claims about Adam and SGD, each checked on every (seed, σ) pair of a study setting.

Each claim is a yes/no question about one pair (Adam's run and SGD's run of the same seed and σ,
same θ0 and batches) or one run; :func:`claim_table` counts where it is true, with a 95 % Wilson
interval (:mod:`.stats`) and a verdict, for one or several settings (Adam's steps). A claim
that needs a number the setting did not measure (the off-curve accuracy and the normalized
sharpness exist only in the fair settings; the flat radius only in "main" and the fair ones, and
only for runs that end at zero loss) counts only the cases that have it: ``n`` says how many.
"""

from __future__ import annotations

from .stats import overall_verdict, verdict, wilson

__all__ = ["CLAIMS", "claim_counts", "claim_table", "claim_markdown"]

SMALL, LARGE = (0.01, 0.1, 1.0), (5.0, 10.0)


def _pair(field, better):
    """A pair test on ``field``: ``better(adam, sgd)`` (None if either is missing)."""
    def test(a, s):
        x, z = a.get(field), s.get(field)
        return None if x is None or z is None else bool(better(x, z))
    return test


#: name -> (slide, σ values, kind, test). kind "pair": test(adam_record, sgd_record);
#: "run": test(record) over both algorithms; "sgd": test(sgd_record).
CLAIMS = {
    "runs end at training loss 0": ("40-49", SMALL + LARGE, "run", lambda r: r["final_loss"] == 0.0),
    "σ ≤ 1: Adam ends with the larger ‖θ_end‖": ("50", SMALL, "pair", _pair("norm_theta_end", lambda a, s: a > s)),
    "σ ≤ 1: Adam's bound L_m is larger": ("50", SMALL, "pair", _pair("lipschitz_end", lambda a, s: a > s)),
    "σ ≤ 1: Adam's L_m ≥ 10× SGD's": ("50", SMALL, "pair", _pair("lipschitz_end", lambda a, s: a >= 10 * s)),
    "σ ≤ 1: Adam's measured Lipschitz constant is larger": ("50", SMALL, "pair",
                                                             _pair("lipschitz_measured", lambda a, s: a > s)),
    "σ ≤ 1: Adam's test accuracy is lower (near the curves)": ("50, 54", SMALL, "pair",
                                                               _pair("test_accuracy", lambda a, s: a < s)),
    "σ ≤ 1: Adam's test accuracy is lower (off the curves)": ("50, 54", SMALL, "pair",
                                                              _pair("test_accuracy_plane", lambda a, s: a < s)),
    "σ ≤ 1: Adam's Gauss–Newton λmax is larger (raw)": ("54", SMALL, "pair",
                                                        _pair("sharpness", lambda a, s: a > s)),
    "σ ≤ 1: Adam's λmax / mean m² is larger": ("54", SMALL, "pair",
                                              _pair("sharpness_normalized", lambda a, s: a > s)),
    "σ ≤ 1: Adam's flat radius is smaller": ("54", SMALL, "pair", _pair("flat_radius", lambda a, s: a < s)),
    "σ = 10: Adam's flat radius is smaller (slides 55-57)": ("55-57", (10.0,), "pair",
                                                             _pair("flat_radius", lambda a, s: a < s)),
    "σ = 10: Adam's λmax / mean m² is larger": ("55-57", (10.0,), "pair",
                                               _pair("sharpness_normalized", lambda a, s: a > s)),
    "σ ≥ 5: SGD shrinks ‖θ‖ by more than 5 %": ("50", LARGE, "sgd",
                                                lambda r: r["norm_theta_end"] < 0.95 * r["norm_theta0"]),
    "‖θ_end‖ within 10 % of ‖θ0‖ (all runs)": ("37", SMALL + LARGE, "run",
                                                lambda r: abs(r["norm_theta_end"] / r["norm_theta0"] - 1) <= 0.1),
}


def claim_counts(study, setting, name):
    """``(k, n)``: in how many of the setting's cases the claim ``name`` is true. A case whose
    number is missing (the flat radius of a run that does not end at zero loss, a field the
    setting did not measure) is left out of n; None if no case is left."""
    slide, sigmas, kind, test = CLAIMS[name]
    k = n = 0
    for seed in study.seeds:
        for s in sigmas:
            a, g = study.record(s, "adam", seed, setting), study.record(s, "sgd", seed, setting)
            outs = ([test(a, g)] if kind == "pair" else [test(g)] if kind == "sgd"
                    else [test(a), test(g)])
            for o in outs:
                if o is not None:
                    k, n = k + bool(o), n + 1
    return (k, n) if n else None


def claim_table(study, settings, claims=None):
    """One dict per claim: ``name``, ``slide``, and per setting ``(k, n, lo, hi, verdict)`` (or
    None), plus ``overall`` (:func:`.stats.overall_verdict` over the settings)."""
    rows = []
    for name in claims or CLAIMS:
        row = {"name": name, "slide": CLAIMS[name][0], "cells": {}}
        for st in settings:
            c = claim_counts(study, st, name)
            row["cells"][st] = None if c is None else (*c, *wilson(*c), verdict(*c))
        row["overall"] = overall_verdict([c[4] for c in row["cells"].values() if c is not None])
        rows.append(row)
    return rows


def claim_markdown(rows, labels=None):
    """The claim table as markdown: ``k/n  [lo, hi]`` per setting and the overall verdict."""
    settings = list(rows[0]["cells"])
    labels = labels or {}
    head = ["claim", "slide"] + [labels.get(s, s) for s in settings] + ["verdict"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = []
        for st in settings:
            c = row["cells"][st]
            cells.append("–" if c is None else f"{c[0]}/{c[1]} [{100 * c[2]:.0f}–{100 * c[3]:.0f} %]")
        out.append("| " + " | ".join([row["name"], row["slide"]] + cells + [row["overall"] or "–"]) + " |")
    return "\n".join(out)
