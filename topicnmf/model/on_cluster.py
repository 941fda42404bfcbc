"""Fitting a corpus on a Dask cluster that reads it: the passes of the out-of-core fit as tasks.

1. The corpus is cut into partitions (:func:`topicnmf.io.partitions.partitions`: groups of
   files of a folder, or byte ranges of a JSONL, CSV/TSV or lines file that never split a
   record). This process reads each file once to find where to cut.
2. Counting: one task per partition cleans and preprocesses its documents once
   (:func:`topicnmf.text.counting.count_partition`); the counts stay on the workers. Only each
   partition's document frequencies, ids and snippets come back; merged here, they give the
   vocabulary and idf that ``fit`` would choose (:func:`~topicnmf.text.counting.fitted_vectorizer`).
   Cleaning is chosen for the whole corpus as ``fit`` chooses it (``clean='auto'`` from every
   partition, template lines by two reads before: :mod:`topicnmf.text.corpus_clean`).
3. Vectorizing: one task per partition turns its counts into its columns of ``V``
   (:func:`~topicnmf.text.counting.tfidf_columns`), a block of documents on that worker.
4. The block HALS solver runs over those blocks (:class:`topicnmf.factor.dask_blocks.DaskBlocks`)
   and each block's memberships are projected on the final topics where it lives.

The model keeps its training matrix (``V_``), so the blocks of ``V`` come back at the end; the
texts never do. The workers read the corpus by its absolute path: they must see the same file
system (a shared disk, or the one machine of a ``LocalCluster``). Every task is pure, so a lost
worker's partitions are read again and the fit is the same; a seed gives the topics of
``TopicModel.fit`` on the same documents, to rounding.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..cluster import connected, submit_data
from ..errors import InputError
from ..factor import factorize
from ..factor.blocks import BLOCK_SIZE, scaled_matrix
from ..factor.dask_blocks import DaskBlocks, one_blas_thread
from ..factor.hals import solve_blocks
from ..factor.nmf import check_factorization_params
from ..factor.projection import project, warn_if_degenerate
from ..factor.seeding import check_seed_topics, resolve_seed_terms
from ..factor.weights import pivoted_length_weights, weighted_columns
from ..io.corpus import detect_format
from ..io.partitions import partitions
from ..io.streaming import check_fields_seen, resolve_ids
from ..text.clean import AUTO, parse_clean
from ..text.corpus_clean import corpus_steps, learn_template_lines
from ..text.counting import (Frequencies, count_partition, fitted_vectorizer, term_rows,
                             tfidf_columns)
from .params import check_params, make_vectorizer, without_near_duplicates

PARTITION_BYTES = 8 * 2**20     # text per partition: ~20,000 short documents, a few s per task


@dataclass(frozen=True)
class ClusterFit:
    """Result of :func:`fit_partitions`: the fitted model, the records and files left out
    (``(source, reason)``) and the number of partitions the corpus was read in."""

    model: object
    skipped: list
    partitions: int


def fit_partitions(model, path, *, scheduler, input_format=None, text_column="text",
                   id_column=None, label_column=None, date_column=None, duplicate_ids="error",
                   encoding="utf-8", partition_bytes=PARTITION_BYTES, block_size=BLOCK_SIZE,
                   progress=None):
    """Fit ``model`` to the corpus at ``path``, read and vectorized by the workers of a Dask
    cluster (see the module docstring).

    Parameters
    ----------
    model : TopicModel
        Unfitted settings; ``solver='hals'`` (the solver that runs on Dask). Near-duplicate
        documents are not weighed here: ``near_duplicates`` is set to None, with a warning.
        Long documents weigh more as in memory (``pivot_slope``).
    path : str or Path
        A folder, CSV/TSV, JSONL or lines file (optionally .gz), as for
        :func:`topicnmf.io.corpus.load_corpus`, whose options follow (``text_column`` is a
        JSONL file's text field).
    scheduler : dask.distributed.Client or str
        A Client, ``'tcp://HOST:8786'``, ``'default'`` or ``'local'`` (:mod:`topicnmf.cluster`).
    partition_bytes : int
        Text per partition: the unit of reading, vectorizing and projecting.
    block_size : int
        Documents per block of the solver, about: a partition's columns are cut into
        equal blocks, ``round(n / block_size)`` of them (at least one).
    progress : callable, optional
        Wraps the finished partitions of each pass, e.g. ``tqdm``.

    Returns
    -------
    ClusterFit
    """
    started = time.perf_counter()
    if model.solver != "hals":
        raise InputError(f"solver={model.solver!r} does not run on Dask; use solver='hals'")
    params = check_params(model.get_params())
    seed_topics = check_seed_topics(model.seed_topics, model.n_topics) if model.seed_topics \
        else {}
    block_size = validate.integer(block_size, "block_size", 1)
    fmt = input_format or detect_format(path)
    reading = dict(input_format=fmt, encoding=encoding, label_column=label_column,
                   date_column=date_column, id_column=id_column,
                   partition_bytes=validate.integer(partition_bytes, "partition_bytes", 1),
                   **({"text_field": text_column} if fmt == "jsonl"
                      else {"text_column": text_column}))
    preprocessing = make_vectorizer(params).preprocessor.get_params()
    with connected(scheduler) as client:        # an unreachable one fails before the work
        model.set_params(**without_near_duplicates(params, "from partitions on Dask"))
        tasks = _Tasks(client, progress)
        plan = partitions(Path(path).resolve(), **reading)
        if "template" in preprocessing["clean"]:
            preprocessing["template_lines"] = learn_template_lines(
                plan.partitions, preprocessing["clean"], tasks.run, source=path,
                duplicate_ids=duplicate_ids)
        counts, summaries, ids, skipped = _counted(tasks, plan, preprocessing, path,
                                                   duplicate_ids, params["clean"])
        n_docs = sum(s["n"] for s in summaries)
        if model.n_topics > n_docs:
            raise InputError(f"k={model.n_topics} is larger than the number of documents "
                             f"({n_docs}); choose k <= {n_docs}")
        frequencies = Frequencies()
        for s in summaries:
            frequencies.add(s["terms"], s["df"], s["tf"], s["n"], s["surface"])
        vectorizer = fitted_vectorizer(
            frequencies, preprocessing=preprocessing, min_df=params["min_df"],
            max_df=params["max_df"], max_features=params["max_features"],
            sublinear_tf=params["sublinear_tf"], use_idf=params["use_idf"])
        shared_vectorizer = submit_data(client, vectorizer, "topicnmf-vectorizer")
        columns = tasks.map(_columns, counts, vectorizer=shared_vectorizer)
        weights = None if model.pivot_slope == 1 else pivoted_length_weights(
            np.concatenate(tasks.gather(tasks.map(_lengths, columns,
                                                  vectorizer=shared_vectorizer))),
            model.pivot_slope)
        W, n_iter = _topics(model, tasks, columns, [s["n"] for s in summaries], vectorizer,
                            seed_topics, block_size, weights)
        H = np.hstack(tasks.gather(tasks.map(_projected, columns, W=submit_data(client, W)),
                                   "projecting"))
        V = sp.hstack(tasks.gather(columns), format="csc")
    _fitted(model, V, W, H, n_iter, vectorizer, list(seed_topics))
    model.document_ids_ = [i for part in ids for i in part]
    model.snippets_ = [x for s in summaries for x in s["snippets"]]
    model.cleaned_ = dict(sum((Counter(s["cleaned"]) for s in summaries), Counter()))
    model.document_meta_ = [x for s in summaries for x in s["meta"]]
    model.fit_seconds_ = time.perf_counter() - started
    return ClusterFit(model, skipped, len(plan.partitions))


def _counted(tasks, plan, preprocessing, path, duplicate_ids, clean):
    """The counting pass: each partition's counts (futures, on the workers), their summaries,
    the documents' unique ids per partition, and what was skipped. ``clean='auto'`` is
    chosen by each partition, then for the corpus (``preprocessing`` takes its steps)."""
    auto = parse_clean(clean) == AUTO
    counts = tasks.map(count_partition, plan.partitions, preprocessing=preprocessing,
                       auto=auto)
    summaries = tasks.gather(tasks.map(_summary, counts), "counting")
    if auto:
        preprocessing["clean"] = list(corpus_steps(s["clean"] for s in summaries))
    ids, drops, repeated = resolve_ids([s["ids"] for s in summaries], path, duplicate_ids)
    for i in (i for i, (d, s) in enumerate(zip(drops, summaries))
              if d or s["clean"] != preprocessing["clean"]):    # counted again
        counts[i] = tasks.submit(count_partition, plan.partitions[i], preprocessing, drops[i])
        summaries[i] = tasks.gather([tasks.submit(_summary, counts[i])])[0]
    if not sum(s["n"] for s in summaries):
        raise InputError(f"{path}: no readable documents found")
    check_fields_seen(plan, set().union(*(meta for s in summaries for meta in s["meta"])))
    skipped = plan.skipped + [x for s in summaries for x in s["skipped"]] + repeated
    return counts, summaries, ids, skipped


def _fitted(model, V, W, H, n_iter, vectorizer, seed_names):
    """Set ``model``'s fitted attributes as :meth:`TopicModel.fit` sets them."""
    warn_if_degenerate(H)
    model.set_factors(V, W, H, n_iter, labels=seed_names)
    model.mode_, model.vectorizer_, model.history_ = "text", vectorizer, []


def _topics(model, tasks, columns, sizes, vectorizer, seed_topics, block_size, weights=None):
    """``W`` (columns summing to 1) and the sweeps, by block HALS over each partition's columns
    of ``V`` cut into equal blocks of about ``block_size`` documents (no small remainders:
    each block's sums cost the same traffic whatever its size), weighted by ``weights`` (one
    per document, or None) and scaled as :func:`topicnmf.factor.hals.hals_nmf` scales ``V``."""
    client = tasks.client
    if seed_topics:              # the seeded start needs V in one place: it comes back here
        V = sp.hstack(client.gather(columns), format="csc")
        if weights is not None:
            V = weighted_columns(V, weights)
        W, _, n_iter = factorize(V, model.n_topics, solver="hals",
                                 seeds=resolve_seed_terms(seed_topics, vectorizer),
                                 seed_weight=model.seed_weight, max_iter=model.max_iter,
                                 tol=model.tol, random_state=model.random_state,
                                 scheduler=client)
        return W, n_iter
    offsets = np.cumsum([0] + list(sizes))
    part_weights = [None if weights is None else weights[a:b]
                    for a, b in zip(offsets[:-1], offsets[1:])]
    norm2 = sum(client.gather(tasks.map(_squared_norm, columns, part_weights)))
    shape = (len(vectorizer.vocabulary_), sum(sizes))
    # hals_nmf's checks, on a stand-in of V's shape (V itself is on the workers)
    check_factorization_params(sp.csc_matrix(([1.0], ([0], [0])), shape=shape),
                               model.n_topics, "hals", model.loss, model.init)
    if norm2 == 0:
        raise InputError("the matrix is all zeros: no document has any kept term")
    size = np.sqrt(norm2 / sum(sizes))
    cuts = [(part, a, b, None if w is None else w[a:b])
            for part, n, w in zip(columns, sizes, part_weights)
            for count in [max(1, round(n / block_size))] for j in range(count)
            for a, b in [(j * n // count, (j + 1) * n // count)]]
    blocks = DaskBlocks(client, tasks.map(_scaled, *zip(*cuts), factor=1.0 / size), shape,
                        np.cumsum([0] + [b - a for _, a, b, _ in cuts[:-1]]).tolist())
    try:
        with one_blas_thread():
            W, _, n_iter = solve_blocks(blocks, model.n_topics, init=model.init,
                                        max_iter=model.max_iter, tol=model.tol,
                                        random_state=model.random_state)
    finally:
        blocks.release()
    return W, n_iter


class _Tasks:
    """Submitting the passes' tasks to ``client`` and collecting them (with progress)."""

    def __init__(self, client, progress):
        self.client, self.progress = client, progress
        self.name = f"topicnmf-{uuid.uuid4().hex[:8]}"

    def map(self, function, *columns, **same):
        keys = [f"{self.name}-{function.__name__}-{i}-{uuid.uuid4().hex[:8]}"
                for i in range(len(columns[0]))]
        return self.client.map(function, *columns, key=keys, pure=False, **same)

    def submit(self, function, *args):
        return self.map(function, *[[a] for a in args])[0]

    def run(self, function, items, desc, **same):
        """``[function(item, **same) for item in items]``, one task per item."""
        return self.gather(self.map(function, items, **same), desc) if items else []

    def gather(self, futures, desc=None):
        if self.progress is not None and desc is not None:
            from distributed import as_completed

            for _ in self.progress(as_completed(futures, loop=self.client.loop),
                                   total=len(futures), desc=desc, unit="partition"):
                pass
        return self.client.gather(futures)


def _summary(counts):
    """What the client needs of a partition's counts (not the counts themselves)."""
    return counts.summary()


def _columns(counts, vectorizer):
    """A partition's columns of ``V`` (float64, as ``Vectorizer.fit_transform`` makes them)."""
    return tfidf_columns(counts.counts, term_rows(vectorizer, counts.terms), vectorizer,
                         dtype=np.float64)


def _lengths(V_part, vectorizer):
    return vectorizer.document_lengths(V_part)


def _weighted(V, weights):
    """``V`` weighted as in memory (:func:`topicnmf.factor.weights.for_weighted_fit`)."""
    return sp.csc_matrix(V) if weights is None else weighted_columns(V, weights)


def _squared_norm(V_part, weights):
    data = _weighted(V_part, weights).data
    return float(data @ data)


def _scaled(V_part, a, b, weights, factor):
    """A block of the solver: columns ``a:b`` of a partition's ``V``, weighted (``weights``
    of those documents, or None), times ``factor``, rounded to float32 (as
    :func:`topicnmf.factor.hals.hals_nmf` makes its blocks)."""
    return scaled_matrix(_weighted(V_part[:, a:b], weights), factor)


def _projected(V_b, W):
    return project(V_b, W)
