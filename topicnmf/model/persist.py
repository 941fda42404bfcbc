"""Save models: ``model.json`` (metadata) + ``arrays.npz`` (numbers), no pickle.

A model folder is recognized by its ``model.json`` (format name ``topicnmf-model``), never by a
file name alone. Saving writes only ``model.json`` and ``arrays.npz`` (each through a temporary
file and a rename) and leaves every other file in the folder alone; a folder that holds anything
else and no topicnmf ``model.json`` is refused. Both files carry the same ``save_id`` (a digest of
the arrays): while ``arrays.npz`` is being replaced the previous one is kept as
``.arrays.npz.prev``, so a save interrupted between the two renames still loads as the previous
model. ``.topicnmf.lock`` serializes saves and read-modify-write updates (``label``).

The arrays of a large model (``H`` larger than ``MAPPED_BYTES``, about 170,000 documents at
k = 50: ``H`` and the arrays of ``V``) are written as ``NAME.SAVE_ID.npy`` files of their own,
which loading maps into memory (format version 2, :mod:`topicnmf.model.saved`); their names
change with every save, so the ``model.json`` being replaced keeps naming complete files until
the new one is in place, and the files of earlier saves are removed after it.

Reading is :mod:`topicnmf.model.saved`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.files import (TEMP_SUFFIX, check_output_file, check_writable_folder, exclusive_lock,
                        naming, temp_file_for, write_atomic)
from .saved import (ARRAYS_NPZ, FORMAT_NAME, FORMAT_VERSION, LOCK_NAME, MAPPED_VERSION,
                    MODEL_JSON, NPZ_ERRORS, PREVIOUS_NPZ, SAVE_ID, array_save_id,
                    read_model_meta)

MAPPED_BYTES = 64 * 2**20                      # an H larger than this: large arrays in files
MAPPED_ARRAYS = ("H", "V_data", "V_indices", "V_indptr")
_MAPPED_FILE = re.compile(r"^(H|V_data|V_indices|V_indptr)\.[0-9a-f]{16}\.npy$")


def save_model(model, path) -> Path:
    """Write ``model`` to the folder ``path`` (created, or a topicnmf model folder updated).

    Only ``model.json`` and ``arrays.npz`` are written; any other file in the folder is left
    as it is.

    Raises
    ------
    InputError
        If ``path`` exists and is neither an empty folder nor a topicnmf model folder, or
        cannot be written.
    """
    model.check_fitted()
    path = check_model_destination(path)
    meta, arrays = model_contents(model)
    path.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path / LOCK_NAME, "topicnmf save"):
        _write_model(path, meta, arrays)
    return path


def check_model_destination(path) -> Path:
    """InputError unless a model can be saved at ``path``: a new or empty folder, or a
    topicnmf model folder (whose ``model.json`` and ``arrays.npz`` will be replaced).

    Call it before a long fit so that a bad destination is found first.
    """
    path = Path(path)
    if not path.exists():
        check_writable_folder(path.parent)
        return path
    if not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder; choose another output folder")
    names = [n for n in os.listdir(path) if not _own_hidden_file(n)]
    if MODEL_JSON in names:
        if not _is_model_json(path / MODEL_JSON):
            raise InputError(f"{path / MODEL_JSON}: is not a topicnmf model file; refusing to "
                             "replace it, choose an empty or new output folder")
    elif names:
        raise InputError(f"{path} is a non-empty folder that is not a topicnmf model; "
                         "refusing to overwrite it, choose an empty or new output folder")
    for name in (MODEL_JSON, ARRAYS_NPZ):
        if os.path.lexists(path / name):
            check_output_file(path / name)
    check_writable_folder(path)
    return path


def _own_hidden_file(name) -> bool:
    """Files topicnmf keeps in a model folder besides model.json and arrays.npz."""
    temp = name.endswith(TEMP_SUFFIX) and name.startswith((f".{MODEL_JSON}.",
                                                            f".{ARRAYS_NPZ}.", ".H.", ".V_"))
    return temp or name in (LOCK_NAME, PREVIOUS_NPZ) or bool(_MAPPED_FILE.match(name))


def _is_model_json(path) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == FORMAT_NAME


def model_contents(model) -> tuple:
    """``(meta, arrays)``: what :func:`save_model` writes to ``model.json`` and
    ``arrays.npz``, with the ``save_id`` that ties the two together."""
    from .. import __version__

    V = model.V_.tocsc()
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "topicnmf_version": __version__,
        "mode": model.mode,
        "params": _jsonable(model.get_params()),
        "n_topics": int(model.n_topics),
        "n_iter": int(model.n_iter_),
        "reconstruction_err": float(model.reconstruction_err_),
        "fit_seconds": float(getattr(model, "fit_seconds_", 0.0)),
        "vectorizer": model.vectorizer_.to_dict() if model.mode == "text" else None,
        "topic_labels": list(model.topic_labels_),
        "history": list(getattr(model, "history_", [])),
        "documents": {"ids": list(model.document_ids_), "snippets": list(model.snippets_),
                      "meta": list(model.document_meta_)},
    }
    ids, k = model.topic_ids, int(model.n_topics)
    if ids != list(range(k)) or model.next_topic_id != k:   # merged or split topics
        meta.update(topic_ids=ids, next_topic_id=model.next_topic_id)
    arrays = {"W": model.W_, "H": model.H_,
              "V_data": V.data, "V_indices": V.indices, "V_indptr": V.indptr,
              "V_shape": np.asarray(V.shape, dtype=np.int64)}
    if model.mode == "text":
        arrays["idf"] = model.vectorizer_.idf_
    else:                                   # matrix mode: item names instead of a vectorizer
        meta["items"] = list(model.items_)
        if getattr(model, "mask_", None) is not None:
            arrays["mask"] = np.asarray(model.mask_, dtype=np.uint8)
    meta[SAVE_ID] = _digest(arrays)
    arrays[SAVE_ID] = np.asarray(meta[SAVE_ID])
    if arrays["H"].nbytes > MAPPED_BYTES:
        meta["format_version"] = MAPPED_VERSION
        meta["array_files"] = {name: f"{name}.{meta[SAVE_ID][:16]}.npy"
                               for name in MAPPED_ARRAYS}
    return meta, arrays


def _digest(arrays) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{arr.dtype.str}:{arr.shape};".encode())
        digest.update(arr.data)
    return digest.hexdigest()


def _write_model(path: Path, meta: dict, arrays: dict) -> None:
    """Replace the model files in ``path`` (the caller holds the lock)."""
    npz, previous = path / ARRAYS_NPZ, path / PREVIOUS_NPZ
    files = meta.get("array_files", {})
    for name, file in files.items():
        _write_npy(path / file, arrays.pop(name))
    replaced = False
    if _stored_save_id(npz) != meta[SAVE_ID]:       # e.g. a new label: the arrays stay
        tmp = temp_file_for(npz)
        try:
            with naming(npz), open(tmp, "wb") as f:
                np.savez(f, **arrays)     # uncompressed: a one-shot query loads it 3× faster
                f.flush()
                os.fsync(f.fileno())
            if npz.exists():
                _keep_previous(npz, previous)
            os.replace(tmp, npz)
            replaced = True
        finally:
            if tmp.exists():
                tmp.unlink()
    try:
        text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_atomic(path / MODEL_JSON, text)
    except BaseException:
        if replaced and previous.exists():          # back to the model that model.json names
            os.replace(previous, npz)
        raise
    if previous.exists():
        previous.unlink()
    for name in os.listdir(path):               # mapped arrays of earlier saves
        if _MAPPED_FILE.match(name) and name not in files.values():
            (path / name).unlink()


def _write_npy(target: Path, array) -> None:
    """An array's ``.npy`` file (named after the save: an existing one holds it already)."""
    if target.exists():
        return
    tmp = temp_file_for(target)
    try:
        with naming(target), open(tmp, "wb") as f:
            np.lib.format.write_array(f, np.asarray(array), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _keep_previous(npz: Path, previous: Path) -> None:
    if os.path.lexists(previous):
        previous.unlink()
    try:
        os.link(npz, previous)
    except OSError:                                 # no hard links on this file system
        shutil.copyfile(npz, previous)


def _stored_save_id(npz: Path):
    try:
        with np.load(npz, allow_pickle=False) as data:
            return array_save_id(data)
    except NPZ_ERRORS:
        return None


def _jsonable(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, (frozenset, set)):
            value = sorted(value)
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        elif isinstance(value, np.integer):
            value = int(value)
        elif isinstance(value, dict):            # e.g. seed_topics: keep the order (sort_keys)
            value = [[k, v] for k, v in value.items()]
        out[key] = value
    return out


@contextmanager
def model_lock(path, command):
    """Hold the lock of the model folder ``path`` (after checking that it is one), for a
    read-modify-write update such as :func:`topicnmf.model.estimator.label`."""
    path = Path(path)
    read_model_meta(path)                  # a model folder at all? (before creating a lock)
    with exclusive_lock(path / LOCK_NAME, command):
        yield path


def write_model(path, model) -> None:
    """Replace the model files in ``path`` while :func:`model_lock` is held."""
    _write_model(Path(path), *model_contents(model))


