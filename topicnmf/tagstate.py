"""What ``tag`` has done so far: the inputs it reads and a journal that makes reruns resume.

The journal (``OUTDIR/.tag-state.jsonl``) starts with a header naming the model and settings
(a fingerprint); every later line is one committed piece of work: the results of one loose
file, or of one chunk of rows of a CSV/TSV/JSONL file, with that file's size, mtime and
SHA-256. Lines are appended and fsynced after each batch, so a crash or SIGKILL loses at most
the batch in flight; a torn last line is dropped when the journal is next opened. An input is
done when its size and mtime (or, if those changed, its content hash) match a journal entry.
``OUTDIR/.tag-state.lock`` is held (``flock``) while a run works, so two runs never share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .corpus import FOLDER_EXTENSIONS, walk_files
from .errors import InputError
from .files import naming, open_lock, write_atomic

logger = logging.getLogger("topicnmf")

STATE_NAME = ".tag-state.jsonl"
LOCK_NAME = ".tag-state.lock"
STATE_FORMAT = "topicnmf-tag-state"
STATE_VERSION = 1
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                  ".ndjson": "jsonl"}


@dataclass(frozen=True)
class Input:
    """One input file: a loose document (``kind='file'``) or a table of documents."""

    key: str          # absolute path: the journal's key
    path: str         # as found (for errors.csv)
    kind: str         # 'file', 'csv', 'tsv' or 'jsonl'
    doc_id: str       # id of a loose document (relative path below its folder)
    size: int
    mtime_ns: int


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return os.path.splitext(name[:-3] if name.endswith(".gz") else name)[1]


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
                     if _suffix(p) in FOLDER_EXTENSIONS]
        elif root.is_file():
            if _suffix(root) not in FOLDER_EXTENSIONS and _suffix(root) not in TABLE_SUFFIXES:
                raise InputError(f"{root}: cannot tag a '{_suffix(root) or root.name}' file; "
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
            kind = TABLE_SUFFIXES.get(_suffix(path), "file") if path == root else "file"
            out.append(Input(key, str(path), kind, doc_id, st.st_size, st.st_mtime_ns))
    return out


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fingerprint(*parts) -> str:
    """SHA-256 of the given bytes/str/JSON-able parts: what the cached results depend on."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            part = part.encode()
        elif not isinstance(part, bytes):
            part = json.dumps(part, sort_keys=True, default=str).encode()
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()


class Journal:
    """Append-only record of finished work, by default ``OUTDIR/.tag-state.jsonl``.

    Entries are dicts with at least ``key`` and ``chunk``; the last entry of a (key, chunk)
    wins. Also used by ``choose-k`` for its finished fits.

    Parameters
    ----------
    outdir : Path
    stamp : str
        Fingerprint of the model and settings; a journal with another stamp is discarded.
    name : str
        File name of the journal in ``outdir`` (the lock is ``name`` + ``.lock``, or
        ``.tag-state.lock`` for the default name).
    command : str
        The command named in the error when another run holds the lock.
    foreign : str, optional
        If given, a non-empty file with another header (other stamp, or not a journal at all)
        is refused with InputError(``foreign``) and left untouched; by default it is
        discarded and started over.
    """

    def __init__(self, outdir, stamp, *, name=STATE_NAME, command="topicnmf tag",
                 foreign=None):
        self.path = Path(outdir) / name
        self.stamp = stamp
        self.entries = {}          # (key, chunk) -> entry
        lock = LOCK_NAME if name == STATE_NAME else name + ".lock"
        self._lock = open_lock(Path(outdir) / lock, command)
        try:
            self._load(foreign)
        except InputError:
            self._lock.close()
            raise
        self._rewrite(self.entries.values())
        self._lines = len(self.entries)            # entry lines in the file
        self._file = open(self.path, "a", encoding="utf-8")

    def _header(self):
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "fingerprint": self.stamp}

    def _load(self, foreign=None):
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        lines = raw.split(b"\n")[:-1]                 # a torn last line has no newline
        try:
            header = json.loads(lines[0]) if lines else None
        except ValueError:
            header = None
        if header != self._header():
            if foreign is not None and raw.strip():
                raise InputError(foreign)
            return                                     # other model or settings: start over
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                break
            self.entries[(entry["key"], entry["chunk"])] = entry

    def _rewrite(self, entries):
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n"
                       for e in [self._header(), *entries])
        write_atomic(self.path, text)

    def lookup(self, item: Input, chunk: int = 0, chunk_size=None, sha=None):
        """The entry for ``item`` (and chunk) if it is still valid, else None."""
        entry = self.entries.get((item.key, chunk))
        if (entry is None or entry["sha256"] is None                 # could not even be read
                or (chunk_size is not None and entry["chunk_size"] != chunk_size)):
            return None
        if (entry["size"], entry["mtime_ns"]) == (item.size, item.mtime_ns):
            return entry
        return entry if sha is not None and entry["sha256"] == sha else None

    def commit(self, entries):
        """Append ``entries`` and make them durable before returning."""
        with naming(self.path):
            for entry in entries:
                self.entries[(entry["key"], entry["chunk"])] = entry
                self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        self._lines += len(entries)

    def close(self, keep_keys=None):
        """Close; with ``keep_keys``, compact to the entries of those inputs only (if the file
        holds anything else: superseded entries or inputs that are gone)."""
        try:
            with naming(self.path):
                self._file.close()
            if keep_keys is not None:
                kept = [e for k, e in self.entries.items() if k[0] in keep_keys]
                if len(kept) != self._lines:
                    self._rewrite(kept)
        finally:
            self._lock.close()                     # releases the lock


def entry(item: Input, *, chunk=0, chunks=1, chunk_size=1, sha, docs=(), errors=()):
    """A journal entry: one loose file or one chunk of a table, and its results."""
    return {"key": item.key, "chunk": chunk, "chunks": chunks, "chunk_size": chunk_size,
            "size": item.size, "mtime_ns": item.mtime_ns, "sha256": sha,
            "docs": list(docs), "errors": [list(e) for e in errors]}
