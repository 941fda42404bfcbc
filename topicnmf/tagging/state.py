"""What ``tag`` has done so far: the inputs it reads and its journal entries.

The journal (``OUTDIR/.tag-state.jsonl``, a :class:`topicnmf.io.journal.Journal` locked by
``OUTDIR/.tag-state.lock``) starts with a header naming the model and settings; every later
line is one committed piece of work: the results of one loose file, or of one chunk of rows of
a CSV/TSV/JSONL file, with that file's size, mtime and SHA-256. An input is done when its size
and mtime (or, if those changed, its content hash) match a journal entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..io.corpus import TABLE_FORMATS
from ..io.readers import FOLDER_EXTENSIONS, suffix, walk_files
from ..errors import InputError
from ..io.journal import Journal

logger = logging.getLogger("topicnmf")

STATE_NAME = ".tag-state.jsonl"
LOCK_NAME = ".tag-state.lock"


@dataclass(frozen=True)
class Input:
    """One input file: a loose document (``kind='file'``) or a table of documents."""

    key: str          # absolute path: the journal's key
    path: str         # as found (for errors.csv)
    kind: str         # 'file', 'csv', 'tsv' or 'jsonl'
    doc_id: str       # id of a loose document (relative path below its folder)
    size: int
    mtime_ns: int


def list_inputs(paths, unreadable=None) -> list:
    """Every input file below ``paths`` (folders recursively, sorted), in a stable order.

    A folder contributes its ``.txt .md .rst .html .htm .eml`` files (ids: path relative to
    the folder); a file given directly is a loose document (id: the path as given) or, for
    ``.csv .tsv .jsonl`` (optionally ``.gz``), a table of documents. A subfolder that cannot
    be listed is logged as a warning and, if ``unreadable`` is a list, appended to it as
    ``(folder, reason)``.
    """
    def skip(folder, reason):
        logger.warning("skipped %s: %s", folder, reason)
        if unreadable is not None:
            unreadable.append((str(folder), reason))

    out, seen = [], set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = [(p, p.relative_to(root).as_posix()) for p in walk_files(root, skip)
                     if suffix(p) in FOLDER_EXTENSIONS]
        elif root.is_file():
            if suffix(root) not in FOLDER_EXTENSIONS and suffix(root) not in TABLE_FORMATS:
                raise InputError(f"{root}: cannot tag a '{suffix(root) or root.name}' file; "
                                 "pass a folder, a .txt/.md/.rst/.html/.eml document or a "
                                 ".csv/.tsv/.jsonl table")
            found = [(root, root.as_posix())]
        else:
            raise InputError(f"{root}: no such file or folder")
        for path, doc_id in found:
            key = str(path.resolve())
            if key in seen:
                continue
            seen.add(key)
            st = path.stat()
            kind = TABLE_FORMATS.get(suffix(path), "file") if path == root else "file"
            out.append(Input(key, str(path), kind, doc_id, st.st_size, st.st_mtime_ns))
    return out


def open_journal(outdir, stamp) -> Journal:
    """``OUTDIR/.tag-state.jsonl``, locked by ``OUTDIR/.tag-state.lock``."""
    outdir = Path(outdir)
    return Journal(outdir / STATE_NAME, stamp, lock=outdir / LOCK_NAME, command="topicnmf tag")


def lookup(journal, item: Input, chunk: int = 0, chunk_size=None, sha=None):
    """The journal's entry for ``item`` (and chunk) if it is still valid, else None."""
    found = journal.entries.get((item.key, chunk))
    if (found is None or found["sha256"] is None                 # could not even be read
            or (chunk_size is not None and found["chunk_size"] != chunk_size)):
        return None
    if (found["size"], found["mtime_ns"]) == (item.size, item.mtime_ns):
        return found
    return found if sha is not None and found["sha256"] == sha else None


def entry(item: Input, *, chunk=0, chunks=1, chunk_size=1, sha, docs=(), errors=()):
    """A journal entry: one loose file or one chunk of a table, and its results."""
    return {"key": item.key, "chunk": chunk, "chunks": chunks, "chunk_size": chunk_size,
            "size": item.size, "mtime_ns": item.mtime_ns, "sha256": sha,
            "docs": list(docs), "errors": [list(e) for e in errors]}
