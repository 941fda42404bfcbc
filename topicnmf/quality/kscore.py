"""Which k? The rule that recommends a number of topics from a table of quality measures.

One row per candidate k (:class:`KScore`, or any dict or object with the same fields), as
:func:`topicnmf.quality.choose.choose_k` builds it; :func:`recommend_k` returns the k and a
one-line reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError

__all__ = ["COVERAGE_SLACK", "DIVERSITY_FLOOR", "KScore", "recommend_k"]

DIVERSITY_FLOOR = 0.5  # recommend_k: below this, topics repeat each other's top terms
COVERAGE_SLACK = 0.05  # recommend_k: leaving this much more of the corpus unexplained is out


@dataclass(frozen=True)
class KScore:
    """Quality summary of one k for :func:`recommend_k`.

    ``coherence``, ``diversity`` and ``stability`` are means over topics (an array is
    averaged); ``error`` (reconstruction error) is optional and informative only;
    ``unexplained`` (optional, default 0) is the share of documents the topics do not explain
    at all (``topicnmf.quality.runner`` counts a relative fit error above 0.999, the ``tag``
    threshold for "unassigned"). ``agreement`` (optional) is how well resampled fits keep
    each document's dominant topic (mean adjusted Rand index,
    :func:`topicnmf.quality.stability.assignment_agreement`); the rule reads it when every
    row has it.
    """

    k: int
    coherence: float
    diversity: float
    stability: float
    error: float = float("nan")
    unexplained: float = 0.0
    agreement: float = float("nan")


def _field(row, name, i, default=None):
    try:
        value = row[name] if isinstance(row, Mapping) else getattr(row, name)
    except (KeyError, AttributeError):
        if default is not None:
            return default
        if name == "agreement":
            return float("nan")
        raise InputError(f"table row {i} has no {name!r}; give every row k, coherence, "
                         "diversity and stability") from None
    if name == "k":
        if not validate.is_integer(value) or value < 1:
            raise InputError(f"table row {i} has k={value!r}; pass a positive integer")
        return int(value)
    try:
        value = float(np.mean(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) and name != "agreement":
        raise InputError(f"table row {i} has {name}={value!r}; pass a finite number")
    return value


def _minmax(x):
    span = x.max() - x.min()
    return np.ones_like(x) if span == 0 else (x - x.min()) / span


def recommend_k(table):
    """Recommend a number of topics from a table of quality measures.

    Rule:

    0. Rows that leave more than ``COVERAGE_SLACK`` (5 %) more of the documents unexplained
       than the best row are out: too few topics to cover a whole group of documents (such a
       k can look coherent and stable, its topics simply ignore that group).
    1. Only rows with mean topic diversity ``>= DIVERSITY_FLOOR`` (0.5) compete: below it,
       topics repeat each other's top terms. If no row reaches 0.5, all rows compete.
    2. When every row has an ``agreement`` (``choose_k``'s tables do), the score is the
       agreement: how well fits on resampled documents keep the documents together in the
       same dominant topics (adjusted Rand index). A k below the number of groups merges
       groups and a k above it splits one, and both change from sample to sample; the number
       of groups keeps them. On 28 real mixtures of 2–8 known groups (Debian sections,
       changelog entries, Python documentation; ``scripts/bench_choose_k.py``) it found the
       count 8 times, the former rule (below) 4 times; the k whose topics matched the groups
       best was the count 9 times: the topics themselves mostly do not follow the groups
       there (README "Topic quality and choosing k").
       Without it (a table of your own), coherence and stability are each min-max normalised
       to [0, 1] (a measure equal in all rows counts 1 for every row) and the score is their
       mean: equal weight to "topics are interpretable" and "topics are reproducible".
    3. The highest score wins; exact ties go to the smaller k.

    Reconstruction error is not used: it keeps falling as k grows and would always favour
    the largest k.

    Parameters
    ----------
    table : iterable of dict or :class:`KScore` (or any object with these attributes)
        One row per k with ``k``, ``coherence``, ``diversity``, ``stability`` (scalars, or
        per-topic arrays that are averaged) and optionally ``error``, ``unexplained`` (0 when
        missing) and ``agreement``. k values must be distinct.

    Returns
    -------
    k : int
    reason : str
        One line stating the rule and the winning numbers.

    Examples
    --------
    >>> k, reason = recommend_k([
    ...     {"k": 5, "coherence": 0.10, "diversity": 0.9, "stability": 0.70, "error": 9.0},
    ...     {"k": 10, "coherence": 0.20, "diversity": 0.8, "stability": 0.90, "error": 8.0},
    ...     {"k": 20, "coherence": 0.15, "diversity": 0.4, "stability": 0.95, "error": 7.0}])
    >>> k
    10
    """
    try:
        rows = list(table)
    except TypeError:
        raise InputError("table is not a sequence of rows; pass a list of dicts or KScore "
                         "with k, coherence, diversity and stability") from None
    if not rows:
        raise InputError("table is empty; pass one row per candidate k")
    ks = np.array([_field(r, "k", i) for i, r in enumerate(rows)])
    coh, div, stab = (np.array([_field(r, f, i) for i, r in enumerate(rows)])
                      for f in ("coherence", "diversity", "stability"))
    if np.unique(ks).size != ks.size:
        raise InputError("table has repeated k values; pass one row per k")

    unexplained = np.array([_field(r, "unexplained", i, default=0.0)
                            for i, r in enumerate(rows)])
    agree = np.array([_field(r, "agreement", i) for i, r in enumerate(rows)])

    order = np.argsort(ks, kind="stable")                  # smaller k first: ties -> smaller k
    ks, coh, div, stab, agree = ks[order], coh[order], div[order], stab[order], agree[order]
    covers = unexplained[order] <= unexplained.min() + COVERAGE_SLACK
    compete = covers & (div >= DIVERSITY_FLOOR)
    if compete.any():
        scope = (f"among the {int(compete.sum())} of {ks.size} k values with topic diversity "
                 f">= {DIVERSITY_FLOOR}")
    else:
        compete = covers.copy()
        scope = (f"among {'all ' if covers.all() else ''}{int(covers.sum())} k values (none "
                 f"reached topic diversity >= {DIVERSITY_FLOOR})")
    if not covers.all():
        left_out = ", ".join(str(k) for k in ks[~covers])
        scope += (f" (k={left_out} left out: their topics leave over {COVERAGE_SLACK:.0%} "
                  "more of the documents unexplained)")
    idx = np.flatnonzero(compete)
    if np.isfinite(agree).all():
        score, what = agree[idx], ("highest agreement of the documents' dominant topics over "
                                   "the resamples (adjusted Rand index)")
    else:
        score = (_minmax(coh[idx]) + _minmax(stab[idx])) / 2
        what = "highest mean of min-max-normalised coherence and stability"
    best = int(np.argmax(score))
    w = idx[best]
    reason = (f"k={ks[w]}: {what} {scope}, ties to the smaller k (score {score[best]:.3f}; "
              f"coherence {coh[w]:.4f}, stability {stab[w]:.3f}, diversity {div[w]:.3f})")
    if idx.size > 1:
        second = int(np.argsort(-score, kind="stable")[1])
        reason += f"; runner-up k={ks[idx[second]]} (score {score[second]:.3f})"
    return int(ks[w]), reason
