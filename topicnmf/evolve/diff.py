"""What changed between two models, topic by topic: matched, new or retired, with the
similarity, the size change and the top terms that came in or went out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from .align import THRESHOLD, match_topics, term_keys

#: Order of the statuses among rows of the same id (a retired id reused by a new topic).
STATUSES = ("retired", "matched", "new")


@dataclass(frozen=True)
class TopicChange:
    """One topic of either model in :func:`diff`.

    ``status`` is ``'matched'`` (in both: ``old_topic`` → ``topic``), ``'new'`` (only in the
    new model, ``old_topic`` None) or ``'retired'`` (only in the old one, ``topic`` None).
    ``similarity`` is the cosine of the matched pair, or for a new or retired topic its
    largest cosine with any topic of the other model. Sizes are documents whose dominant
    topic it is (None where the topic is absent); ``size_change`` is new minus old (absent
    counts as 0). ``terms_in``/``terms_out``: top terms of the new topic that the old one did
    not have among its top terms, and the other way round.
    """

    status: str
    topic: object            # int or None
    old_topic: object        # int or None
    similarity: float
    label: object            # str or None
    old_label: object
    size: object             # int or None
    old_size: object
    size_change: int
    terms_in: list
    terms_out: list


def diff(old, new, *, threshold=THRESHOLD, top=10) -> list:
    """Compare the topics of two models (e.g. a model and its update or aligned refit).

    Parameters
    ----------
    old, new : TopicModel
        Fitted; the vocabularies may differ (topics are compared over the shared terms).
    threshold : float
        Cosine below which two topics are not the same
        (:func:`topicnmf.evolve.align.match_topics`).
    top : int
        Top terms compared for ``terms_in`` and ``terms_out``.

    Returns
    -------
    list of TopicChange
        Ordered by id (``topic``, or ``old_topic`` for a retired one); under one id a
        retired topic comes before the new topic that took its id.

    Examples
    --------
    >>> changes = diff(model, model)
    >>> {c.status for c in changes}, [c.topic for c in changes] == list(range(8))
    ({'matched'}, True)
    """
    top = validate.integer(top, "top", 1)
    matching = match_topics(old, new, threshold=threshold)
    S = matching.similarity
    old_terms, new_terms = _tops(old, top), _tops(new, top)
    old_sizes, new_sizes = old.topic_sizes(), new.topic_sizes()
    changes = []
    for a, b, s in matching.pairs:
        changes.append(_change("matched", old, new, a, b, s, old_terms, new_terms,
                               old_sizes, new_sizes))
    for b in matching.new:
        changes.append(_change("new", old, new, None, b, _best(S[:, b]), old_terms, new_terms,
                               old_sizes, new_sizes))
    for a in matching.retired:
        changes.append(_change("retired", old, new, a, None, _best(S[a]), old_terms,
                               new_terms, old_sizes, new_sizes))
    return sorted(changes, key=lambda c: (c.topic if c.topic is not None else c.old_topic,
                                          STATUSES.index(c.status)))


def _best(values) -> float:
    return float(np.max(values)) if len(values) else 0.0


def _tops(model, top) -> list:
    """Each topic's top terms as (key, display form) pairs."""
    keys, shown = term_keys(model), model.terms
    return [[(keys[i], shown[i]) for i in model.top_term_indices(z, top)]
            for z in range(model.n_topics)]


def _change(status, old, new, a, b, similarity, old_terms, new_terms, old_sizes, new_sizes):
    before = old_terms[a] if a is not None else []
    after = new_terms[b] if b is not None else []
    before_keys, after_keys = {k for k, _ in before}, {k for k, _ in after}
    size = int(new_sizes[b]) if b is not None else None
    old_size = int(old_sizes[a]) if a is not None else None
    return TopicChange(
        status=status, topic=b, old_topic=a, similarity=round(float(similarity), 4),
        label=new.label(b) if b is not None else None,
        old_label=old.label(a) if a is not None else None,
        size=size, old_size=old_size, size_change=(size or 0) - (old_size or 0),
        terms_in=[w for k, w in after if k not in before_keys],
        terms_out=[w for k, w in before if k not in after_keys])
