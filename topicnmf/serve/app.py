"""``create_app`` (the ASGI application of one model folder) and ``serve`` (uvicorn running it).

The stack is FastAPI on uvicorn: FastAPI for the routes, their parameters and the OpenAPI
schema integrators generate clients from (``/openapi.json``, rendered at ``/docs`` by the app
itself: no CDN); uvicorn (with httptools and uvloop where installed) as the server. Both come
with ``pip install 'topicnmf[serve]'``.

Each worker process loads the model once, at start-up (:class:`~topicnmf.serve.state.ModelHolder`).
With ``workers > 1`` the parent process binds the socket, starts the workers (spawned, as
uvicorn does) and only supervises them: it forwards SIGHUP to each (every worker then swaps in
the model saved in the folder without dropping requests), restarts a worker that dies, and on
SIGINT/SIGTERM stops them gracefully.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import time
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path

from .. import __version__, validate
from ..errors import InputError, NotFoundError, TopicNMFError
from ..model.saved import read_labels
from ..tagging.tagger import TagSettings
from .guard import LOOPBACK_HOSTS, Guard
from .state import BATCH_RECORDS, ModelHolder

#: Defaults of the safety limits (``topicnmf serve --max-request-bytes --time-limit``).
MAX_REQUEST_BYTES = 1 << 20
TIME_LIMIT = 30.0
#: The environment variable that hands a worker process its ``create_app`` keywords.
ENVIRONMENT = "TOPICNMF_SERVE"
#: uvicorn's exit status of a worker whose application did not start (the model could not be
#: loaded): the server stops instead of restarting it, as it does a worker that fails this
#: soon after starting.
STARTUP_FAILURE = 3
STARTUP_SECONDS = 5.0
log = logging.getLogger("topicnmf.serve")


def read_token(token_file) -> str:
    """The bearer token in ``token_file`` (its first line, stripped); InputError if empty."""
    try:
        text = Path(token_file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{token_file}: cannot read the token ({exc.__class__.__name__}); "
                         "pass a text file holding it") from None
    token = (text.splitlines() or [""])[0].strip()
    if len(token) < 8 or not token.isprintable():
        raise InputError(f"{token_file}: the token must be one line of at least 8 printable "
                         "characters")
    return token


def create_app(model_path, *, token=None, token_file=None, max_request_bytes=MAX_REQUEST_BYTES,
               time_limit=TIME_LIMIT, tag_settings=None, allowed_hosts=None, supervisor=None,
               batch_records=BATCH_RECORDS):
    """The ASGI application answering from the model folder ``model_path``.

    Parameters
    ----------
    model_path : str or Path
        A folder written by ``topicnmf fit`` (or ``TopicModel.save``); loaded when the
        application starts (its lifespan), once per worker process.
    token : str, optional
        Requests need ``Authorization: Bearer TOKEN`` (or the cookie of ``/login``).
    token_file : str or Path, optional
        Or read the token from this file (:func:`read_token`).
    max_request_bytes : int
        Larger request bodies are refused with 413.
    time_limit : float
        Seconds a request may take; then it is answered 503.
    tag_settings : TagSettings or dict, optional
        Thresholds of ``/assign``, as ``topicnmf assign``'s options.
    allowed_hosts : iterable of str, optional
        Host names requests may address (see :class:`~topicnmf.serve.guard.Guard`); None:
        any.
    supervisor : int, optional
        Process id of the parent of the workers, which ``POST /reload`` signals so that
        every worker reloads.
    batch_records : int
        Most ``/assign`` records tagged in one batch.

    Returns
    -------
    fastapi.FastAPI
    """
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from . import api, pages

    if token_file is not None:
        token = read_token(token_file)
    max_request_bytes = validate.integer(max_request_bytes, "max_request_bytes", 1)
    time_limit = validate.real(time_limit, "time_limit", 0, low_open=True)
    if isinstance(tag_settings, dict):
        tag_settings = TagSettings(**tag_settings)
    holder = ModelHolder(model_path, tag_settings, batch_records)

    @asynccontextmanager
    async def lifespan(app):
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(1)      # one BLAS thread per worker: the workers share cores
        await asyncio.to_thread(holder.load_now)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(_reload(holder)))
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGHUP)
            limits.restore_original_limits()

    app = FastAPI(title="topicnmf", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None, description="Topics of a saved topicnmf model over HTTP.")
    app.state.holder, app.state.token, app.state.supervisor = holder, token, supervisor
    api.router.add_to(app)
    pages.router.add_to(app)

    async def library_error(request, exc):
        return api.json_response({"error": str(exc)},
                                 404 if isinstance(exc, NotFoundError) else 400)

    async def validation_error(request, exc):
        problems = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}"
                             for e in exc.errors())
        return api.json_response({"error": f"bad parameter: {problems}"}, 400)

    async def http_error(request, exc):
        return api.json_response({"error": str(exc.detail)}, exc.status_code,
                                 getattr(exc, "headers", None))

    app.add_exception_handler(TopicNMFError, library_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_middleware(Guard, token=token, max_request_bytes=max_request_bytes,
                       time_limit=time_limit, allowed_hosts=allowed_hosts)
    return app


async def _reload(holder):
    try:
        await holder.reload()
    except TopicNMFError as exc:
        log.error("SIGHUP: the model was not reloaded: %s", exc)


def app_from_environment():
    """``create_app`` with the keywords :func:`serve` put in the environment (the factory
    each uvicorn worker process calls)."""
    return create_app(**json.loads(os.environ[ENVIRONMENT]))


def serve(model_path, *, host="127.0.0.1", port=8000, workers=1, token_file=None,
          max_request_bytes=MAX_REQUEST_BYTES, time_limit=TIME_LIMIT, tag_settings=None,
          access_log=False, on_ready=None):
    """Serve the model folder ``model_path`` over HTTP until SIGINT or SIGTERM.

    Parameters
    ----------
    model_path : str or Path
    host : str
        The address to listen on; the default answers this machine only. On the loopback
        address, requests must name a loopback host (no DNS rebinding).
    port : int
        0 picks a free port (``on_ready`` is told which).
    workers : int
        Processes, each with the model loaded once; SIGHUP to this process makes all of them
        swap in the model saved in the folder.
    token_file, max_request_bytes, time_limit, tag_settings
        As in :func:`create_app`.
    access_log : bool
        Log one line per request (uvicorn's access log).
    on_ready : callable, optional
        Called with the server's URL once the socket is bound.
    """
    import uvicorn

    workers = validate.integer(workers, "workers", 1, 64)
    port = validate.integer(port, "port", 0, 65535)
    if token_file is not None:
        read_token(token_file)                    # a bad token file stops here, not per worker
    read_labels(model_path)                       # a model folder at all?
    loopback = host in LOOPBACK_HOSTS
    if not loopback and token_file is None:
        log.warning("listening on %s without a token: anyone who can reach it can rename "
                    "topics; pass --token-file", host)
    keywords = {"model_path": os.fspath(Path(model_path).resolve()),
                "token_file": None if token_file is None else os.fspath(Path(token_file)
                                                                        .resolve()),
                "max_request_bytes": max_request_bytes, "time_limit": time_limit,
                "tag_settings": None if tag_settings is None else asdict(tag_settings),
                "allowed_hosts": list(LOOPBACK_HOSTS) if loopback else None,
                "supervisor": os.getpid() if workers > 1 else None}
    os.environ[ENVIRONMENT] = json.dumps(keywords)
    config = dict(app="topicnmf.serve.app:app_from_environment", factory=True, host=host,
                  port=port, log_level="warning", access_log=access_log, server_header=False,
                  timeout_graceful_shutdown=10, lifespan="on")
    sock = uvicorn.Config(**config).bind_socket()
    bound = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{bound}"
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until a worker's model is loaded
    if on_ready:
        on_ready(url)
    if workers == 1:
        uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])
    else:
        Supervisor(config, sock, workers).run()


def _worker(config, sock):                        # pragma: no cover (runs in a child)
    import uvicorn

    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the lifespan handles it
    uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])


class Supervisor:
    """The parent of ``workers`` uvicorn processes sharing one listening socket."""

    def __init__(self, config, sock, workers):
        self.config, self.sock, self.workers = config, sock, workers
        self.context = multiprocessing.get_context("spawn")
        self.processes, self.signals = [], []

    def start(self):
        process = self.context.Process(target=_worker, args=(self.config, self.sock),
                                       daemon=False)
        process.start()
        process.started = time.monotonic()
        return process

    def run(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda number, frame: self.signals.append(number))
        self.processes = [self.start() for _ in range(self.workers)]
        try:
            while not self.handle_signals():
                time.sleep(0.2)
                if not self.keep_alive():
                    raise SystemExit(1)
        finally:
            self.stop()

    def handle_signals(self) -> bool:
        """Forward SIGHUP to the workers; True on SIGINT or SIGTERM."""
        while self.signals:
            number = self.signals.pop(0)
            if number != signal.SIGHUP:
                return True
            for process in self.processes:
                if process.is_alive():
                    os.kill(process.pid, signal.SIGHUP)
        return False

    def keep_alive(self) -> bool:
        """Restart a worker that died; False if one died while starting."""
        for i, process in enumerate(self.processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE or (
                    process.exitcode and time.monotonic() - process.started < STARTUP_SECONDS):
                log.error("worker %s stopped while starting (exit status %s)", process.pid,
                          process.exitcode)
                return False
            log.warning("worker %s died (exit status %s); starting another", process.pid,
                        process.exitcode)
            self.processes[i] = self.start()
        return True

    def stop(self):
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
