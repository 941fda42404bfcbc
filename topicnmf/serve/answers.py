"""What the endpoints answer, as plain JSON-able data: the library's queries and their rows.

Each function takes the worker's :class:`~topicnmf.serve.state.Loaded` model and returns what
the command line prints with ``--format json`` for the same question (the rows of
:func:`topicnmf.present.rows.rows`, floats rounded by :func:`topicnmf.io.export.clean_value`),
so that a ticket system and a shell script get the same answer. The JSON endpoints
(:mod:`.api`) send it as it is, the pages (:mod:`.pages`) render it as HTML. Library errors go
through unchanged: an unknown id, term or topic is a
:class:`~topicnmf.errors.NotFoundError` (404), any other bad input an
:class:`~topicnmf.errors.InputError` (400).
"""

from __future__ import annotations

import json

from .. import validate
from ..errors import InputError
from ..io.export import clean_value
from ..io.records import stream_records
from ..present.rows import row, rows
from ..queries.recommend import recommend, similar
from ..queries.segment import DEFAULT_THRESHOLD, term_topics
from ..queries.target import target
from ..reconstruction.ranking import top_n
from ..reconstruction.similarity import DEFAULT_BLEND

#: Most records in one ``POST /assign`` request.
MAX_RECORDS = 10_000


def topics(loaded, *, top=10, term=None) -> list:
    """``topicnmf topics --format json`` (``--term``: the topics a term leans to)."""
    model = loaded.model
    if term is not None:
        return clean_value(rows(term_topics(model, term), nested=True))
    return clean_value(rows(model.topics(validate.integer(top, "top", 1)), nested=True))


def topic(loaded, z, *, top=10, documents=5, similar_topics=3) -> dict:
    """One topic: its ``topics`` row, its most typical documents (largest membership, as in
    the report), the most similar topics (cosine of their term weights) and, when the
    documents have dates, its share of each month."""
    model = loaded.model
    model.check_topic(z)
    documents = validate.integer(documents, "documents", 1)
    similar_topics = validate.integer(similar_topics, "similar", 1)
    out = row(model.topics(validate.integer(top, "top", 1))[z], nested=True)
    H, S = model.H_, model.memberships()
    typical = top_n(H[z], documents, exclude=H[z] <= 0)
    out["typical"] = [{"doc_id": model.document_ids_[j], "share": float(S[z, j]),
                       "snippet": model.snippets_[j]} for j in typical]
    near = top_n(loaded.similarity[z], min(similar_topics, loaded.k - 1), exclude=[z])
    out["similar_topics"] = [{"topic": int(y), "label": model.label(int(y)),
                              "similarity": float(loaded.similarity[z, y])} for y in near]
    out["shares_by_month"] = [{"month": m, "share": float(s)}
                              for m, s in zip(loaded.months, loaded.month_shares[:, z])]
    return clean_value(out)


def similar_documents(loaded, *, doc_id=None, text=None, top=10, blend=None,
                      threshold=DEFAULT_THRESHOLD) -> list:
    """``topicnmf similar --format json``."""
    found = similar(loaded.model, doc_id, text=text, top=top,
                    blend=DEFAULT_BLEND if blend is None else blend, threshold=threshold)
    return clean_value(rows(found, nested=True))


def recommendations(loaded, doc_id, *, top=10, include_seen=False) -> tuple:
    """``(rows, seen_excluded)``: ``topicnmf recommend --format json`` and the count it prints
    on stderr."""
    result = recommend(loaded.model, doc_id, top=top, include_seen=include_seen)
    return clean_value(rows(result, nested=True)), result.seen_excluded


def target_group(loaded, *, term=None, topic=None, budget=50, prospects_only=False) -> list:
    """``topicnmf target --format json``."""
    found = target(loaded.model, term=term, topic=topic, budget=budget,
                   prospects_only=prospects_only)
    return clean_value(rows(found, nested=True))


def assign_records(body: bytes) -> tuple:
    """``(records, single)`` of a ``POST /assign`` body: one JSON object, or an array of them.

    Each record is read as ``topicnmf assign`` reads a JSON line (``stream_records``: the
    same fields, ids and reasons for an invalid record), numbered from 1.

    Raises
    ------
    InputError
        The body is not JSON, not an object or array, or too many records; or a single
        record that cannot be used (an array reports such records one by one instead).
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        reason = getattr(exc, "msg", None) or exc.__class__.__name__
        raise InputError(f"the body is not JSON ({reason}); send "
                         '{"id": "T-1", "text": "..."} or an array of such objects') from None
    single = isinstance(data, dict)
    if not single and not isinstance(data, list):
        raise InputError("expected a JSON object or an array of objects, found "
                         f"{type(data).__name__}")
    items = [data] if single else data
    if len(items) > MAX_RECORDS:
        raise InputError(f"{len(items):,} records in one request; send at most "
                         f"{MAX_RECORDS:,} per request")
    lines = [json.dumps(item) for item in items]     # escaped: surrogates are found
    records = list(stream_records(lines, input_format="jsonl"))
    if single and records[0].problem is not None:
        raise InputError(f"the record cannot be tagged: {records[0].problem}")
    return records, single


async def assign(loaded, records) -> list:
    """``topicnmf assign`` rows of ``records`` (valid ones tagged in the worker's batches)."""
    valid = [r for r in records if r.problem is None]
    tagged = iter(await loaded.batcher.submit([r.id for r in valid], [r.text for r in valid]))
    make = loaded.rows.tag_row
    return [{"line": r.line, "id": None, "invalid": r.problem} if r.problem is not None
            else {"line": r.line, **make(next(tagged))} for r in records]


def check_assignable(loaded):
    """The InputError ``topicnmf assign`` gives for a model it cannot tag with (matrix mode)."""
    if loaded.batcher is None:
        raise InputError(loaded.not_assignable)
