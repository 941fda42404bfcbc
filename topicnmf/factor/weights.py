"""How much each document weighs in a fit: near-duplicates count about once; long documents
can count more.

A corpus often holds families of near-identical texts: a library and its ``-dev``/``-doc``
packages, hundreds of templated package descriptions, the same alert filed again and again. Fitted
as they are, each family pulls the factorization towards itself in proportion to its size, and
the topics go to the families instead of the subjects; the documents no family explains then
share one diffuse catch-all topic. Weighting each document by ``1 / (number of its
near-duplicates, itself included)`` in the Frobenius cost,

    Σ_j c_j ‖v_j − W h_j‖²  =  ‖V C^½ − W H C^½‖²,

is an ordinary fit of ``V`` with its columns scaled by ``√c_j`` (:func:`weighted_columns`); the
memberships of every document are then computed from its own column as before.

Two documents are near-duplicates when the cosine of their columns reaches ``threshold``. The
pairs are found exactly, without comparing every pair, by prefix filtering (Bayardo, Ma &
Srikant 2007): with each document's terms ordered rarest first, a pair with cosine ≥ τ must share
a term among the first terms of either document whose remaining squared weight is still ≥ τ²
(past that point, Cauchy–Schwarz bounds the rest of the dot product below τ). Only documents
sharing such a *prefix* term are compared. On the 64k Debian descriptions at τ = 0.95 that is
about 3 million candidate pairs instead of 2·10⁹, a few seconds.

Measured there (``scripts/bench_quality.py``'s sections mode, block HALS, dominant topics by
:func:`topicnmf.factor.projection.contributions`): NMI of the dominant topic against Debian's
sections 0.281 → 0.296 at k = 12, 0.336 → 0.354 at k = 20, 0.348 → 0.370 at k = 50; the largest
topic 53 % → 27 % of the documents at k = 12, 29 % → 14 % at k = 20 (README "A catch-all topic,
shared top terms"). The coherence of the shown terms rose at k = 12 (NPMI 0.400 → 0.421) and
fell at k = 20 and 50 (0.401 → 0.305, 0.334 → 0.321); lower thresholds (0.8, 0.5) spread the
topics further and lowered it a lot.

Long documents can count more (pivoted length, Singhal, Buckley & Mitra 1996). l2
normalization makes a one-line description pull on the topics as hard as a page; short texts
share the few generic words ("package", "provides", "library") and pull the topics towards
them. Weighting document ``j`` by ``(n_j / ((1 − s)·n̄ + s·n_j))²``, where ``n_j`` is the
length of its tf-idf vector before normalization and ``n̄`` the mean length, fits ``V`` as if
its columns had been normalized by the pivoted length instead (slope ``s`` = 1, the default:
plain l2, every document alike; ``s`` = 0: by the mean length alone, so in proportion to their
length). Measured with the near-duplicate weights on the Debian descriptions (seed 0; seeds
1–2 alike), ``s`` = 0.5 → 1: NMI 0.314 vs 0.296 at k = 12, 0.355 vs 0.354 at k = 20, 0.381 vs
0.370 at k = 50; NPMI 0.357 vs 0.421, 0.443 vs 0.305, 0.321 vs 0.321. But on mixtures of
sources of different lengths (``scripts/bench_choose_k.py --pivot-slope``) the long texts take
the topics from the short ones: NMI with the true groups 0.600 vs 0.706 and 0.527 vs 0.576 on
two sets of 14 mixtures. Hence 1 by default, 0.5 an option for one kind of document.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import validate

NEAR_DUPLICATES = 0.95   # cosine from which two documents count as near-duplicates
PIVOT_SLOPE = 1.0        # slope of the pivoted length weights (1: documents weigh alike)
PAIRS_PER_STEP = 50_000   # candidate pairs verified at once (bounds the memory: 300,000 took
                          # 330 MiB on the 64k Debian descriptions, 50,000 120 MiB, as fast)


def near_duplicate_counts(V, threshold=NEAR_DUPLICATES) -> np.ndarray:
    """Number of near-duplicates of each document, itself included.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
        Non-negative term weights; columns are compared by cosine.
    threshold : float in (0, 1]
        Smallest cosine of two near-duplicates (1: identical directions only).

    Returns
    -------
    ndarray of int64, shape (n_documents,)
        ``1 + #{i ≠ j : cos(v_i, v_j) ≥ threshold}``; 1 for an empty column.

    Examples
    --------
    >>> V = np.array([[1.0, 2.0, 0.0], [1.0, 2.0, 0.1], [0.0, 0.0, 3.0]])
    >>> near_duplicate_counts(V, 0.95).tolist()
    [2, 2, 1]
    """
    threshold = validate.real(threshold, "threshold", 0, 1, low_open=True)
    X = _unit_rows(V)
    n = X.shape[0]
    counts = np.ones(n, dtype=np.int64)
    if n < 2 or X.nnz == 0:
        return counts
    prefix = _prefix(X, threshold)
    present = sp.csr_matrix((np.ones_like(X.data), X.indices, X.indptr), shape=X.shape)
    # Rows of documents in steps, so that the candidate pairs of one step stay bounded.
    step = max(1, int(PAIRS_PER_STEP // max(1.0, _mean_candidates(prefix, present))))
    cut = threshold - 1e-9                       # rounding of unit vectors
    for start in range(0, n, step):
        C = (prefix[start:start + step] @ present.T).tocoo()
        a, b = C.row.astype(np.int64) + start, C.col.astype(np.int64)
        other = a != b
        a, b = a[other], b[other]
        for s in range(0, a.size, PAIRS_PER_STEP):
            aa, bb = a[s:s + PAIRS_PER_STEP], b[s:s + PAIRS_PER_STEP]
            dots = np.asarray(X[aa].multiply(X[bb]).sum(axis=1)).ravel()
            counts += np.bincount(aa[dots >= cut], minlength=n)
    return counts


def duplicate_weights(V, threshold=NEAR_DUPLICATES) -> np.ndarray:
    """Weight of each document in a fit: ``1 / near_duplicate_counts(V, threshold)``."""
    return 1.0 / near_duplicate_counts(V, threshold)


def weighted_columns(V, weights):
    """``V`` with column ``j`` scaled by ``√weights[j]`` (CSC, the same sparsity structure):
    the matrix whose plain Frobenius fit is the fit of ``V`` with document weights
    ``weights``."""
    scaled = sp.csc_matrix(V, dtype=np.float64, copy=True)
    scale = np.sqrt(np.asarray(weights, dtype=np.float64))
    scaled.data *= np.repeat(scale, np.diff(scaled.indptr))
    return scaled


def pivoted_length_weights(lengths, slope=PIVOT_SLOPE) -> np.ndarray:
    """Weight of each document in a fit by its length: ``(n / ((1 − s)·n̄ + s·n))²``.

    Parameters
    ----------
    lengths : array of shape (n_documents,)
        Length of each document's term weights before normalization
        (:meth:`topicnmf.text.vectorize.Vectorizer.document_lengths`); 0 for an empty one.
    slope : float in [0, 1]
        1: every document weighs 1; smaller: longer documents weigh more.

    Returns
    -------
    ndarray of float64, shape (n_documents,)
        1 for empty documents (they have nothing to weigh) and for ``slope`` 1.

    Examples
    --------
    >>> pivoted_length_weights([1.0, 3.0, 0.0], 0.5).round(3)      # mean length 2
    array([0.444, 1.44 , 1.   ])
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    weights = np.ones(lengths.shape)
    filled = lengths > 0
    if slope == 1 or not filled.any():
        return weights
    pivot = lengths[filled].mean()
    weights[filled] = (lengths[filled] / ((1 - slope) * pivot + slope * lengths[filled])) ** 2
    return weights


def for_weighted_fit(V, threshold, lengths=None, slope=PIVOT_SLOPE):
    """``(V_fit, scale)``: the matrix whose plain fit weighs each document by
    :func:`duplicate_weights` (none for ``threshold`` None) times
    :func:`pivoted_length_weights` (none for ``lengths`` None), and the per-document factor
    ``√weight`` (a solver's ``H`` of ``V_fit``, divided by it, is the memberships of ``V``).
    Without any weight, ``V`` itself and ones."""
    weights = np.ones(V.shape[1]) if threshold is None else duplicate_weights(V, threshold)
    if lengths is not None:
        weights = weights * pivoted_length_weights(lengths, slope)
    scale = np.sqrt(weights)
    if (scale == 1.0).all():           # nothing weighed: the very same matrix and fit
        return V, scale
    return weighted_columns(V, weights), scale


def _unit_rows(V) -> sp.csr_matrix:
    """Documents × terms (CSR, float64) with unit rows; empty documents stay empty."""
    X = sp.csr_matrix(sp.csc_matrix(V, dtype=np.float64).T, copy=True)   # V stays as it is
    X.sum_duplicates()
    X.eliminate_zeros()
    X.sort_indices()
    lengths = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=X.data ** 2, minlength=X.shape[0]))
    X.data /= norms[rows]
    return X


def _prefix(X, threshold) -> sp.csr_matrix:
    """Binary documents × terms matrix of each document's prefix terms (rarest first, while the
    squared weight from that term on is still ≥ threshold²)."""
    n, n_terms = X.shape
    df = np.bincount(X.indices, minlength=n_terms)
    rank = np.empty(n_terms, dtype=np.int64)
    rank[np.lexsort((np.arange(n_terms), df))] = np.arange(n_terms)
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    order = np.lexsort((rank[X.indices], rows))       # per document: rarest term first
    squares = X.data[order] ** 2
    before = np.cumsum(squares) - squares              # squared weight before each entry...
    before -= np.repeat(np.r_[0.0, np.cumsum(squares)][X.indptr[:-1]], np.diff(X.indptr))
    totals = np.bincount(rows, weights=squares, minlength=n)
    keep = totals[rows] - before >= threshold ** 2 - 1e-9     # ...so this is from it on
    return sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], X.indices[order][keep])),
                         shape=X.shape)


def _mean_candidates(prefix, present) -> float:
    """Mean number of candidate pairs per document (an upper bound, for the step size)."""
    df = np.asarray(present.sum(axis=0)).ravel()
    return float(np.asarray(prefix.sum(axis=0)).ravel() @ df) / max(1, prefix.shape[0])
