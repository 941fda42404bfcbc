"""A real `topicnmf serve` for tests: uvicorn in a subprocess on a free localhost port, driven
over HTTP with the standard library (no test client: the sockets, the workers and the
signals are the real ones)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_SECONDS = 120


class Server:
    """``topicnmf serve MODEL --port 0 ...`` as a context manager; ``url``, ``request()``."""

    def __init__(self, model, *options, workers=1):
        self.model, self.options, self.workers = Path(model), [str(o) for o in options], workers
        self.log = []

    def __enter__(self):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "topicnmf.cli", "serve", str(self.model), "--port", "0",
             "--workers", str(self.workers), *self.options],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env, cwd=REPO)
        first = self.process.stderr.readline()
        self.log.append(first)
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()
        match = re.search(r"on http://([\d.]+):(\d+)", first)
        if not match:
            self.process.wait(30)
            raise RuntimeError(f"the server did not start: {''.join(self.log)}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.url = f"http://{self.host}:{self.port}"
        self.wait_for_workers()
        return self

    def wait_for_workers(self, save_id=None):
        """Until every worker answers /healthz (with ``save_id``, if given); their pids."""
        deadline, seen = time.monotonic() + START_SECONDS, {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {''.join(self.log)}")
            try:
                status, _, body = self.request("GET", "/healthz", fresh=True)
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200 and (save_id is None or body["save_id"] == save_id):
                seen[body["pid"]] = body["save_id"]
                if len(seen) >= self.workers:
                    return sorted(seen)
            else:
                seen.pop(body.get("pid"), None)
                time.sleep(0.05)
        raise TimeoutError(f"workers seen: {seen}; log: {''.join(self.log)}")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def request(self, method, path, body=None, headers=None, *, fresh=True, raw=False,
                timeout=60):
        """``(status, headers, body)``; body parsed as JSON when it is JSON (or raw bytes).
        Each call opens its own connection unless ``fresh`` is False."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            conn.request(method, path, body=data, headers=headers or {})
            response = conn.getresponse()
            content = response.read()
            head = {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()
        if not raw and head.get("content-type", "").startswith("application/json"):
            content = json.loads(content)
        return response.status, head, content

    def get(self, path, **kw):
        return self.request("GET", path, **kw)
