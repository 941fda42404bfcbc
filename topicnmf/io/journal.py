"""A journal of finished work, so that long jobs resume where they stopped (``tag``,
``choose-k --journal``).

The file starts with a header naming the work's inputs and settings (a fingerprint); every later
line is one finished piece, appended and fsynced, so a crash or SIGKILL loses at most the piece
in flight; a torn last line is dropped when the journal is next opened. A lock file is held
(``flock``) while a run works, so two runs never share a journal.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import InputError
from .files import naming, open_lock, write_atomic

JOURNAL_FORMAT = "topicnmf-tag-state"   # named after its first user; kept so old journals resume
JOURNAL_VERSION = 1


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
    """Append-only record of finished work: ``tag``'s batches, ``choose-k``'s fits.

    Entries are dicts with at least ``key`` and ``chunk``; the last entry of a (key, chunk)
    wins.

    Parameters
    ----------
    path : Path
        The journal file.
    stamp : str
        Fingerprint of the model and settings; a journal with another stamp is discarded.
    lock : Path
        The lock file held (``flock``) while the journal is open.
    command : str
        The command named in the error when another run holds the lock.
    foreign : str, optional
        If given, a non-empty file with another header (other stamp, or not a journal at all)
        is refused with InputError(``foreign``) and left untouched; by default it is
        discarded and started over.
    """

    def __init__(self, path, stamp, *, lock, command, foreign=None):
        self.path = Path(path)
        self.stamp = stamp
        self.entries = {}          # (key, chunk) -> entry
        self._lock = open_lock(lock, command)
        try:
            self._load(foreign)
        except InputError:
            self._lock.close()
            raise
        self._rewrite(self.entries.values())
        self._lines = len(self.entries)            # entry lines in the file
        self._file = open(self.path, "a", encoding="utf-8")

    def _header(self):
        return {"format": JOURNAL_FORMAT, "version": JOURNAL_VERSION, "fingerprint": self.stamp}

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
