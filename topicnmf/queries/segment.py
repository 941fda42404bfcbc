"""Segments: the columns of ``H`` (which topics each document belongs to) and rows of ``W``.

Memberships are normalized per document to shares that sum to 1; the dominant topic is the
largest share, and every topic whose share reaches ``threshold`` counts (multi-label). Per topic,
the size is the number of documents it dominates and the most typical documents are those with
the largest share of it (ties: larger membership, then lower index). The row view of ``W``
answers "a document that contains term X leans to topics ...": the term's weights over topics,
normalized to shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError

DEFAULT_THRESHOLD = 0.1


def check_threshold(threshold) -> float:
    """A share threshold: a finite number in (0, 1]."""
    return validate.real(threshold, "threshold", 0, 1, low_open=True)


@dataclass(frozen=True)
class DocumentSegments:
    """Memberships of one document (a person in matrix mode).

    ``dominant`` is -1 (and ``label`` empty) for a document with no membership at all.
    ``topics`` lists ``(topic, share)`` with share >= threshold, largest first.
    """

    doc_id: str
    dominant: int
    label: str
    share: float
    topics: list
    shares: list   # share of every topic, in topic order


@dataclass(frozen=True)
class TopicSegment:
    """One topic as a segment: size (documents it dominates), members (share >= threshold),
    and its most typical documents as ``(doc_id, share)``."""

    topic: int
    label: str
    size: int
    members: int
    typical: list


def segments(model, *, threshold=DEFAULT_THRESHOLD, by="document", top=5):
    """Segments of a fitted model, per document or per topic.

    Parameters
    ----------
    model : TopicModel
    threshold : float in (0, 1]
        Smallest share that makes a document a member of a topic.
    by : {'document', 'topic'}
        One :class:`DocumentSegments` per document (column of ``H``), or one
        :class:`TopicSegment` per topic.
    top : int
        Most typical documents listed per topic (``by='topic'``).

    Returns
    -------
    list of DocumentSegments or list of TopicSegment

    Examples
    --------
    >>> rows = segments(purchases, threshold=0.2)
    >>> peter = rows[1]
    >>> peter.doc_id, peter.dominant, [(z, round(share, 2)) for z, share in peter.topics]
    ('Peter', 2, [(2, 0.58), (0, 0.28)])
    """
    model.check_fitted()
    threshold = check_threshold(threshold)
    top = validate.integer(top, "top", 1)
    S = model.memberships()                          # k × n shares
    dominant = model.dominant_topics()
    labels, topic_ids = model.labels(), model.topic_ids
    if by == "topic":
        return _by_topic(model, S, dominant, labels, threshold, top)
    if by != "document":
        raise InputError(f"by={by!r}: use 'document' or 'topic'")
    out = []
    for j, doc_id in enumerate(model.document_ids_):
        col = S[:, j]
        order = np.lexsort((np.arange(col.size), -col))
        above = [(topic_ids[z], float(col[z])) for z in order
                 if col[z] >= threshold and col[z] > 0]
        d = int(dominant[j])
        out.append(DocumentSegments(doc_id, topic_ids[d] if d >= 0 else -1,
                                    labels[d] if d >= 0 else "",
                                    float(col[d]) if d >= 0 else 0.0, above,
                                    [float(s) for s in col]))
    return out


def _by_topic(model, S, dominant, labels, threshold, top):
    H = model.H_
    ids = model.document_ids_
    out = []
    for z, topic in enumerate(model.topic_ids):
        order = np.lexsort((np.arange(S.shape[1]), -H[z], -S[z]))
        typical = [(ids[j], float(S[z, j])) for j in order[:top] if S[z, j] > 0]
        out.append(TopicSegment(topic, labels[z], int(np.sum(dominant == z)),
                                int(np.sum((S[z] >= threshold) & (S[z] > 0))), typical))
    return out


@dataclass(frozen=True)
class TermTopic:
    """How much a document containing ``term`` leans to ``topic``: the term's ``W`` row
    normalized to shares, and the raw weight ``W[term, topic]``."""

    term: str
    topic: int
    label: str
    share: float
    weight: float


def term_topics(model, term, *, top=None):
    """The row view of ``W``: the topics a document containing ``term`` leans to.

    Parameters
    ----------
    model : TopicModel
    term : str
        A vocabulary term (or an item in matrix mode); unknown terms raise InputError with
        the closest vocabulary matches.
    top : int, optional
        At most this many topics; all topics with a non-zero weight by default.

    Returns
    -------
    list of TermTopic
        Largest share first (ties: lower topic).

    Examples
    --------
    >>> [(r.topic, r.label) for r in term_topics(model, "mail", top=2)]
    [(3, 'server, client, mail'), (4, 'editor, text, syntax')]
    """
    model.check_fitted()
    t = model.term_index(term)
    row = model.W_[t]
    total = row.sum()
    share = row / total if total > 0 else np.zeros_like(row)
    order = [int(z) for z in np.lexsort((np.arange(row.size), -row)) if row[z] > 0]
    if top is not None:
        order = order[:validate.integer(top, "top", 1)]
    name, labels, topic_ids = model.terms[t], model.labels(), model.topic_ids
    return [TermTopic(name, topic_ids[z], labels[z], float(share[z]), float(row[z]))
            for z in order]
