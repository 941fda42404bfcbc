"""Merge and split topics of a fitted model; every other topic keeps its id and label.

* :func:`merge`: the chosen topics become one. Each document's membership in it is the sum
  of its memberships in the merged topics (what "these are one topic" means), and its term
  weights ``w`` are the least-squares best for those memberships: their part of the
  reconstruction ``W_sel · H_sel`` (terms × documents, never formed) ≈ ``w hᵀ`` with
  ``h = Σ H_sel``, so ``w ∝ W_sel · (H_sel h)``. (The best rank-1 approximation with a free
  ``h`` would keep more of the reconstruction for two unrelated topics, but by keeping only
  the larger one: its documents would leave the merged topic.)
* :func:`split`: a topic becomes ``into`` topics: a rank-``into`` NMF
  (:func:`topicnmf.factor.factorize`) of the topic's own part of its own documents, i.e. of
  the documents it dominates, each tf-idf cell ``v_tj`` weighted by the topic's share of its
  reconstruction, ``w_tz h_zj / (W H)_tj``.

Then both refine the whole factorization by ``sweeps`` rounds of alternating non-negative
least squares (``H`` for the fixed ``W``, then ``W`` for the fixed ``H``, both by
:func:`topicnmf.factor.projection.project`). The split's NMF and the refinement weigh the
documents as the model's fit did (near-duplicates about once, long documents more:
:mod:`topicnmf.factor.weights`), so untouched topics stay where the fit put them. Both end as
a fit ends: columns of ``W`` summing to 1 and ``H`` the projection of ``V`` on the final
``W`` (so ``transform`` of a training document gives its column of ``H``). The input model is
never changed; the result is a new model.

**Ids** (see :mod:`topicnmf.model.fitted`): a topic keeps its id for good. A merge gives the
merged topic the smallest of the merged ids (in that id's column) and retires the others; a
split leaves the part most like the old topic (cosine of term weights) with the old id and gives
the others new ids above every id the model ever had (``next_topic_id``): an id that once meant
something is never reused. **Labels**: a merged topic gets ``label``, else the names given to
the merged topics joined by `` + ``, else an automatic label; the parts of a named topic get the
name with ``(1)``, ``(2)``, ... (``(1)`` keeps the id), of an unnamed one automatic labels.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import scipy.sparse as sp

from .. import validate
from ..errors import InputError
from ..factor import factorize
from ..factor.projection import (normalize_columns, project, reconstruction_error,
                                 warn_if_degenerate)
from ..model.check import MAX_LABEL_LENGTH, check_label

SWEEPS = 3


def merge(model, topics, *, label=None, sweeps=SWEEPS):
    """A new model in which ``topics`` are one topic (see the module docstring).

    Parameters
    ----------
    model : TopicModel
    topics : list of int
        Two or more topic ids.
    label : str, optional
        Name of the merged topic; by default the names of the merged topics joined by ``+``
        (an automatic label if none was named).
    sweeps : int
        Refinement rounds of the whole factorization (0: only the merge itself).

    Returns
    -------
    TopicModel
        ``n_topics`` one less per extra merged topic; the merged topic has the smallest id.

    Examples
    --------
    >>> merged = merge(model, [2, 5])
    >>> merged.topic_ids
    [0, 1, 2, 3, 4, 6, 7]
    """
    start = time.perf_counter()
    _check_reshapable(model)
    sweeps = validate.integer(sweeps, "sweeps", 0)
    if isinstance(topics, (str, bytes)) or not hasattr(topics, "__iter__"):
        raise InputError(f"topics={topics!r}: give two or more topic ids to merge")
    chosen = sorted({int(model.check_topic(t)) for t in topics})
    if len(chosen) < 2:
        raise InputError("give two or more different topics to merge")
    ids = model.topic_ids
    keep = min(chosen, key=lambda z: ids[z])
    named = [model.topic_labels_[z] for z in sorted(chosen, key=lambda z: ids[z])
             if model.topic_labels_[z]]
    name = check_label(label, ids[keep]) if label is not None else \
        (_shorten(" + ".join(named)) if named else None)
    W = model.W_.copy()
    W[:, keep] = merged_column(model.W_[:, chosen], model.H_[chosen])
    gone = [z for z in chosen if z != keep]
    stay = [z for z in range(len(ids)) if z not in gone]
    labels = [name if z == keep else model.topic_labels_[z] for z in stay]
    return _reshaped(model, W[:, stay], [ids[z] for z in stay], labels, model.next_topic_id,
                     sweeps, start)


def split(model, topic, *, into=2, sweeps=SWEEPS, random_state=0):
    """A new model in which ``topic`` is ``into`` topics (see the module docstring).

    Parameters
    ----------
    model : TopicModel
    topic : int
        A topic id.
    into : int
        Number of parts (2 or more).
    sweeps : int
        Refinement rounds of the whole factorization (0: only the split itself).
    random_state : int, optional
        Seed of the NMF of the topic's documents.

    Returns
    -------
    TopicModel
        ``into − 1`` more topics: the part closest to the old topic keeps its id, the others
        get new ids (``model.next_topic_id`` on), after the existing columns.

    Examples
    --------
    >>> parts = split(model, 3)
    >>> parts.topic_ids
    [0, 1, 2, 3, 4, 5, 6, 7, 8]
    """
    start = time.perf_counter()
    _check_reshapable(model)
    z = model.check_topic(topic)
    into = validate.integer(into, "into", 2)
    sweeps = validate.integer(sweeps, "sweeps", 0)
    validate.seed(random_state)
    own = np.flatnonzero(model.dominant_topics() == z)
    part = topic_part(model.V_, model.W_, model.H_, z, own)
    rows = np.flatnonzero(part.getnnz(axis=1))
    if min(own.size, rows.size) < into:
        raise InputError(f"topic {topic} dominates {own.size} document(s) with {rows.size} "
                         f"term(s); splitting it into {into} needs at least {into} of each")
    weighted = model.weighted_for_fit(model.V_)          # the documents weigh as in the fit
    part = sp.csr_matrix(part[rows] @ sp.diags(weighted[1][own]))
    Wp, _, _ = factorize(part, into, solver="hals" if model.loss == "frobenius" else "mu",
                         loss=model.loss, random_state=random_state)
    parts = np.zeros((model.W_.shape[0], into))
    parts[rows] = Wp
    old = model.W_[:, z]
    cosine = parts.T @ old / np.maximum(np.linalg.norm(parts, axis=0) * np.linalg.norm(old),
                                        1e-300)
    order = [int(np.argmax(cosine))] + [i for i in range(into) if i != np.argmax(cosine)]
    W = np.hstack([model.W_, parts[:, order[1:]]])
    W[:, z] = parts[:, order[0]]
    first = model.next_topic_id
    ids = model.topic_ids + list(range(first, first + into - 1))
    name = model.topic_labels_[z]
    named = [None] * into if not name else [f"{_shorten(name, 6)} ({i})"
                                            for i in range(1, into + 1)]
    labels = list(model.topic_labels_) + named[1:]
    labels[z] = named[0]
    return _reshaped(model, W, ids, labels, first + into - 1, sweeps, start, weighted)


def merged_column(A, B) -> np.ndarray:
    """The merged topic ``w`` (summing to 1) for topics ``A`` (terms × s, columns of ``W``)
    with memberships ``B`` (s × documents): the least-squares best ``w`` in
    ``A · B ≈ w hᵀ`` for ``h`` the sum of the rows of ``B``, i.e. ``w ∝ A · (B h)``.

    >>> merged_column(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) / [2.0, 1.0],
    ...               np.array([[2.0, 0.0], [0.0, 1.0]])).round(3).tolist()
    [0.4, 0.4, 0.2]
    """
    h = np.asarray(B).sum(axis=0)
    w = np.asarray(A) @ (np.asarray(B) @ h)
    total = w.sum()
    return w / total if total > 0 else np.asarray(A).mean(axis=1)


def topic_part(V, W, H, z, columns):
    """Topic ``z``'s part of the columns ``columns`` of ``V``: each stored cell ``v_tj``
    times ``w_tz h_zj / (W H)_tj`` (0 where the reconstruction is 0). Sparse, terms × columns."""
    Vc = sp.csc_matrix(V)[:, columns]
    Vc.sort_indices()
    rows = Vc.indices
    cols = np.repeat(np.arange(Vc.shape[1]), np.diff(Vc.indptr))
    Hc = H[:, columns]
    mine = W[rows, z] * Hc[z, cols]
    total = np.einsum("ij,ji->i", W[rows], Hc[:, cols])
    weight = np.divide(mine, total, out=np.zeros_like(mine), where=total > 0)
    part = sp.csc_matrix((Vc.data * weight, rows, Vc.indptr), shape=Vc.shape)
    part.eliminate_zeros()
    return part.tocsr()


def refine(V, W, *, loss="frobenius", sweeps=SWEEPS, weighted=None):
    """``(W, H)`` after ``sweeps`` rounds of alternating non-negative least squares from
    ``W``, ending as a fit ends: ``W``'s columns sum to 1 and ``H = project(V, W)``.

    ``weighted``: ``(V_fit, scale)`` of :func:`topicnmf.factor.weights.for_weighted_fit`, so
    that ``W`` is fitted with the documents weighed as the model's fit weighed them (each
    document's ``h`` does not depend on its own weight); None: all alike."""
    V = sp.csc_matrix(V, dtype=np.float64)
    V_fit, scale = weighted if weighted is not None else (V, np.ones(V.shape[1]))
    V_fit = sp.csc_matrix(V_fit, dtype=np.float64)
    for _ in range(sweeps):
        H = project(V, W, loss=loss)
        W = project(V_fit.T, (H * scale).T, loss=loss).T
    W, _ = normalize_columns(np.ascontiguousarray(W), np.zeros((W.shape[1], 0)))
    return W, project(V, W, loss=loss)


def _check_reshapable(model):
    model.check_fitted()
    if getattr(model, "mask_", None) is not None:
        raise InputError("merging or splitting the segments of a model fitted with missing "
                         "cells is not supported; refit it with the number of segments you "
                         "want")


def _shorten(name, room=0):
    limit = MAX_LABEL_LENGTH - room
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _reshaped(model, W, ids, labels, next_id, sweeps, start, weighted=None):
    """A copy of ``model`` with topics ``W`` (refined with the documents weighed as in the
    fit: ``weighted``, or the model's :meth:`weighted_for_fit`), their ids and labels."""
    if sweeps and weighted is None:
        weighted = model.weighted_for_fit(model.V_)
    W, H = refine(model.V_, W, loss=model.loss, sweeps=sweeps, weighted=weighted)
    warn_if_degenerate(H)
    new = copy.copy(model)
    new.__dict__.pop("_derived", None)                 # caches of the old factors
    k = W.shape[1]
    seeds = model.seed_topics
    new.set_params(n_topics=k, seed_topics=seeds if not seeds or len(seeds) <= k else None)
    new.W_, new.H_ = W, H
    new.topic_ids_, new.topic_labels_, new.next_topic_id_ = list(ids), list(labels), next_id
    new.document_ids_, new.snippets_ = list(model.document_ids_), list(model.snippets_)
    new.document_meta_ = [dict(m) for m in model.document_meta_]
    new.reconstruction_err_ = reconstruction_error(model.V_, W, H)
    new.fit_seconds_ = getattr(model, "fit_seconds_", 0.0) + time.perf_counter() - start
    return new
