"""The work folder of an out-of-core fit: what each pass wrote, kept until the fit is done.

Files (``P``: a partition, ``B``: a block of documents)::

    topicnmf-work.json     the manifest: what the files were made from (a fingerprint of
                           the corpus files and the settings) and what is finished
    counts-P.npz, .json    the first pass: a partition's term counts; ids, snippets, terms
    vectorizer.json, .npz  the vocabulary, display forms and idf chosen from all counts
    documents.jsonl        id, snippet and metadata of every document, in order
    block-B.npz            the second pass: a block of V's columns (float32 CSC)
    H.npy, V_*.npy         the fitted memberships and V side by side, written for the model

Everything is written through a temporary file and a rename, and a partition's counts are
recorded as finished only once both its files are in place, so an interrupted fit that is run
again with the same work folder starts where it stopped; a fingerprint that differs (another
corpus, changed files, other settings or block size) starts over. A fit run with another
``k`` reuses the blocks. Only these files are ever removed (:meth:`WorkFolder.remove`); a
folder that holds anything else and no manifest is refused.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..io.files import check_writable_folder, open_lock, temp_file_for, write_atomic
from ..io.journal import fingerprint
from ..io.readers import walk_files
from ..text.counting import PartitionCounts
from ..text.vectorize import Vectorizer

MANIFEST = "topicnmf-work.json"
LOCK = ".topicnmf-work.lock"
WORK_FORMAT = "topicnmf-work"
WORK_VERSION = 2                  # 2: counts record their cleaning steps
_OWN = re.compile(r"^(topicnmf-work\.json|\.topicnmf-work\.lock|counts-\d+\.(npz|json)|"
                  r"vectorizer\.(json|npz)|documents\.jsonl|block-\d+\.npz|H\.npy|"
                  r"V_(data|indices|indptr)\.npy|\..*\.tmp)$")


def corpus_fingerprint(path, settings) -> str:
    """What a work folder's files depend on: the corpus files (path, size, modification
    time) and ``settings`` (reading, preprocessing, vocabulary, block size)."""
    path = Path(path).resolve()
    files = walk_files(path, lambda folder, why: None) if path.is_dir() else [path]
    stats = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return fingerprint(stats, settings)


class WorkFolder:
    """A work folder opened for one fit (see the module's notes); use it as a context manager
    (it holds the folder's lock).

    Parameters
    ----------
    path : str or Path
        Created if missing; an existing folder must be empty or a work folder.
    key : str
        :func:`corpus_fingerprint` of this fit.
    """

    def __init__(self, path, key):
        self.path, self.key = Path(path), key
        self._lock = None

    def __enter__(self):
        path = self.path
        if path.exists() and not path.is_dir():
            raise InputError(f"{path}: exists and is not a folder; choose another --work-dir")
        path.mkdir(parents=True, exist_ok=True)
        check_writable_folder(path)
        self._lock = open_lock(path / LOCK, "topicnmf fit")
        try:
            self._check_and_start()
        except BaseException:
            self._lock.close()
            raise
        return self

    def __exit__(self, *exc):
        self._lock.close()

    def _check_and_start(self):
        names = [n for n in os.listdir(self.path) if n != LOCK]
        manifest = self._read_manifest()
        if manifest is None and names:
            raise InputError(f"{self.path}: is not empty and not a topicnmf work folder; "
                             "choose an empty or new --work-dir")
        if manifest is None or manifest.get("key") != self.key:
            self._clear()
            self.manifest = {"format": WORK_FORMAT, "version": WORK_VERSION, "key": self.key}
            self.save()
        else:
            self.manifest = manifest

    def _read_manifest(self):
        try:
            manifest = json.loads((self.path / MANIFEST).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError):
            return {}                        # damaged: ours, to be started over
        if not isinstance(manifest, dict) or manifest.get("format") != WORK_FORMAT:
            raise InputError(f"{self.path / MANIFEST}: not a topicnmf work folder manifest; "
                             "choose an empty or new --work-dir")
        return manifest if manifest.get("version") == WORK_VERSION else {}

    def save(self):
        """Write the manifest (after recording what is finished)."""
        write_atomic(self.path / MANIFEST, json.dumps(self.manifest, sort_keys=True) + "\n")

    def _clear(self):
        for name in os.listdir(self.path):
            if _OWN.match(name) and name not in (MANIFEST, LOCK):
                (self.path / name).unlink()

    def remove(self):
        """Delete the work folder's own files, and the folder if nothing else is left."""
        for name in os.listdir(self.path):
            if _OWN.match(name) and name != LOCK:
                (self.path / name).unlink()
        (self.path / LOCK).unlink(missing_ok=True)
        try:
            self.path.rmdir()
        except OSError:                      # something else is in there: left alone
            pass

    # -- the first pass: one partition's counts ------------------------------------------

    def file(self, name) -> Path:
        return self.path / name

    def counted(self, index):
        """The saved summary of partition ``index``'s counts, or None if not finished."""
        if str(index) not in self.manifest.get("counted", {}):
            return None
        try:
            return json.loads(self.file(f"counts-{index:05d}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def record_counted(self, index):
        self.manifest.setdefault("counted", {})[str(index)] = True
        self.save()

    def forget(self, *stages):
        """Mark ``stages`` ('counted', 'vectorized') as not done."""
        for stage in stages:
            self.manifest.pop(stage, None)
        self.save()


def save_counts(folder, counts: PartitionCounts) -> dict:
    """Write a partition's counts to ``folder`` (``counts-P.npz`` and ``.json``); returns the
    summary that the merge needs (a pure task's result; the caller records it as finished)."""
    folder, i = Path(folder), counts.index
    matrix = counts.counts
    _save_npz(folder / f"counts-{i:05d}.npz", data=matrix.data, indices=matrix.indices,
              indptr=matrix.indptr, shape=np.asarray(matrix.shape, dtype=np.int64))
    summary = counts.summary()
    write_atomic(folder / f"counts-{i:05d}.json", json.dumps(summary, ensure_ascii=False))
    return summary


def load_counts(folder, summary) -> sp.csr_matrix:
    """The term counts (documents × the partition's terms) saved by :func:`save_counts`."""
    path = Path(folder) / f"counts-{summary['index']:05d}.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            return sp.csr_matrix((npz["data"], npz["indices"], npz["indptr"]),
                                 shape=tuple(npz["shape"]))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: missing or damaged ({exc.__class__.__name__}); run again "
                         "(the work folder is rebuilt)") from None


def save_vectorizer(folder, vectorizer) -> None:
    folder = Path(folder)
    _save_npz(folder / "vectorizer.npz", idf=vectorizer.idf_)
    write_atomic(folder / "vectorizer.json", json.dumps(vectorizer.to_dict(), ensure_ascii=False))


def load_vectorizer(folder) -> Vectorizer:
    folder = Path(folder)
    try:
        data = json.loads((folder / "vectorizer.json").read_text("utf-8"))
        with np.load(folder / "vectorizer.npz", allow_pickle=False) as npz:
            idf = npz["idf"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{folder}: the vocabulary is missing or damaged "
                         f"({exc.__class__.__name__}); run again (the work folder is "
                         "rebuilt)") from None
    return Vectorizer.from_dict(data, idf)


def _save_npz(path, **arrays):
    tmp = temp_file_for(path)
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
