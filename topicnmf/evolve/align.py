"""Topics of two models matched one to one, and a model renumbered to match another.

Two topics are as alike as the cosine of their ``W`` columns over the terms both models know
(matched by term, so two fits with different vocabularies compare). The Hungarian assignment
(``scipy.optimize.linear_sum_assignment``) pairs the topics so that the sum of the cosines at
or above ``threshold`` is largest; a pair below ``threshold`` is no match: the reference's
topic is *retired*, the model's is *new*. See :mod:`topicnmf.evolve` for how ids follow from a matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError

#: Cosine of two topics' ``W`` columns at or above which they are the same topic. Measured
#: on the shipped corpora: a topic updated with new documents keeps 0.9-1.0 with its old
#: self, one refitted from another random start 0.6-1.0 (mostly above 0.9); unrelated topics
#: of two models stay below 0.35; in between lie topics that changed much (part of one split
#: off, or two merged).
THRESHOLD = 0.5


@dataclass(frozen=True)
class Matching:
    """Topics of ``model`` matched to topics of ``reference``.

    Attributes
    ----------
    similarity : ndarray of shape (k_reference, k_model)
        Cosine of every pair of topics over the shared terms.
    pairs : list of (int, int, float)
        ``(reference topic, model topic, cosine)`` of each match, by reference topic.
    threshold : float
    """

    similarity: np.ndarray
    pairs: list
    threshold: float

    @property
    def new(self) -> list:
        """Topics of the model matched to no reference topic."""
        matched = {b for _, b, _ in self.pairs}
        return [b for b in range(self.similarity.shape[1]) if b not in matched]

    @property
    def retired(self) -> list:
        """Topics of the reference matched to no topic of the model."""
        matched = {a for a, _, _ in self.pairs}
        return [a for a in range(self.similarity.shape[0]) if a not in matched]

    def partners(self) -> dict:
        """``{model topic: (reference topic, cosine)}`` of the matched topics."""
        return {b: (a, s) for a, b, s in self.pairs}


def term_keys(model) -> list:
    """What names each row of a model's ``W``: its vocabulary (text) or items (matrix)."""
    model.check_fitted()
    return list(model.items_) if model.mode == "matrix" else list(model.vectorizer_.vocabulary_)


def topic_similarity(reference, model) -> np.ndarray:
    """Cosine of every reference topic with every topic of ``model`` over the terms both know.

    Returns
    -------
    ndarray of shape (k_reference, k_model)
        0 for a topic with no weight on the shared terms.
    """
    keys = term_keys(model)
    index = {t: i for i, t in enumerate(keys)}
    shared = [(i, index[t]) for i, t in enumerate(term_keys(reference)) if t in index]
    if not shared:
        raise InputError("the two models share no term; they cannot be compared")
    rows_ref, rows_model = map(list, zip(*shared))
    A, B = reference.W_[rows_ref], model.W_[rows_model]
    return _unit(A).T @ _unit(B)


def _unit(A):
    norms = np.linalg.norm(A, axis=0)
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)


def match_topics(reference, model, *, threshold=THRESHOLD) -> Matching:
    """Match the topics of ``model`` to those of ``reference`` (Hungarian, on the cosines).

    Parameters
    ----------
    reference, model : TopicModel
        Fitted; any two models (vocabularies may differ, only shared terms count).
    threshold : float
        A pair with a cosine below it is no match.

    Returns
    -------
    Matching
    """
    threshold = validate.real(threshold, "threshold", 0, 1)
    from scipy.optimize import linear_sum_assignment

    S = topic_similarity(reference, model)
    # pairs below the threshold are no match: they must not steer the assignment either
    rows, cols = linear_sum_assignment(np.where(S >= threshold, S, 0.0), maximize=True)
    pairs = [(int(a), int(b), float(S[a, b])) for a, b in zip(rows, cols)
             if S[a, b] >= threshold and S[a, b] > 0]
    return Matching(S, sorted(pairs), float(threshold))


def topic_ids(matching, k) -> np.ndarray:
    """The id of each of the model's ``k`` topics after alignment.

    A matched topic keeps its reference topic's id when that id is below ``k``; every other
    topic takes the lowest free id, in column order (so a retired topic's id goes to a new
    topic, see :mod:`topicnmf.evolve`).

    Returns
    -------
    ndarray of int of shape (k,)
        A permutation of ``0..k-1``: ``ids[c]`` is the new id of column ``c``.
    """
    ids = np.full(k, -1, dtype=np.int64)
    for a, b, _ in matching.pairs:
        if a < k:
            ids[b] = a
    free = iter(sorted(set(range(k)) - set(ids[ids >= 0].tolist())))
    for c in range(k):
        if ids[c] < 0:
            ids[c] = next(free)
    return ids


def derived_model(model, **fitted):
    """A new model of ``model``'s class and parameters with some fitted attributes replaced
    (the others shared: fitted arrays are never changed in place).

    ``n_topics`` follows ``W_``; ``seed_topics`` is dropped (the topics of an updated or
    aligned model come from the model, not from seed words; their names stay as labels).
    """
    params = {**model.get_params(), "n_topics": int(fitted.get("W_", model.W_).shape[1]),
              "seed_topics": None}
    new = type(model)(**params)
    for name, value in vars(model).items():
        if name.endswith("_") and not name.startswith("_"):    # fitted, by scikit-learn's rule
            setattr(new, name, value)
    for name, value in fitted.items():
        setattr(new, name, value)
    return new


def align(model, align_to, *, threshold=THRESHOLD):
    """``model`` with its topics renumbered to match ``align_to`` and their labels carried.

    Parameters
    ----------
    model : TopicModel
        Fitted, e.g. a full refit on more documents. Left unchanged.
    align_to : TopicModel
        The model whose ids (and names) to keep.
    threshold : float
        Cosine below which two topics are not the same (``THRESHOLD``).

    Returns
    -------
    TopicModel
        A new model: the same topics and fit, columns of ``W`` and rows of ``H`` reordered.
        A topic matched to one of ``align_to``'s keeps that id (when below its ``k``) and
        label (a named one; an automatically labelled reference leaves the model's own);
        the others take the free ids in column order (:func:`topic_ids`). The step is
        recorded in ``history_`` (``model.json`` ``history``).

    Examples
    --------
    >>> import numpy as np
    >>> shuffled = derived_model(model, W_=model.W_[:, ::-1], H_=model.H_[::-1],
    ...                          topic_labels_=[None] * 8)
    >>> aligned = align(shuffled, model)       # model: 8 topics of the shipped tickets
    >>> np.array_equal(aligned.W_, model.W_), aligned.history_[-1]["matched"]
    (True, 8)
    """
    model.check_fitted()
    matching = match_topics(align_to, model, threshold=threshold)
    k = model.n_topics
    ids = topic_ids(matching, k)
    order = np.argsort(ids)                      # order[new id] = old column
    partner = matching.partners()
    labels = []
    for c in order:
        own = model.topic_labels_[c]
        reference = align_to.topic_labels_[partner[c][0]] if c in partner else None
        labels.append(reference if reference is not None else own)
    entry = {"step": "align", "matched": len(matching.pairs),
             "new_topics": sorted(int(ids[b]) for b in matching.new),
             "retired_topics": matching.retired, "threshold": matching.threshold}
    return derived_model(model, W_=model.W_[:, order].copy(), H_=model.H_[order].copy(),
                         topic_labels_=labels,
                         history_=[*getattr(model, "history_", []), entry])
