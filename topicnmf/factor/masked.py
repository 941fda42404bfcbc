"""NMF with missing cells: fit ``V ≈ W H`` on the observed cells only (weighted multiplicative
updates or weighted HALS).

Typical use is a ratings table (items × people) where most people rated only some items: a
hidden cell is *unknown*, not zero, so it must not pull the reconstruction towards zero. The
predictions for hidden cells are then ``(W @ H)[i, j]``.

These matrices are small, so everything here is dense (``W @ H`` is formed every iteration);
do not use this on a full terms × documents corpus.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..errors import InputError
from .start import checked_start

_EPS = np.finfo(np.float32).eps   # denominator guard, as in scikit-learn's multiplicative updates
_CHECK_EVERY = 10                 # iterations between two looks at the loss
_FLOOR = 1e-16                    # smallest entry of W and H in weighted HALS (unit-size V)


def _dense(X, name):
    try:
        X = np.array(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not numeric; pass a 2-D array of numbers") from None
    if X.ndim != 2:
        raise InputError(f"{name} has {X.ndim} dimension(s); pass a 2-D array")
    return X


def _check_inputs(V, mask):
    """Dense ``V`` with hidden cells set to 0 and a float 0/1 ``mask``; raise InputError."""
    V, M = _dense(V, "V"), _dense(mask, "mask")
    if V.shape != M.shape:
        raise InputError(f"V has shape {V.shape} but mask has shape {M.shape}; pass a mask "
                         "with one entry per cell of V")
    bad = np.argwhere((M != 0) & (M != 1))
    if bad.size:
        i, j = bad[0]
        raise InputError(f"mask[{i}, {j}] = {M[i, j]!r}; the mask must hold only 0 (hidden) "
                         "and 1 (observed)")
    observed = M == 1
    bad = np.argwhere(observed & ~np.isfinite(V))
    if bad.size:
        i, j = bad[0]
        raise InputError(f"V[{i}, {j}] (row {i}, column {j}) is {V[i, j]} on an observed cell; "
                         "fix the value or hide the cell in the mask")
    bad = np.argwhere(observed & np.isfinite(V) & (V < 0))
    if bad.size:
        i, j = bad[0]
        raise InputError(f"V[{i}, {j}] (row {i}, column {j}) = {V[i, j]} is negative; NMF "
                         "needs non-negative values (shift the scale, e.g. ratings 1-5)")
    for axis, what in ((1, "row"), (0, "column")):
        empty = np.flatnonzero(~observed.any(axis=axis))
        if empty.size:
            raise InputError(f"{what} {empty[0]} has no observed cell ({empty.size} such "
                             f"{what}s); drop it or observe at least one of its cells")
    return np.where(observed, V, 0.0), M


def _check_params(k, max_iter, tol):
    validate.integer(k, "k", 1)
    validate.integer(max_iter, "max_iter", 1)
    validate.real(tol, "tol", 0)


def _initial(V, M, k, init, random_state):
    m, n = V.shape
    if init is None or (isinstance(init, str) and init == "random"):
        rng = np.random.default_rng(random_state)
        scale = np.sqrt(V.sum() / M.sum() / k)   # sklearn: sqrt(mean / k)
        H = scale * np.abs(rng.standard_normal((k, n)))
        W = scale * np.abs(rng.standard_normal((m, k)))
        return W, H
    if not (isinstance(init, tuple) and len(init) == 2):
        raise InputError(f"init={init!r} is not supported; pass None, 'random' or a "
                         "(W_init, H_init) tuple")
    return checked_start(_dense(init[0], "W_init"), _dense(init[1], "H_init"), (m, n), k)


def _loss(Vm, M, W, H):
    R = M * (Vm - W @ H)
    return float(np.sum(R * R))


def masked_loss(V, mask, W, H):
    """Squared error over the observed cells: ``Σ_{mask==1} (V − W H)²``.

    Parameters
    ----------
    V : array_like or sparse matrix of shape (n_rows, n_columns)
        Values on hidden cells are ignored (they may be NaN).
    mask : array_like of shape (n_rows, n_columns)
        1 for observed cells, 0 for hidden ones.
    W : array_like of shape (n_rows, k)
    H : array_like of shape (k, n_columns)

    Returns
    -------
    loss : float
    """
    Vm, M = _check_inputs(V, mask)
    W, H = _dense(W, "W"), _dense(H, "H")
    if W.shape[0] != Vm.shape[0] or H.shape[1] != Vm.shape[1] or W.shape[1] != H.shape[0]:
        raise InputError(f"W {W.shape} and H {H.shape} do not multiply to V {Vm.shape}; pass "
                         "W as rows × k and H as k × columns")
    return _loss(Vm, M, W, H)


def masked_nmf(V, mask, k, *, max_iter=500, tol=1e-5, random_state=None,
               init=None, solver="mu"):
    """Non-negative ``W``, ``H`` minimizing the squared error on observed cells only.

    Minimizes ``Σ_{mask==1} (V − W H)²``. ``solver='mu'``: weighted multiplicative updates
    (Lee & Seung with weights ``M``)::

        W ← W ∘ ((M∘V) Hᵀ) / ((M∘(W H)) Hᵀ + eps)
        H ← H ∘ (Wᵀ (M∘V)) / (Wᵀ (M∘(W H)) + eps)

    ``solver='hals'``: the updates of :mod:`topicnmf.factor.hals` with the weights, i.e.
    exact coordinate descent on one row of ``H`` (then one column of ``W``) at a time, each
    entry over its observed cells only, with the residual ``R = M∘(V − W H)`` kept up to date::

        H[t] ← max(floor, H[t] + (W[:, t]ᵀ R) / ((W[:, t]²)ᵀ M))

    (with ``M`` all ones this is plain HALS), then ``W``'s columns and ``H``'s rows balanced.

    Everything is dense (``W @ H`` is formed): meant for small matrices such as items ×
    people ratings, not for a terms × documents corpus.

    Parameters
    ----------
    V : array_like or sparse matrix of shape (n_rows, n_columns)
        Non-negative and finite on observed cells; hidden cells are ignored (may be NaN).
    mask : array_like of shape (n_rows, n_columns)
        1 (or True) for observed cells, 0 for hidden. Every row and every column needs at
        least one observed cell.
    k : int
        Rank ``k`` (>= 1).
    max_iter : int
        Maximum number of updates of both factors; reaching it gives a ConvergenceWarning.
    tol : float
        Stop when the loss decreased by less than ``tol`` (relative) over the last 10
        iterations.
    random_state : int or numpy Generator, optional
        Seed of ``np.random.default_rng`` for the random start; same seed, same result.
    init : None, 'random' or tuple (W_init, H_init), optional
        None/'random': ``|N(0, 1)|`` scaled by ``sqrt(mean(observed) / k)`` (as scikit-learn's
        random init). A tuple gives the start explicitly (with 'mu', zeros in it stay zero).
    solver : {'mu', 'hals'}

    Returns
    -------
    W : ndarray of shape (n_rows, k)
    H : ndarray of shape (k, n_columns)
    n_iter : int
        Number of iterations run.

    Raises
    ------
    InputError
        Mismatched shapes, invalid mask values, NaN/negative observed values (naming the row
        and column), rows or columns without any observed cell, or bad parameters.
    """
    Vm, M = _check_inputs(V, mask)
    _check_params(k, max_iter, tol)
    if solver not in ("mu", "hals"):
        raise InputError(f"solver='{solver}' is not available with missing cells; use 'mu' "
                         "or 'hals'")
    W, H = _initial(Vm, M, int(k), init, random_state)
    if solver == "hals":
        return _masked_hals(Vm, M, W, H, max_iter, tol)
    MV = M * Vm
    previous = _loss(Vm, M, W, H)
    for n_iter in range(1, max_iter + 1):
        W *= (MV @ H.T) / ((M * (W @ H)) @ H.T + _EPS)
        H *= (W.T @ MV) / (W.T @ (M * (W @ H)) + _EPS)
        if n_iter % _CHECK_EVERY == 0:
            loss = _loss(Vm, M, W, H)
            if previous == 0 or (previous - loss) / previous < tol:
                return W, H, n_iter
            previous = loss
    _warn_unconverged(max_iter, tol, stacklevel=3)
    return W, H, max_iter


def _warn_unconverged(max_iter, tol, stacklevel):
    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(f"masked_nmf reached max_iter={max_iter} before the loss settled "
                  f"(tol={tol}); increase max_iter or tol", ConvergenceWarning,
                  stacklevel=stacklevel)


def _masked_hals(Vm, M, W, H, max_iter, tol):
    """Weighted HALS sweeps (see :func:`masked_nmf`) on ``Vm`` scaled to unit size."""
    size = np.sqrt(np.sum(Vm * Vm) / M.sum()) or 1.0
    Vm, H = Vm / size, H / size
    R = M * (Vm - W @ H)
    previous = float(np.sum(R * R))
    for n_iter in range(1, max_iter + 1):
        _hals_sweep(M, W, H, R)
        if n_iter % _CHECK_EVERY == 0:
            R = M * (Vm - W @ H)                  # exact again (no drift of the updates)
            loss = float(np.sum(R * R))
            if previous == 0 or (previous - loss) / previous < tol:
                return W, H * size, n_iter
            previous = loss
    _warn_unconverged(max_iter, tol, stacklevel=4)
    return W, H * size, max_iter


def _hals_sweep(M, W, H, R):
    """One weighted HALS sweep in place: the rows of ``H``, the columns of ``W``, then the
    balance of both; ``R = M∘(V − W H)`` follows every change."""
    for t in range(H.shape[0]):
        w = W[:, t]
        curvature = (w * w) @ M
        step = np.divide(w @ R, curvature, out=np.zeros_like(curvature), where=curvature > 0)
        new = np.maximum(H[t] + step, _FLOOR)
        R -= M * np.outer(w, new - H[t])
        H[t] = new
    for t in range(W.shape[1]):
        h = H[t]
        curvature = M @ (h * h)
        step = np.divide(R @ h, curvature, out=np.zeros_like(curvature), where=curvature > 0)
        new = np.maximum(W[:, t] + step, _FLOOR)
        R -= M * np.outer(new - W[:, t], h)
        W[:, t] = new
    w, h = np.linalg.norm(W, axis=0), np.linalg.norm(H, axis=1)
    scale = np.sqrt(np.divide(h, w, out=np.ones_like(h), where=(w > 0) & (h > 0)))
    W *= scale
    H /= scale[:, None]
