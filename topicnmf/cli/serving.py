"""``serve``: the model over HTTP (JSON endpoints for ticket systems, pages for people)."""

from __future__ import annotations

import click

from .common import info
from .options import tag_options

MAX_REQUEST_BYTES = 1 << 20             # = topicnmf.serve.app.MAX_REQUEST_BYTES (a test checks)
TIME_LIMIT = 30.0                       # = topicnmf.serve.app.TIME_LIMIT, likewise


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default answers this machine only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free one).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes, each with the model loaded once.")
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False),
              help="Require 'Authorization: Bearer TOKEN', TOKEN being this file's first line.")
@click.option("--max-request-bytes", type=click.IntRange(min=1), default=MAX_REQUEST_BYTES,
              show_default=True, help="Larger request bodies are refused (413).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=TIME_LIMIT,
              show_default=True, help="Seconds a request may take (then 503).")
@tag_options
@click.option("--access-log", is_flag=True, help="Log one line per request.")
def serve(model_path, host, port, workers, token_file, max_request_bytes, time_limit,
          threshold, min_share, max_error, top_terms, access_log):
    """Answer queries about MODEL over HTTP, and show its topics in a browser.

    JSON: POST /assign, GET /topics, /topics/ID, /similar, /recommend/DOC_ID, /target,
    PUT /topics/ID/label, POST /reload, GET /healthz; the API at /docs. Pages at /.
    SIGHUP (or POST /reload) swaps in the model saved in MODEL now, without dropping
    requests. Needs: pip install 'topicnmf[serve]'.

    \b
    Example:
      topicnmf serve /tmp/m --port 8000 --workers 2
      curl -s localhost:8000/assign -d '{"id": "T-1", "text": "refund for a double charge"}'
    """
    from importlib.util import find_spec

    from ..errors import InputError

    missing = [name for name in ("fastapi", "uvicorn") if find_spec(name) is None]
    if missing:
        raise InputError(f"serve needs its extra packages ({', '.join(missing)} missing): "
                         "pip install 'topicnmf[serve]'")
    from ..serve.app import serve as run
    from ..tagging.tagger import TagSettings

    settings = TagSettings(threshold=threshold, min_share=min_share, max_error=max_error,
                           top_terms=top_terms)
    run(model_path, host=host, port=port, workers=workers, token_file=token_file,
        max_request_bytes=max_request_bytes, time_limit=time_limit, tag_settings=settings,
        access_log=access_log,
        on_ready=lambda url: info(f"serving {model_path} on {url} ({workers} worker(s)); "
                                  "Ctrl-C stops"))
