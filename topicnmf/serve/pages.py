"""The web pages: server-rendered HTML that reads without JavaScript.

``/`` lists the topics (label, size, top terms, a sparkline of their share by month when the
documents have dates, a rename form), ``/view/topics/{z}`` shows one topic (term weights, most
typical documents, similar topics), ``/view/search`` the topics of a text and the documents
closest to it (or to a document), ``/docs`` the API. Everything is served by the app (no CDN,
no build step): one stylesheet and one script under ``/static/``, allowed by the
Content-Security-Policy of :mod:`.guard`. The script only improves the pages: search answers
in place, and renames save without leaving the page; without it the forms work as forms.
Every text from the corpus or a user goes through :func:`html.escape`.
"""

from __future__ import annotations

import hmac
import json
from html import escape
from importlib import resources
from urllib.parse import parse_qs, quote, urlencode

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from . import answers
from .api import Routes, offload, relabel, served
from .guard import COOKIE, cookie_value
from .. import __version__
from ..errors import InputError

router = Routes(include_in_schema=False)
STATIC = {name: (resources.files("topicnmf.serve") / "static" / name).read_bytes()
          for name in ("serve.css", "serve.js")}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
MAX_FORM_BYTES = 4096


def _e(value) -> str:
    return escape(str(value), quote=True)


def html_response(body: str, status=200, headers=None) -> Response:
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers={"cache-control": "no-store", **(headers or {})})


def page(title, main, *, query="", subtitle="") -> str:
    """A whole HTML document: header with the search box, ``main``, the script."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{_e(title)}</title>\n<link rel="icon" href="data:,">\n'
            f'<link rel="stylesheet" href="/static/serve.css">\n'
            f'<script src="/static/serve.js" defer></script>\n</head>\n<body>\n'
            f'<header><a class="brand" href="/">topicnmf</a><span class="sub">{_e(subtitle)}'
            f'</span><form id="search" role="search" action="/view/search" method="get">'
            f'<input type="search" name="q" value="{_e(query)}" placeholder="Paste a ticket '
            f'or a few words…" aria-label="Text to search for" required>'
            f'<button type="submit">Search</button></form></header>\n'
            f'<main>\n<div id="results" aria-live="polite"></div>\n{main}\n</main>\n'
            f'<footer>topicnmf {_e(__version__)} · <a href="/docs">API</a></footer>\n'
            f'</body>\n</html>\n')


def sparkline(months, values) -> str:
    """An inline SVG line of a topic's share by month (values 0..1)."""
    if not months:
        return ""
    width, height, top = 120, 28, max(max(values), 1e-12)
    step = (width - 4) / max(len(values) - 1, 1)
    points = " ".join(f"{2 + i * step:.1f},{height - 2 - v / top * (height - 4):.1f}"
                      for i, v in enumerate(values))
    label = (f"share by month, {months[0]} to {months[-1]}: "
             + ", ".join(f"{m} {v:.0%}" for m, v in zip(months, values)))
    return (f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{_e(label)}"><title>{_e(label)}</title>'
            f'<polyline points="{points}"/></svg>')


def term_bars(terms) -> str:
    """An inline SVG bar chart of ``[{term, weight}]``."""
    top = max((t["weight"] for t in terms), default=0) or 1.0
    rows = "".join(
        f'<text x="0" y="{18 * i + 13}">{_e(t["term"])}</text><rect x="150" y="{18 * i + 3}" '
        f'width="{max(1.0, 250 * t["weight"] / top):.1f}" height="12"/>'
        f'<text class="num" x="{155 + 250 * t["weight"] / top:.1f}" y="{18 * i + 13}">'
        f'{t["weight"]:.4f}</text>' for i, t in enumerate(terms))
    return (f'<svg class="bars" viewBox="0 0 460 {18 * len(terms)}" width="460" '
            f'height="{18 * len(terms)}" role="img" aria-label="term weights">{rows}</svg>')


def rename_form(z, label, back) -> str:
    return (f'<form class="rename" method="post" action="/topics/{z}/label" data-topic="{z}">'
            f'<input type="hidden" name="next" value="{_e(back)}">'
            f'<input name="label" value="{_e(label)}" maxlength="200" '
            f'aria-label="New name of topic {z}"><button type="submit">Rename</button>'
            f'<span class="status" role="status"></span></form>')


def topic_link(z, label) -> str:
    return (f'<a href="/view/topics/{z}">{z} · <span data-topic-label="{z}">{_e(label)}'
            f'</span></a>')


def overview_html(loaded, topics) -> str:
    n = max(loaded.n_documents, 1)
    cards = []
    for t in topics:
        z = t["topic"]
        terms = "".join(f"<li>{_e(w['term'])}</li>" for w in t["terms"])
        spark = sparkline(loaded.months, loaded.month_shares[:, z].tolist())
        cards.append(
            f'<article class="topic" id="topic-{z}"><h2>{topic_link(z, t["label"])}</h2>'
            f'<p class="meta">{t["size"]:,} documents ({t["size"] / n:.1%}) {spark}</p>'
            f'<ul class="terms">{terms}</ul>{rename_form(z, t["label"], "/")}</article>')
    return f'<section class="topics">{"".join(cards)}</section>'


def topic_html(detail) -> str:
    z = detail["topic"]
    docs = "".join(f'<tr><td class="id"><a href="/view/search?{urlencode({"doc_id": d["doc_id"]})}'
                   f'">{_e(d["doc_id"])}</a></td><td>{_e(d["snippet"])}</td>'
                   f'<td class="num">{d["share"]:.0%}</td></tr>' for d in detail["typical"])
    near = "".join(f'<li>{topic_link(s["topic"], s["label"])} <span class="num">'
                   f'{s["similarity"]:.2f}</span></li>' for s in detail["similar_topics"])
    months = [m["month"] for m in detail["shares_by_month"]]
    spark = sparkline(months, [m["share"] for m in detail["shares_by_month"]])
    return (f'<article class="topic-page"><h1>Topic {z} · <span data-topic-label="{z}">'
            f'{_e(detail["label"])}</span></h1><p class="meta">{detail["size"]:,} documents '
            f'mainly about it {spark}</p>{rename_form(z, detail["label"], f"/view/topics/{z}")}'
            f'<div class="grid"><section><h2>Top terms</h2>{term_bars(detail["terms"])}'
            f'</section><section><h2>Most similar topics</h2><ul class="similar">{near}</ul>'
            f'</section></div><section><h2>Most typical documents</h2><table class="docs">'
            f'<thead><tr><th>document</th><th>first line</th><th class="num">share</th></tr>'
            f'</thead><tbody>{docs}</tbody></table></section></article>')


def search_html(heading, topics, documents) -> str:
    shares = "".join(f'<li>{topic_link(s["topic"], s["label"])} <span class="num">'
                     f'{s["share"]:.0%}</span></li>' for s in topics)
    docs = "".join(f'<tr><td class="id"><a href="/view/search?{urlencode({"doc_id": d["doc_id"]})}'
                   f'">{_e(d["doc_id"])}</a></td><td>{_e(d["snippet"])}</td>'
                   f'<td class="num">{d["score"]:.3f}</td></tr>' for d in documents)
    return (f'<section class="search-results"><h1>{_e(heading)}</h1><h2>Closest topics</h2>'
            f'<ul class="shares">{shares or "<li>none: no word of it is in the model</li>"}'
            f'</ul><h2>Similar documents</h2><table class="docs"><thead><tr><th>document</th>'
            f'<th>first line</th><th class="num">score</th></tr></thead><tbody>{docs}</tbody>'
            f'</table></section>')


def subtitle(loaded) -> str:
    return f"{loaded.k} topics in {loaded.n_documents:,} documents"


@router.get("/")
async def overview(loaded=Depends(served)):
    topics = await offload(answers.topics, loaded, top=8)
    return html_response(page(f"Topics · {subtitle(loaded)}", overview_html(loaded, topics),
                              subtitle=subtitle(loaded)))


@router.get("/view/topics/{topic}")
async def topic_page(topic: int, loaded=Depends(served)):
    detail = await offload(answers.topic, loaded, topic, top=15, documents=10,
                           similar_topics=5)
    return html_response(page(f"Topic {topic} · {detail['label']}", topic_html(detail),
                              subtitle=subtitle(loaded)))


@router.get("/view/search")
async def search_page(loaded=Depends(served), q: str | None = None, doc_id: str | None = None):
    if not (q or "").strip() and not doc_id:
        return RedirectResponse("/", status_code=303)
    found = await offload(answers.similar_documents, loaded, doc_id=doc_id if not q else None,
                          text=q or None)
    if q:
        topics = []
        if loaded.batcher is not None:
            record, _ = answers.assign_records(json.dumps({"id": "query", "text": q}))
            topics = (await answers.assign(loaded, record))[0]["shares"]
        heading = f"Search: {q[:80]}"
    else:
        model = loaded.model
        column = model.memberships(model.H_[:, [model.document_index(doc_id)]])[:, 0]
        topics = [{"topic": int(z), "label": model.label(int(z)), "share": float(column[z])}
                  for z in column.argsort()[::-1][:5] if column[z] >= 0.1]
        heading = f"Documents like {doc_id}"
    return html_response(page(heading, search_html(heading, topics, found), query=q or "",
                              subtitle=subtitle(loaded)))


@router.post("/topics/{topic}/label")
async def rename_form_post(request: Request, topic: int, loaded=Depends(served)):
    """The rename form without JavaScript: save, then back to the page it came from."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InputError("the form is too large")
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    await relabel(request, loaded, topic, (form.get("label") or [""])[0])
    back = (form.get("next") or ["/"])[0]
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    return RedirectResponse(quote(back, safe="/?=&"), status_code=303)


@router.get("/static/{name}")
async def static(name: str):
    data = STATIC.get(name)
    if data is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(data, media_type=STATIC_TYPES[name[name.rfind("."):]],
                    headers={"cache-control": "public, max-age=3600"})


@router.get("/docs")
async def docs(request: Request):
    """The API reference, rendered from the app's OpenAPI schema (also at /openapi.json)."""
    schema = request.app.openapi()
    items = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            params = "".join(
                f'<li><code>{_e(p["name"])}</code> ({_e(p["in"])}'
                f'{", required" if p.get("required") else ""}) {_e(p.get("description", ""))}'
                f'</li>' for p in op.get("parameters", []))
            example = (op.get("requestBody", {}).get("content", {})
                       .get("application/json", {}).get("example"))
            body = (f'<p>Body, e.g. <code>{_e(json.dumps(example))}</code></p>'
                    if example else "")
            items.append(f'<section class="endpoint"><h2><code>{method.upper()} {_e(path)}'
                         f'</code></h2><p>{_e(op.get("summary", ""))}</p><p>'
                         f'{_e(op.get("description", ""))}</p>{body}'
                         f'{f"<ul>{params}</ul>" if params else ""}</section>')
    main = (f'<h1>{_e(schema["info"]["title"])} API</h1><p>Errors are '
            f'<code>{{"error": "..."}}</code> with status 400 (bad input), 401 (token '
            f'needed), 404 (unknown id, term or topic), 413 (body too large) or 503 (time '
            f'limit). Schema: <a href="/openapi.json">/openapi.json</a>.</p>{"".join(items)}')
    return html_response(page("topicnmf API", main))


@router.get("/login")
async def login_form(request: Request):
    return html_response(login_html())


@router.post("/login")
async def login(request: Request):
    token = request.app.state.token
    body = await request.body()
    given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0].strip()
    if not token or len(body) > MAX_FORM_BYTES or not hmac.compare_digest(
            given.encode("utf-8"), token.encode("utf-8")):
        return html_response(login_html("That is not the token."), status=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, cookie_value(token), httponly=True, samesite="strict")
    return response


def login_html(message="") -> str:
    note = f'<p class="error">{_e(message)}</p>' if message else ""
    return page("Log in", f'<h1>Log in</h1>{note}<form class="login" method="post" '
                          f'action="/login"><label>Token <input type="password" name="token" '
                          f'autocomplete="current-password" required></label> '
                          f'<button type="submit">Log in</button></form>')
