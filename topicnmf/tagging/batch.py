"""``tag``: tag folders and files with a fitted model, resumably, in parallel, atomically.

Work is cut into batches (``batch_size`` loose files, or ``batch_size`` rows of a table) that
workers tag independently; results are committed to the journal (:mod:`topicnmf.tagging.state`) in
order, and the outputs are written at the end from the journal alone, ordered by input (path
order, then row order), never by completion order. So a rerun after a crash resumes, a rerun
after adding files tags only the new or changed ones, and ``jobs=N`` or a Dask cluster
(``scheduler``: the batches are tasks, loose files read by the workers) give the same bytes
as ``jobs=1``. Source files are only read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..io.corpus import load_corpus
from ..io.readers import read_file_document
from ..errors import InputError, TopicNMFError
from ..io.export import csv_text
from ..io.files import check_output_folder, write_all
from .tagger import DOC_TOPIC_COLUMNS, Tagger, TagSettings, topic_term_rows
from ..io.journal import file_sha256, fingerprint
from ..cluster import connected, run_tasks
from ..parallel import run_in_processes
from .state import STATE_NAME, entry, list_inputs, lookup, open_journal

BATCH_SIZE = 1024
OUTPUTS = ("doc-topics.csv", "topic-terms.csv", "tags.jsonl", "errors.csv")


@dataclass(frozen=True)
class TagSummary:
    """What a ``tag`` run did."""

    files: int          # input files found
    documents: int      # documents tagged in the outputs
    tagged: int         # documents tagged in this run (the rest came from the journal)
    unassigned: int
    errors: int         # rows of errors.csv
    outdir: str


def tag(paths, model, outdir, *, jobs=1, threshold=None, min_share=None, max_error=None,
        top_terms=None, batch_size=BATCH_SIZE, text_column="text", id_column=None,
        encoding="utf-8", progress=None, scheduler=None) -> TagSummary:
    """Tag every document below ``paths`` and write the results to ``outdir``.

    Parameters
    ----------
    paths : list of str or Path
        Folders (recursive: .txt .md .rst .html .eml), such files, and CSV/TSV/JSONL tables
        (optionally .gz; ids as in :func:`topicnmf.load_corpus`, repeats numbered ``id#2``).
    model : TopicModel
    outdir : str or Path
        Gets ``doc-topics.csv`` (doc_id, topic, label, share: every topic with share >=
        ``threshold``, or one 'unassigned' row), ``topic-terms.csv`` (topic, label, rank,
        term, weight), ``tags.jsonl`` (one object per document, see
        :meth:`topicnmf.tagging.tagger.RowMaker.tag_row`), ``errors.csv`` (path, reason) and the
        journal ``.tag-state.jsonl``. The four outputs are replaced together (all or none); an
        existing folder must be empty or one that ``tag`` wrote (it holds the journal).
    jobs : int
        Worker processes; the output does not depend on it.
    threshold, min_share, max_error, top_terms
        See :class:`topicnmf.tagging.tagger.TagSettings` (None: its default).
    batch_size : int
        Documents per batch: the unit of parallel work and of progress saved to the journal.
    text_column, id_column, encoding
        How to read tables and files.
    progress : callable, optional
        Wraps an iterable of documents, e.g. ``tqdm``.
    scheduler : dask.distributed.Client or str, optional
        Tag the batches as tasks on a Dask cluster (a Client, ``'tcp://HOST:8786'``,
        ``'default'`` or ``'local'``: :mod:`topicnmf.cluster`); the workers read loose files
        by their absolute paths (a file system they share). The outputs are the same.

    Returns
    -------
    TagSummary

    Examples
    --------
    >>> inbox = tmp / "inbox"
    >>> inbox.mkdir()
    >>> for name, text in [("chess.txt", "A chess game for two players."),
    ...                    ("fonts.txt", "TrueType fonts with Japanese glyphs."),
    ...                    ("refund.txt", "Please refund my invoice.")]:
    ...     _ = (inbox / name).write_text(text)
    >>> tag([inbox], model, tmp / "tagged")  # doctest: +ELLIPSIS
    TagSummary(files=3, documents=3, tagged=3, unassigned=1, errors=0, outdir='...tagged')
    >>> print((tmp / "tagged" / "doc-topics.csv").read_text())
    doc_id,topic,label,share
    chess.txt,6,"game, games, board",1.0
    fonts.txt,2,"font, fonts, truetype",1.0
    refund.txt,,unassigned,
    <BLANKLINE>
    """
    settings = TagSettings(**{k: v for k, v in dict(
        threshold=threshold, min_share=min_share, max_error=max_error,
        top_terms=top_terms).items() if v is not None})
    if not isinstance(jobs, int) or jobs < 1 or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"jobs={jobs}, batch_size={batch_size}: both must be integers >= 1")
    if scheduler is not None and jobs != 1:
        raise InputError(f"jobs={jobs} and a scheduler: the cluster's workers tag the "
                         "batches; leave jobs at 1")
    outdir = check_output_folder(outdir, own_files=OUTPUTS, marker=STATE_NAME)
    unreadable = []                                # subfolders that cannot be listed
    inputs = list_inputs(paths, unreadable)
    if not inputs:
        raise InputError("no documents to tag in " + ", ".join(map(str, paths))
                         + " (looked for .txt .md .rst .html .eml .csv .tsv .jsonl)")
    tagger = Tagger(model, settings)
    outdir.mkdir(parents=True, exist_ok=True)
    reading = dict(text_column=text_column, id_column=id_column, encoding=encoding)
    vec = model.vectorizer_
    stamp = fingerprint(model.W_.tobytes(), vec.idf_.tobytes(), vec.to_dict(), model.loss,
                        tagger.rows.labels, settings.__dict__, reading)
    journal = open_journal(outdir, stamp)
    try:
        with connected(scheduler) as client:
            work, pending = _plan(inputs, journal, batch_size, reading)
            results = _run(tagger, work, jobs, reading, client)
            loop = progress(_each_doc(results, journal), total=pending, desc="tagging") \
                if progress else _each_doc(results, journal)
            tagged = sum(loop)
        summary = _write_outputs(inputs, journal, model, outdir, tagged, unreadable)
    finally:
        journal.close(keep_keys={i.key for i in inputs})
    return summary


def _plan(inputs, journal, batch_size, reading):
    """Work items for everything the journal does not already hold, and their document count."""
    work, pending, loose = [], 0, []
    for item in inputs:
        if item.kind == "file":
            if lookup(journal, item) is None:
                old = journal.entries.get((item.key, 0))
                loose.append((item, old["sha256"] if old else None))
                if len(loose) == batch_size:
                    work.append(("files", loose))
                    pending, loose = pending + len(loose), []
            continue
        first = lookup(journal, item, 0, batch_size)             # same size and mtime
        sha = first["sha256"] if first else file_sha256(item.path)
        first = first or lookup(journal, item, 0, batch_size, sha)

        def done(c, n):
            e = journal.entries.get((item.key, c))
            return (e is not None and e["sha256"] == sha and e["chunk_size"] == batch_size
                    and e["chunks"] == n)

        if first and all(done(c, first["chunks"]) for c in range(first["chunks"])):
            continue
        docs, errors = _read_table(item, reading)
        parts = [docs[i:i + batch_size] for i in range(0, len(docs), batch_size)] or [[]]
        for c, part in enumerate(parts):
            if not done(c, len(parts)):
                work.append(("chunk", (item, sha, c, len(parts), batch_size, part,
                                       errors if c == 0 else [])))
                pending += len(part)
    if loose:
        work.append(("files", loose))
        pending += len(loose)
    return work, pending


def _read_table(item, reading):
    """Documents of a CSV/TSV/JSONL input, and (path, reason) for what could not be read."""
    fmt = item.kind
    kw = dict(id_column=reading["id_column"], **(
        {"text_field": reading["text_column"]} if fmt == "jsonl"
        else {"text_column": reading["text_column"]}))
    try:
        corpus = load_corpus(item.path, input_format=fmt, encoding=reading["encoding"],
                             duplicate_ids="number", **kw)
    except TopicNMFError as exc:
        return [], [(item.path, str(exc))]
    return [(d.id, d.text) for d in corpus.documents], list(corpus.skipped)


_TAGGER = None


def _keep_tagger(tagger):
    """Worker state (:func:`topicnmf.parallel.run_in_processes`): the tagger ``_do`` uses."""
    global _TAGGER
    _TAGGER = tagger


def _forget_tagger():
    _keep_tagger(None)                   # the model is not kept after tag() returns


def _run(tagger, work, jobs, reading, client=None):
    """Results of the work items, in order; in ``jobs`` processes when jobs > 1, as tasks on
    the Dask ``client``'s cluster when one is given."""
    if client is not None:
        return run_tasks(_cluster_do, work, client, shared=(tagger, reading), name="topicnmf-tag")
    return run_in_processes(_Do(reading), work, jobs=jobs, initializer=_keep_tagger,
                            initargs=(tagger,), cleanup=_forget_tagger)


class _Do:
    def __init__(self, reading):
        self.reading = reading

    def __call__(self, item):
        return _do(item, self.reading, _TAGGER)


def _cluster_do(item, shared):
    """A task on a Dask worker: pure, the tagger and the reading settings are an argument."""
    tagger, reading = shared
    return _do(item, reading, tagger)


def _do(item, reading, tagger):
    """Tag one work item; returns its journal entries (``{"unchanged": True, ...}`` for a
    touched file whose content hash is the one already journaled). Files are opened by their
    absolute path (the journal key: a worker may run elsewhere) and named as given."""
    kind, payload = item
    if kind == "chunk":
        inp, sha, c, n, size, part, errors = payload
        records = tagger.output_lines([i for i, _ in part], [t for _, t in part]) if part else []
        return [entry(inp, chunk=c, chunks=n, chunk_size=size, sha=sha, docs=records,
                      errors=errors)]
    out, docs, owners = [], [], []
    for inp, old_sha in payload:
        try:
            sha = file_sha256(inp.key)
        except OSError as exc:
            reason = f"cannot read ({exc.strerror or exc})"
            out.append(entry(inp, sha=None, errors=[(inp.path, reason)]))
            continue
        if sha == old_sha:
            out.append({"key": inp.key, "unchanged": True, "item": inp})
            continue
        skipped = []
        doc = read_file_document(inp.key, inp.doc_id, skipped, encoding=reading["encoding"],
                                 name=inp.path)
        out.append(entry(inp, sha=sha, errors=skipped))
        if doc is not None:
            docs.append(doc)
            owners.append(out[-1])
    records = tagger.output_lines([d.id for d in docs], [d.text for d in docs]) if docs else []
    for owner, record in zip(owners, records):
        owner["docs"] = [record]
    return out


def _each_doc(results, journal):
    """Commit each batch of results to the journal; yield 1 per document tagged now and 0 per
    document or file that needed no tagging (touched but unchanged, or unreadable)."""
    for entries in results:
        fresh = []
        for e in entries:
            if e.get("unchanged"):
                fresh.append(dict(journal.entries[(e["key"], 0)], size=e["item"].size,
                                  mtime_ns=e["item"].mtime_ns))
            else:
                fresh.append(e)
        journal.commit(fresh)
        for e, new in zip(entries, fresh):
            count = len(new["docs"])
            yield from [0 if e.get("unchanged") else 1] * count if count else [0]


def _write_outputs(inputs, journal, model, outdir, tagged, unreadable=()) -> TagSummary:
    docs, errors = [], list(unreadable)
    for item in inputs:
        first = journal.entries.get((item.key, 0))
        for c in range(first["chunks"] if first else 0):
            e = journal.entries[(item.key, c)]
            docs.extend(e["docs"])
            errors.extend(e["errors"])
    doc_topics, topic_terms, tags, error_rows = OUTPUTS
    write_all({outdir / doc_topics: csv_text([], DOC_TOPIC_COLUMNS)
               + "".join(rows for _, rows, _ in docs),
               outdir / topic_terms: csv_text(topic_term_rows(model)),
               outdir / tags: "".join(line for line, _, _ in docs),
               outdir / error_rows: csv_text([{"path": p, "reason": r} for p, r in errors],
                                             ["path", "reason"])})
    return TagSummary(files=len(inputs), documents=len(docs), tagged=tagged,
                      unassigned=sum(u for _, _, u in docs), errors=len(errors),
                      outdir=os.fspath(outdir))
