"""Save and load models: ``model.json`` (metadata) + ``arrays.npz`` (numbers), no pickle.

Saving writes a temporary sibling directory and renames it into place, so a crash never leaves a
half-written model. Loading checks the format name and version and every array's shape, and
reads arrays with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .errors import InputError, ModelFormatError
from .export import default_mode

FORMAT_NAME = "topicnmf-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
ARRAYS_NPZ = "arrays.npz"


def save_model(model, path) -> Path:
    """Write ``model`` to the directory ``path`` atomically (replacing an older model there).

    Raises
    ------
    InputError
        If ``path`` exists and is neither an empty directory nor a topicnmf model.
    """
    from . import __version__

    model._check_fitted()
    path = Path(path)
    _check_replaceable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    V = model.V_.tocsc()
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "topicnmf_version": __version__,
        "mode": getattr(model, "mode_", "text"),
        "params": _jsonable(model.get_params()),
        "n_topics": int(model.n_topics),
        "n_iter": int(model.n_iter_),
        "reconstruction_err": float(model.reconstruction_err_),
        "fit_seconds": float(getattr(model, "fit_seconds_", 0.0)),
        "vectorizer": model.vectorizer_.to_dict() if model.mode == "text" else None,
        "topic_labels": list(model.topic_labels_),
        "documents": {"ids": list(model.document_ids_), "snippets": list(model.snippets_),
                      "meta": list(model.document_meta_)},
    }
    meta.update(getattr(model, "extra_metadata_", {}) or {})
    arrays = {"W": model.W_, "H": model.H_,
              "V_data": V.data, "V_indices": V.indices, "V_indptr": V.indptr,
              "V_shape": np.asarray(V.shape, dtype=np.int64)}
    if model.mode == "text":
        arrays["idf"] = model.vectorizer_.idf_
    else:                                   # matrix mode: item names instead of a vectorizer
        meta["items"] = list(model.items_)
        if getattr(model, "mask_", None) is not None:
            arrays["mask"] = np.asarray(model.mask_, dtype=np.uint8)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, default_mode(directory=True))  # mkdtemp creates 0700
    try:
        with open(tmp / MODEL_JSON, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
        with open(tmp / ARRAYS_NPZ, "wb") as f:
            np.savez_compressed(f, **arrays)
        _replace_dir(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


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


def _check_replaceable(path: Path):
    if not path.exists():
        return
    if not path.is_dir():
        raise InputError(f"{path} exists and is not a directory; choose another output path")
    if any(path.iterdir()) and not (path / MODEL_JSON).is_file():
        raise InputError(f"{path} is a non-empty directory that is not a topicnmf model; "
                         "refusing to overwrite it, choose another output path")


def _replace_dir(new: Path, path: Path):
    if not path.exists():
        os.rename(new, path)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.rename(path, old)
    os.rename(new, path)
    shutil.rmtree(old, ignore_errors=True)


def load_model(path):
    """Read a model saved by :func:`save_model` (a directory, or a ``.zip`` of one)."""
    path = Path(path)
    if not path.exists():
        raise ModelFormatError(f"{path}: no such model directory")
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as tmp:
            return load_model(_unzip_model(path, Path(tmp)))
    if not (path / MODEL_JSON).is_file():
        raise ModelFormatError(f"{path}: not a topicnmf model (no {MODEL_JSON}); "
                               "pass the directory written by 'topicnmf fit -o'")
    meta = _read_meta(path)
    arrays = _read_arrays(path)
    return _build_model(meta, arrays, path)


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
            (tmp / name).write_bytes(data)
    return tmp


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads((path / MODEL_JSON).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path / MODEL_JSON}: damaged ({exc.__class__.__name__}); "
                               "refit the model") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path / MODEL_JSON}: not a topicnmf model file")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(f"{path}: model format version {version} is not supported by "
                               f"this topicnmf (reads version {FORMAT_VERSION}); refit the model")
    return meta


def _read_arrays(path: Path) -> dict:
    try:
        with np.load(path / ARRAYS_NPZ, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: {ARRAYS_NPZ} is missing; refit the model") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"{path / ARRAYS_NPZ}: damaged ({exc.__class__.__name__}); "
                               "refit the model") from None


def _build_model(meta: dict, arrays: dict, path: Path):
    from .model import TopicModel
    from .vectorize import Vectorizer

    try:
        params = dict(meta["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        docs = meta["documents"]
        mode = meta.get("mode", "text")
        W, H = arrays["W"], arrays["H"]
        V = sp.csc_matrix((arrays["V_data"], arrays["V_indices"], arrays["V_indptr"]),
                          shape=tuple(int(n) for n in arrays["V_shape"]))
        if mode == "text":
            idf = arrays["idf"]
            vectorizer = Vectorizer.from_dict(meta["vectorizer"], idf)
            n_terms = len(vectorizer.vocabulary_)
        elif mode == "matrix":
            vectorizer, items = None, [str(n) for n in meta["items"]]
            n_terms = len(items)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        model = TopicModel(**params)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{path}: incomplete or inconsistent model ({exc}); "
                               "refit the model") from None
    k = int(meta["n_topics"])
    n_docs = len(docs["ids"])
    expected = {"W": (n_terms, k), "H": (k, n_docs), "V": (n_terms, n_docs)}
    actual = {"W": W.shape, "H": H.shape, "V": V.shape}
    if mode == "text":
        expected["idf"], actual["idf"] = (n_terms,), idf.shape
    elif "mask" in arrays:
        expected["mask"], actual["mask"] = (n_terms, n_docs), arrays["mask"].shape
    for name, shape in expected.items():
        if tuple(actual[name]) != shape:
            raise ModelFormatError(f"{path}: array {name} has shape {actual[name]}, expected "
                                   f"{shape}; the model is damaged, refit it")
    for name, arr in (("W", W), ("H", H)):
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ModelFormatError(f"{path}: array {name} is not a finite non-negative float "
                                   "array; the model is damaged, refit it")
    model.vectorizer_ = vectorizer
    model.W_, model.H_, model.V_ = W.astype(np.float64), H.astype(np.float64), V
    model.n_iter_ = int(meta.get("n_iter", 0))
    model.reconstruction_err_ = float(meta.get("reconstruction_err", float("nan")))
    model.fit_seconds_ = float(meta.get("fit_seconds", 0.0))
    model.document_ids_ = list(docs["ids"])
    model.snippets_ = list(docs.get("snippets") or [""] * n_docs)
    model.document_meta_ = list(docs.get("meta") or [{}] * n_docs)
    labels = list(meta.get("topic_labels") or [None] * k)
    model.topic_labels_ = labels if len(labels) == k else [None] * k
    model.mode_ = mode
    if mode == "matrix":
        model.items_ = items
        model.mask_ = arrays["mask"].astype(bool) if "mask" in arrays else None
    return model
