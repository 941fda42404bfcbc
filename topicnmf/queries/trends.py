"""Trends: topic shares per period (month, quarter or year) from ``H`` and the documents'
dates, and which topics rise or fall by more than chance.

A period's share of a topic is the mean of its dated documents' memberships (their
contributions ``‖W[:, z]‖ · H[z, j]`` scaled to sum to 1, as ``TopicModel.memberships``).
Documents without a usable date (``YYYY-MM...`` or ``YYYY/MM...``) are counted apart and left
out.

**The test**: per topic, a straight line through its share per period, weighted by the
period's number of documents (weighted least squares), and the t-test of its slope (``P − 2``
degrees of freedom for ``P`` tested periods). With ``k`` topics tested at once, the p-values are
adjusted by Benjamini–Hochberg (false discovery rate): a topic is ``rising`` or ``falling`` when
its adjusted ``q_value`` is below ``alpha``.

Why this test: the periods are the units, so documents that arrive in bursts (a batch of
similar tickets on one day) do not count as independent evidence, as they would in a test over
single documents; the weights make a period of 8 documents count less than one of 200, whose
share is far less noisy, and keep the test honest when period sizes differ. Mann–Kendall (the
rank test usual for trends) was tried first and dropped for that reason: the share of a small
topic in a small period is skewed (mostly 0), which a rank test reads as a trend when small
periods cluster in time. On 40 random shufflings of the dates of the changelog slice
(``corpora/changelogs.jsonl.gz``, k = 10) Mann–Kendall called 6–7% of the no-trend topics
significant at p < 0.05, this test 4–5%; after Benjamini–Hochberg, any topic in 5–10% of the
shufflings against 0–2.5%. Caveats: a trend need not be a straight line (a rise then a fall
averages out), correlated neighbouring periods make the test somewhat eager, and shares sum to
1, so one topic rising makes others fall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError
from ..factor.projection import shares as share_columns

PERIODS = ("month", "quarter", "year")
ALPHA = 0.05
MIN_DOCUMENTS = 5          # a period with fewer dated documents is shown but not tested
MIN_PERIODS = 5            # fewer tested periods leave the slope's t-test 2 or fewer dof
_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})(?:\D|$)")


def month_of(value):
    """``'YYYY-MM'`` from an ISO-like date (``2024-03-09``, ``2024/3``, ...), else None."""
    match = _DATE.match(str(value)) if value is not None else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{match.group(1)}-{int(match.group(2)):02d}"


def period_of(value, period="month"):
    """The period of a date: ``'2024-03'`` (month), ``'2024-Q1'`` (quarter) or ``'2024'``
    (year); None for a missing or unreadable date.

    >>> [period_of("2024-03-09", p) for p in PERIODS]
    ['2024-03', '2024-Q1', '2024']
    """
    month = month_of(value)
    if month is None or period == "month":
        return month
    if period == "quarter":
        return f"{month[:4]}-Q{(int(month[5:]) + 2) // 3}"
    return month[:4]


def period_number(key) -> int:
    """Consecutive integers for consecutive periods: months and quarters since year 0, years."""
    year = int(key[:4])
    if len(key) == 4:
        return year
    if key[5] == "Q":
        return 4 * year + int(key[6]) - 1
    return 12 * year + int(key[5:]) - 1


def document_dates(model) -> list:
    """The ``date`` metadata of each training document (None where missing)."""
    meta = getattr(model, "document_meta_", None) or [{}] * model.n_documents
    return [m.get("date") if isinstance(m, dict) else None for m in meta]


def period_shares(H, dates, period="month"):
    """Average topic shares of the documents of each period.

    Parameters
    ----------
    H : ndarray of shape (k, n_documents)
        Memberships, e.g. ``model.contributions()``; each column is scaled to sum to 1.
    dates : sequence of str or None, length n_documents
        Unparseable or missing dates are skipped.
    period : {'month', 'quarter', 'year'}

    Returns
    -------
    periods : list of str
        Ascending, only periods that have documents (see :func:`period_of`).
    shares : ndarray of shape (n_periods, k)
        Rows sum to 1 (or 0 for a period whose documents are all unassigned).
    counts : ndarray of int of shape (n_periods,)
    """
    check_period(period)
    S = share_columns(H)
    keys = [period_of(d, period) for d in dates]
    periods = sorted({m for m in keys if m is not None})
    row = {m: i for i, m in enumerate(periods)}
    shares = np.zeros((len(periods), S.shape[0]))
    counts = np.zeros(len(periods), dtype=int)
    for j, m in enumerate(keys):
        if m is not None:
            shares[row[m]] += S[:, j]
            counts[row[m]] += 1
    sums = shares.sum(axis=1, keepdims=True)
    return periods, np.divide(shares, sums, out=np.zeros_like(shares), where=sums > 0), counts


def check_period(period) -> str:
    if period not in PERIODS:
        raise InputError(f"period={period!r}: choose one of {', '.join(PERIODS)}")
    return period


@dataclass(frozen=True)
class TopicTrend:
    """One topic's trend. ``direction`` is ``'rising'``, ``'falling'`` or ``''`` (no trend
    beyond chance); ``slope`` is the change of its share per period (weighted least squares),
    ``change`` the slope times the tested span (first to last tested period); ``t`` and
    ``p_value`` the t-test of the slope, ``q_value`` its p-value adjusted for testing every
    topic (Benjamini–Hochberg); ``mean`` its share of the tested periods' documents."""

    topic: int
    label: str
    direction: str
    slope: float
    change: float
    t: float
    p_value: float
    q_value: float
    mean: float


@dataclass(frozen=True)
class Trends:
    """Topic shares per period and the trend of every topic (see the module docstring)."""

    period: str
    periods: list          # period names, ascending: every period with a dated document
    counts: list           # dated documents per period
    tested: list           # per period: did it have enough documents to be tested
    shares: np.ndarray     # (n_periods, k), column order of the model
    undated: int           # documents without a usable date
    alpha: float
    topics: list           # TopicTrend per topic, column order of the model

    @property
    def rising(self) -> list:
        """Topics with a rising trend, largest slope first."""
        return sorted((t for t in self.topics if t.direction == "rising"),
                      key=lambda t: (-t.slope, t.topic))

    @property
    def falling(self) -> list:
        """Topics with a falling trend, steepest fall first."""
        return sorted((t for t in self.topics if t.direction == "falling"),
                      key=lambda t: (t.slope, t.topic))


def trends(model, *, period="month", alpha=ALPHA, min_documents=MIN_DOCUMENTS):
    """Topic shares per period and the topics that rise or fall (a weighted regression per
    topic, Benjamini–Hochberg over the topics; see the module docstring for why).

    Parameters
    ----------
    model : TopicModel
        Fitted on documents with dates (``fit --date-column``, ``Document.meta['date']``).
    period : {'month', 'quarter', 'year'}
    alpha : float in (0, 1)
        False discovery rate: a topic trends when its adjusted p-value is below it.
    min_documents : int
        Periods with fewer dated documents are listed but left out of the test.

    Returns
    -------
    Trends

    Raises
    ------
    InputError
        No dates, or fewer than 5 periods with ``min_documents`` documents.

    Examples
    --------
    >>> import copy
    >>> dated = copy.copy(model)
    >>> dated.document_meta_ = [{"date": f"{2000 + j % 10}-01-01"}
    ...                         for j in range(model.n_documents)]
    >>> result = trends(dated, period="year")
    >>> len(result.periods), result.undated, result.rising
    (10, 0, [])
    """
    model.check_fitted()
    check_period(period)
    alpha = validate.real(alpha, "alpha", 0, 1, low_open=True, high_open=True)
    min_documents = validate.integer(min_documents, "min_documents", 1)
    dates = document_dates(model)
    periods, shares, counts = period_shares(model.contributions(), dates, period)
    undated = len(dates) - int(counts.sum())
    tested = counts >= min_documents
    if not periods:
        raise InputError("trends need dated documents, and none of the model's "
                         f"{len(dates)} documents has a date; fit with --date-column")
    if tested.sum() < MIN_PERIODS:
        raise InputError(f"trends need at least {MIN_PERIODS} {period}s with at least "
                         f"{min_documents} dated documents each; {int(tested.sum())} of the "
                         f"{len(periods)} {period}s have that many; choose a shorter period "
                         "or a smaller min_documents")
    x = np.array([period_number(p) for p in periods])[tested]
    weights = counts[tested].astype(np.float64)
    slope, t, p = weighted_slopes(x, shares[tested], weights)
    q = benjamini_hochberg(p)
    mean = weights @ shares[tested] / weights.sum()
    labels, span = model.labels(), float(x[-1] - x[0])
    topics = []
    for z, topic in enumerate(model.topic_ids):
        direction = "" if q[z] >= alpha or slope[z] == 0 else \
            "rising" if slope[z] > 0 else "falling"
        topics.append(TopicTrend(topic, labels[z], direction, float(slope[z]),
                                 float(slope[z] * span), float(t[z]), float(p[z]), float(q[z]),
                                 float(mean[z])))
    return Trends(period, periods, counts.tolist(), tested.tolist(), shares, undated, alpha,
                  topics)


def weighted_slopes(x, Y, weights) -> tuple:
    """Weighted least-squares lines ``Y[:, z] ≈ a + b x``, one per column, and the t-test of
    each slope.

    Parameters
    ----------
    x : ndarray of shape (P,)
        Time of each period (at least 3 distinct values).
    Y : ndarray of shape (P, k)
    weights : ndarray of shape (P,)
        Positive; the variance of ``Y[i]`` is taken as proportional to ``1 / weights[i]``.

    Returns
    -------
    slope, t, p : ndarrays of shape (k,)
        ``t = 0, p = 1`` for a column the line fits exactly (e.g. all zero).

    Examples
    --------
    >>> x = np.arange(6.0)
    >>> Y = np.column_stack([0.1 * x + [0, .01, -.01, .01, -.01, 0], np.full(6, 0.5)])
    >>> slope, t, p = weighted_slopes(x, Y, np.ones(6))
    >>> slope.round(2).tolist(), bool(p[0] < 1e-5), p[1].item()
    ([0.1, 0.0], True, 1.0)
    """
    from scipy.stats import t as student

    w = np.asarray(weights, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    dx = x - w @ x / w.sum()
    Y = np.asarray(Y, dtype=np.float64)
    dY = Y - w @ Y / w.sum()
    sxx = w @ dx ** 2
    slope = (w * dx) @ dY / sxx
    residual = dY - np.outer(dx, slope)
    dof = x.size - 2
    se = np.sqrt(np.maximum(w @ residual ** 2, 0.0) / dof / sxx)
    fits = se > 1e-12 * np.maximum(np.abs(slope), 1e-12)
    t = np.divide(slope, se, out=np.zeros_like(slope), where=fits)
    p = np.where(fits, 2 * student.sf(np.abs(t), dof), np.where(slope == 0, 1.0, 0.0))
    return slope, t, p


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) of ``m`` tests.

    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.empty(m)
    q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q
