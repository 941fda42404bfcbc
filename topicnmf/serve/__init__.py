"""``topicnmf serve``: the model over HTTP, for ticket systems, and web pages for people.

A stage after :mod:`topicnmf.present` and before :mod:`topicnmf.cli`: it answers with the
library's queries (tagging, queries, present.rows) and adds only what HTTP needs.

- :mod:`.app`: ``create_app`` (the ASGI application of a model folder) and ``serve`` (uvicorn,
  one or more worker processes, SIGHUP to reload);
- :mod:`.state`: the model a worker holds, relabelled and reloaded in place; ``assign`` batches;
- :mod:`.answers`: each endpoint's answer as the JSON the command line prints;
- :mod:`.api`: the JSON endpoints; :mod:`.pages`: the server-rendered pages;
- :mod:`.guard`: host, origin, token, size and time limits for every request.

Its packages (FastAPI, uvicorn) come with ``pip install 'topicnmf[serve]'``; nothing else in
topicnmf imports them.
"""
