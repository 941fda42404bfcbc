"""Are the topics any good, and how many should there be?

* :func:`evaluate` scores a fitted model: per topic and overall NPMI coherence, diversity,
  size and stability, plus the relative reconstruction error.
* :func:`choose_k` fits a range of k on one corpus, scores each the same way and recommends
  a k with :func:`topicnmf.quality.kscore.recommend_k`.

The measures are those of :mod:`topicnmf.quality.measures` and :mod:`topicnmf.quality.stability`.
Stability refits the topics on resampled documents (Greene, O'Callaghan & Cunningham 2014):
each run factorizes a random ``sample_fraction`` of the columns of the model's own matrix ``V``
(the vocabulary and idf stay those of the whole corpus) with the model's own settings and
seed, and the run's topics are matched to the reference topics. The fits are independent
tasks (:mod:`topicnmf.quality.runner`) that run in ``jobs`` processes or on a Dask cluster
(``scheduler``); every task is fully
determined by its k and run number, so the results do not depend on ``jobs`` or on the order
tasks finish in, and ``choose_k`` can keep finished tasks in a journal (:class:`FitJournal`)
to resume an interrupted scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..cluster import connected
from ..errors import InputError
from .measures import (DIVERSITY_TOP, diversity_top_terms, npmi_coherence, top_term_indices,
                       topic_uniqueness)
from .kscore import KScore, recommend_k
from .runner import FitJournal, FitSetup, run_fits
from .stability import assignment_agreement, resample_columns, topic_stability

__all__ = ["DIVERSITY_TOP", "Evaluation", "FitJournal", "KChoice", "TopicQuality", "choose_k",
           "evaluate", "parse_k_range"]

SAMPLE_FRACTION = 0.8     # documents per stability run (Greene et al. 2014 use 0.8)
MAX_TOP = 100             # top terms scored per topic; stability's matching costs top**3
MAX_K_CANDIDATES = 1000   # parse_k_range: more candidates is a typo, not a plan (runs+1 fits each)
MAX_K = 5000              # parse_k_range: W and H are dense; at k=5000 H of 64k documents is 2.6 GB


@dataclass(frozen=True)
class TopicQuality:
    """Scores of one topic. ``stability`` is None when no stability runs were made."""

    topic: int
    label: str
    size: int
    coherence: float
    diversity: float
    stability: float | None
    terms: list  # of str, best first


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    topics : list of TopicQuality
    coherence : float
        Mean NPMI of the topics' top terms.
    diversity : float
        Unique fraction of all topics' top 25 terms (the mean of the per-topic values).
    stability : float or None
        Mean topic stability over the runs.
    error : float
        Relative reconstruction error ``‖V − W H‖ / ‖V‖`` on the training matrix.
    n_documents, runs, top : int
    """

    topics: list
    coherence: float
    diversity: float
    stability: float | None
    error: float
    n_documents: int
    runs: int
    top: int


@dataclass(frozen=True)
class KChoice:
    """Result of :func:`choose_k`: one :class:`~topicnmf.quality.kscore.KScore` per k
    (ascending), the recommended ``k`` and the ``reason`` (the rule and the winning numbers);
    ``reused`` fits came from the journal."""

    scores: list
    k: int
    reason: str
    runs: int
    top: int
    reused: int = 0


def _check_common(top, runs, sample_fraction, jobs, random_state, scheduler=None):
    validate.integer(top, "top", 2, MAX_TOP)
    for name, value, low in (("runs", runs, 0), ("jobs", jobs, 1)):
        validate.integer(value, name, low)
    if scheduler is not None and jobs != 1:
        raise InputError(f"jobs={jobs} and a scheduler: the cluster's workers run the fits; "
                         "leave jobs at 1")
    validate.real(sample_fraction, "sample_fraction", 0, 1, low_open=True)
    validate.seed(random_state)


# -- evaluate --------------------------------------------------------------------------------

def _relative(error, V):
    """``error / ‖V‖`` (0 for an all-zero V)."""
    norm = float(np.sqrt(V.multiply(V).sum()))
    return float(error / norm) if norm > 0 else 0.0


def evaluate(model, *, top=10, runs=3, sample_fraction=SAMPLE_FRACTION, random_state=0,
             jobs=1, progress=None, scheduler=None):
    """Score a fitted model's topics on its training documents.

    Parameters
    ----------
    model : TopicModel
        A fitted (or loaded) model; its training matrix ``V_`` is used.
    top : int
        Top terms per topic for coherence and stability (diversity always uses the top 25).
    runs : int
        Stability runs (refits on resampled documents); 0 skips stability.
    sample_fraction : float
        Fraction of the documents in each run.
    random_state : int
        Seed of the resampling (the refits use the model's own seed).
    jobs : int
        Processes for the runs; the results do not depend on it.
    progress : callable, optional
        Wraps the iteration over finished runs, e.g. ``tqdm``.
    scheduler : dask.distributed.Client or str, optional
        Run the refits as tasks on a Dask cluster (a Client, ``'tcp://HOST:8786'``,
        ``'default'`` or ``'local'``: :mod:`topicnmf.cluster`); the results are the same.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> from topicnmf import TopicModel
    >>> model = TopicModel(2, random_state=0, min_df=1).fit(
    ...     ["printer jams paper", "printer paper tray", "refund invoice charge",
    ...      "invoice refund request"])
    >>> result = evaluate(model, top=2, runs=2, sample_fraction=1.0)
    >>> [t.stability for t in result.topics]
    [1.0, 1.0]
    """
    model.check_fitted()
    _check_common(top, runs, sample_fraction, jobs, random_state, scheduler)
    V = model.V_.tocsc()
    t = min(top, V.shape[0])
    if t < 2:
        raise InputError(f"the model has {V.shape[0]} term(s); coherence needs at least 2")
    W = model.W_
    reference = top_term_indices(W, t)
    coherence = npmi_coherence(reference, V)
    uniqueness = topic_uniqueness(diversity_top_terms(W))
    stability = None
    if runs:
        lengths = model.vectorizer_.document_lengths(V) if model.mode == "text" else None
        setup = FitSetup(V, model.get_params(), model.seed_terms(), getattr(model, "mask_", None),
                         t, resample_columns(V.shape[1], runs, sample_fraction, random_state),
                         lengths)
        keys = [(model.n_topics, r) for r in range(runs)]
        with connected(scheduler) as client:
            done = run_fits(setup, keys, jobs, progress, "stability runs", client=client)
        stability = topic_stability(reference, [done[key][0] for key in keys])
    sizes, labels = model.topic_sizes(), model.labels()
    topics = [TopicQuality(topic, labels[z], int(sizes[z]), float(coherence[z]),
                           float(uniqueness[z]), None if stability is None else
                           float(stability[z]), [model.terms[i] for i in reference[z]])
              for z, topic in enumerate(model.topic_ids)]
    return Evaluation(topics, float(coherence.mean()), float(uniqueness.mean()),
                      None if stability is None else float(stability.mean()),
                      _relative(model.reconstruction_err_, V),
                      model.n_documents, runs, t)


# -- choose k --------------------------------------------------------------------------------

def parse_k_range(text) -> list:
    """``"5:60:5"`` (start:stop:step, stop included), ``"4,8,12"`` or ``"10"`` → sorted ks.

    Examples
    --------
    >>> parse_k_range("5:20:5"), parse_k_range("3,2,8"), parse_k_range("2:4")
    ([5, 10, 15, 20], [2, 3, 8], [2, 3, 4])
    """
    text = str(text).strip()
    try:
        parts = [int(p) for p in text.split(":" if ":" in text else ",") if p.strip()]
        if ":" in text and (len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] < 1)):
            raise ValueError
    except ValueError:
        raise InputError(f"k range {text!r} is not understood; write start:stop:step "
                         "(e.g. 5:60:5), a list (4,8,12) or one number") from None
    if ":" in text:
        start, stop, step = (*parts, 1) if len(parts) == 2 else parts
        if stop >= start:      # the size is known without building the list
            _check_k_bounds(text, start + (stop - start) // step * step,
                            (stop - start) // step + 1)
        parts = range(start, stop + 1, step)
    if not parts or min(parts) < 1:
        raise InputError(f"k range {text!r} gives no positive k; e.g. 5:60:5")
    ks = sorted(set(parts))
    _check_k_bounds(text, ks[-1], len(ks))
    return ks


def _check_k_bounds(text, high, count):
    """Refuse a k range with too many candidates or a k above ``MAX_K``."""
    if count > MAX_K_CANDIDATES:
        raise InputError(f"k range {text!r} gives {count} candidates, more than the "
                         f"{MAX_K_CANDIDATES} allowed (each is fitted runs + 1 times); use a "
                         "larger step, e.g. 5:60:5")
    if high > MAX_K:
        raise InputError(f"k range {text!r} goes up to k={high}; choose k <= {MAX_K}")


def choose_k(documents, ks, *, estimator=None, top=10, runs=5,
             sample_fraction=SAMPLE_FRACTION, random_state=0, jobs=1, progress=None,
             journal=None, scheduler=None, lengths=None):
    """Fit every k on one corpus, score each and recommend one.

    The corpus is vectorized once with the estimator's settings; for each k the topics are
    fitted on all documents (coherence of the top ``top`` terms, diversity of the top 25,
    relative reconstruction error) and on ``runs`` resamples (stability of the top terms,
    agreement of the documents' dominant topics). The recommendation is
    :func:`topicnmf.quality.kscore.recommend_k` of the table.

    Parameters
    ----------
    documents : Corpus, iterable of Document, iterable of str, or sparse matrix
        The corpus, or its ``V`` already vectorized (terms × documents, e.g. from an
        out-of-core fit's work folder: :func:`topicnmf.model.outofcore.work_matrix`).
    ks : iterable of int or str
        Candidate numbers of topics, or a range like ``"5:60:5"`` (:func:`parse_k_range`).
    estimator : TopicModel, optional
        Settings for the vectorizer and the solver (``n_topics`` is ignored); by default
        ``TopicModel(random_state=random_state)``.
    top, runs, sample_fraction, random_state, jobs, progress, scheduler
        As for :func:`evaluate`; ``random_state`` seeds the resampling. ``runs`` must be
        at least 1: the rule reads the resamples.
    journal : str or Path, optional
        A file that keeps every finished fit: run again with the same file after an
        interruption (or with more k or runs) and only the missing fits are made; the
        result is the same as one uninterrupted run. See :class:`FitJournal`.
    lengths : ndarray of shape (n_documents,), optional
        With a matrix as ``documents``: its documents' lengths before normalization
        (:meth:`topicnmf.text.vectorize.Vectorizer.document_lengths`), so that long documents
        weigh as in a fit of the texts (``pivot_slope``); without them all weigh alike.

    Returns
    -------
    KChoice

    Examples
    --------
    >>> texts = ["printer jams paper", "printer paper tray", "refund invoice charge",
    ...          "invoice refund request", "printer paper jam", "refund charge invoice"]
    >>> from topicnmf import TopicModel
    >>> choice = choose_k(texts, [1, 2], estimator=TopicModel(min_df=1, random_state=0),
    ...                   runs=2, top=3)
    >>> [score.k for score in choice.scores], choice.k in (1, 2)
    ([1, 2], True)
    """
    from ..model.documents import as_documents
    from ..model.estimator import TopicModel
    from ..model.params import check_params, make_vectorizer

    ks = parse_k_range(ks) if isinstance(ks, str) else sorted(set(ks))
    _check_common(top, runs, sample_fraction, jobs, random_state, scheduler)
    if runs < 1:
        raise InputError("runs=0: choosing k needs stability runs; pass runs >= 1")
    if not ks or not all(validate.is_integer(k) and k >= 1 for k in ks):
        raise InputError(f"ks={ks!r}: pass positive integers, e.g. parse_k_range('5:60:5')")
    estimator = estimator if estimator is not None else TopicModel(random_state=random_state)
    check_params({**estimator.get_params(), "n_topics": ks[-1]})
    if estimator.seed_topics:
        raise InputError("choose_k does not take seed topics; choose k without them, then "
                         "fit with the seed topics")
    with connected(scheduler) as client:     # an unreachable one fails before the work
        if sp.issparse(documents):
            V = sp.csc_matrix(documents, dtype=np.float64)
        else:
            docs = as_documents(documents)
            vectorizer = make_vectorizer(estimator.get_params(), docs)
            V = vectorizer.fit_transform([d.text for d in docs]).tocsc()
            lengths = vectorizer.document_lengths(V)
        limit = min(V.shape)
        if ks[-1] > limit:
            raise InputError(f"k={ks[-1]} is more than the {V.shape[1]} documents or "
                             f"{V.shape[0]} terms allow; keep k <= {limit}")
        t = min(top, V.shape[0])
        setup = FitSetup(V, estimator.get_params(), [], None, t,
                         resample_columns(V.shape[1], runs, sample_fraction, random_state),
                         None if lengths is None else np.asarray(lengths, dtype=np.float64))
        # Largest k first: the longest tasks start early, which balances the processes.
        keys = [(k, r) for k in reversed(ks) for r in range(-1, runs)]
        log = FitJournal(journal, setup, random_state, sample_fraction) if journal else None
        try:
            reused = len(log.finished(keys)) if log is not None else 0
            done = run_fits(setup, keys, jobs, progress, "fits", log, client)
        finally:
            if log is not None:
                log.close()
    scores = []
    for k in ks:
        reference, full = done[(k, -1)]
        stability = topic_stability(reference, [done[(k, r)][0] for r in range(runs)])
        agreement = assignment_agreement(full["labels"], [done[(k, r)][1]["labels"]
                                                          for r in range(runs)], setup.runs)
        scores.append(KScore(k, float(full["coherence"].mean()), full["diversity"],
                             float(stability.mean()), full["error"], full["unexplained"],
                             agreement))
    k, reason = recommend_k(scores)
    return KChoice(scores, k, reason, runs, t, reused)
