"""How good are the topics, and how many should there be?

Orientation as everywhere in topicnmf: ``V`` is terms × documents, ``W`` terms × k (topic ``z``
is column ``W[:, z]``), ``H`` k × documents. A topic is summarised here by its *top terms*:
row ``z`` of a ``top_terms`` array (k × t) holds the term indices (rows of ``V`` and ``W``) of
topic ``z`` by descending weight, as returned by :func:`top_term_indices`.

* :func:`npmi_coherence` — do a topic's top terms occur in the same documents?
* :func:`topic_diversity` — do topics use different top terms?
* :func:`average_jaccard`, :func:`match_topics`, :func:`topic_stability`,
  :func:`stability_runs` — do the same topics come back when the data are resampled
  (Greene, O'Callaghan & Cunningham 2014, "How many topics? Stability analysis for topic
  models")?
* :func:`recommend_k` — pick k from a table of the above.

All functions are pure: they print nothing and do not modify their inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from .. import validate
from ..errors import InputError

__all__ = ["COVERAGE_SLACK", "DIVERSITY_FLOOR", "KScore", "average_jaccard", "match_topics", "npmi_coherence",
           "recommend_k", "resample_columns", "stability_runs", "top_term_indices",
           "topic_diversity", "topic_stability", "topic_uniqueness"]

DIVERSITY_FLOOR = 0.5  # recommend_k: below this, topics repeat each other's top terms
COVERAGE_SLACK = 0.05  # recommend_k: leaving this much more of the corpus unexplained is out


# -- validation ------------------------------------------------------------------------------

def _top_terms(x, name="top_terms", n_terms=None, min_t=1):
    """``x`` as a validated int64 array (k × t) of distinct non-negative term indices per row."""
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
    a = _top_terms(top_terms, n_terms=n_terms, min_t=2)
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise InputError(f"eps={eps!r} is not a number; pass 0 <= eps < 1/n_documents") from None
    if not (0.0 <= eps < 1.0 / n_docs):
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
    a = _top_terms(top_terms)
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
    a = _top_terms(top_terms)
    _, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    return (1.0 / counts[inverse.reshape(a.shape)]).mean(axis=1)


# -- stability -------------------------------------------------------------------------------

def average_jaccard(list_a, list_b):
    """Average Jaccard similarity of two ranked lists (Greene, O'Callaghan & Cunningham 2014).

    ``AJ = (1/t) * sum_{d=1..t} Jaccard(a[:d], b[:d])``, where ``Jaccard(A, B) =
    |A ∩ B| / |A ∪ B|`` of the top-``d`` sets. Agreement at the top of the lists counts more
    than agreement further down; 1 means identical lists, 0 no common item.

    Parameters
    ----------
    list_a, list_b : sequence of hashable, same length t >= 1
        Ranked lists of distinct items (term indices or term strings).

    Returns
    -------
    float

    Examples
    --------
    >>> average_jaccard([0, 1, 2], [1, 0, 5])    # (0/2 + 2/2 + 2/4) / 3
    0.5
    """
    try:
        a, b = list(list_a), list(list_b)
        distinct = len(set(a)) == len(a) and len(set(b)) == len(b)
    except TypeError:
        raise InputError("average_jaccard needs two sequences of hashable items; pass ranked "
                         "lists of terms") from None
    if len(a) != len(b) or not a:
        raise InputError(f"average_jaccard got lists of lengths {len(a)} and {len(b)}; pass two "
                         "non-empty lists of the same length")
    if not distinct:
        raise InputError("average_jaccard got a list with a repeated item; pass ranked lists of "
                         "distinct items")
    seen_a, seen_b = set(), set()
    common, total = 0, 0.0
    for d, (x, y) in enumerate(zip(a, b), start=1):
        seen_b.add(y)
        # x is new to a, y is new to b: the intersection grows by [x in b[:d]] + [y in a[:d-1]]
        common += (x in seen_b) + (y in seen_a)
        seen_a.add(x)
        total += common / (2 * d - common)
    return total / len(a)


def _aj_matrix(a, b):
    """AJ between every row of ``a`` (ka × t) and every row of ``b`` (kb × t): ka × kb.

    Rows hold distinct items, so a term common to ``a[i]`` and ``b[j]`` at positions ``p`` and
    ``q`` is in both top-d sets exactly for ``d > max(p, q)``; the intersection sizes at all
    depths are cumulative counts of these match depths.
    """
    (ka, t), kb = a.shape, b.shape[0]
    depth_of = np.maximum.outer(np.arange(t), np.arange(t)).ravel()     # t*t
    onehot = np.zeros((t * t, t))
    onehot[np.arange(t * t), depth_of] = 1.0
    depths = np.arange(1, t + 1, dtype=np.float64)
    out = np.empty((ka, kb))
    step = max(1, 4_000_000 // max(1, kb * t * t))
    for s in range(0, ka, step):
        match = a[s:s + step, None, :, None] == b[None, :, None, :]     # chunk × kb × t × t
        per_depth = match.reshape(-1, t * t).astype(np.float64) @ onehot
        common = np.cumsum(per_depth, axis=1)
        out[s:s + step] = (common / (2 * depths - common)).mean(axis=1).reshape(-1, kb)
    return out


def match_topics(top_terms_a, top_terms_b):
    """Match the topics of run ``b`` to those of run ``a`` (Hungarian algorithm).

    Maximises the total average-Jaccard similarity (:func:`average_jaccard`) of matched pairs
    with :func:`scipy.optimize.linear_sum_assignment`.

    Parameters
    ----------
    top_terms_a, top_terms_b : array-like of int, shape (k, t)
        Top terms of the two runs; same k and t.

    Returns
    -------
    perm : ndarray of int64, shape (k,)
        Topic ``perm[z]`` of ``b`` is matched to topic ``z`` of ``a``, so ``b[perm]`` is ``b``
        reordered like ``a``.
    similarities : ndarray of float64, shape (k,)
        ``average_jaccard(a[z], b[perm[z]])``.

    Examples
    --------
    >>> perm, sim = match_topics([[0, 1], [2, 3]], [[2, 3], [0, 1]])
    >>> perm, sim
    (array([1, 0]), array([1., 1.]))
    """
    a = _top_terms(top_terms_a, "top_terms_a")
    b = _top_terms(top_terms_b, "top_terms_b")
    if a.shape != b.shape:
        raise InputError(f"top_terms_a has shape {a.shape} but top_terms_b {b.shape}; pass "
                         "runs with the same k and number of top terms")
    S = _aj_matrix(a, b)
    rows, perm = linear_sum_assignment(S, maximize=True)
    return perm.astype(np.int64), S[rows, perm]


def topic_stability(reference_top_terms, runs_top_terms):
    """Per-topic stability of a reference run against other runs.

    For each run, its topics are matched to the reference topics with :func:`match_topics`
    (Hungarian on average Jaccard); a reference topic's stability is its matched average
    Jaccard, averaged over the runs. 1 means the topic came back identically every time.

    Parameters
    ----------
    reference_top_terms : array-like of int, shape (k, t)
    runs_top_terms : sequence of array-like of int, each of shape (k, t)
        The other runs (not including the reference), at least one.

    Returns
    -------
    ndarray of float64, shape (k,)

    Examples
    --------
    >>> ref = [[0, 1], [2, 3]]
    >>> topic_stability(ref, [[[2, 3], [0, 1]], [[0, 1], [3, 2]]])    # AJ([2, 3], [3, 2]) = 0.5
    array([1.  , 0.75])
    """
    ref = _top_terms(reference_top_terms, "reference_top_terms")
    if isinstance(runs_top_terms, np.ndarray) and runs_top_terms.ndim == 3:
        runs = list(runs_top_terms)
    else:
        try:
            runs = list(runs_top_terms)
        except TypeError:
            raise InputError("runs_top_terms is not a sequence; pass a list of k × t arrays, "
                             "one per run") from None
    if not runs:
        raise InputError("runs_top_terms is empty; pass at least one run besides the reference")
    sims = np.empty((len(runs), ref.shape[0]))
    for r, run in enumerate(runs):
        b = _top_terms(run, f"runs_top_terms[{r}]")
        if b.shape != ref.shape:
            raise InputError(f"runs_top_terms[{r}] has shape {b.shape} but the reference "
                             f"{ref.shape}; pass runs with the same k and number of top terms")
        sims[r] = match_topics(ref, b)[1]
    return sims.mean(axis=0)


def resample_columns(n_documents, n_runs, sample_fraction, random_state=0):
    """Document subsets for stability runs: ``round(sample_fraction * n_documents)`` columns
    (at least 1) per run, drawn without replacement, in ascending order.

    Parameters
    ----------
    n_documents, n_runs : int
    sample_fraction : float
        ``0 < sample_fraction <= 1`` (1 gives every run all documents).
    random_state : int, numpy Generator or None
        Seed of ``np.random.default_rng``; the runs are drawn one after the other from it.

    Returns
    -------
    list of ndarray of int64
    """
    rng = np.random.default_rng(random_state)
    size = max(1, int(round(sample_fraction * n_documents)))
    return [np.sort(rng.choice(n_documents, size=size, replace=False)) for _ in range(n_runs)]


def stability_runs(fit_top_terms, V, *, n_runs=5, sample_fraction=0.8, random_state=0):
    """Topic stability under resampling of the documents (Greene et al. 2014).

    Calls ``fit_top_terms(V)`` once for the reference topics, then ``n_runs`` times on
    random subsets of the documents: ``round(sample_fraction * n_documents)`` columns of
    ``V`` (at least 1) drawn without replacement with
    ``np.random.default_rng(random_state)``, kept in their original order. Returns
    :func:`topic_stability` of the reference against these runs.

    Parameters
    ----------
    fit_top_terms : callable
        ``fit_top_terms(V_subset) -> top_terms`` of shape (k, t), the same shape every call;
        e.g. fit a model with a fixed seed and return ``top_term_indices(W, t)``.
    V : scipy.sparse matrix or array of shape (n_terms, n_documents)
        Terms × documents. COO/other sparse formats are passed on as CSC.
    n_runs : int
        Number of resampled fits.
    sample_fraction : float
        Fraction of documents per run, ``0 < sample_fraction <= 1``.
    random_state : int, numpy Generator or None
        Seed of the document sampling.

    Returns
    -------
    ndarray of float64, shape (k,)
        Stability of each reference topic.

    Examples
    --------
    >>> V = sp.csc_matrix(np.eye(4))
    >>> stability_runs(lambda X: np.array([[0, 1], [2, 3]]), V, n_runs=2)
    array([1., 1.])
    """
    if not callable(fit_top_terms):
        raise InputError("fit_top_terms is not callable; pass a function V_subset -> k × t "
                         "top term indices")
    n_runs = validate.integer(n_runs, "n_runs", 1)
    try:
        fraction = float(sample_fraction)
    except (TypeError, ValueError):
        fraction = float("nan")
    if not 0.0 < fraction <= 1.0:
        raise InputError(f"sample_fraction={sample_fraction!r} is invalid; pass a number with "
                         "0 < sample_fraction <= 1")
    if sp.issparse(V):
        if V.format not in ("csr", "csc"):
            V = V.tocsc()
    else:
        V = np.asarray(V)
    if V.ndim != 2 or V.shape[1] == 0:
        raise InputError(f"V has shape {V.shape}; pass a terms × documents matrix with at "
                         "least one document")
    try:
        rng = np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise InputError(f"random_state={random_state!r} is invalid; pass an int, a numpy "
                         "Generator or None") from None

    reference = _top_terms(fit_top_terms(V), "fit_top_terms(V)")
    runs = []
    for r, columns in enumerate(resample_columns(V.shape[1], n_runs, fraction, rng)):
        run = _top_terms(fit_top_terms(V[:, columns]), f"fit_top_terms(run {r})")
        if run.shape != reference.shape:
            raise InputError(f"fit_top_terms returned shape {run.shape} in run {r} but "
                             f"{reference.shape} on the full matrix; return the same k × t "
                             "every call")
        runs.append(run)
    return topic_stability(reference, runs)


# -- choosing k ------------------------------------------------------------------------------

@dataclass(frozen=True)
class KScore:
    """Quality summary of one k for :func:`recommend_k`.

    ``coherence``, ``diversity`` and ``stability`` are means over topics (an array is
    averaged); ``error`` (reconstruction error) is optional and informative only;
    ``unexplained`` (optional, default 0) is the share of documents the topics do not explain
    at all (``topicnmf.quality.choose`` counts a relative fit error above 0.999, the ``tag``
    threshold for "unassigned").
    """

    k: int
    coherence: float
    diversity: float
    stability: float
    error: float = float("nan")
    unexplained: float = 0.0


def _field(row, name, i, default=None):
    try:
        value = row[name] if isinstance(row, Mapping) else getattr(row, name)
    except (KeyError, AttributeError):
        if default is not None:
            return default
        raise InputError(f"table row {i} has no {name!r}; give every row k, coherence, "
                         "diversity and stability") from None
    if name == "k":
        if not validate.is_integer(value) or value < 1:
            raise InputError(f"table row {i} has k={value!r}; pass a positive integer")
        return int(value)
    try:
        value = float(np.mean(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value):
        raise InputError(f"table row {i} has {name}={value!r}; pass a finite number")
    return value


def _minmax(x):
    span = x.max() - x.min()
    return np.ones_like(x) if span == 0 else (x - x.min()) / span


def recommend_k(table):
    """Recommend a number of topics from a table of quality measures.

    Rule:

    0. Rows that leave more than ``COVERAGE_SLACK`` (5 %) more of the documents unexplained
       than the best row are out: too few topics to cover a whole group of documents (such a
       k can look coherent and stable, its topics simply ignore that group).
    1. Only rows with mean topic diversity ``>= DIVERSITY_FLOOR`` (0.5) compete: below it,
       topics repeat each other's top terms. If no row reaches 0.5, all rows compete.
    2. Among the competing rows, coherence and stability are each min-max normalised to
       [0, 1] (a measure equal in all rows counts 1 for every row) and the score is their
       mean: equal weight to "topics are interpretable" and "topics are reproducible".
    3. The highest score wins; exact ties go to the smaller k.

    Reconstruction error is not used: it keeps falling as k grows and would always favour
    the largest k.

    Parameters
    ----------
    table : iterable of dict or :class:`KScore` (or any object with these attributes)
        One row per k with ``k``, ``coherence``, ``diversity``, ``stability`` (scalars, or
        per-topic arrays that are averaged) and optionally ``error`` and ``unexplained``
        (0 when missing). k values must be distinct.

    Returns
    -------
    k : int
    reason : str
        One line stating the rule and the winning numbers.

    Examples
    --------
    >>> k, reason = recommend_k([
    ...     {"k": 5, "coherence": 0.10, "diversity": 0.9, "stability": 0.70, "error": 9.0},
    ...     {"k": 10, "coherence": 0.20, "diversity": 0.8, "stability": 0.90, "error": 8.0},
    ...     {"k": 20, "coherence": 0.15, "diversity": 0.4, "stability": 0.95, "error": 7.0}])
    >>> k
    10
    """
    try:
        rows = list(table)
    except TypeError:
        raise InputError("table is not a sequence of rows; pass a list of dicts or KScore "
                         "with k, coherence, diversity and stability") from None
    if not rows:
        raise InputError("table is empty; pass one row per candidate k")
    ks = np.array([_field(r, "k", i) for i, r in enumerate(rows)])
    coh, div, stab = (np.array([_field(r, f, i) for i, r in enumerate(rows)])
                      for f in ("coherence", "diversity", "stability"))
    if np.unique(ks).size != ks.size:
        raise InputError("table has repeated k values; pass one row per k")

    unexplained = np.array([_field(r, "unexplained", i, default=0.0)
                            for i, r in enumerate(rows)])

    order = np.argsort(ks, kind="stable")                  # smaller k first: ties -> smaller k
    ks, coh, div, stab = ks[order], coh[order], div[order], stab[order]
    covers = unexplained[order] <= unexplained.min() + COVERAGE_SLACK
    compete = covers & (div >= DIVERSITY_FLOOR)
    if compete.any():
        scope = (f"among the {int(compete.sum())} of {ks.size} k values with topic diversity "
                 f">= {DIVERSITY_FLOOR}")
    else:
        compete = covers.copy()
        scope = (f"among {'all ' if covers.all() else ''}{int(covers.sum())} k values (none "
                 f"reached topic diversity >= {DIVERSITY_FLOOR})")
    if not covers.all():
        left_out = ", ".join(str(k) for k in ks[~covers])
        scope += (f" (k={left_out} left out: their topics leave over {COVERAGE_SLACK:.0%} "
                  "more of the documents unexplained)")
    idx = np.flatnonzero(compete)
    score = (_minmax(coh[idx]) + _minmax(stab[idx])) / 2
    best = int(np.argmax(score))
    w = idx[best]
    reason = (f"k={ks[w]}: highest mean of min-max-normalised coherence and stability "
              f"{scope}, ties to the smaller k (score {score[best]:.3f}; coherence "
              f"{coh[w]:.4f}, stability {stab[w]:.3f}, diversity {div[w]:.3f})")
    if idx.size > 1:
        second = int(np.argsort(-score, kind="stable")[1])
        reason += f"; runner-up k={ks[idx[second]]} (score {score[second]:.3f})"
    return int(ks[w]), reason
