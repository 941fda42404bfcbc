"""Fit a corpus larger than memory: the documents streamed in partitions, ``V`` in blocks on disk.

:func:`fit_out_of_core` runs four passes, each with a progress bar, over a work folder
(:mod:`topicnmf.model.workfolder`):

1. **counting terms** (:func:`topicnmf.text.counting.count_partition`, one task per partition
   of the corpus, in ``jobs`` processes): each partition is read, cleaned and preprocessed
   once; its term counts are saved. The vocabulary and idf are then chosen from the summed
   document frequencies, as the in-memory :class:`~topicnmf.text.vectorize.Vectorizer`
   chooses them; duplicate ids and ``clean='auto'`` are resolved over all partitions (the
   ``template`` step's lines are learned by two reads before: :mod:`topicnmf.text.corpus_clean`);
2. **writing blocks**: each partition's counts become its columns of ``V`` (tf-idf, float32),
   written as blocks of ``block_size`` documents, with the documents' ids and snippets;
3. **sweeps** of the block solver (:func:`topicnmf.factor.hals.solve_blocks` on
   :class:`~topicnmf.factor.fileblocks.FileBlocks`): every sweep reads the blocks once;
4. **memberships**: ``H`` is projected on the final ``W`` block by block (as
   :meth:`TopicModel.fit <topicnmf.model.estimator.TopicModel.fit>` does in memory, so a
   document gets the memberships ``transform`` gives it), with the fit error.

The model is then saved, its large arrays as separate ``.npy`` files that queries map into
memory (:mod:`topicnmf.model.persist`), and loaded back that way. Memory holds one partition's
counts or one block of ``V``, the memberships (float32 during the sweeps), and the corpus's
distinct terms, ids and snippets; never all documents, nor all of ``V``. With the same corpus,
settings, seed and block size the topics are those of the in-memory fit with
``solver='hals'`` (to float32 rounding), and the same whatever ``jobs``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..errors import InputError
from ..factor.blocks import BLOCK_SIZE
from ..factor.fileblocks import CHUNK_BLOCKS, FileBlocks, read_block
from ..factor.hals import MAX_SWEEPS, solve_blocks
from ..factor.projection import project, warn_if_degenerate
from ..factor.weights import pivoted_length_weights
from ..io.partitions import PARTITION_BYTES, partitions
from ..parallel import run_in_processes
from .params import check_params, make_vectorizer, without_near_duplicates
from .vectorizing import bar, vectorized
from .workfolder import WorkFolder, corpus_fingerprint


def fit_out_of_core(estimator, corpus, output, *, input_format=None, text_column="text",
                    id_column=None, label_column=None, date_column=None,
                    duplicate_ids="error", work_dir=None, keep_work_dir=False,
                    block_size=BLOCK_SIZE, jobs=1, partition_bytes=PARTITION_BYTES,
                    progress=None):
    """Fit ``estimator``'s settings to the corpus at ``corpus`` out of core; save to ``output``.

    Parameters
    ----------
    estimator : TopicModel
        Unfitted settings; ``solver='hals'`` (the block solver), Frobenius loss, no seed
        topics. Near-duplicate documents are not weighed out of core: the model is fitted and
        saved with ``near_duplicates=None``, with a warning. Long documents weigh more as in
        memory (``pivot_slope``).
    corpus : str or Path
        A folder or a CSV/TSV, JSONL or lines file (optionally ``.gz``), as
        :func:`topicnmf.io.corpus.load_corpus` reads it, with the same reading options.
    output : str or Path
        The model folder to write (a new or empty folder, or a model folder).
    work_dir : str or Path, optional
        Folder for the passes' files (a new or empty folder, or the work folder of an earlier
        fit: what it already holds for the same corpus and settings is reused, so a refit
        with another ``n_topics`` skips the first two passes and an interrupted fit resumes).
        By default a temporary folder beside ``output``.
    keep_work_dir : bool
        Keep ``work_dir`` after the fit (it is removed by default; a ``work_dir`` is also kept
        when the fit fails, to resume).
    block_size : int
        Documents per block of ``V``.
    jobs : int
        Processes for the counting and membership passes (the result does not depend on it).
    partition_bytes : int
        Text per partition of the corpus (:func:`topicnmf.io.partitions.partitions`).
    progress : callable, optional
        Wraps the iterations of the passes, e.g. ``tqdm`` (called as
        ``progress(iterable, total=n, desc=..., unit=...)``).

    Returns
    -------
    TopicModel
        The saved model as loaded from ``output`` (``H_`` and ``V_`` memory-mapped when large).

    Raises
    ------
    InputError
        Unusable settings, corpus, output or work folder (one line naming it).
    """
    from .estimator import TopicModel
    from .persist import check_model_destination

    started = time.perf_counter()
    _check_settings(estimator)
    estimator = TopicModel(**without_near_duplicates(estimator.get_params(), "out of core"))
    if keep_work_dir and work_dir is None:
        raise InputError("keep_work_dir needs a work_dir to keep (--work-dir DIR)")
    jobs = validate.integer(jobs, "jobs", 1)
    output = check_model_destination(output)
    plan, template, key = _prepared(estimator, corpus, input_format, text_column, id_column,
                                    label_column, date_column, duplicate_ids, block_size,
                                    partition_bytes)
    with _work_folder(work_dir, output, keep_work_dir) as folder, WorkFolder(folder, key) as work:
        vectorizer = vectorized(work, plan, template, estimator.clean, duplicate_ids,
                                block_size, jobs, progress)
        model = _fitted(work, estimator, vectorizer, jobs, progress)
        model.fit_seconds_ = time.perf_counter() - started
        model.save(output)
        del model
        cleaned = work.manifest["vectorized"]["cleaned"]
    model = TopicModel.load(output)
    model.cleaned_ = dict(cleaned)            # as a fit in memory tells it (not saved)
    return model


def work_matrix(estimator, corpus, work_dir, *, input_format=None, text_column="text",
                id_column=None, label_column=None, date_column=None, duplicate_ids="error",
                block_size=BLOCK_SIZE, jobs=1, partition_bytes=PARTITION_BYTES, progress=None):
    """``V`` of a corpus (terms × documents, float64 CSC) from the work folder ``work_dir``.

    The blocks an out-of-core fit of the same corpus with the same reading, vocabulary and
    block settings left there (:func:`fit_out_of_core` with ``keep_work_dir``) are read, so
    the corpus is not read nor vectorized again; a folder without them gets them written
    (the first two passes of the fit) and is kept. ``choose-k`` and ``evaluate`` fit in memory:
    ``V`` is held whole. Parameters as :func:`fit_out_of_core`.

    Returns
    -------
    V : scipy.sparse.csc_matrix of shape (n_terms, n_documents)
    vectorizer : Vectorizer
        Its vocabulary and idf.
    """
    plan, template, key = _prepared(estimator, corpus, input_format, text_column, id_column,
                                    label_column, date_column, duplicate_ids, block_size,
                                    partition_bytes)
    with WorkFolder(work_dir, key) as work:
        vectorizer = vectorized(work, plan, template, estimator.clean, duplicate_ids,
                                block_size, validate.integer(jobs, "jobs", 1), progress)
        blocks = [read_block(work.file(b["file"]))
                  for b in work.manifest["vectorized"]["blocks"]]
    return sp.hstack(blocks, format="csc", dtype=np.float64), vectorizer


def _prepared(estimator, corpus, input_format, text_column, id_column, label_column,
              date_column, duplicate_ids, block_size, partition_bytes):
    """The partitions of the corpus, the vectorizer to fit and the work folder's key."""
    block_size = validate.integer(block_size, "block_size", 1)
    plan = partitions(corpus, input_format=input_format, text_column=text_column,
                      id_column=id_column, label_column=label_column, date_column=date_column,
                      text_field=text_column, id_field=id_column or "id",
                      partition_bytes=validate.integer(partition_bytes, "partition_bytes", 1))
    template = make_vectorizer(estimator.get_params())
    settings = {"read": asdict(plan.partitions[0].options), "duplicate_ids": duplicate_ids,
                "clean": estimator.get_params()["clean"],
                "vectorizer": {k: v for k, v in template.__dict__.items()
                               if k != "preprocessor"},
                "preprocessing": template.preprocessor.get_params(), "block_size": block_size,
                "partition_bytes": partition_bytes}
    return plan, template, corpus_fingerprint(corpus, settings)


def _check_settings(estimator):
    params = check_params(estimator.get_params())
    if params["solver"] != "hals" or params["loss"] != "frobenius":
        raise InputError(f"solver='{params['solver']}', loss='{params['loss']}': an "
                         "out-of-core fit runs the block solver; use solver='hals' with the "
                         "frobenius loss")
    if params["seed_topics"]:
        raise InputError("seed topics are fitted in memory; leave out seed_topics or fit "
                         "without the out-of-core path")


@contextmanager
def _work_folder(work_dir, output, keep):
    """The work folder's path; removed afterwards unless kept (a given one is kept when the
    fit fails, so that it resumes)."""
    given = work_dir is not None
    if not given:
        output.parent.mkdir(parents=True, exist_ok=True)
    path = Path(work_dir) if given else Path(tempfile.mkdtemp(prefix=".topicnmf-work-",
                                                              dir=output.parent))
    try:
        yield path
    except BaseException:
        if not given:
            shutil.rmtree(path, ignore_errors=True)
        raise
    if not given:
        shutil.rmtree(path, ignore_errors=True)
    elif not keep:
        WorkFolder(path, None).remove()


# -- passes 3 and 4: the sweeps and the memberships ---------------------------------------

def _fitted(work, estimator, vectorizer, jobs, progress):
    """A TopicModel fitted on the work folder's blocks (H and V memory-mapped from it)."""
    from .estimator import TopicModel

    layout = work.manifest["vectorized"]
    (n_terms, n_docs), k = layout["shape"], int(estimator.n_topics)
    if k > n_docs:
        raise InputError(f"k={k} is larger than the number of documents ({n_docs}); choose "
                         f"k <= {n_docs}")
    paths = [work.file(b["file"]) for b in layout["blocks"]]
    starts = [b["start"] for b in layout["blocks"]]
    scale = _length_scale(paths, vectorizer, estimator.pivot_slope)
    total = estimator.max_iter or MAX_SWEEPS
    ticks = iter(bar(progress, range(total + 1), total, "sweeps", "sweep"))
    next(ticks)                    # the bar starts with the solver's start (0 sweeps done)
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the sweeps' products are small (k × block), and threads that wait on
    # each other for every one of them made the sweeps 7× slower on a busy 2-core machine.
    try:
        with threadpool_limits(1), FileBlocks(paths, (n_terms, n_docs), starts, jobs=jobs,
                                              column_scale=scale) as blocks:
            # its memberships are not kept ([::2]): H is projected on the final W below
            W, n_iter = solve_blocks(
                blocks, k, init=estimator.init, max_iter=estimator.max_iter, tol=estimator.tol,
                random_state=estimator.random_state, callback=lambda *_: next(ticks, None))[::2]
    finally:
        getattr(ticks, "close", lambda: None)()
    H, error = _memberships(work, paths, starts, W, n_docs, jobs, progress)
    model = TopicModel(**estimator.get_params())
    model.set_factors(_joined(work, layout), W, H, n_iter, error=error)
    model.mode_, model.vectorizer_ = "text", vectorizer
    model.document_ids_, model.snippets_, model.document_meta_ = _documents(work)
    model.history_ = []
    return model


def _length_scale(paths, vectorizer, slope):
    """``√`` of the documents' pivoted length weights (None for slope 1), their lengths read
    back from the blocks as in memory (:meth:`Vectorizer.document_lengths`)."""
    if slope == 1:
        return None
    lengths = np.concatenate([vectorizer.document_lengths(read_block(p)) for p in paths])
    return np.sqrt(pivoted_length_weights(lengths, slope))


_TASK = {}              # what a worker of the memberships pass keeps


def _forget_task():
    _TASK.clear()


def _keep_projection(paths, W):
    _TASK.update(paths=paths, W=W, gram=W.T @ W)


def block_memberships(V_block, W, gram=None):
    """A block's memberships on the final ``W`` and its terms of ``‖V − WH‖²`` (a pure
    function of the block, for any placement).

    Returns
    -------
    H_block : ndarray of shape (k, n_b)
        :func:`~topicnmf.factor.projection.project` of the block (float64).
    norm2 : float
        ``‖V_block‖²``.
    cross : float
        ``⟨Wᵀ V_block, H_block⟩``.
    HHt : ndarray of shape (k, k)
        ``H_block H_blockᵀ``. Summed over blocks, ``‖V − WH‖² = Σ norm2 − 2 Σ cross +
        ⟨WᵀW, Σ HHt⟩``.
    """
    V_block = sp.csc_matrix(V_block, dtype=np.float64)
    H_block = project(V_block, W, gram=W.T @ W if gram is None else gram)
    cross = float(np.sum(np.asarray((V_block.T @ W).T) * H_block))
    return H_block, float(V_block.data @ V_block.data), cross, H_block @ H_block.T


def _project_task(b):
    """Block ``b``'s :func:`block_memberships`, with its number."""
    return (b, *block_memberships(read_block(_TASK["paths"][b]), _TASK["W"], _TASK["gram"]))


def _memberships(work, paths, starts, W, n_docs, jobs, progress):
    """Pass 4: H (k × documents, float64, in the work folder's H.npy) and ‖V − WH‖."""
    H = np.lib.format.open_memmap(work.file("H.npy"), mode="w+", dtype=np.float64,
                                  shape=(W.shape[1], n_docs))
    norm2 = cross = 0.0
    HHt = np.zeros((W.shape[1],) * 2)
    # A few blocks are projected here: forked workers would cost more memory than time saved.
    results = run_in_processes(_project_task, range(len(paths)),
                               jobs=jobs if len(paths) > CHUNK_BLOCKS else 1,
                               initializer=_keep_projection, initargs=([str(p) for p in paths], W),
                               cleanup=_forget_task)
    for b, H_b, vv, vwh, hh in bar(progress, results, len(paths), "memberships", "block"):
        H[:, starts[b]:starts[b] + H_b.shape[1]] = H_b
        norm2, cross, HHt = norm2 + vv, cross + vwh, HHt + hh
    H.flush()
    warn_if_degenerate(np.diag(HHt)[:, None])
    error = float(np.sqrt(max(norm2 - 2 * cross + float(np.sum((W.T @ W) * HHt)), 0.0)))
    return np.load(work.file("H.npy"), mmap_mode="r", allow_pickle=False), error


def _joined(work, layout):
    """V's blocks side by side, as a CSC matrix over arrays memory-mapped from the work
    folder (``V_data.npy``, ``V_indices.npy``, ``V_indptr.npy``)."""
    (n_terms, n_docs), nnz = layout["shape"], layout["nnz"]
    files = {name: work.file(f"V_{name}.npy") for name in ("data", "indices", "indptr")}
    data = np.lib.format.open_memmap(files["data"], "w+", np.float64, (nnz,))
    indices = np.lib.format.open_memmap(files["indices"], "w+", np.int32, (nnz,))
    indptr = np.lib.format.open_memmap(files["indptr"], "w+", np.int64, (n_docs + 1,))
    indptr[0] = at = 0
    for block in layout["blocks"]:
        V_b = read_block(work.file(block["file"]))
        a, n = block["start"], V_b.shape[1]
        data[at:at + V_b.nnz], indices[at:at + V_b.nnz] = V_b.data, V_b.indices
        indptr[a + 1:a + n + 1] = V_b.indptr[1:] + at
        at += V_b.nnz
    for array in (data, indices, indptr):
        array.flush()
    mapped = {name: np.load(path, mmap_mode="r", allow_pickle=False)
              for name, path in files.items()}
    return sp.csc_matrix((mapped["data"], mapped["indices"], mapped["indptr"]),
                         shape=(n_terms, n_docs), copy=False)


def _documents(work):
    """Ids, snippets and metadata of every document, from documents.jsonl."""
    ids, snippets, meta = [], [], []
    with open(work.file("documents.jsonl"), encoding="utf-8") as f:
        for line in f:
            doc_id, snippet, doc_meta = json.loads(line)
            ids.append(doc_id)
            snippets.append(snippet)
            meta.append(doc_meta)
    return ids, snippets, meta


# -- when to fit out of core ------------------------------------------------------------

OUT_OF_CORE_BYTES = 128 * 2**20
"""Text above which ``topicnmf fit`` fits out of core (about 300,000 short documents: in
memory they would take several GiB)."""


def text_bytes(path) -> int:
    """Bytes of text in a corpus file or folder (a ``.gz`` file counts uncompressed, from its
    trailer; a trailer that cannot be right, past 4 GiB, counts four times the file)."""
    path = Path(path)
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    total = 0
    for p in files:
        size = p.stat().st_size
        if p.name.lower().endswith(".gz") and size >= 18:
            with open(p, "rb") as f:
                f.seek(-4, 2)
                isize = int.from_bytes(f.read(4), "little")
            size = isize if isize >= size else 4 * size
        total += size
    return total


def fit_placement(corpus, solver="hals", seed_topics=None, work_dir=None) -> bool:
    """Whether ``topicnmf fit`` fits a corpus out of core.

    Yes when a ``work_dir`` is given (:func:`fit_out_of_core` then refuses settings it cannot
    fit), or when the corpus holds more than ``OUT_OF_CORE_BYTES`` of text and the fit can run
    out of core (the block solver 'hals', no seed topics); otherwise the fit is in memory.

    >>> fit_placement("corpora/tickets.csv.gz"), fit_placement("corpora/tickets.csv.gz",
    ...                                                        work_dir="/tmp/work")
    (False, True)
    """
    if work_dir is not None:
        return True
    if seed_topics or solver != "hals":
        return False
    return text_bytes(corpus) > OUT_OF_CORE_BYTES
