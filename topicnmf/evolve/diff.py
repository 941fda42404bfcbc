"""What changed between two models, topic by topic: matched, new or retired, with the
similarity, the size change and the top terms that came in or went out.

Topics are named by their ids in each model (any ids: after a merge, a split or an update they
need not be ``0..k-1``). For a model and its update or aligned refit (:mod:`topicnmf.evolve`), a
matched topic has the same id on both sides, a new topic an id the old model never had, and a
retired topic's id is not in the new model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..model.fitted import top_rows
from .align import THRESHOLD, match_topics, term_keys

#: Order of the statuses among rows of the same id: only two models not aligned to each
#: other (two separate fits, or a model and its merge where the merged topic is closest to
#: the topic whose id was retired) show one id in two rows.
STATUSES = ("retired", "matched", "new")


@dataclass(frozen=True)
class TopicChange:
    """One topic of either model in :func:`diff`.

    ``status`` is ``'matched'`` (in both: ``old_topic`` → ``topic``), ``'new'`` (only in the
    new model, ``old_topic`` None) or ``'retired'`` (only in the old one, ``topic`` None).
    ``topic`` and ``old_topic`` are the topic's ids in the new and in the old model.
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
        Ordered by id (``topic``, or ``old_topic`` for a retired one); under one id (two
        models not aligned to each other) a retired topic comes first.

    Examples
    --------
    >>> changes = diff(model, model)
    >>> {c.status for c in changes}, [c.topic for c in changes] == list(range(8))
    ({'matched'}, True)
    """
    top = validate.integer(top, "top", 1)
    matching = match_topics(old, new, threshold=threshold)
    S = matching.similarity
    sides = _Side(old, top), _Side(new, top)
    changes = [_change("matched", sides, a, b, s) for a, b, s in matching.columns]
    changes += [_change("new", sides, None, b, _best(S[:, b])) for b in matching.new_columns]
    changes += [_change("retired", sides, a, None, _best(S[a]))
                for a in matching.retired_columns]
    return sorted(changes, key=lambda c: (c.topic if c.topic is not None else c.old_topic,
                                          STATUSES.index(c.status)))


def _best(values) -> float:
    return float(np.max(values)) if len(values) else 0.0


class _Side:
    """What :func:`diff` reads of one model, by column: ids, labels, sizes, top terms."""

    def __init__(self, model, top):
        keys, shown = term_keys(model), model.terms
        self.ids, self.labels, self.sizes = model.topic_ids, model.labels(), model.topic_sizes()
        self.tops = [[(keys[i], shown[i]) for i in top_rows(model.W_[:, z], top)]
                     for z in range(model.W_.shape[1])]


def _change(status, sides, a, b, similarity):
    """The row of old column ``a`` and new column ``b`` (None where absent)."""
    old, new = sides
    before = old.tops[a] if a is not None else []
    after = new.tops[b] if b is not None else []
    before_keys, after_keys = {k for k, _ in before}, {k for k, _ in after}
    size = int(new.sizes[b]) if b is not None else None
    old_size = int(old.sizes[a]) if a is not None else None
    return TopicChange(
        status=status, topic=new.ids[b] if b is not None else None,
        old_topic=old.ids[a] if a is not None else None, similarity=round(float(similarity), 4),
        label=new.labels[b] if b is not None else None,
        old_label=old.labels[a] if a is not None else None,
        size=size, old_size=old_size, size_change=(size or 0) - (old_size or 0),
        terms_in=[w for k, w in after if k not in before_keys],
        terms_out=[w for k, w in before if k not in after_keys])
