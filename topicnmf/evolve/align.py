"""Topics of two models matched one to one, and a model given another's topic ids.

Two topics are as alike as the cosine of their ``W`` columns over the terms both models know
(matched by term, so two fits with different vocabularies compare). The Hungarian assignment
(``scipy.optimize.linear_sum_assignment``) pairs the topics so that the sum of the cosines at
or above ``threshold`` is largest; a pair below ``threshold`` is no match: the reference's
topic is *retired*, the model's is *new*. :func:`align` then gives the model the reference's
ids by the persistent-id rule of :mod:`topicnmf.evolve` (:func:`aligned_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError
from ..factor.projection import unit_columns

#: Cosine of two topics' ``W`` columns at or above which they are the same topic. Measured
#: on the shipped corpora: a topic updated with new documents keeps 0.9-1.0 with its old
#: self, one refitted from another random start 0.6-1.0 (mostly above 0.9); unrelated topics
#: of two models stay below 0.35; in between lie topics that changed much (part of one split
#: off, or two merged).
THRESHOLD = 0.5


@dataclass(frozen=True)
class Matching:
    """Topics of ``model`` matched to topics of ``reference``.

    Topics are named by their ids (what every output prints and every ``topic`` argument
    takes) in :attr:`pairs`, :attr:`new`, :attr:`retired` and :meth:`partners`; by their
    columns of ``W`` in ``similarity``, ``columns`` and the ``*_columns`` properties.

    Attributes
    ----------
    similarity : ndarray of shape (k_reference, k_model)
        Cosine of every pair of topics over the shared terms (rows and columns: the topics'
        columns of ``W``).
    columns : list of (int, int, float)
        ``(reference column, model column, cosine)`` of each match, by reference column.
    threshold : float
    reference_ids, model_ids : tuple of int
        The id of each topic (column) of the reference and of the model.
    """

    similarity: np.ndarray
    columns: list
    threshold: float
    reference_ids: tuple
    model_ids: tuple

    @property
    def pairs(self) -> list:
        """``(reference id, model id, cosine)`` of each match, by reference id."""
        return sorted((self.reference_ids[a], self.model_ids[b], s) for a, b, s in self.columns)

    @property
    def new_columns(self) -> list:
        """Columns of the model's topics matched to no reference topic."""
        matched = {b for _, b, _ in self.columns}
        return [b for b in range(self.similarity.shape[1]) if b not in matched]

    @property
    def retired_columns(self) -> list:
        """Columns of the reference's topics matched to no topic of the model."""
        matched = {a for a, _, _ in self.columns}
        return [a for a in range(self.similarity.shape[0]) if a not in matched]

    @property
    def new(self) -> list:
        """Ids (in the model) of the model's topics matched to no reference topic, sorted."""
        return sorted(self.model_ids[b] for b in self.new_columns)

    @property
    def retired(self) -> list:
        """Ids (in the reference) of the reference's topics matched to nothing, sorted."""
        return sorted(self.reference_ids[a] for a in self.retired_columns)

    def partners(self) -> dict:
        """``{model id: (reference id, cosine)}`` of the matched topics."""
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
    return unit_columns(A).T @ unit_columns(B)


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
    return Matching(S, sorted(pairs), float(threshold), tuple(reference.topic_ids),
                    tuple(model.topic_ids))


def aligned_ids(matching, next_id) -> tuple:
    """The id of each of the model's topics after alignment to the reference, by the
    persistent-id rule (:mod:`topicnmf.evolve`).

    A matched topic takes its reference topic's id; every other (new) topic takes a fresh id,
    ``next_id`` on in column order. ``next_id`` is the reference's ``next_topic_id``, above
    every id it has or had, so a new topic never gets the id of a retired topic (one of the
    reference that nothing matched) nor any other id that once meant something.

    Parameters
    ----------
    matching : Matching
        Of the model to the reference (:func:`match_topics`).
    next_id : int
        The reference's ``next_topic_id``.

    Returns
    -------
    ids : ndarray of int of shape (k_model,)
        ``ids[c]`` is the new id of the model's column ``c``.
    next_id : int
        The result's ``next_topic_id``: ``next_id``, or the largest new id + 1.

    Examples
    --------
    >>> m = Matching(np.zeros((3, 3)), [(0, 1, 0.9), (2, 0, 0.8)], 0.5, (0, 4, 6), (0, 1, 2))
    >>> ids, next_id = aligned_ids(m, 9)       # 4 is retired; 7 and 8 were given before
    >>> ids.tolist(), next_id, m.retired
    ([6, 0, 9], 10, [4])
    """
    ids = np.full(matching.similarity.shape[1], -1, dtype=np.int64)
    for a, b, _ in matching.columns:
        ids[b] = matching.reference_ids[a]
    new = np.flatnonzero(ids < 0)
    next_id = max(int(next_id), max(matching.reference_ids, default=-1) + 1)
    ids[new] = np.arange(next_id, next_id + new.size)
    return ids, next_id + int(new.size)


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
    """``model`` with the topic ids (and names) of ``align_to`` where their topics match.

    Parameters
    ----------
    model : TopicModel
        Fitted, e.g. a full refit on more documents. Left unchanged (its own ids are replaced).
    align_to : TopicModel
        The model whose ids (and names) to keep.
    threshold : float
        Cosine below which two topics are not the same (``THRESHOLD``).

    Returns
    -------
    TopicModel
        A new model: the same topics and fit. A topic matched to one of ``align_to``'s takes
        that topic's id and label (a named one; an automatically labelled reference leaves the
        model's own); every other topic takes a new id from ``align_to.next_topic_id`` on
        (:func:`aligned_ids`), never a retired one. Columns of ``W`` and rows of ``H`` are
        ordered by id: the matched topics in ``align_to``'s order, then the new ones.
        ``next_topic_id`` is above every id of both. The step (ids matched, new and retired)
        is recorded in ``history_`` (``model.json`` ``history``).

    Examples
    --------
    >>> import numpy as np
    >>> shuffled = derived_model(model, W_=model.W_[:, ::-1], H_=model.H_[::-1],
    ...                          topic_labels_=[None] * 8)
    >>> aligned = align(shuffled, model)       # model: 8 topics of the shipped tickets
    >>> np.array_equal(aligned.W_, model.W_), aligned.topic_ids, aligned.history_[-1]["matched"]
    (True, [0, 1, 2, 3, 4, 5, 6, 7], 8)
    """
    model.check_fitted()
    matching = match_topics(align_to, model, threshold=threshold)
    ids, next_id = aligned_ids(matching, align_to.next_topic_id)
    order = np.argsort(ids, kind="stable")       # columns by id
    partner = {b: a for a, b, _ in matching.columns}
    labels = []
    for c in order:
        own = model.topic_labels_[c]
        reference = align_to.topic_labels_[partner[c]] if c in partner else None
        labels.append(reference if reference is not None else own)
    entry = {"step": "align", "matched": len(matching.columns),
             "new_topics": sorted(int(ids[b]) for b in matching.new_columns),
             "retired_topics": matching.retired, "threshold": matching.threshold}
    return derived_model(model, W_=model.W_[:, order].copy(), H_=model.H_[order].copy(),
                         topic_labels_=labels, topic_ids_=ids[order].tolist(),
                         next_topic_id_=next_id,
                         history_=[*getattr(model, "history_", []), entry])
