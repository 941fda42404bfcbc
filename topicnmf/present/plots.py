"""Pictures of a fitted model: top-term bars, topic and document maps, a similarity heatmap and
topic shares over time, drawn with matplotlib and returned as deterministic SVG or PNG bytes.

The *figures* are matplotlib ``Figure`` objects built without pyplot, so importing this module
never changes the user's backend (and matplotlib is imported only when a figure is drawn); what
they show is computed in :mod:`topicnmf.present.layout`. :func:`plot` joins the two for one
picture; the HTML report (``topicnmf.present.report``) uses the same pieces.
"""

from __future__ import annotations

import io

import numpy as np

from ..errors import InputError
from ..queries.hierarchy import topic_similarity
from ..queries.trends import document_dates, period_shares
from .layout import document_map_layout, topic_map_layout

KINDS = ("terms", "map", "documents", "heatmap", "shares")
FORMATS = ("png", "svg")
PNG_DPI = 150
_RC = {"svg.hashsalt": "topicnmf", "svg.fonttype": "path", "font.size": 9,
       "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 10,
       "axes.titleweight": "bold", "figure.dpi": 100, "savefig.bbox": None}


# -- figures -----------------------------------------------------------------------------------

def topic_colors(k) -> list:
    """One hex colour per topic (tab10/tab20 up to 20 topics, evenly spaced hues beyond)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if k <= 10:
        return [to_hex(colormaps["tab10"](i)) for i in range(k)]
    if k <= 20:
        return [to_hex(colormaps["tab20"](i)) for i in range(k)]
    return [to_hex(colormaps["turbo"](0.05 + 0.9 * i / (k - 1))) for i in range(k)]


def plain(text, limit=40) -> str:
    """Text safe for matplotlib (no mathtext from ``$``), shortened to ``limit`` characters."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def new_figure(width, height):
    """An empty matplotlib Figure (constrained layout, Agg canvas, no pyplot); draw it inside
    :func:`style`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _bars(ax, terms, weights, color, title, xlabel):
    y = np.arange(len(terms))
    ax.barh(y, weights, color=color, height=0.7)
    ax.set_yticks(y, [plain(t, 28) for t in terms])
    ax.invert_yaxis()
    ax.bar_label(ax.containers[0], fmt="%.3f", padding=2, fontsize=7, color="#555555")
    ax.set_xlim(0, max(weights, default=0) * 1.25 or 1)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(plain(title, 48), loc="left")


def terms_figure(terms, weights, *, color="#4c72b0", title=None, xlabel="weight in topic"):
    """Horizontal bars of one topic's top terms, largest on top."""
    with style():
        fig = new_figure(4.6, 0.6 + 0.24 * max(len(terms), 1))
        _bars(fig.add_subplot(), terms, weights, color, title, xlabel)
    return fig


def terms_grid_figure(topics, colors, *, columns=3, xlabel="weight in topic"):
    """Small bar charts of every topic; ``topics`` is a list of ``(title, terms, weights)``."""
    rows = -(-len(topics) // columns)
    top = max((len(t[1]) for t in topics), default=1)
    with style():
        fig = new_figure(3.6 * columns, rows * (0.8 + 0.2 * top))
        for i, (title, terms, weights) in enumerate(topics):
            _bars(fig.add_subplot(rows, columns, i + 1), terms, weights, colors[i], title, xlabel)
    return fig


def numbers(ids, k) -> list:
    """The topic ids to print for ``k`` topics: ``ids``, or ``0..k-1`` when None."""
    return list(range(k)) if ids is None else list(ids)


def topic_map_figure(xy, sizes, labels, colors, *, what="topics", ids=None):
    """Topics as bubbles at ``xy`` (k × 2) numbered by their ``ids``, area ∝ ``sizes``;
    labels in a legend."""
    sizes = np.asarray(sizes, dtype=np.float64)
    k = len(sizes)
    ids = numbers(ids, k)
    area = 150 + 2300 * min(1.0, 12 / max(k, 1)) * sizes / max(sizes.max(initial=0), 1)
    with style():
        fig = new_figure(8.0, max(5.0, 0.15 * k))     # room for one legend line per topic
        ax = fig.add_subplot()
        for z, (x, y) in enumerate(xy):
            ax.scatter([x], [y], s=area[z], color=colors[z], alpha=0.6, edgecolors="#333333",
                       linewidths=0.6, label=f"{ids[z]} {plain(labels[z], 30)}")
            ax.annotate(str(ids[z]), (x, y), ha="center", va="center", fontsize=9, weight="bold")
        legend = fig.legend(loc="outside right upper", fontsize=8, frameon=False)
        for handle in legend.legend_handles:
            handle.set_sizes([40])
        _map_axes(ax, xy, f"Map of {what} (closer = more similar; area = size)")
    return fig


def document_map_figure(xy, dominant, colors, *, what="documents", topic="topic", ids=None):
    """Documents as dots at ``xy`` (n × 2), coloured by their dominant topic (a column)."""
    dominant = np.asarray(dominant)
    ids = numbers(ids, len(colors))
    with style():
        fig = new_figure(6.4, 5.0)
        ax = fig.add_subplot()
        ax.scatter(xy[:, 0], xy[:, 1], s=6, c=[colors[z] for z in dominant], linewidths=0,
                   alpha=0.8, rasterized=True)
        for z in np.unique(dominant):   # topic numbers at the middle of their documents
            cx, cy = np.median(xy[dominant == z], axis=0)
            ax.annotate(str(ids[z]), (cx, cy), ha="center", va="center", fontsize=9,
                        weight="bold",
                        bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": colors[z],
                              "alpha": 0.85})
        _map_axes(ax, xy, f"Map of {what} ({len(xy)} shown, colour = main {topic})")
    return fig


def _map_axes(ax, xy, title):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, loc="left")
    ax.margins(0.15)
    ax.set_aspect("equal", adjustable="datalim")
    for spine in ax.spines.values():
        spine.set_visible(False)


def heatmap_figure(S, labels, *, what="topics", ids=None):
    """Topic × topic similarity as colours; the (trivial) diagonal is left blank."""
    S = np.array(S, dtype=np.float64)
    k = S.shape[0]
    np.fill_diagonal(S, np.nan)
    ids = numbers(ids, k)
    names = [f"{ids[z]} {plain(labels[z], 24)}" for z in range(k)]
    side = min(3.0 + 0.32 * k, 14.0)
    with style():
        fig = new_figure(side + 2.4, side)
        ax = fig.add_subplot()
        image = ax.imshow(S, cmap="viridis", vmin=0.0, vmax=max(np.nanmax(S, initial=0), 1e-9))
        ax.set_xticks(range(k), [str(i) for i in ids], fontsize=7)
        ax.set_yticks(range(k), names, fontsize=7)
        if k <= 15:
            for i in range(k):
                for j in range(k):
                    if i != j:
                        ax.text(j, i, f"{S[i, j]:.2f}", ha="center", va="center", fontsize=6,
                                color="white" if S[i, j] < 0.6 * np.nanmax(S) else "black")
        fig.colorbar(image, ax=ax, shrink=0.8, label="cosine of term weights")
        ax.set_title(f"Similarity between {what}", loc="left")
    return fig


def shares_figure(months, shares, labels, colors, *, what="topic", ids=None):
    """Stacked areas: the share of each topic in the documents of each month."""
    x = np.arange(len(months))
    ids = numbers(ids, len(labels))
    with style():
        fig = new_figure(8.0, 4.2)
        ax = fig.add_subplot()
        ax.stackplot(x, np.asarray(shares).T, colors=colors,
                     labels=[f"{ids[z]} {plain(labels[z], 24)}" for z in range(len(labels))])
        step = max(1, len(months) // 12)
        ax.set_xticks(x[::step], months[::step], rotation=45, ha="right", fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_xlim(x[0], x[-1] if len(x) > 1 else x[0] + 1)
        ax.set_ylabel("share of the month")
        fig.legend(loc="outside right upper", fontsize=6, frameon=False)
        ax.set_title(f"{what.capitalize()} shares over time", loc="left")
    return fig


def choose_k_figure(choice):
    """Coherence, diversity, stability (with the agreement of the documents' dominant topics,
    which the rule reads) and relative error against k, the recommended k marked.

    Parameters
    ----------
    choice : topicnmf.quality.choose.KChoice
    """
    from ..quality.kscore import DIVERSITY_FLOOR

    ks = [s.k for s in choice.scores]
    panels = [("coherence", "NPMI coherence (higher is better)"),
              ("diversity", "diversity (higher is better)"),
              ("stability", "stability, agreement (dotted; the rule)"),
              ("error", "relative error (keeps falling)")]
    with style():
        fig = new_figure(9, 5.2)
        axes = fig.subplots(2, 2, sharex=True).ravel()
        for ax, (field, title) in zip(axes, panels):
            ax.plot(ks, [getattr(s, field) for s in choice.scores], marker="o", ms=4,
                    color="#4c72b0")
            ax.axvline(choice.k, color="#c44e52", linestyle="--", linewidth=1)
            ax.set_title(title, loc="left")
            ax.grid(alpha=0.3)
        agreement = [s.agreement for s in choice.scores]
        if all(a == a for a in agreement):                  # none is NaN
            axes[2].plot(ks, agreement, marker="s", ms=4, linestyle=":", color="#55a868")
        axes[1].axhline(DIVERSITY_FLOOR, color="#999999", linestyle=":", linewidth=1)
        axes[1].annotate(f"floor {DIVERSITY_FLOOR}", xy=(0, DIVERSITY_FLOOR),
                         xycoords=("axes fraction", "data"), xytext=(3, 3),
                         textcoords="offset points", color="#777777", fontsize=7)
        step = -(-len(ks) // 12)              # at most ~12 tick labels
        for ax in axes:
            ax.set_xticks(ks[::step])
        for ax in axes[2:]:
            ax.set_xlabel("number of topics k")
        fig.suptitle(f"Recommended k = {choice.k} (dashed line)", x=0.01, ha="left",
                     color="#c44e52", fontweight="bold")
    return fig


def style():
    """The rc settings every figure is drawn with (fonts, deterministic SVG ids), as a context."""
    import matplotlib

    return matplotlib.rc_context(_RC)


def figure_bytes(fig, image_format="svg") -> bytes:
    """SVG or PNG bytes of a figure; the same figure always gives the same bytes."""
    if image_format not in FORMATS:
        raise InputError(f"image_format={image_format!r}: choose one of {', '.join(FORMATS)}")
    metadata = {"Date": None} if image_format == "svg" else {"Software": None}
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format=image_format, metadata=metadata,
                    dpi=PNG_DPI if image_format == "png" else 72)
    return buf.getvalue()


# -- one picture of a model --------------------------------------------------------------------

def plot(model, kind, *, topic=None, top=10, image_format="png", max_map_documents=2000,
         random_state=0) -> bytes:
    """One picture of a fitted model as PNG or SVG bytes.

    Parameters
    ----------
    model : TopicModel
    kind : {'terms', 'map', 'documents', 'heatmap', 'shares'}
        Top-term bars (every topic, or only ``topic``), the topic map, the document map, the
        topic × topic similarity heatmap, or topic shares by month (needs document dates).
    topic : int, optional
        With ``kind='terms'``: draw only this topic.
    top : int
        Terms per topic in the bar charts.
    image_format : {'png', 'svg'}
    max_map_documents, random_state
        Sample size and seed of the document map.

    Examples
    --------
    >>> png = plot(model, "map")
    >>> png[1:4]
    b'PNG'
    >>> _ = (tmp / "map.png").write_bytes(png)
    """
    if kind not in KINDS:
        raise InputError(f"kind={kind!r}: choose one of {', '.join(KINDS)}")
    words = wording(model)
    labels, ids = model.labels(), model.topic_ids
    colors = topic_colors(model.n_topics)
    if kind == "terms":
        z = None if topic is None else model.check_topic(topic)
        chosen = model.topics(top) if z is None else [model.topics(top)[z]]
        panels = [(f"{t.topic} {t.label}", [w[0] for w in t.terms], [w[1] for w in t.terms])
                  for t in chosen]
        xlabel = f"weight in {words['topic']}"
        fig = (terms_grid_figure(panels, colors, xlabel=xlabel) if topic is None else
               terms_figure(panels[0][1], panels[0][2], color=colors[z], title=panels[0][0],
                            xlabel=xlabel))
    elif kind == "map":
        fig = topic_map_figure(topic_map_layout(model.W_), model.topic_sizes(), labels, colors,
                               what=words["topics"], ids=ids)
    elif kind == "documents":
        indices, xy = document_map_layout(model.contributions(), max_map_documents, random_state)
        fig = document_map_figure(xy, model.dominant_topics()[indices], colors,
                                  what=words["documents"], topic=words["topic"], ids=ids)
    elif kind == "heatmap":
        fig = heatmap_figure(topic_similarity(model.W_), labels, what=words["topics"], ids=ids)
    else:
        months, shares, _ = period_shares(model.contributions(), document_dates(model))
        if not months:
            raise InputError("the model's documents have no dates; fit with --date-column "
                             "to plot shares over time")
        fig = shares_figure(months, shares, labels, colors, what=words["topic"], ids=ids)
    return figure_bytes(fig, image_format)


WORDS = {
    "text": {"topic": "topic", "topics": "topics", "term": "term", "terms": "terms",
             "document": "document", "documents": "documents"},
    "matrix": {"topic": "segment", "topics": "segments", "term": "item", "terms": "items",
               "document": "person", "documents": "people"},
}


def wording(model) -> dict:
    """Nouns for a model's mode: topics/terms/documents, or segments/items/people (matrix)."""
    return WORDS.get(getattr(model, "mode_", "text"), WORDS["text"])
