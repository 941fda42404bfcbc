"""What a saved model must hold: every field of ``model.json`` and every array of
``arrays.npz`` checked for type, length, shape and range before the model is built from them.

The checks raise :class:`Invalid` naming the first bad field; :mod:`topicnmf.model.persist` turns it
into a ``ModelFormatError`` that names the model folder.
"""

from __future__ import annotations

import json
import math
from itertools import chain

import numpy as np
import scipy.sparse as sp

from ..errors import InputError


MAX_LABEL_LENGTH = 200


def check_label(name, topic):
    """A topic's name: one line of printable text of at most ``MAX_LABEL_LENGTH`` characters
    (it goes into CSV, JSON, HTML and terminal output as it is), stripped; None if blank.

    Raises
    ------
    InputError
        Not text, several lines, control characters, or too long.
    """
    if name is not None and not isinstance(name, str):
        raise InputError(f"label of topic {topic}: expected text, found {type(name).__name__}")
    name = name.strip() if name else ""
    if not name.isprintable() or len(name) > MAX_LABEL_LENGTH:
        raise InputError(f"label of topic {topic}: {name[:40]!r} is not one line of "
                         f"printable text of at most {MAX_LABEL_LENGTH} characters; "
                         "leave out line breaks, tabs and control characters")
    return name or None


class Invalid(Exception):
    """A field of model.json (or an array) of the wrong type, length or value."""


_REQUIRED = object()
_PARAM_KINDS = {"n_topics": (int,), "solver": (str,), "loss": (str,), "init": (str,),
                "max_iter": (int, None), "tol": (float,), "random_state": (int, None),
                "stem": (bool,), "stop_words": (str, list, None),
                "extra_stop_words": (str, list, None), "ngram_range": (list,),
                "min_df": (float,), "max_df": (float,), "max_features": (int, None),
                "sublinear_tf": (bool,), "use_idf": (bool,), "seed_topics": (list, dict, None),
                "seed_weight": (float,), "clean": (str, list, None),
                "near_duplicates": (float, None), "pivot_slope": (float,)}
_PREPROCESSING_KINDS = {"lowercase": (bool,), "stop_words": (str, list, None),
                        "extra_stop_words": (list,), "stem": (bool,), "ngram_range": (list,),
                        "min_token_length": (int,), "clean": (list,),
                        "template_lines": (list,)}


def _is(value, kind) -> bool:
    """``kind``: None, int (not bool), float (any finite int or float, not bool), or a type."""
    if kind is None:
        return value is None
    if kind in (int, float) and isinstance(value, bool):
        return False
    if kind is float:                      # JSON integers can be too large for a float
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    return isinstance(value, kind)


def _field(obj: dict, key: str, where: str, *kinds, default=_REQUIRED):
    if key not in obj:
        if default is _REQUIRED:
            raise Invalid(f"{where}{key} is missing")
        return default
    value = obj[key]
    if not any(_is(value, kind) for kind in kinds):
        names = " or ".join("null" if k is None else "number" if k is float else k.__name__
                            for k in kinds)
        raise Invalid(f"{where}{key} should be {names}, found {json.dumps(value)[:40]}")
    return value


def check_strings(value, where: str, *, length=None, unique=False, nullable=False) -> list:
    """``value`` if it is a list of strings (or None with ``nullable``) as required."""
    allowed = {str, type(None)} if nullable else {str}
    if not isinstance(value, list) or not set(map(type, value)) <= allowed:
        raise Invalid(f"{where} should be a list of strings")
    if length is not None and len(value) != length:
        raise Invalid(f"{where} has {len(value)} entries, expected {length}")
    if unique and len(set(value)) != len(value):
        raise Invalid(f"{where} has repeated entries")
    return value


def _check_kinds(obj, kinds: dict, where: str) -> dict:
    if not isinstance(obj, dict):
        raise Invalid(f"{where.rstrip('.')} should be an object")
    unknown = sorted(set(obj) - set(kinds))
    if unknown:
        raise Invalid(f"{where}{unknown[0]} is not a known field")
    for key, kind in kinds.items():
        value = _field(obj, key, where, *kind, default=None)
        if isinstance(value, list) and key != "seed_topics":
            if key == "ngram_range":
                if len(value) != 2 or not all(_is(n, int) and n >= 1 for n in value):
                    raise Invalid(f"{where}{key} should be two positive integers")
            else:
                check_strings(value, where + key)
    return obj


def check_meta(meta: dict) -> dict:
    """The fields of a model.json, checked; raises _Invalid naming the first bad one."""
    from ..factor import INITS, LOSSES, SOLVERS

    mode = _field(meta, "mode", "", str, default="text")
    if mode not in ("text", "matrix"):
        raise Invalid(f"mode should be 'text' or 'matrix', found {mode!r}")
    k = _field(meta, "n_topics", "", int)
    if k < 1:
        raise Invalid(f"n_topics should be at least 1, found {k}")
    params = dict(_check_kinds(_field(meta, "params", "", dict), _PARAM_KINDS, "params."))
    for key, choices in (("solver", SOLVERS), ("loss", LOSSES), ("init", INITS)):
        if params.get(key, choices[0]) not in choices:
            raise Invalid(f"params.{key} should be one of {', '.join(choices)}")
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    params.setdefault("n_topics", k)        # other missing parameters take their defaults
    params.setdefault("pivot_slope", 1.0)   # but models saved before length weights had none
    docs = _field(meta, "documents", "", dict)
    ids = check_strings(_field(docs, "ids", "documents.", list), "documents.ids", unique=True)
    n = len(ids)
    snippets = check_strings(_field(docs, "snippets", "documents.", list, default=[""] * n),
                        "documents.snippets", length=n)
    doc_meta = _field(docs, "meta", "documents.", list, default=[{}] * n)
    if (len(doc_meta) != n or not set(map(type, doc_meta)) <= {dict}
            or not set(map(type, chain.from_iterable(m.values() for m in doc_meta))) <= {str}):
        raise Invalid(f"documents.meta should be {n} objects of strings")
    labels = _field(meta, "topic_labels", "", list, default=None)  # k is checked with W
    if labels is not None:
        check_strings(labels, "topic_labels", nullable=True)
    topic_ids, next_id = check_topic_ids(meta, k)
    fields = {"mode": mode, "k": k, "params": params, "ids": ids, "snippets": snippets,
              "topic_ids": topic_ids, "next_topic_id": next_id,
              "doc_meta": doc_meta, "labels": labels,
              "n_iter": _field(meta, "n_iter", "", int, default=0),
              "error": _field(meta, "reconstruction_err", "", float, None, default=None),
              "fit_seconds": _field(meta, "fit_seconds", "", float, default=0.0),
              "history": check_history(_field(meta, "history", "", list, default=[]))}
    if mode == "text":
        vec = _field(meta, "vectorizer", "", dict)
        _check_kinds(_field(vec, "preprocessing", "vectorizer.", dict), _PREPROCESSING_KINDS,
                     "vectorizer.preprocessing.")
        for key, kinds in (("min_df", (float,)), ("max_df", (float,)),
                           ("max_features", (int, None)), ("sublinear_tf", (bool,)),
                           ("use_idf", (bool,))):
            _field(vec, key, "vectorizer.", *kinds)
        terms = check_strings(_field(vec, "vocabulary", "vectorizer.", list),
                         "vectorizer.vocabulary", unique=True)
        check_strings(_field(vec, "display", "vectorizer.", list), "vectorizer.display",
                 length=len(terms))
        fields.update(vectorizer=vec, n_terms=len(terms))
    else:
        items = check_strings(_field(meta, "items", "", list), "items", unique=True)
        fields.update(items=items, n_terms=len(items))
    return fields


def check_history(history) -> list:
    """The ``history`` of a model.json (its update and align steps, oldest first): objects whose
    values are text, numbers, booleans, null or lists of integers."""
    for i, step in enumerate(history):
        if not isinstance(step, dict):
            raise Invalid(f"history[{i}] should be an object")
        for key, value in step.items():
            if not (value is None or isinstance(value, (str, bool))
                    or _is(value, float)
                    or isinstance(value, list) and all(_is(v, int) for v in value)):
                raise Invalid(f"history[{i}].{key} should be text, a number or a list of "
                              f"integers, found {json.dumps(value)[:40]}")
    return [dict(step) for step in history]


def check_topic_ids(meta: dict, k: int) -> tuple:
    """``(topic ids, next topic id)`` of a model.json: ``topic_ids`` (k distinct integers >= 0)
    and ``next_topic_id`` (above all of them), both optional: ``(None, k)`` for models saved
    before topics could be merged or split, whose ids are ``0..k-1`` (not made here: ``k`` is
    checked against the arrays first)."""
    topic_ids = _field(meta, "topic_ids", "", list, default=None)
    if topic_ids is not None and (
            len(topic_ids) != k or not all(_is(i, int) and i >= 0 for i in topic_ids)
            or len(set(topic_ids)) != k):
        raise Invalid(f"topic_ids should be {k} distinct integers >= 0")
    top = k - 1 if topic_ids is None else max(topic_ids)
    next_id = _field(meta, "next_topic_id", "", int, default=top + 1)
    if next_id <= top:
        raise Invalid(f"next_topic_id should be above every topic id, found {next_id}")
    return topic_ids, next_id


def check_arrays(arrays: dict, fields: dict, mapped=frozenset()):
    """The arrays as the model uses them; raises _Invalid for a wrong dtype or shape.

    The arrays named in ``mapped`` (memory-mapped from files of their own) are checked for
    dtype and shape only: reading every value would read the whole file at every load.
    """
    k, n_terms, n_docs = fields["k"], fields["n_terms"], len(fields["ids"])
    expected = {"W": ((n_terms, k), "f"), "H": ((k, n_docs), "f"), "V_data": (None, "f"),
                "V_indices": (None, "iu"), "V_indptr": ((n_docs + 1,), "iu"),
                "V_shape": ((2,), "iu")}
    if fields["mode"] == "text":
        expected["idf"] = ((n_terms,), "f")
    elif "mask" in arrays:
        expected["mask"] = ((n_terms, n_docs), "biu")
    for name, (shape, kinds) in expected.items():
        if name not in arrays:
            raise Invalid(f"array {name} is missing")
        arr = arrays[name]
        if shape is not None and arr.shape != shape:
            raise Invalid(f"array {name} has shape {arr.shape}, expected {shape}")
        if arr.dtype.kind not in kinds or arr.ndim != 1 + (len(shape or ()) > 1):
            raise Invalid(f"array {name} has dtype {arr.dtype} and {arr.ndim} dimension(s), "
                           f"expected {'float' if kinds == 'f' else 'integer'} numbers")
    for name in ("W", "H", "V_data", "idf"):
        arr = arrays.get(name) if name not in mapped else None
        if arr is not None and not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
            raise Invalid(f"array {name} is not a finite non-negative float array")
    if tuple(int(n) for n in arrays["V_shape"]) != (n_terms, n_docs):
        raise Invalid(f"array V_shape is {arrays['V_shape'].tolist()}, expected "
                       f"{[n_terms, n_docs]}")
    try:
        V = sp.csc_matrix((arrays["V_data"], arrays["V_indices"], arrays["V_indptr"]),
                          shape=(n_terms, n_docs))
        V.check_format(full_check=not mapped)
    except (ValueError, TypeError, IndexError) as exc:
        raise Invalid(f"arrays V_* are not a valid sparse matrix ({exc})") from None
    mask = arrays["mask"].astype(bool) if "mask" in expected else None
    return np.asarray(arrays["W"], np.float64), np.asarray(arrays["H"], np.float64), V, mask
