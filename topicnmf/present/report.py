"""The HTML report: one self-contained file people would rather look at than read.

Two steps: :func:`build_report` gathers plain data from a fitted model (a :class:`Report`:
numbers, strings, small arrays), and :func:`render_html` turns it into HTML with matplotlib
pictures embedded inline (SVG, or base64 PNG). Every piece of text from the corpus or the user
goes through :func:`html.escape`; a Content-Security-Policy allows no network access and only
the report's own script, so the file opens offline and cannot be made to run injected code.
The static parts need no JavaScript; the script only adds a search box that filters topics.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html import escape
from importlib import resources

import numpy as np

from . import charts, layout, plots
from .. import validate
from ..errors import InputError
from ..queries.hierarchy import hierarchy, topic_similarity
from ..queries.trends import PERIODS, document_dates, period_shares, trends
from ..reconstruction.ranking import top_n

IMAGE_FORMATS = ("svg", "png")
_DATA = resources.files("topicnmf") / "data"
SCRIPT = (_DATA / "report.js").read_text("utf-8")   # the search box; its hash goes in the CSP
CSS = (_DATA / "report.css").read_text("utf-8")
MAX_MEMBERSHIP_ROWS = 1000


@dataclass(frozen=True)
class TopicSection:
    """What the report says about one topic (segment)."""

    topic: int             # its id
    label: str
    size: int              # documents whose dominant topic it is
    share: float           # fraction of all contributions (model.contributions())
    coherence: float | None
    terms: list            # (term, weight), best first
    documents: list        # (document id, snippet, share of the document), most typical first
    similar: list          # (topic id, label, cosine of term weights), most similar first


@dataclass(frozen=True)
class Report:
    """Plain data for the HTML report; see :func:`build_report`."""

    title: str
    n_documents: int
    words: dict                    # nouns of the model's mode, see plots.wording
    overview: list                 # (name, value as text)
    parameters: list               # (name, value as text)
    diversity: float | None
    topics: list                   # of TopicSection
    colors: list                   # hex colour per topic
    similarity: np.ndarray         # (k, k) cosine of W columns
    topic_map: np.ndarray          # (k, 2)
    document_map: np.ndarray       # (n_shown, 2)
    document_map_topics: np.ndarray  # (n_shown,) dominant topic of each shown document
    months: list                   # 'YYYY-MM', empty when documents have no dates
    month_shares: np.ndarray       # (n_months, k)
    trends: object                 # queries.trends.Trends, None without enough dated periods
    tree: object                   # queries.hierarchy.TopicTree
    memberships: list | None       # matrix mode: (id, [(column, share), ...]) per person


def build_report(model, *, top=10, documents=5, similar=3, max_map_documents=2000,
                 random_state=0, title=None) -> Report:
    """Gather everything the report shows from a fitted model.

    Parameters
    ----------
    model : TopicModel
        Fitted or loaded; ``model.mode_ == 'matrix'`` words it as segments, items and people.
    top : int
        Terms (items) per topic in the bar charts.
    documents : int
        Most typical documents (people) listed per topic: largest ``H[z, j]``.
    similar : int
        Most similar topics listed per topic (cosine of their columns of ``W``).
    max_map_documents : int
        Documents drawn in the document map (a fixed sample above that).
    random_state : int
        Seed of the sample and of the t-SNE layout.
    title : str, optional

    Returns
    -------
    Report
    """
    model.check_fitted()
    for name, value in (("top", top), ("documents", documents), ("similar", similar),
                        ("max_map_documents", max_map_documents)):
        validate.integer(value, name, 1)
    words = plots.wording(model)
    W, H, k = model.W_, model.H_, model.n_topics
    totals = H.sum(axis=0)
    C = model.contributions()
    shares = model.memberships()
    ids = list(model.document_ids_)
    snippets = list(getattr(model, "snippets_", None) or [""] * len(ids))
    coherence, diversity = quality_figures(model)
    S = topic_similarity(W)
    mass = C.sum(axis=1) / max(C.sum(), np.finfo(float).tiny)
    topic_ids, labels = model.topic_ids, model.labels()
    sections = []
    for z, t in enumerate(model.topics(top)):
        docs = top_n(H[z], documents, exclude=H[z] <= 0)
        near = top_n(S[z], min(similar, k - 1), exclude=[z])
        sections.append(TopicSection(
            z, t.label, t.size, float(mass[z]),
            None if coherence is None else float(coherence[z]), t.terms,
            [(ids[j], snippets[j], float(shares[z, j])) for j in docs],
            [(topic_ids[y], labels[y], float(S[z, y])) for y in near]))
    shown, xy = layout.document_map_layout(C, max_map_documents, random_state)
    months, month_shares, _ = period_shares(C, document_dates(model))
    return Report(
        title=title or f"{k} {words['topics']} in {len(ids):,} {words['documents']}",
        n_documents=len(ids), words=words, overview=_overview(model, words, totals),
        parameters=_parameters(model),
        diversity=diversity, topics=sections, colors=plots.topic_colors(k), similarity=S,
        topic_map=layout.topic_map_layout(W), document_map=xy,
        document_map_topics=model.dominant_topics()[shown], months=months,
        month_shares=month_shares, trends=dated_trends(model) if months else None,
        tree=hierarchy(model),
        memberships=_memberships(ids, shares) if getattr(model, "mode_", "text") == "matrix"
        else None)


def dated_trends(model, max_periods=60):
    """The model's trends by the shortest period (month, quarter, year) that has enough dated
    documents to be tested and at most ``max_periods`` periods (else the longest period that
    can be tested); None if none can."""
    found = None
    for period in PERIODS:
        try:
            found = trends(model, period=period)
        except InputError:
            continue
        if len(found.periods) <= max_periods:
            break
    return found


def _overview(model, words, totals) -> list:
    V = model.V_
    norm = float(np.sqrt((V.data ** 2).sum())) if hasattr(V, "data") else float(np.linalg.norm(V))
    err = float(model.reconstruction_err_)
    relative = f", {err / norm:.1%} of ‖V‖" if norm > 0 and np.isfinite(err) else ""
    return [
        (words["documents"].capitalize(), f"{model.n_documents:,}"),
        (f"{words['terms'].capitalize()} (vocabulary)", f"{model.W_.shape[0]:,}"),
        (f"{words['topics'].capitalize()} (k)", str(model.n_topics)),
        (f"Unassigned {words['documents']}", f"{int((totals <= 0).sum()):,}"),
        (f"Reconstruction error ‖V − WH‖{relative}", f"{err:.4g}"),
        ("Iterations", str(getattr(model, "n_iter_", ""))),
        ("Fit time", f"{getattr(model, 'fit_seconds_', 0.0):.2f} s"),
    ]


def _parameters(model) -> list:
    return [(name, "" if value is None else str(value))
            for name, value in model.get_params().items()]


def _memberships(ids, shares, limit=MAX_MEMBERSHIP_ROWS) -> list:
    rows = []
    for j in range(min(len(ids), limit)):
        best = top_n(shares[:, j], 3, exclude=shares[:, j] <= 0)
        rows.append((ids[j], [(int(z), float(shares[z, j])) for z in best]))
    return rows


def quality_figures(model, top=10):
    """Per-topic NPMI coherence and the topic diversity, as ``topicnmf evaluate`` reports them
    (without stability runs, which would refit the model).

    Returns ``(coherence of shape (k,), diversity)``, or ``(None, None)`` for a model with a
    single term (coherence needs pairs).
    """
    from ..quality.choose import evaluate

    if model.W_.shape[0] < 2:
        return None, None
    result = evaluate(model, top=top, runs=0)
    return np.array([t.coherence for t in result.topics]), result.diversity


# -- rendering ---------------------------------------------------------------------------------

def render_html(report: Report, *, images="svg") -> str:
    """The report as one HTML document (str); ``images`` 'svg' (inline) or 'png' (base64)."""
    _check_images(images)
    w = report.words
    figures = _Figures(images)
    labels, ids = [t.label for t in report.topics], [t.topic for t in report.topics]
    parts = [_header(report), _overview_html(report)]
    parts.append(_panel("maps", "Maps", "".join([
        figures.add(plots.topic_map_figure(report.topic_map, [t.size for t in report.topics],
                                           labels, report.colors, what=w["topics"], ids=ids),
                    f"Map of {w['topics']} by similarity"),
        figures.add(plots.document_map_figure(report.document_map, report.document_map_topics,
                                              report.colors, what=w["documents"],
                                              topic=w["topic"], ids=ids),
                    f"Map of {w['documents']} coloured by main {w['topic']}")
        if len(report.document_map) else ""]), "grid2"))
    parts.append(_panel("similarity", "Similarity", figures.add(
        plots.heatmap_figure(report.similarity, labels, what=w["topics"], ids=ids),
        f"{w['topic'].capitalize()} × {w['topic']} similarity heatmap")))
    parts.append(_panel("hierarchy", "How they group", figures.add(
        charts.dendrogram_figure(report.tree, what=w["topics"]),
        f"Dendrogram of the {w['topics']}")))
    if report.months:
        parts.append(_panel("time", "Over time", figures.add(
            plots.shares_figure(report.months, report.month_shares, labels, report.colors,
                                what=w["topic"], ids=ids),
            f"{w['topic'].capitalize()} shares by month") + _trends_html(report, figures)))
    parts.append(_topics_html(report, figures))
    if report.memberships is not None:
        parts.append(_memberships_html(report))
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f'img-src data:; style-src \'unsafe-inline\'; script-src \'{_script_hash()}\'">\n'
            f'<meta name="generator" content="topicnmf">\n<link rel="icon" href="data:,">\n'
            f"<title>{_e(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{body}\n<footer>Made with topicnmf: V ({_e(w['terms'])} × {_e(w['documents'])}) "
            f"≈ W · H. This file needs no network.</footer>\n"
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


def report(model, *, top=10, documents=5, similar=3, max_map_documents=2000, random_state=0,
           title=None, images="svg") -> str:
    """The whole HTML report of a fitted model, as a string.

    Parameters are those of :func:`build_report` and :func:`render_html`. The same model and
    parameters always give the same text.

    Examples
    --------
    >>> from topicnmf.io.files import write_atomic
    >>> html = report(model, max_map_documents=200)
    >>> html.startswith("<!DOCTYPE html>")
    True
    >>> write_atomic(tmp / "report.html", html).name
    'report.html'
    """
    _check_images(images)
    data = build_report(model, top=top, documents=documents, similar=similar,
                        max_map_documents=max_map_documents, random_state=random_state,
                        title=title)
    return render_html(data, images=images)


def _check_images(images):
    if images not in IMAGE_FORMATS:
        raise InputError(f"images={images!r}: choose one of {', '.join(IMAGE_FORMATS)}")


def _e(value) -> str:
    return escape(str(value), quote=True)


class _Figures:
    """Embeds figures as inline SVG (ids made unique per figure) or as base64 PNG."""

    _ID = re.compile(r'(\bid="|href="#|url\(#)')
    _METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)

    def __init__(self, images):
        self.images, self.count = images, 0

    def add(self, fig, alt) -> str:
        self.count += 1
        data = plots.figure_bytes(fig, self.images)
        if self.images == "png":
            width, height = (round(v * 96) for v in fig.get_size_inches())
            src = base64.b64encode(data).decode("ascii")
            return (f'<figure><img src="data:image/png;base64,{src}" width="{width}" '
                    f'height="{height}" alt="{_e(alt)}"></figure>')
        svg = data.decode("utf-8")
        svg = self._METADATA.sub("", svg[svg.index("<svg"):])
        svg = self._ID.sub(lambda m: f"{m.group(1)}f{self.count}-", svg)
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_e(alt)}" ', 1)
        return f"<figure>{svg}</figure>"


def _panel(anchor, heading, content, cls="") -> str:
    return (f'<section id="{anchor}" class="panel"><h2>{_e(heading)}</h2>'
            f'<div class="{cls}">{content}</div></section>')


def _header(report) -> str:
    w = report.words
    chips = "".join(f'<a class="chip" href="#topic-{t.topic}" style="border-color:'
                    f'{report.colors[z]}">{t.topic} · {_e(t.label)}</a>'
                    for z, t in enumerate(report.topics))
    return (f"<header><h1>{_e(report.title)}</h1><nav aria-label=\"{_e(w['topics'])}\">"
            f"{chips}</nav></header>")


def _overview_html(report) -> str:
    cards = "".join(f'<div class="card"><div class="value">{_e(v)}</div>'
                    f'<div class="name">{_e(n)}</div></div>' for n, v in report.overview)
    coherence = [t.coherence for t in report.topics if t.coherence is not None]
    if coherence:
        cards += (f'<div class="card"><div class="value">{np.mean(coherence):.3f}</div>'
                  f'<div class="name">Mean NPMI coherence (top 10)</div></div>')
    if report.diversity is not None:
        cards += (f'<div class="card"><div class="value">{report.diversity:.3f}</div>'
                  f'<div class="name">Topic diversity (top 25)</div></div>')
    params = "".join(f"<tr><th>{_e(n)}</th><td>{_e(v)}</td></tr>" for n, v in report.parameters)
    return (f'<section id="overview" class="panel"><h2>Overview</h2>'
            f'<div class="cards">{cards}</div><details><summary>How the model was made'
            f'</summary><table class="params">{params}</table></details></section>')


def _topics_html(report, figures) -> str:
    w = report.words
    n_docs = max(report.n_documents, 1)
    articles = []
    for z, t in enumerate(report.topics):
        words = " ".join([t.label] + [term for term, _ in t.terms] + [d[0] for d in t.documents])
        meta = (f"{t.size:,} {w['documents']} ({t.size / n_docs:.1%}) mainly about it · "
                f"{t.share:.1%} of all membership weight")
        if t.coherence is not None:
            meta += f" · NPMI coherence {t.coherence:.3f}"
        rows = "".join(f'<tr><td class="id">{_e(i)}</td><td>{_e(s)}</td>'
                       f'<td class="num">{share:.0%}</td></tr>' for i, s, share in t.documents)
        near = "".join(f'<li><a href="#topic-{y}">{y} · {_e(label)}</a> '
                       f'<span class="num">{cos:.2f}</span></li>' for y, label, cos in t.similar)
        chart = figures.add(plots.terms_figure(
            [term for term, _ in t.terms], [wt for _, wt in t.terms], color=report.colors[z],
            xlabel=f"weight in {w['topic']}"), f"Top {w['terms']} of {w['topic']} {t.topic}")
        articles.append(
            f'<article class="topic" id="topic-{t.topic}" data-search="{_e(words.lower())}">'
            f'<h3><span class="swatch" style="background:{report.colors[z]}"></span>'
            f"{_e(w['topic'].capitalize())} {t.topic} · {_e(t.label)}</h3>"
            f'<p class="meta">{_e(meta)}</p><div class="grid2">{chart}<div>'
            f"<h4>Most typical {_e(w['documents'])}</h4><table class=\"docs\"><thead><tr>"
            f"<th>{_e(w['document'])}</th><th>first line</th><th class=\"num\">share</th>"
            f"</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<h4>Most similar {_e(w['topics'])}</h4><ul class=\"similar\">{near}</ul>"
            f"</div></div></article>")
    search = (f'<div class="filter" id="filter-box" hidden><input type="search" id="filter" '
              f"placeholder=\"Filter {_e(w['topics'])} by word or id…\" "
              f"aria-label=\"Filter {_e(w['topics'])}\"> <span id=\"filter-count\"></span></div>")
    return (f'<section id="topics" class="panel"><h2>{_e(w["topics"].capitalize())}</h2>'
            f"{search}{''.join(articles)}</section>")


def _memberships_html(report) -> str:
    w = report.words
    rows = "".join(f'<tr><td class="id">{_e(i)}</td><td>'
                   + ", ".join(f"{report.topics[z].topic} · {_e(report.topics[z].label)} "
                               f"({s:.0%})" for z, s in best)
                   + "</td></tr>" for i, best in report.memberships)
    return (f'<section id="memberships" class="panel"><h2>Memberships of '
            f"{_e(w['documents'])}</h2><table class=\"docs\"><thead><tr><th>{_e(w['document'])}"
            f"</th><th>main {_e(w['topics'])} (share)</th></tr></thead><tbody>{rows}</tbody>"
            f"</table></section>")


def _trends_html(report, figures) -> str:
    """The trends figure and the rising and falling topics, or a note why there is none."""
    w, result = report.words, report.trends
    if result is None:
        return (f'<p class="meta">Too few dated {_e(w["documents"])} per period to test for '
                "trends (5 periods of 5 documents are needed).</p>")
    moving = result.rising + result.falling
    rows = "".join(f'<tr class="{t.direction}"><td>{charts.ARROWS[t.direction]} {t.direction}'
                   f'</td><td><a href="#topic-{t.topic}">{t.topic} · {_e(t.label)}</a></td>'
                   f'<td class="num">{t.slope * 100:+.2f}</td><td class="num">{t.mean:.1%}'
                   f'</td><td class="num">{t.q_value:.2g}</td></tr>' for t in moving)
    table = (f'<table class="trends"><thead><tr><th></th><th>{_e(w["topic"])}</th>'
             f'<th class="num">points per {result.period}</th><th class="num">mean share</th>'
             f'<th class="num">q</th></tr></thead><tbody>{rows}</tbody></table>' if moving else
             f'<p class="meta">No {_e(w["topic"])} rises or falls beyond chance.</p>')
    return figures.add(charts.trends_figure(result, what=w["topic"]),
                       f"{w['topic'].capitalize()} trends per {result.period}") + table


def _script_hash() -> str:
    digest = hashlib.sha256(SCRIPT.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
