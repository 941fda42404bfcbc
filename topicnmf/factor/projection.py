"""Memberships for a fixed ``W``, and the small operations on factors shared by every backend.

``project`` computes memberships of documents for a fixed ``W``. Each column is solved on its
own (no stopping rule shared across a batch), so a document gets the same memberships whether it
is projected alone, in a batch, or in another process.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

PROJECT_CHUNK = 16384      # documents projected at a time (the temporaries are k × this)


def shares(H) -> np.ndarray:
    """Memberships as shares: each column of ``H`` (k × documents) scaled to sum to 1;
    all-zero columns stay zero.

    >>> shares(np.array([[1.0, 0.0], [3.0, 0.0]])).tolist()
    [[0.25, 0.0], [0.75, 0.0]]
    """
    H = np.asarray(H, dtype=np.float64)
    totals = H.sum(axis=0)
    return np.divide(H, totals, out=np.zeros_like(H), where=totals > 0)


def contributions(W, H) -> np.ndarray:
    """Each topic's part of each document's reconstruction: ``‖W[:, z]‖ · H[z, j]``.

    ``W[:, z] · H[z, j]`` is topic ``z``'s share of the reconstructed column ``W h_j``, and its
    Euclidean length is this number (it is also, for a least-squares ``h_j``, the square root of
    what the fit error would grow by if topic ``z`` were left out of the document without
    refitting). Memberships read from ``H`` alone depend on how ``W``'s columns are scaled: with
    columns summing to 1, a diffuse topic spread thinly over thousands of terms needs large
    ``H`` values to make a small part of a document, and ``argmax H`` gave it most documents
    (a catch-all topic; measured in README "Topic quality").

    Parameters
    ----------
    W : ndarray of shape (n_terms, k)
    H : ndarray of shape (k, n_documents)

    Returns
    -------
    ndarray of shape (k, n_documents)

    >>> W = np.array([[0.5, 0.1], [0.5, 0.9]])
    >>> contributions(W, np.array([[1.0], [1.0]])).round(3).tolist()
    [[0.707], [0.906]]
    """
    H = np.asarray(H, dtype=np.float64)
    return H * np.linalg.norm(np.asarray(W, dtype=np.float64), axis=0)[:, None]


def unit_columns(A) -> np.ndarray:
    """Columns of ``A`` scaled to unit Euclidean length; all-zero columns stay zero (for
    cosines between topics: ``unit_columns(W).T @ unit_columns(W)``)."""
    A = np.asarray(A, dtype=np.float64)
    norms = np.linalg.norm(A, axis=0)
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)


def normalize_columns(W, H):
    """Rescale so each column of ``W`` sums to 1, keeping ``W · H`` unchanged."""
    scale = W.sum(axis=0)
    scale[scale == 0] = 1.0
    return W / scale, H * scale[:, None]


def check_start(V, k, W_init, H_init=None, loss="frobenius"):
    """A solver start ``(W_init, H_init)`` as non-negative float64 arrays of the shapes ``V``
    and ``k`` give (``H_init`` by default the projection of ``V`` on ``W_init``); InputError
    naming the first problem. Exact zeros are lifted to a tiny value (multiplicative updates
    never move a zero)."""
    n_terms, n_docs = V.shape
    arrays = []
    if H_init is None:
        H_init = project(V, _as_start(W_init, "W_init", (n_terms, k)), loss=loss)
    for value, name, shape in ((W_init, "W_init", (n_terms, k)), (H_init, "H_init", (k, n_docs))):
        arrays.append(np.maximum(_as_start(value, name, shape), 1e-10))
    return tuple(arrays)


def _as_start(value, name, shape):
    try:
        value = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not numeric; pass an array of numbers") from None
    if value.shape != shape:
        raise InputError(f"{name} has shape {value.shape}, expected {shape}")
    if not np.all(np.isfinite(value)) or value.size and value.min() < 0:
        raise InputError(f"{name} has invalid entries; all values must be finite and >= 0")
    return value


def project(V, W, *, loss="frobenius", max_iter=300, tol=1e-6, gram=None):
    """Memberships ``H`` of the columns of ``V`` for a fixed ``W``: min ``‖v − W h‖``, ``h ≥ 0``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
    W : ndarray of shape (n_terms, k)
    loss : {'frobenius', 'kullback-leibler'}
        Frobenius uses exact coordinate descent on the k × k Gram matrix; KL uses
        multiplicative updates evaluated on the non-zeros of ``V`` only.
    max_iter : int
        Sweeps per column at most.
    tol : float
        A column stops when its largest change in a sweep is below ``tol`` times its largest
        value.
    gram : ndarray of shape (k, k), optional
        ``WᵀW`` if already known (Frobenius only): saves O(n_terms·k²) per call.

    Returns
    -------
    H : ndarray of shape (k, n_documents)
    """
    V = sp.csc_matrix(V, dtype=np.float64)
    if V.shape[0] != W.shape[0]:
        raise InputError(f"the documents have {V.shape[0]} terms but the model has "
                         f"{W.shape[0]}; were they vectorized with this model?")
    if loss == "frobenius":
        return _project_frobenius(V, W, max_iter, tol, W.T @ W if gram is None else gram)
    return _project_kl(V, W, max_iter, tol)


def _project_frobenius(V, W, max_iter, tol, G):
    """Column by column (each column's updates are its own), in chunks of ``PROJECT_CHUNK``
    documents so the temporaries stay small; the result does not depend on the chunks."""
    n = V.shape[1]
    if n <= PROJECT_CHUNK:
        return _project_chunk(V, W, max_iter, tol, G)
    H = np.empty((W.shape[1], n))
    for a in range(0, n, PROJECT_CHUNK):
        H[:, a:a + PROJECT_CHUNK] = _project_chunk(V[:, a:a + PROJECT_CHUNK], W, max_iter, tol,
                                                   G)
    return H


def _project_chunk(V, W, max_iter, tol, G):
    B = np.asarray((V.T @ W).T)                      # k × docs: Wᵀ v for every column
    k, n = B.shape
    diag = np.where(np.diag(G) > 0, np.diag(G), 1.0)
    H = np.maximum(B, 0)                             # per-coordinate start, then refine
    H /= diag[:, None]
    active = np.arange(n)
    for _ in range(max_iter):
        if active.size == 0:
            break
        every = active.size == n                     # no copies while every column moves
        Ha, Ba = (H, B) if every else (H[:, active], B[:, active])
        change = np.zeros(active.size)
        for t in range(k):
            new = np.maximum(Ha[t] + (Ba[t] - G[t] @ Ha) / diag[t], 0.0)
            np.maximum(change, np.abs(new - Ha[t]), out=change)
            Ha[t] = new
        if not every:
            H[:, active] = Ha
        scale = np.maximum(Ha.max(axis=0), 1e-12)
        active = active[change > tol * scale]
    return H


def _project_kl(V, W, max_iter, tol):
    eps = 1e-12
    k, n = W.shape[1], V.shape[1]
    col_of_nnz = np.repeat(np.arange(n), np.diff(V.indptr))
    rows, data = V.indices, V.data
    Wsum = np.maximum(W.sum(axis=0), eps)
    H = np.full((k, n), max(V.sum() / (n * k), eps)) if n else np.zeros((k, 0))
    H[:, np.asarray(V.sum(axis=0)).ravel() == 0] = 0.0
    active = np.ones(n, dtype=bool)
    for _ in range(max_iter):
        if not active.any():
            break
        approx = np.einsum("ij,ji->i", W[rows], H[:, col_of_nnz]) + eps
        ratio = sp.csc_matrix((data / approx, rows, V.indptr), shape=V.shape)
        numer = np.asarray((ratio.T @ W).T)
        new = H * numer / Wsum[:, None]
        change = np.abs(new - H).max(axis=0)
        H = np.where(active, new, H)
        active &= change > tol * np.maximum(H.max(axis=0), 1e-12)
    return H


def reconstruction_error(V, W, H) -> float:
    """Frobenius norm ``‖V − W H‖`` computed without forming ``W H`` (uses ``WᵀW``)."""
    V = sp.csc_matrix(V, dtype=np.float64)
    norm_v = float(V.multiply(V).sum())
    cross = float(np.sum(np.asarray((V.T @ W).T) * H))
    gram = float(np.sum((W.T @ W) * (H @ H.T)))
    return float(np.sqrt(max(norm_v - 2 * cross + gram, 0.0)))


def warn_if_degenerate(H):
    """Warn when some topics are empty (no document has any weight on them)."""
    empty = np.flatnonzero(H.sum(axis=1) == 0)
    if empty.size:
        warnings.warn(f"{empty.size} topic(s) have no documents ({empty.tolist()}); "
                      "consider a smaller k", RuntimeWarning, stacklevel=2)
