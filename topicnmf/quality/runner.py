"""The fits behind ``evaluate`` and ``choose_k``: independent tasks, a pool, a journal.

A task is one (k, run) pair: run -1 fits all documents with k topics and scores them
(coherence, diversity, error, documents left unexplained); run r >= 0 fits the r-th resample
of the documents for stability. Every task also returns each of its documents' dominant
topic (``labels``), which ``choose_k`` compares between the full fit and the resamples. A task
is fully determined by its key and the :class:`FitSetup`, so the results do not depend on how
many processes run them (:func:`topicnmf.parallel.run_in_processes`), on the Dask cluster
that runs them (:func:`topicnmf.cluster.run_tasks`) or on the order they finish in, and a
:class:`FitJournal` can keep finished tasks to resume an interrupted scan.
"""

from __future__ import annotations

import warnings
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..cluster import run_tasks
from ..errors import InputError
from ..factor.projection import contributions, project
from ..io.journal import Journal, fingerprint
from ..model.fitted import dominant_of
from ..parallel import run_in_processes
from ..reconstruction.ranking import squared_column_norms
from ..reconstruction.scores import MAX_ERROR, Reconstruction
from .measures import diversity_top_terms, npmi_coherence, top_term_indices, topic_diversity

__all__ = ["FitJournal", "FitSetup", "JOURNAL_VERSION", "run_fits"]

JOURNAL_VERSION = 4       # of choose_k's journal of finished fits (3: with dominant topics;
                          # 4: dominant by contribution, not argmax H)


@dataclass(frozen=True)
class FitSetup:
    """What every fitting task needs: the matrix, the estimator settings and the measures."""

    V: object             # scipy.sparse csc, terms × documents
    params: dict          # TopicModel parameters (n_topics is set per task)
    seeds: list
    mask: object          # ndarray of bool or None
    top: int
    runs: list            # column subsets, one per stability run
    lengths: object = None  # documents' lengths before normalization (length weights), or None


def _fit(setup, k, run):
    """One task: ``run`` -1 fits all documents and scores them; ``run`` r >= 0 fits the r-th
    resample. Returns the top terms and a dict of scores (whether the solver converged, the
    dominant topic of each document fitted; coherence, diversity and error for a full fit)."""
    from ..model.estimator import TopicModel

    estimator = TopicModel(**{**setup.params, "n_topics": k})
    V, mask, lengths = setup.V, setup.mask, setup.lengths
    if run >= 0:
        columns = setup.runs[run]
        V = V[:, columns]
        mask = None if mask is None else mask[:, columns]
        lengths = None if lengths is None else lengths[columns]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        W, H, _ = estimator.factorize_matrix(V, setup.seeds, mask=mask, lengths=lengths)
    # Counted here and reported once by the caller: one warning per fit would drown the table.
    unconverged = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    top_terms = top_term_indices(W, setup.top)
    if run >= 0:
        return top_terms, {"unconverged": unconverged, "labels": dominant_topics(W, H)}
    H = project(V, W, loss=estimator.loss)
    # One pass for both the total error and the documents left unexplained (relative error
    # above MAX_ERROR): ‖v_j − W h_j‖² per document and ‖v_j‖².
    squared = Reconstruction(W, H).column_errors(V)
    norms = squared_column_norms(V)
    return top_terms, {"unconverged": unconverged, "labels": dominant_topics(W, H),
                       "coherence": npmi_coherence(top_terms, V),
                       "diversity": topic_diversity(diversity_top_terms(W)),
                       "error": float(np.sqrt(squared.sum() / norms.sum()))
                       if norms.sum() > 0 else 0.0,
                       "unexplained": float(np.mean(squared > MAX_ERROR ** 2 * norms))}


def dominant_topics(W, H):
    """Each document's dominant topic as everywhere else (the largest part ‖W[:, z]‖·H[z, j] of
    its reconstruction, :func:`topicnmf.model.fitted.dominant_of`; -1 for an empty document),
    as small integers."""
    return dominant_of(contributions(W, H)).astype(np.int32)


_SETUP = None


def _keep_setup(setup):
    """Worker state (:func:`topicnmf.parallel.run_in_processes`): the setup ``_task`` uses."""
    global _SETUP
    _SETUP = setup


def _forget_setup():
    _keep_setup(None)           # the matrix is not kept after the fits are collected


def _task(key):
    return key, _fit(_SETUP, *key)


def _cluster_task(key, setup):
    """A task on a Dask worker: pure, the setup is an argument."""
    return key, _fit(setup, *key)


def run_fits(setup, keys, jobs, progress, desc, journal=None, client=None):
    """``{(k, run): (top_terms, scores)}`` of every task; in ``jobs`` processes when jobs > 1,
    as tasks on the Dask ``client``'s cluster when one is given.

    Tasks are handed out in the order of ``keys`` and collected as they finish. With a
    :class:`FitJournal`, tasks it holds are not run again and every finished task is added
    to it at once, so an interrupted run resumes where it stopped. ``progress`` (e.g. tqdm)
    wraps the finished tasks, ``desc`` names them. Fits that stop at the iteration limit are
    summed up in one ConvergenceWarning, attributed to the caller's caller.
    """
    results = journal.finished(keys) if journal is not None else {}
    todo = [key for key in keys if key not in results]
    if client is not None:
        done = run_tasks(_cluster_task, todo, client, shared=setup, ordered=False,
                         name="topicnmf-fit")
    else:
        done = run_in_processes(_task, todo, jobs=jobs, initializer=_keep_setup,
                                initargs=(setup,), cleanup=_forget_setup, ordered=False)
    with closing(done):
        for key, result in (progress(done, total=len(todo), desc=desc) if progress else done):
            results[key] = result
            if journal is not None:
                journal.add(key, result)
    unconverged = sum(extra["unconverged"] for _, extra in results.values())
    if unconverged:
        warnings.warn(f"{unconverged} of {len(keys)} fits stopped at the iteration limit "
                      "before converging; their topics may be a little less stable (raise "
                      "max_iter / --max-iter)", ConvergenceWarning, stacklevel=3)
    return results



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
                            None if setup.lengths is None else setup.lengths.tobytes(),
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
                scores["labels"] = np.array(scores["labels"], dtype=np.int32)
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
