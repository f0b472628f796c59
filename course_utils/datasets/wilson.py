r"""The linear classification problem on which adaptive methods generalize badly.

Wilson, Roelofs, Stern, Srebro and Recht, "The marginal value of adaptive gradient methods in
machine learning", NeurIPS 2017, section 3.3 ("Adaptivity can overfit").

Construction
------------
Example i has a label :math:`y_i \in \{+1, -1\}`, drawn independently with
:math:`P(y_i = +1) = p > 1/2`, and a feature vector :math:`x_i \in \mathbb{R}^d` with

.. math::
    x_{i,1} = y_i, \qquad x_{i,2} = x_{i,3} = 1, \qquad
    x_{i,j} = 1 \ \text{for } j = 4 + 5(i-1), \dots, 4 + 5(i-1) + 2(1 - y_i), \qquad
    x_{i,j} = 0 \ \text{otherwise}.

So the first coordinate carries the label, coordinates 2 and 3 are a shared bias, and each
example owns a private "signature" block of 5 coordinates in which it switches on **one**
coordinate when :math:`y_i = +1` and **all five** when :math:`y_i = -1`. Only the first coordinate
generalizes; the signatures let any model memorize the training set. With N examples in all,
:math:`d = 3 + 5N`. (The paper takes :math:`d = 6n`, enough room for the blocks; the unused
trailing coordinates change nothing.)

Test examples are built the same way with their *own* signature blocks (after the training
ones), so a model has never seen their signatures: on a test point only coordinates 1-3 matter.

What the paper proves (for least squares :math:`\frac12\|Xw - y\|^2` from :math:`w_0 = 0`)
-------------------------------------------------------------------------------------------
* (S)GD converges to the minimum-norm solution :math:`X^+y`, which puts a positive weight on the
  first coordinate large enough that :math:`\operatorname{sign}\langle w, x\rangle = y` on every
  test point: test error 0.
* AdaGrad, RMSprop and Adam converge to :math:`w \propto \operatorname{sign}(X^Ty)` (Lemma 3.1:
  :math:`X\operatorname{sign}(X^Ty) = c\,y`, here with :math:`c = 4`, so every gradient is
  parallel to :math:`X^Ty` and the diagonal metric turns it into its sign). That w is
  :math:`\tfrac14` on coordinates 1-3, so on a test point :math:`\langle w, x\rangle = (y + 2)/4 >
  0`: it predicts +1 for everyone, and its test error is the fraction of negative examples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _checks

__all__ = ["WilsonData", "make_wilson", "features", "error_rate", "BLOCK"]

BLOCK = 5   # coordinates of the signature block of one example


class WilsonData(NamedTuple):
    X_train: np.ndarray   # (n_train, d)
    y_train: np.ndarray   # (n_train,) entries +-1
    X_test: np.ndarray    # (n_test, d)
    y_test: np.ndarray    # (n_test,)


def features(y, offset=0, d=None):
    r"""Feature vectors (rows) for labels ``y``, example i using signature block ``offset + i``.

    ``d`` defaults to :math:`3 + 5(\text{offset} + \text{len}(y))`.
    """
    y = _checks.as_vector(y, "y")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("labels y must be +1 or -1")
    offset = _checks.nonnegative_int(offset, "offset")
    N = y.shape[0]
    need = 3 + BLOCK * (offset + N)
    d = need if d is None else _checks.positive_int(d, "d")
    if d < need:
        raise ValueError(f"d = {d} leaves no room for the signature blocks: need d >= {need}")
    X = np.zeros((N, d))
    X[:, 0] = y
    X[:, 1:3] = 1.0
    start = 3 + BLOCK * (offset + np.arange(N))             # 0-based first signature coordinate
    width = np.where(y > 0, 1, BLOCK)                       # 1 + 2(1 - y): 1 or 5 ones
    cols = start[:, None] + np.arange(BLOCK)                # (N, 5)
    on = np.arange(BLOCK) < width[:, None]
    rows = np.broadcast_to(np.arange(N)[:, None], cols.shape)
    X[rows[on], cols[on]] = 1.0
    return X


def make_wilson(n_train=40, n_test=400, p=0.7, seed=0):
    r"""A seeded draw of Wilson et al.'s data set (see the module docstring).

    Parameters
    ----------
    n_train, n_test : number of training and test examples
    p : probability of the label +1, in (1/2, 1) (the construction needs a positive majority)
    seed : seed of ``np.random.default_rng``

    Returns
    -------
    WilsonData(X_train, y_train, X_test, y_test)
        All features live in :math:`\mathbb{R}^d`, :math:`d = 3 + 5(n_\text{train} + n_\text{test})`;
        test examples use the signature blocks after the training ones. The training labels are
        redrawn (same seed stream) until the majority is strictly positive, as the paper assumes.

    Example
    -------
    >>> data = make_wilson(n_train=4, n_test=2, seed=1)
    >>> data.X_train.shape, data.X_test.shape
    ((4, 33), (2, 33))
    """
    n_train = _checks.positive_int(n_train, "n_train")
    n_test = _checks.positive_int(n_test, "n_test")
    if not (isinstance(p, (int, float)) and 0.5 < p < 1.0):
        raise ValueError(f"p = P(y = +1) must lie in (1/2, 1); got {p!r}")
    seed = _checks.seed(seed)
    d = 3 + BLOCK * (n_train + n_test)
    _checks.check_memory((n_train + n_test) * d * 8, "n_train", n_train,
                         f"the features of n_train + n_test = {n_train + n_test} examples in R^{d}",
                         hint="Every example adds 5 dimensions: use a few hundred examples")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        y_train = np.where(rng.random(n_train) < p, 1.0, -1.0)
        if y_train.sum() > 0:
            break
    else:  # pragma: no cover - needs an absurd p close to 1/2 and tiny n_train
        raise ValueError("could not draw a positive majority; raise p or n_train")
    y_test = np.where(rng.random(n_test) < p, 1.0, -1.0)
    return WilsonData(features(y_train, 0, d), y_train, features(y_test, n_train, d), y_test)


def error_rate(w, X, y):
    r"""Fraction of rows with :math:`\operatorname{sign}\langle w, x_i\rangle \ne y_i` (0 counts as wrong).

    ``w`` may be one weight vector ``(d,)`` or a batch ``(..., d)``; returns a float or an array.
    """
    X = _checks.as_array(X, "X", ndim=2)
    y = _checks.as_vector(y, "y", X.shape[0])
    w = _checks.as_points(w, "w", X.shape[1])
    out = np.mean(np.sign(w @ X.T) != y, axis=-1)
    return float(out) if np.ndim(out) == 0 else out
