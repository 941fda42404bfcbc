"""Reading a saved model: the files of a model folder, read and checked into a ``SavedModel``.

A model folder is recognized by its ``model.json`` (format name ``topicnmf-model``). Loading
checks the format name and version, the type of every field of ``model.json`` and every array's
dtype and shape (:mod:`topicnmf.model.check`), and reads arrays with ``allow_pickle=False``;
while a save is under way the previous ``arrays.npz`` (``.arrays.npz.prev``) still answers.
Writing is :mod:`topicnmf.model.persist`.

Format version 1 holds every array in ``arrays.npz``. Version 2 (models of large corpora)
keeps the large ones (``H`` and the arrays of ``V``) in ``.npy`` files of their own, named in
``model.json`` under ``array_files``, which are memory-mapped read-only: a query reads the
pages it needs instead of the whole array. Their dtype and shape are checked on loading;
their values were checked when they were written.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelFormatError
from .check import Invalid, check_arrays, check_label, check_meta, check_strings

FORMAT_NAME = "topicnmf-model"
FORMAT_VERSION = 1          # every array in arrays.npz
MAPPED_VERSION = 2          # the large arrays in files of their own (model.json "array_files")
MODEL_JSON = "model.json"
ARRAYS_NPZ = "arrays.npz"
LOCK_NAME = ".topicnmf.lock"
PREVIOUS_NPZ = ".arrays.npz.prev"
SAVE_ID = "save_id"
#: What reading a damaged or foreign .npz can raise (zlib.error: a damaged member).
NPZ_ERRORS = (OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, KeyError)


@dataclass(frozen=True)
class SavedModel:
    """What a saved model holds, checked field by field: ``TopicModel.load`` builds the model
    from it. Shapes as in :class:`~topicnmf.model.estimator.TopicModel` (``W`` terms × k,
    ``H`` k × documents, ``V`` terms × documents)."""

    mode: str
    params: dict
    W: np.ndarray
    H: np.ndarray
    V: object                  # scipy.sparse.csc_matrix
    mask: object               # ndarray of bool, or None
    vectorizer: object         # topicnmf.text.vectorize.Vectorizer, or None in matrix mode
    labels: list
    topic_ids: list            # id of each topic (column of W)
    next_topic_id: int
    ids: list
    snippets: list
    doc_meta: list
    items: object              # list of str in matrix mode, else None
    n_iter: int
    reconstruction_err: float
    fit_seconds: float
    history: list = ()         # update/align steps (models saved before them have none)


def read_model(path) -> SavedModel:
    """Read and check a model saved by :func:`save_model` (a folder, or a ``.zip`` of one).

    Raises
    ------
    ModelFormatError
        Missing, damaged, inconsistent, or of an unknown format version.
    """
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as tmp:
            return read_model(_unzip_model(path, Path(tmp)))
    meta = _read_meta(_model_folder(path))
    arrays = _read_arrays(path, meta.get(SAVE_ID))
    mapped = _read_mapped(path, meta)
    return _saved_model(meta, {**arrays, **mapped}, path, set(mapped))


def read_labels(path) -> tuple:
    """``(save_id, labels)`` of the model folder ``path`` from its ``model.json`` alone: how a
    process that keeps a model loaded (``topicnmf serve``) sees a rename made by another one
    without reading the arrays. ``labels`` as ``TopicModel.topic_labels_`` (None: automatic).

    Raises
    ------
    ModelFormatError
        Missing, damaged or of an unknown format version.
    """
    path = _model_folder(Path(path))
    meta = _read_meta(path)
    try:
        labels = _labels(check_meta(meta))
    except (Invalid, InputError, TypeError, ValueError, KeyError) as exc:
        raise ModelFormatError(f"{path}: damaged or inconsistent model ({exc}); "
                               "refit the model") from None
    save_id = meta.get(SAVE_ID)
    return (save_id if isinstance(save_id, str) else None), labels


def _labels(fields) -> list:
    """The checked topic labels of checked ``model.json`` fields (None: automatic)."""
    k, labels = fields["k"], fields["labels"]
    if k > len(fields["ids"]):                                # a fit has k <= documents
        raise Invalid(f"n_topics ({k}) is larger than the number of documents")
    labels = [None] * k if labels is None else labels
    check_strings(labels, "topic_labels", length=k, nullable=True)
    return [None if name is None else check_label(name, topic)
            for topic, name in enumerate(labels)]


def read_model_meta(path) -> dict:
    """The ``model.json`` of the model folder ``path``, checked for format name and version;
    ModelFormatError if ``path`` is not a topicnmf model folder."""
    path = Path(path)
    return _read_meta(_model_folder(path))


def _model_folder(path: Path) -> Path:
    if not path.exists():
        raise ModelFormatError(f"{path}: no such model directory")
    if not (path / MODEL_JSON).is_file():
        raise ModelFormatError(f"{path}: not a topicnmf model (no {MODEL_JSON}); "
                               "pass the directory written by 'topicnmf fit -o'")
    return path


def _unzip_model(zpath: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(zpath) as zf:
        names = [n for n in zf.namelist() if n.endswith(MODEL_JSON)]
        if len(names) != 1:
            raise ModelFormatError(f"{zpath}: the zip holds no single {MODEL_JSON}")
        prefix = names[0][: -len(MODEL_JSON)]
        for name in (MODEL_JSON, ARRAYS_NPZ):
            try:
                data = zf.read(prefix + name)
            except KeyError:
                raise ModelFormatError(f"{zpath}: the zip has no {prefix + name}") from None
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                raise ModelFormatError(f"{zpath}: damaged zip ({exc.__class__.__name__}); "
                                       "zip the model folder again") from None
            (tmp / name).write_bytes(data)
    return tmp


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads((path / MODEL_JSON).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelFormatError(f"{path / MODEL_JSON}: damaged ({exc.__class__.__name__}); "
                               "refit the model") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path / MODEL_JSON}: not a topicnmf model file")
    version = meta.get("format_version")
    if version not in (FORMAT_VERSION, MAPPED_VERSION):
        raise ModelFormatError(f"{path}: model format version {version} is not supported by "
                               f"this topicnmf (reads versions {FORMAT_VERSION} and "
                               f"{MAPPED_VERSION}); refit the model")
    return meta


def _read_mapped(path: Path, meta: dict) -> dict:
    """The arrays kept in files of their own (format version 2), memory-mapped read-only."""
    files = meta.get("array_files") or {}
    if not isinstance(files, dict) or not all(
            isinstance(name, str) and isinstance(file, str) and Path(file).name == file
            for name, file in files.items()):
        raise ModelFormatError(f"{path / MODEL_JSON}: damaged (array_files); refit the model")
    arrays = {}
    for name, file in files.items():
        try:
            arrays[name] = np.load(path / file, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            raise ModelFormatError(f"{path}: {file} is missing; copy the whole model folder "
                                   "again or refit") from None
        except NPZ_ERRORS as exc:
            raise ModelFormatError(f"{path / file}: damaged ({exc.__class__.__name__}); "
                                   "refit the model") from None
    return arrays


def _read_arrays(path: Path, save_id) -> dict:
    """The arrays of the save ``save_id`` (None: whatever arrays.npz holds, for models saved
    before save ids): arrays.npz, or the previous one kept by an interrupted save."""
    arrays = _read_npz(path / ARRAYS_NPZ)
    if save_id is None or array_save_id(arrays) == save_id:
        return arrays
    previous = path / PREVIOUS_NPZ
    if previous.exists():
        arrays = _read_npz(previous)
        if array_save_id(arrays) == save_id:
            return arrays
    raise ModelFormatError(f"{path}: {MODEL_JSON} and {ARRAYS_NPZ} come from different saves "
                           "(files copied from two models?); copy the whole model folder "
                           "again or refit")


def array_save_id(arrays):
    """The save id an npz (or the dict read from one) holds; None if it holds none."""
    value = arrays.get(SAVE_ID)
    return str(value) if value is not None and value.dtype.kind == "U" else None


def _read_npz(file: Path) -> dict:
    try:
        with np.load(file, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise ModelFormatError(f"{file.parent}: {file.name} is missing; refit the model") from None
    except NPZ_ERRORS as exc:
        raise ModelFormatError(f"{file}: damaged ({exc.__class__.__name__}); "
                               "refit the model") from None


def _saved_model(meta: dict, arrays: dict, path: Path, mapped=frozenset()) -> SavedModel:
    from ..text.vectorize import Vectorizer

    try:
        fields = check_meta(meta)
        W, H, V, mask = check_arrays(arrays, fields, mapped)
        k = fields["k"]
        if fields["params"]["n_topics"] != k:
            raise Invalid(f"params.n_topics differs from n_topics ({k})")
        labels = _labels(fields)
        vectorizer = (Vectorizer.from_dict(fields["vectorizer"], arrays["idf"])
                      if fields["mode"] == "text" else None)
    except (Invalid, InputError, TypeError, ValueError, KeyError) as exc:
        raise ModelFormatError(f"{path}: damaged or inconsistent model ({exc}); "
                               "refit the model") from None
    error = fields["error"]
    return SavedModel(mode=fields["mode"], params=fields["params"], W=W, H=H, V=V, mask=mask,
                      vectorizer=vectorizer, labels=labels,
                      topic_ids=fields["topic_ids"] or list(range(W.shape[1])),
                      next_topic_id=fields["next_topic_id"],
                      ids=list(fields["ids"]),
                      snippets=list(fields["snippets"]), doc_meta=list(fields["doc_meta"]),
                      items=fields.get("items"), n_iter=fields["n_iter"],
                      reconstruction_err=float("nan") if error is None else float(error),
                      fit_seconds=float(fields["fit_seconds"]), history=fields["history"])
