"""How good are the topics: coherence and diversity of their top terms.

Orientation as everywhere in topicnmf: ``V`` is terms × documents, ``W`` terms × k (topic ``z``
is column ``W[:, z]``), ``H`` k × documents. A topic is summarised here by its *top terms*:
row ``z`` of a ``top_terms`` array (k × t) holds the term indices (rows of ``V`` and ``W``) of
topic ``z`` by descending weight, as returned by :func:`top_term_indices`.

* :func:`npmi_coherence` — do a topic's top terms occur in the same documents?
* :func:`topic_diversity`, :func:`topic_uniqueness` — do topics use different top terms?

Stability (do the same topics come back on resampled documents?) is in
:mod:`topicnmf.quality.stability`, the rule that picks k from a table of these measures in
:mod:`topicnmf.quality.kscore`. All functions are pure: they print nothing and do not modify
their inputs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..errors import InputError

__all__ = ["DIVERSITY_TOP", "diversity_top_terms", "npmi_coherence", "top_term_indices",
           "topic_diversity", "topic_uniqueness"]

DIVERSITY_TOP = 25     # diversity is computed on the top 25 terms (Dieng et al. 2020)


# -- validation ------------------------------------------------------------------------------

def check_top_terms(x, name="top_terms", n_terms=None, min_t=1):
    """``x`` as a validated int64 array (k × t) of distinct non-negative term indices per row
    (at least ``min_t`` per row, each below ``n_terms`` when given); InputError otherwise."""
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        a = None
    if a is None or a.dtype == object or a.ndim != 2:
        raise InputError(f"{name} is not a 2-D array of term indices; pass k × t integers, "
                         "e.g. from top_term_indices(W, top)")
    if a.dtype.kind not in "iu":
        raise InputError(f"{name} has dtype {a.dtype}; pass integer term indices, e.g. from "
                         "top_term_indices(W, top)")
    k, t = a.shape
    if k == 0 or t < min_t:
        raise InputError(f"{name} has shape {a.shape}; pass at least one topic with at least "
                         f"{min_t} top term(s)")
    a = a.astype(np.int64, copy=False)
    if a.min() < 0:
        raise InputError(f"{name} holds negative term indices; pass row indices of V/W")
    if n_terms is not None and a.max() >= n_terms:
        raise InputError(f"{name} holds term index {a.max()} but V has only {n_terms} terms "
                         "(rows); pass V as terms × documents (transpose it if it is "
                         "documents × terms)")
    s = np.sort(a, axis=1)
    if np.any(s[:, 1:] == s[:, :-1]):
        z = int(np.flatnonzero(np.any(s[:, 1:] == s[:, :-1], axis=1))[0])
        raise InputError(f"{name} row {z} repeats a term; each topic's top terms must be "
                         "distinct")
    return a


def _sparse(V, name="V"):
    """V as CSR or CSC (any other sparse format or a dense array is converted)."""
    if sp.issparse(V):
        if V.ndim != 2:
            raise InputError(f"{name} is not 2-D; pass a terms × documents matrix")
        return V if V.format in ("csr", "csc") else V.tocsr()
    try:
        a = np.asarray(V, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not numeric; pass a scipy.sparse terms × documents "
                         "matrix") from None
    if a.ndim != 2:
        raise InputError(f"{name} has {a.ndim} dimension(s); pass a 2-D terms × documents "
                         "matrix")
    return sp.csr_matrix(a)


# -- top terms -------------------------------------------------------------------------------

def top_term_indices(W, top=10):
    """Term indices of each topic by descending weight.

    Parameters
    ----------
    W : array-like of shape (n_terms, k)
        Topic–term weights; topic ``z`` is column ``W[:, z]``.
    top : int
        Number of terms per topic, ``1 <= top <= n_terms``.

    Returns
    -------
    ndarray of int64, shape (k, top)
        Row ``z`` lists the rows of ``W`` with the largest weights in column ``z``, largest
        first; equal weights are ordered by lower term index, so the result is deterministic.

    Examples
    --------
    >>> W = np.array([[0.1, 0.0], [0.5, 0.2], [0.5, 0.9], [0.0, 0.2]])
    >>> top_term_indices(W, top=2)
    array([[1, 2],
           [2, 1]])
    """
    top = validate.integer(top, "top", 1)
    try:
        W = np.array(W.toarray() if sp.issparse(W) else W, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("W is not numeric; pass the terms × k topic matrix") from None
    if W.ndim != 2 or W.shape[1] == 0:
        raise InputError(f"W has shape {W.shape}; pass a 2-D terms × k matrix with k >= 1")
    if not np.all(np.isfinite(W)):
        raise InputError("W has NaN or infinite entries; pass finite topic weights")
    if top > W.shape[0]:
        raise InputError(f"top={top} exceeds the {W.shape[0]} terms of W; pass "
                         f"top <= {W.shape[0]}")
    # A stable sort of -W keeps equal weights in index order (ties -> lower index).
    order = np.argsort(-W, axis=0, kind="stable")
    return np.ascontiguousarray(order[:top].T, dtype=np.int64)


def diversity_top_terms(W):
    """The top terms that diversity is computed on: the top ``DIVERSITY_TOP`` (25) of each
    topic, or all terms of a smaller vocabulary (:func:`top_term_indices`)."""
    return top_term_indices(W, min(DIVERSITY_TOP, np.shape(W)[0]))


# -- coherence -------------------------------------------------------------------------------

def _binary_rows(V, rows):
    """Presence matrix (V > 0) of the given terms, as float CSR of shape (len(rows), n_docs)."""
    if V.format == "csr":
        S = V[rows]
        data, indices, indptr = S.data, S.indices, S.indptr
        if not np.all(np.isfinite(data)):
            raise InputError("V has NaN or infinite entries; pass finite weights or counts")
        B = sp.csr_matrix(((data > 0).astype(np.float64), indices, indptr),
                          shape=(len(rows), V.shape[1]))
    else:  # CSC: one pass over the stored entries, no transposed copy of all of V
        position = np.full(V.shape[0], -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        pos = position[V.indices]
        keep = pos >= 0
        data = V.data[keep]
        if not np.all(np.isfinite(data)):
            raise InputError("V has NaN or infinite entries; pass finite weights or counts")
        cols = np.repeat(np.arange(V.shape[1]), np.diff(V.indptr))[keep]
        present = data > 0
        B = sp.csr_matrix((np.ones(int(present.sum())), (pos[keep][present], cols[present])),
                          shape=(len(rows), V.shape[1]))
    B.eliminate_zeros()
    B.sum_duplicates()
    B.data[:] = 1.0  # duplicates (unusual but legal) still mean "present"
    return B


def npmi_coherence(top_terms, V, *, eps=0.0):
    """NPMI coherence of each topic from document co-occurrence of its top terms.

    A term *occurs* in a document when ``V[term, doc] > 0``. With ``n`` documents,
    ``p(w)`` is the fraction of documents containing ``w`` and ``p(wi, wj)`` the fraction
    containing both, and

        NPMI(wi, wj) = log(p(wi, wj) / (p(wi) p(wj))) / -log p(wi, wj),

    which lies in [-1, 1]. A topic's score is the mean NPMI over all t(t-1)/2 unordered pairs
    of its top terms. Conventions for the limits (with ``eps=0``):

    * a pair that never co-occurs, ``p(wi, wj) = 0`` (including a term that occurs in no
      document), scores -1, the limit of NPMI as ``p(wi, wj) -> 0``;
    * a pair present in every document, ``p(wi, wj) = 1``, scores 1 (0/0 otherwise).

    Only the rows of the union of all topics' top terms (at most k·t) are read: their
    presence matrix ``B`` (union × documents) gives every count at once as ``B @ B.T``, so
    the cost is one pass over ``V``'s stored entries plus a small sparse product.

    Parameters
    ----------
    top_terms : array-like of int, shape (k, t)
        Distinct term indices (rows of ``V``) of each topic, ``t >= 2``; e.g.
        ``top_term_indices(W, 10)``.
    V : scipy.sparse matrix (or array) of shape (n_terms, n_documents)
        Terms × documents tf-idf or counts; only ``V > 0`` is used.
    eps : float
        Optional smoothing, ``0 <= eps < 1/n_documents``: for pairs of terms that both occur
        and do not co-occur everywhere, ``p(wi, wj)`` is replaced by ``p(wi, wj) + eps`` (so
        a never co-occurring pair gets a finite value instead of -1, as in implementations
        using ``eps = 1e-12``); results are clipped to [-1, 1]. The default 0 gives the exact
        NPMI with the conventions above.

    Returns
    -------
    ndarray of float64, shape (k,)
        Mean pairwise NPMI of each topic.

    Examples
    --------
    >>> V = sp.csr_matrix(np.array([[1, 1, 0, 0],     # term 0 in docs 0, 1
    ...                             [1, 1, 0, 0],     # term 1 in docs 0, 1
    ...                             [0, 0, 1, 1]]))   # term 2 in docs 2, 3
    >>> npmi_coherence([[0, 1], [0, 2]], V)           # always together; never together
    array([ 1., -1.])
    """
    V = _sparse(V)
    n_terms, n_docs = V.shape
    if n_docs == 0:
        raise InputError("V has no documents (columns); pass a terms × documents matrix")
    a = check_top_terms(top_terms, n_terms=n_terms, min_t=2)
    eps = validate.real(eps, "eps", 0)
    if eps >= 1.0 / n_docs:
        raise InputError(f"eps={eps!r} is out of range; pass 0 <= eps < 1/n_documents "
                         f"= {1.0 / n_docs:g}")

    union, pos = np.unique(a, return_inverse=True)
    pos = pos.reshape(a.shape)
    B = _binary_rows(V, union)
    C = (B @ B.T).toarray()              # C[i, j] = documents containing union terms i and j
    counts = np.diag(C)

    t = a.shape[1]
    pi, pj = np.triu_indices(t, k=1)
    ui, uj = pos[:, pi], pos[:, pj]      # (k, t(t-1)/2) pairs, as union positions
    p_ij = C[ui, uj] / n_docs
    p_i, p_j = counts[ui] / n_docs, counts[uj] / n_docs

    never = (p_ij == 0) if eps == 0.0 else ((p_i == 0) | (p_j == 0))
    always = C[ui, uj] == n_docs
    regular = ~(never | always)
    npmi = np.where(always, 1.0, -1.0)
    q = p_ij[regular] + eps
    npmi[regular] = np.clip(np.log(q / (p_i[regular] * p_j[regular])) / -np.log(q), -1.0, 1.0)
    return npmi.mean(axis=1)


# -- diversity -------------------------------------------------------------------------------

def topic_diversity(top_terms):
    """Fraction of distinct terms among all topics' top terms.

    1 means no two topics share a top term; ``1/k`` that all topics have the same ones. By
    convention (Dieng, Ruiz & Blei 2020) it is computed on the top 25 terms: callers pass
    ``top_term_indices(W, 25)``; the function uses whatever ``t`` it is given.

    Parameters
    ----------
    top_terms : array-like of int, shape (k, t)

    Returns
    -------
    float
        ``len(unique(top_terms)) / (k * t)``.

    Examples
    --------
    >>> topic_diversity([[0, 1, 2], [2, 3, 4]])
    0.8333333333333334
    """
    a = check_top_terms(top_terms)
    return np.unique(a).size / a.size


def topic_uniqueness(top_terms):
    """Per-topic diversity: how much of each topic's top terms is its own.

    ``TU(z) = (1/t) * sum over z's top terms w of 1 / cnt(w)``, with ``cnt(w)`` the number of
    topics that have ``w`` among their top terms (Nan et al. 2019). 1 means no other topic
    shares any of z's top terms. The mean over topics equals :func:`topic_diversity` of the
    same top terms, so this splits the overall score over topics.

    Parameters
    ----------
    top_terms : array-like of int, shape (k, t)

    Returns
    -------
    ndarray of float64, shape (k,)

    Examples
    --------
    >>> topic_uniqueness([[0, 1, 2], [2, 3, 4]])    # term 2 is shared: (1 + 1 + 1/2) / 3
    array([0.83333333, 0.83333333])
    """
    a = check_top_terms(top_terms)
    _, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    return (1.0 / counts[inverse.reshape(a.shape)]).mean(axis=1)
