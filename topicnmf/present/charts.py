"""Pictures of how a model's topics change and group: topic shares over periods with the topics
that rise or fall (:func:`trends_figure`), and the topic tree as a dendrogram
(:func:`dendrogram_figure`).

They are drawn like every figure of :mod:`topicnmf.present.plots` (matplotlib without pyplot,
imported only when drawn; :func:`topicnmf.present.plots.figure_bytes` gives deterministic SVG or
PNG bytes), from the results of :func:`topicnmf.queries.trends.trends` and
:func:`topicnmf.queries.hierarchy.hierarchy`.
"""

from __future__ import annotations

import numpy as np

from ..queries.trends import period_number
from .plots import new_figure, plain, style, topic_colors

ARROWS = {"rising": "↑", "falling": "↓"}
MAX_TICKS = 12


def trends_figure(result, *, what="topic"):
    """Each topic's share per period (thin lines), the rising and falling topics drawn thick
    with their fitted line dashed, and the dated documents per period below.

    Parameters
    ----------
    result : topicnmf.queries.trends.Trends
    what : str
        The noun of a topic ('segment' in matrix mode).

    Examples
    --------
    >>> from topicnmf.present.plots import figure_bytes
    >>> from topicnmf.queries.trends import trends
    >>> import copy
    >>> dated = copy.copy(model)
    >>> dated.document_meta_ = [{"date": f"{2000 + j % 10}-01-01"}
    ...                         for j in range(model.n_documents)]
    >>> svg = figure_bytes(trends_figure(trends(dated, period="year")), "svg")
    >>> svg == figure_bytes(trends_figure(trends(dated, period="year")), "svg")
    True
    """
    x_all = np.array([period_number(p) for p in result.periods])
    tested = np.asarray(result.tested, dtype=bool)
    x, Y = x_all[tested], np.asarray(result.shares)[tested]
    w = np.asarray(result.counts, dtype=np.float64)[tested]
    colors = topic_colors(len(result.topics))
    with style():
        fig = new_figure(10.0, 5.2)
        ax, bars = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        for z, t in enumerate(result.topics):
            if not t.direction:
                ax.plot(x, Y[:, z], color=colors[z], linewidth=0.8, alpha=0.35)
        for z, t in sorted(enumerate(result.topics), key=lambda p: -abs(p[1].slope)):
            if t.direction:
                ax.plot(x, Y[:, z], color=colors[z], linewidth=2.0, marker="o", ms=3,
                        label=f"{ARROWS[t.direction]} {t.topic} {plain(t.label, 28)} "
                              f"({t.slope * 100:+.2f} pts/{result.period})")
                intercept = w @ (Y[:, z] - t.slope * x) / w.sum()   # weighted line
                ax.plot(x, intercept + t.slope * x, color=colors[z], linewidth=1.0,
                        linestyle="--")
        found = len(result.rising) + len(result.falling)
        ax.set_title(f"{what.capitalize()} shares per {result.period}: "
                     + (f"{len(result.rising)} rising, {len(result.falling)} falling"
                        if found else "no trend beyond chance")
                     + f" (weighted regression, BH q < {result.alpha:g})", loc="left")
        ax.set_ylabel(f"share of the {result.period}")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if found:
            fig.legend(loc="outside right upper", fontsize=7, frameon=False)
        bars.bar(x_all, result.counts, width=0.8,
                 color=["#4c72b0" if t else "#c8c8c8" for t in tested])
        bars.set_ylabel("documents")
        bars.set_title(f"dated documents per {result.period} (grey: too few to test); "
                       f"{result.undated:,} without a date", loc="left", fontsize=8,
                       fontweight="normal")
        step = -(-len(x_all) // MAX_TICKS)
        bars.set_xticks(x_all[::step], result.periods[::step], rotation=45, ha="right",
                        fontsize=7)
    return fig


def dendrogram_figure(tree, *, what="topics"):
    """The topic tree drawn sideways: leaves are the topics (id and label, in their colours),
    the x axis the average-linkage distance (``1 − cosine`` of term weights) at which groups
    join.

    Parameters
    ----------
    tree : topicnmf.queries.hierarchy.TopicTree
    what : str
        The plural noun of topics ('segments' in matrix mode).
    """
    k = len(tree.topic_ids)
    colors = topic_colors(k)
    with style():
        fig = new_figure(8.0, 1.2 + 0.3 * k)
        ax = fig.add_subplot()
        order = tree.order
        if k > 1:
            from scipy.cluster.hierarchy import dendrogram

            drawn = dendrogram(tree.linkage, no_plot=True)   # coordinates only: no pyplot
            for ys, xs in zip(drawn["icoord"], drawn["dcoord"]):
                ax.plot(xs, ys, color="#444444", linewidth=1.0)
            order = drawn["leaves"]
        ax.set_yticks([5 + 10 * i for i in range(k)],
                      [f"{tree.topic_ids[z]} {plain(tree.labels[z], 36)}" for z in order])
        for tick, z in zip(ax.get_yticklabels(), order):
            tick.set_color(colors[z])
        ax.set_ylim(10 * k, 0)                          # first leaf on top, as in the JSON
        ax.set_xlim(left=0)
        ax.set_xlabel("distance at which groups join (1 − cosine of term weights, average)")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"How the {what} group", loc="left")
    return fig
