"""Are the topics any good, and how many should there be?

* :func:`evaluate` scores a fitted model: per topic and overall NPMI coherence, diversity,
  size and stability, plus the relative reconstruction error.
* :func:`choose_k` fits a range of k on one corpus, scores each the same way and recommends
  a k with :func:`topicnmf.quality.measures.recommend_k`.

The measures are those of :mod:`topicnmf.quality.measures`. Stability refits the topics on resampled
documents (Greene, O'Callaghan & Cunningham 2014): each run factorizes a random
``sample_fraction`` of the columns of the model's own matrix ``V`` (the vocabulary and idf
stay those of the whole corpus) with the model's own settings and seed, and the run's topics
are matched to the reference topics. The fits are independent tasks that run in ``jobs``
processes; every task is fully determined by its k and run number, so the results do not
depend on ``jobs`` or on the order tasks finish in, and ``choose_k`` can keep finished tasks in a
journal (:class:`FitJournal`) to resume an interrupted scan.
"""

from __future__ import annotations

import multiprocessing
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..factor.projection import project
from .. import validate
from ..errors import InputError
from ..io.journal import Journal, fingerprint
from .measures import (KScore, npmi_coherence, recommend_k, resample_columns, top_term_indices,
                      topic_diversity, topic_stability, topic_uniqueness)
from ..reconstruction import MAX_ERROR, Reconstruction

__all__ = ["DIVERSITY_TOP", "Evaluation", "FitJournal", "KChoice", "TopicQuality", "choose_k",
           "evaluate", "parse_k_range"]

DIVERSITY_TOP = 25        # diversity is computed on the top 25 terms (Dieng et al. 2020)
JOURNAL_VERSION = 2       # of choose_k's journal of finished fits
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

    def as_row(self, nested=False) -> dict:
        row = asdict(self)
        row["terms"] = list(self.terms) if nested else ", ".join(self.terms)
        row["error"] = None
        return row


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

    def rows(self, nested=False) -> list:
        """One row per topic, then an ``all`` row with the overall scores and the error."""
        overall = {"topic": "all", "label": "overall", "size": self.n_documents,
                   "coherence": self.coherence, "diversity": self.diversity,
                   "stability": self.stability, "terms": [] if nested else "",
                   "error": self.error}
        return [t.as_row(nested) for t in self.topics] + [overall]


@dataclass(frozen=True)
class KChoice:
    """Result of :func:`choose_k`: one :class:`~topicnmf.quality.measures.KScore` per k (ascending),
    the recommended ``k`` and the ``reason`` (the rule and the winning numbers);
    ``reused`` fits came from the journal."""

    scores: list
    k: int
    reason: str
    runs: int
    top: int
    reused: int = 0

    def rows(self) -> list:
        return [{**asdict(s), "recommended": s.k == self.k} for s in self.scores]


# -- fitting tasks ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Setup:
    """What every fitting task needs: the matrix, the estimator settings and the measures."""

    V: object             # scipy.sparse csc, terms × documents
    params: dict          # TopicModel parameters (n_topics is set per task)
    seeds: list
    mask: object          # ndarray of bool or None
    top: int
    runs: list            # column subsets, one per stability run


def _fit(setup, k, run):
    """One task: ``run`` -1 fits all documents and scores them; ``run`` r >= 0 fits the r-th
    resample. Returns the top terms and a dict of scores (whether the solver converged;
    coherence, diversity and error for a full fit)."""
    from ..model.estimator import TopicModel

    estimator = TopicModel(**{**setup.params, "n_topics": k})
    V, mask = setup.V, setup.mask
    if run >= 0:
        columns = setup.runs[run]
        V = V[:, columns]
        mask = None if mask is None else mask[:, columns]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        W, _, _ = estimator.factorize_matrix(V, setup.seeds, mask=mask)
    # Counted here and reported once by the caller: one warning per fit would drown the table.
    unconverged = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    top_terms = top_term_indices(W, setup.top)
    if run >= 0:
        return top_terms, {"unconverged": unconverged}
    H = project(V, W, beta_loss=estimator.loss)
    # One pass for both the total error and the documents left unexplained (relative error
    # above MAX_ERROR): ‖v_j − W h_j‖² per document and ‖v_j‖².
    squared = Reconstruction(W, H).column_errors(V)
    norms = np.asarray(V.multiply(V).sum(axis=0)).ravel()
    return top_terms, {"unconverged": unconverged, "coherence": npmi_coherence(top_terms, V),
                       "diversity": topic_diversity(top_term_indices(
                           W, min(DIVERSITY_TOP, W.shape[0]))),
                       "error": float(np.sqrt(squared.sum() / norms.sum()))
                       if norms.sum() > 0 else 0.0,
                       "unexplained": float(np.mean(squared > MAX_ERROR ** 2 * norms))}


def _relative(error, V):
    """``error / ‖V‖`` (0 for an all-zero V)."""
    norm = float(np.sqrt(V.multiply(V).sum()))
    return float(error / norm) if norm > 0 else 0.0


_SETUP = None


def _init_worker(setup):
    """Worker process: keep the setup, one BLAS thread (the processes are the parallelism)."""
    from threadpoolctl import threadpool_limits

    global _SETUP
    _SETUP = setup
    threadpool_limits(1)


def _task(key):
    return key, _fit(_SETUP, *key)


def _run_tasks(setup, keys, jobs, progress, desc, journal=None):
    """``{(k, run): result}`` of every task; in ``jobs`` processes when jobs > 1.

    With a :class:`FitJournal`, tasks it holds are not run again and every finished task is
    added to it at once, so an interrupted run resumes where it stopped.
    """
    results = journal.finished(keys) if journal is not None else {}
    todo = [key for key in keys if key not in results]
    if jobs == 1 or len(todo) <= 1:
        done = ((key, _fit(setup, *key)) for key in todo)
        _collect(done, results, journal, len(todo), progress, desc)
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ctx.Pool(min(jobs, len(todo)), initializer=_init_worker,
                      initargs=(setup,)) as pool:
            _collect(pool.imap_unordered(_task, todo), results, journal, len(todo), progress,
                     desc)
    unconverged = sum(extra["unconverged"] for _, extra in results.values())
    if unconverged:
        warnings.warn(f"{unconverged} of {len(keys)} fits stopped at the iteration limit "
                      "before converging; their topics may be a little less stable (raise "
                      "max_iter / --max-iter)", ConvergenceWarning, stacklevel=3)
    return results


def _collect(done, results, journal, total, progress, desc):
    for key, result in (progress(done, total=total, desc=desc) if progress else done):
        results[key] = result
        if journal is not None:
            journal.add(key, result)


class FitJournal:
    """Finished ``choose_k`` fits in a JSON-lines file, reused by the next run on the same
    corpus and settings (see :class:`topicnmf.io.journal.Journal`: header with a fingerprint,
    one fsynced line per fit, a torn last line dropped, a lock against a second writer).

    A journal written for another corpus, other settings, ``top``, ``sample_fraction`` or
    seed is not mixed in: InputError naming the file. The number of runs and the k range
    may change between runs: each (k, run) fit is reused on its own.
    """

    def __init__(self, path, setup, random_state, sample_fraction):
        path = Path(path)
        if path.is_dir():
            raise InputError(f"journal {path} is a folder; pass a file name, e.g. "
                             f"{path / 'choose-k.jsonl'}")
        V = setup.V
        params = {k: v for k, v in setup.params.items() if k != "n_topics"}
        stamp = fingerprint("topicnmf choose-k", JOURNAL_VERSION, V.shape, V.indptr.tobytes(),
                            V.indices.tobytes(), V.data.tobytes(), params, setup.top,
                            float(sample_fraction), random_state)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(path, stamp, lock=path.with_name(path.name + ".lock"),
                               command="topicnmf choose-k",
                               foreign=f"journal {path} holds fits of another corpus or other "
                                       "settings; delete it or pass another --journal file")

    def finished(self, keys) -> dict:
        out = {}
        for k, run in keys:
            entry = self.journal.entries.get((f"k={k}", run))
            if entry is not None:
                scores = dict(entry["scores"])
                if "coherence" in scores:
                    scores["coherence"] = np.array(scores["coherence"], dtype=np.float64)
                out[(k, run)] = (np.array(entry["top_terms"], dtype=np.int64), scores)
        return out

    def add(self, key, result):
        top_terms, scores = result
        scores = {name: value.tolist() if isinstance(value, np.ndarray) else value
                  for name, value in scores.items()}
        self.journal.commit([{"key": f"k={key[0]}", "chunk": key[1],
                              "top_terms": top_terms.tolist(), "scores": scores}])

    def close(self):
        self.journal.close()


def _check_common(top, runs, sample_fraction, jobs, random_state):
    validate.integer(top, "top", 2, MAX_TOP)
    for name, value, low in (("runs", runs, 0), ("jobs", jobs, 1)):
        validate.integer(value, name, low)
    validate.real(sample_fraction, "sample_fraction", 0, 1, low_open=True)
    validate.seed(random_state)


# -- evaluate --------------------------------------------------------------------------------

def evaluate(model, *, top=10, runs=3, sample_fraction=SAMPLE_FRACTION, random_state=0,
             jobs=1, progress=None):
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
    model._check_fitted()
    _check_common(top, runs, sample_fraction, jobs, random_state)
    V = model.V_.tocsc()
    t = min(top, V.shape[0])
    if t < 2:
        raise InputError(f"the model has {V.shape[0]} term(s); coherence needs at least 2")
    W = model.W_
    reference = top_term_indices(W, t)
    coherence = npmi_coherence(reference, V)
    uniqueness = topic_uniqueness(top_term_indices(W, min(DIVERSITY_TOP, V.shape[0])))
    stability = None
    if runs:
        setup = _Setup(V, model.get_params(), model.seed_terms(), getattr(model, "mask_", None),
                       t, resample_columns(V.shape[1], runs, sample_fraction, random_state))
        keys = [(model.n_topics, r) for r in range(runs)]
        done = _run_tasks(setup, keys, jobs, progress, "stability runs")
        stability = topic_stability(reference, [done[key][0] for key in keys])
    sizes = model.topic_sizes()
    topics = [TopicQuality(z, model.label(z), int(sizes[z]), float(coherence[z]),
                           float(uniqueness[z]), None if stability is None else
                           float(stability[z]), [model.terms[i] for i in reference[z]])
              for z in range(model.n_topics)]
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
             journal=None):
    """Fit every k on one corpus, score each and recommend one.

    The corpus is vectorized once with the estimator's settings; for each k the topics are
    fitted on all documents (coherence of the top ``top`` terms, diversity of the top 25,
    relative reconstruction error) and on ``runs`` resamples (stability). The recommendation
    is :func:`topicnmf.quality.measures.recommend_k` of the table.

    Parameters
    ----------
    documents : Corpus, iterable of Document, or iterable of str
    ks : iterable of int or str
        Candidate numbers of topics, or a range like ``"5:60:5"`` (:func:`parse_k_range`).
    estimator : TopicModel, optional
        Settings for the vectorizer and the solver (``n_topics`` is ignored); by default
        ``TopicModel(random_state=random_state)``.
    top, runs, sample_fraction, random_state, jobs, progress
        As for :func:`evaluate`; ``random_state`` seeds the resampling. ``runs`` must be
        at least 1: stability is half of the rule.
    journal : str or Path, optional
        A file that keeps every finished fit: run again with the same file after an
        interruption (or with more k or runs) and only the missing fits are made; the
        result is the same as one uninterrupted run. See :class:`FitJournal`.

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
    >>> [row["k"] for row in choice.rows()], choice.k in (1, 2)
    ([1, 2], True)
    """
    from ..model.documents import as_documents
    from ..model.estimator import TopicModel
    from ..model.params import check_params

    ks = parse_k_range(ks) if isinstance(ks, str) else sorted(set(ks))
    _check_common(top, runs, sample_fraction, jobs, random_state)
    if runs < 1:
        raise InputError("runs=0: choosing k needs stability runs; pass runs >= 1")
    if not ks or not all(validate.is_integer(k) and k >= 1 for k in ks):
        raise InputError(f"ks={ks!r}: pass positive integers, e.g. parse_k_range('5:60:5')")
    estimator = estimator if estimator is not None else TopicModel(random_state=random_state)
    check_params({**estimator.get_params(), "n_topics": ks[-1]})
    if estimator.seed_topics:
        raise InputError("choose_k does not take seed topics; choose k without them, then "
                         "fit with the seed topics")
    docs = as_documents(documents)
    V = estimator._make_vectorizer().fit_transform([d.text for d in docs]).tocsc()
    limit = min(V.shape)
    if ks[-1] > limit:
        raise InputError(f"k={ks[-1]} is more than the {V.shape[1]} documents or "
                         f"{V.shape[0]} terms allow; keep k <= {limit}")
    t = min(top, V.shape[0])
    setup = _Setup(V, estimator.get_params(), [], None, t,
                   resample_columns(V.shape[1], runs, sample_fraction, random_state))
    # Largest k first: the longest tasks start early, which balances the processes.
    keys = [(k, r) for k in reversed(ks) for r in range(-1, runs)]
    log = FitJournal(journal, setup, random_state, sample_fraction) if journal else None
    try:
        reused = len(log.finished(keys)) if log is not None else 0
        done = _run_tasks(setup, keys, jobs, progress, "fits", log)
    finally:
        if log is not None:
            log.close()
    scores = []
    for k in ks:
        reference, full = done[(k, -1)]
        stability = topic_stability(reference, [done[(k, r)][0] for r in range(runs)])
        scores.append(KScore(k, float(full["coherence"].mean()), full["diversity"],
                             float(stability.mean()), full["error"], full["unexplained"]))
    k, reason = recommend_k(scores)
    return KChoice(scores, k, reason, runs, t, reused)
