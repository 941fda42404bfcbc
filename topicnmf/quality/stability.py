"""Do the same topics come back when the documents are resampled?

Stability after Greene, O'Callaghan & Cunningham (2014), "How many topics? Stability analysis
for topic models": refit on random subsets of the documents, match each run's topics to the
reference topics (Hungarian algorithm on the average Jaccard similarity of their top terms)
and average the matched similarities. Top terms are as in :mod:`topicnmf.quality.measures`:
row ``z`` of a k × t array holds the term indices of topic ``z`` by descending weight.

* :func:`average_jaccard` — similarity of two ranked lists;
* :func:`match_topics` — pair the topics of two runs;
* :func:`topic_stability` — per-topic stability of a reference against other runs;
* :func:`resample_columns`, :func:`stability_runs` — the document subsets and a whole
  stability analysis with any fitting function;
* :func:`assignment_agreement` — do the documents keep their dominant topic across runs?

All functions are pure: they print nothing and do not modify their inputs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from .. import validate
from ..errors import InputError
from .measures import check_top_terms

__all__ = ["assignment_agreement", "average_jaccard", "match_topics", "resample_columns",
           "stability_runs", "topic_stability"]


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
    a = check_top_terms(top_terms_a, "top_terms_a")
    b = check_top_terms(top_terms_b, "top_terms_b")
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
    ref = check_top_terms(reference_top_terms, "reference_top_terms")
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
        b = check_top_terms(run, f"runs_top_terms[{r}]")
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
    fraction = validate.real(sample_fraction, "sample_fraction", 0, 1, low_open=True)
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

    reference = check_top_terms(fit_top_terms(V), "fit_top_terms(V)")
    runs = []
    for r, columns in enumerate(resample_columns(V.shape[1], n_runs, fraction, rng)):
        run = check_top_terms(fit_top_terms(V[:, columns]), f"fit_top_terms(run {r})")
        if run.shape != reference.shape:
            raise InputError(f"fit_top_terms returned shape {run.shape} in run {r} but "
                             f"{reference.shape} on the full matrix; return the same k × t "
                             "every call")
        runs.append(run)
    return topic_stability(reference, runs)


def assignment_agreement(reference, runs, columns) -> float:
    """How well the resampled fits keep the documents together: the mean adjusted Rand index
    between the dominant topics of the reference fit and of each run, on that run's documents.

    1 = every run puts the documents in the same groups as the reference (topic numbers do
    not matter), 0 = no more agreement than chance. Unlike :func:`topic_stability` (top
    terms), it reads the documents: a group of documents that a k splits arbitrarily (a k
    above the number of groups) lowers it even when each run's top terms look alike.

    Parameters
    ----------
    reference : ndarray of int, shape (n_documents,)
        Dominant topic of every document in the reference fit.
    runs : list of ndarray of int
        Dominant topic of the documents of each run, in the order of ``columns[r]``.
    columns : list of ndarray of int
        The documents (columns) each run was fitted on (:func:`resample_columns`).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.array([0, 0, 1, 1, 2, 2])
    >>> assignment_agreement(reference, [np.array([1, 1, 0, 0])], [np.array([0, 1, 2, 3])])
    1.0
    """
    from sklearn.metrics import adjusted_rand_score

    if len(runs) != len(columns) or not runs:
        raise InputError(f"assignment_agreement got {len(runs)} runs and {len(columns)} "
                         "column sets; pass one column set per run, at least one")
    reference = np.asarray(reference)
    return float(np.mean([adjusted_rand_score(reference[np.asarray(cols)], np.asarray(labels))
                          for labels, cols in zip(runs, columns)]))
