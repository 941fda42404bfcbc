"""Result objects → rows for tables, CSV and JSON: the one flattener of every query's result.

The library returns dataclasses (``Topic``, ``TopicSegment``, ``SimilarDocument``, ...); the
command line prints them through :func:`rows`. ``nested=True`` keeps lists as lists of
objects (JSON, JSON lines); ``nested=False`` makes every cell one value (tables, CSV), e.g.
``"3 (0.412); 7 (0.208)"`` for a list of ``(topic, share)`` pairs.

>>> from topicnmf.queries.segment import TermTopic
>>> rows([TermTopic("printer", 2, "printer, paper", 0.9, 0.0312)])
[{'term': 'printer', 'topic': 2, 'label': 'printer, paper', 'share': 0.9, 'weight': 0.0312}]
"""

from __future__ import annotations

from dataclasses import asdict


def _value(value, nested):
    return value


def _pairs(first, second, separator, digits):
    """Cell of a list of ``(a, b)`` pairs: objects ``{first: a, second: b}`` or one string."""
    def cell(pairs, nested):
        if nested:
            return [{first: a, second: b} for a, b in pairs]
        return separator.join(f"{a} ({b:.{digits}f})" for a, b in pairs)
    return cell


def _words(words, nested):
    return list(words) if nested else ", ".join(words)


def _examples(examples, nested):
    """Cell of cleaning examples ``(doc_id, before, after)``: objects, or the first one."""
    if nested:
        return [{"doc_id": d, "before": b, "after": a} for d, b, a in examples]
    if not examples:
        return ""
    doc_id, before, after = examples[0]
    return f"{doc_id}: {before!r} → {after!r}" if after else f"{doc_id}: {before!r}"


#: Result type (module and name within topicnmf) -> its columns as ``(column, attribute, cell)``.
#: Types are named, not imported: a query's rows must not load the modules of other stages
#: (quality's load scikit-learn).
COLUMNS = {
    "model.fitted.Topic": [
        ("topic", "topic", _value), ("label", "label", _value), ("size", "size", _value),
        ("terms", "terms", _pairs("term", "weight", ", ", 4))],
    "queries.segment.TermTopic": [
        (name, name, _value) for name in ("term", "topic", "label", "share", "weight")],
    "queries.segment.DocumentSegments": [
        ("doc_id", "doc_id", _value), ("dominant", "dominant", _value), ("label", "label", _value),
        ("share", "share", _value), ("topics", "topics", _pairs("topic", "share", "; ", 3))],
    "queries.segment.TopicSegment": [
        ("topic", "topic", _value), ("label", "label", _value), ("size", "size", _value),
        ("members", "members", _value), ("typical", "typical", _pairs("doc_id", "share", ", ", 3))],
    "queries.recommend.Recommendation": [
        (name, name, _value) for name in ("rank", "term", "score", "seen")],
    "queries.recommend.SimilarDocument": [
        ("rank", "rank", _value), ("doc_id", "doc_id", _value), ("score", "score", _value),
        ("latent", "latent", _value), ("lexical", "lexical", _value),
        ("shared_topics", "shared", _pairs("topic", "share", "; ", 2)),
        ("snippet", "snippet", _value)],
    "evolve.diff.TopicChange": [
        (name, name, _value) for name in ("status", "topic", "old_topic", "similarity", "label",
                                          "old_label", "size", "old_size", "size_change")] + [
        ("terms_in", "terms_in", _words), ("terms_out", "terms_out", _words)],
    "queries.target.TargetRow": [
        ("rank", "rank", _value), ("doc_id", "doc_id", _value), ("score", "score", _value),
        ("status", "status", _value), ("drivers", "drivers", _pairs("topic", "part", "; ", 2))],
    "text.explain.Removed": [
        ("step", "step", _value), ("removed", "unit", _value), ("count", "count", _value),
        ("documents", "documents", _value), ("example", "examples", _examples)],
    "queries.trends.TopicTrend": [
        (name, name, _value) for name in ("topic", "label", "direction", "slope", "change",
                                          "t", "p_value", "q_value", "mean")],
}


def row(result, nested: bool = False) -> dict:
    """One result object as a dict of columns (see the module docstring for ``nested``)."""
    name = _type_name(result)
    if name == "quality.choose.TopicQuality":
        return {**asdict(result), "terms": _words(result.terms, nested), "error": None}
    columns = COLUMNS.get(name)
    if columns is None:
        raise TypeError(f"no rows for a {type(result).__name__}")
    return {column: cell(getattr(result, attribute), nested)
            for column, attribute, cell in columns}


def rows(result, nested: bool = False) -> list:
    """Rows of a query's result: a list of result objects, or a result that holds several.

    ``Recommendations`` gives its items, a ``CleaningReport`` its rows of removed things; an
    ``Evaluation`` one row per topic and then an ``all`` row with the overall scores; a
    ``KChoice`` one row per k, marking the recommended one (its rows are flat numbers, the
    same nested or not); ``Trends`` one row per topic, largest rise first and steepest fall
    last; a ``TopicTree`` its root as nested objects (``nested``), else one row per node,
    depth first, indented.
    """
    name = _type_name(result)
    if name == "queries.recommend.Recommendations":
        return rows(result.items, nested)
    if name == "text.explain.CleaningReport":
        return rows(result.removed, nested)
    if name == "queries.trends.Trends":
        return rows(sorted(result.topics, key=lambda t: (-t.slope, t.topic)), nested)
    if name == "queries.hierarchy.TopicTree":
        return [result.root] if nested else [_tree_row(depth, node)
                                             for depth, node in result.nodes()]
    if name == "quality.choose.Evaluation":
        overall = {"topic": "all", "label": "overall", "size": result.n_documents,
                   "coherence": result.coherence, "diversity": result.diversity,
                   "stability": result.stability, "terms": [] if nested else "",
                   "error": result.error}
        return rows(result.topics, nested) + [overall]
    if name == "quality.choose.KChoice":
        columns = ("k", "coherence", "diversity", "stability", "agreement", "error",
                   "unexplained")
        return [{**{c: getattr(score, c) for c in columns}, "recommended": score.k == result.k}
                for score in result.scores]
    return [row(item, nested) for item in result]


def _tree_row(depth, node) -> dict:
    leaf = "topic" in node
    name = (f"{node['topic']} {node['label']}" if leaf else
            f"{len(node['topics'])} topics, similarity {node['similarity']:.2f}")
    return {"node": "  " * depth + name, "topic": node["topic"] if leaf else None,
            "size": node["size"] if leaf else None,
            "distance": None if leaf else node["distance"],
            "topics": "" if leaf else ", ".join(map(str, node["topics"]))}


def _type_name(result) -> str:
    """``queries.segment.TermTopic`` for a TermTopic: its module within topicnmf and name."""
    cls = type(result)
    return f"{cls.__module__.removeprefix('topicnmf.')}.{cls.__qualname__}"
