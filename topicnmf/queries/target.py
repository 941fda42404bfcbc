"""Target groups: the documents (people) most prone to a term (item) or a topic.

For a term ``t`` the score of document ``j`` is its reconstructed cell ``W[t] @ H[:, j]`` (a
row of ``V̂``, O(documents·k)); documents that already contain the term are "existing", the
others "prospect" — the campaign example: only Peter bought coffee, yet the list finds the
people most likely to. Each row names the topics that drove its score (their part of
``W[t, z] · H[z, j]``). For a topic ``z`` the score is the membership ``H[z, j]``; documents whose
dominant topic is ``z`` are "existing".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError
from ..reconstruction.ranking import top_n
from ..reconstruction.scores import of_model

MAX_DRIVERS = 3
MIN_DRIVER_SHARE = 0.1


@dataclass(frozen=True)
class TargetRow:
    """One member of a target group; ``drivers`` is a list of ``(topic, part of the score)``."""

    rank: int
    doc_id: str
    score: float
    status: str
    drivers: list


def target(model, *, term=None, topic=None, budget=50, prospects_only=False):
    """The ranked target group for a term (item) or a topic, at most ``budget`` long.

    Parameters
    ----------
    model : TopicModel
    term : str, optional
        A term (item); unknown terms raise InputError with close vocabulary matches.
    topic : int, optional
        A topic number instead of a term.
    budget : int
        How many documents (people) to pick.
    prospects_only : bool
        Leave out "existing" documents (those that already contain the term / are dominated
        by the topic).

    Returns
    -------
    list of TargetRow
        Highest score first (ties: lower index).

    Examples
    --------
    >>> [r.doc_id for r in target(purchases, term="Coffee", budget=4)]
    ['Peter', 'Jennifer', 'Alice', 'Greg']
    """
    model.check_fitted()
    budget = validate.integer(budget, "budget", 1)
    if (term is None) == (topic is None):
        raise InputError("give either a term or a topic to target, not both")
    if term is not None:
        t = model.term_index(term)
        weights = model.W_[t]
        scores = of_model(model).row(t)
        existing = model.observed_in_term(t)
    else:
        z = model.check_topic(topic)
        weights = None
        scores = model.H_[z]
        existing = model.dominant_topics() == z
    idx = top_n(scores, budget, exclude=existing if prospects_only else None)
    out = []
    for r, j in enumerate(idx):
        part = model.H_[:, j] * weights if weights is not None else model.H_[:, j]
        out.append(TargetRow(r + 1, model.document_ids_[j], float(scores[j]),
                             "existing" if existing[j] else "prospect",
                             _drivers(part, model.topic_ids)))
    return out


def _drivers(part, topic_ids):
    """Topics with the largest part of a score, as ``(topic, fraction)``."""
    total = part.sum()
    if total <= 0:
        return []
    frac = part / total
    order = np.lexsort((np.arange(frac.size), -frac))[:MAX_DRIVERS]
    return [(topic_ids[z], float(frac[z])) for z in order if frac[z] >= MIN_DRIVER_SHARE]
