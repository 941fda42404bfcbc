"""The JSON endpoints: each parses its parameters, makes one library call through
:mod:`.answers` and sends the rows ``topicnmf ... --format json`` prints.

Library calls run in a worker thread (:func:`offload`), so that a slow query neither stops the
event loop nor outlives the time limit; ``POST /assign`` joins the worker's micro-batches
(:class:`~topicnmf.serve.state.Batcher`).
"""

from __future__ import annotations

import functools
import json
import os
import signal

import anyio
from fastapi import Depends, Path, Query, Request
from starlette.responses import Response

from . import answers
from ..errors import InputError, TopicNMFError
from ..model.estimator import label



class Routes:
    """Endpoints collected by decorators, added to an app by :meth:`add_to` as the app's own
    routes (FastAPI's ``include_router`` would walk the router on every request)."""

    def __init__(self, **defaults):
        self.routes, self.defaults = [], defaults

    def route(self, method, path, **options):
        def add(endpoint):
            self.routes.append((path, endpoint, {"methods": [method], **self.defaults,
                                                 **options}))
            return endpoint
        return add

    def get(self, path, **options):
        return self.route("GET", path, **options)

    def post(self, path, **options):
        return self.route("POST", path, **options)

    def put(self, path, **options):
        return self.route("PUT", path, **options)

    def add_to(self, app):
        for path, endpoint, options in self.routes:
            app.add_api_route(path, endpoint, **options)


router = Routes()

RECORD_SCHEMA = {"type": "object", "required": ["text"],
                 "properties": {"id": {"type": "string"}, "text": {"type": "string"}}}
ASSIGN_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"oneOf": [RECORD_SCHEMA, {"type": "array", "items": RECORD_SCHEMA}]},
    "example": {"id": "T-1", "text": "refund for a double charge"}}}}}
LABEL_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["label"],
               "properties": {"label": {"type": ["string", "null"]}}},
    "example": {"label": "Billing & refunds"}}}}}


def json_response(data, status=200, headers=None) -> Response:
    """``data`` as a JSON response (UTF-8, not cached)."""
    return Response(json.dumps(data, ensure_ascii=False), status_code=status,
                    media_type="application/json",
                    headers={"cache-control": "no-store", **(headers or {})})


async def offload(func, *args, **kwargs):
    """``func(*args, **kwargs)`` in a worker thread; a request cancelled by the time limit
    stops waiting for it."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs),
                                          abandon_on_cancel=True)


async def served(request: Request):
    """The worker's current model (relabelled first if a rename changed ``model.json``)."""
    return await request.app.state.holder.current()


@router.post("/assign", summary="Tag one record, or an array of records",
             openapi_extra=ASSIGN_BODY)
async def assign(request: Request):
    """The topic of each record, as one line of `topicnmf assign` output: line, id, topic,
    label, share, unassigned, fit_error, shares, terms. One object in, one object out; an
    array in, an array out (a record that cannot be read gives {line, id: null, invalid})."""
    loaded = await request.app.state.holder.current()       # (no dependency: the hot path)
    answers.check_assignable(loaded)
    records, single = answers.assign_records(await request.body())
    out = await answers.assign(loaded, records)
    return json_response(out[0] if single else out)


@router.get("/topics", summary="Every topic: label, size, top terms")
async def topics(loaded=Depends(served),
                 top: int = Query(10, description="Terms per topic."),
                 term: str | None = Query(None, description="Instead: the topics a document "
                                                            "containing this term leans to.")):
    """As `topicnmf topics --format json` (with term: `topics --term`)."""
    return json_response(await offload(answers.topics, loaded, top=top, term=term))


@router.get("/topics/{topic}", summary="One topic, its typical documents and similar topics")
async def topic(loaded=Depends(served), topic: int = Path(description="Topic number."),
                top: int = Query(10, description="Terms."),
                documents: int = Query(5, description="Most typical documents."),
                similar: int = Query(3, description="Most similar topics.")):
    """The topic's `topics` row plus typical (documents with the largest membership),
    similar_topics (cosine of term weights) and shares_by_month (when documents have dates)."""
    return json_response(await offload(answers.topic, loaded, topic, top=top,
                                       documents=documents, similar_topics=similar))


@router.get("/similar", summary="Documents closest to a text or to a document")
async def similar(loaded=Depends(served),
                  text: str | None = Query(None, description="A new text."),
                  doc_id: str | None = Query(None, description="Or a document of the model."),
                  top: int = Query(10, description="How many documents."),
                  blend: float | None = Query(None, description="Weight of the latent "
                                                                "cosine [default: 0.4]."),
                  threshold: float = Query(0.1, description="Smallest share in both "
                                                            "documents of a shared topic.")):
    """As `topicnmf similar --format json`: rank, doc_id, score, latent, lexical,
    shared_topics, snippet."""
    return json_response(await offload(answers.similar_documents, loaded, doc_id=doc_id,
                                       text=text, top=top, blend=blend, threshold=threshold))


@router.get("/recommend/{doc_id:path}", summary="Terms (items) for a document (person)")
async def recommend(doc_id: str, loaded=Depends(served),
                    top: int = Query(10, description="How many terms."),
                    include_seen: bool = Query(False, description="Keep what it has.")):
    """As `topicnmf recommend --format json`; the header X-Seen-Excluded counts what the
    document already has and was left out."""
    found, excluded = await offload(answers.recommendations, loaded, doc_id, top=top,
                                    include_seen=include_seen)
    return json_response(found, headers={"x-seen-excluded": str(excluded)})


@router.get("/target", summary="The documents most prone to a term or a topic")
async def target(loaded=Depends(served),
                 term: str | None = Query(None, description="A term (item)."),
                 topic: int | None = Query(None, description="Or a topic."),
                 budget: int = Query(50, description="How many documents."),
                 prospects_only: bool = Query(False, description="Leave out existing ones.")):
    """As `topicnmf target --format json`: rank, doc_id, score, status, drivers."""
    return json_response(await offload(answers.target_group, loaded, term=term, topic=topic,
                                       budget=budget, prospects_only=prospects_only))


@router.put("/topics/{topic}/label", summary="Name a topic (saved in the model)",
            openapi_extra=LABEL_BODY)
async def put_label(request: Request, topic: int = Path(description="Topic number."),
                    loaded=Depends(served)):
    """Body {"label": "..."}; null or "" restores the automatic label. Written into the
    model folder at once, under its lock (as `topicnmf label`)."""
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict) or "label" not in body:
        raise InputError('send {"label": "the new name"} (null restores the automatic label)')
    return json_response(await relabel(request, loaded, topic, body["label"]))


async def relabel(request, loaded, topic, name) -> dict:
    """Save ``name`` for ``topic`` with :func:`topicnmf.label` and serve it at once."""
    loaded.model.check_topic(topic)
    holder = request.app.state.holder
    model = await offload(label, holder.path, topic, name or None)
    await holder.refresh()
    return {"topic": topic, "label": model.label(topic)}


@router.post("/reload", summary="Swap in the model saved in the folder now")
async def reload(request: Request):
    """Loads the model folder again if it holds another save (a new fit) while the old model
    goes on answering, then swaps; every worker does (as on SIGHUP)."""
    holder = request.app.state.holder
    try:
        result = await holder.reload()
    except TopicNMFError as exc:
        raise InputError(f"the model was not reloaded: {exc}; still serving save "
                         f"{holder.loaded.save_id}") from None
    supervisor = request.app.state.supervisor
    if supervisor and os.getppid() == supervisor:   # the other workers reload too
        os.kill(supervisor, signal.SIGHUP)
    return json_response(result)


@router.get("/healthz", summary="Is this worker up, and with which save")
async def healthz(request: Request):
    """{status, pid, save_id}; needs no token."""
    loaded = request.app.state.holder.loaded
    return json_response({"status": "ok", "pid": os.getpid(),
                          "save_id": loaded.save_id if loaded else None})
