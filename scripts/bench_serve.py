#!/usr/bin/env python
"""Load test of `topicnmf serve`: throughput, latency, errors and memory of POST /assign.

Starts `topicnmf serve MODEL --port 0 --workers N` on 127.0.0.1 (a copy of the model is made
first, as renames would write to it), then --clients concurrent clients, each on one
keep-alive connection, send --requests POST /assign requests of ticket-length text (one
record each: the first --words words of the documents of the shipped ticket corpus, in
turn) and check every answer (status 200 and a JSON row with a topic). A warm-up of
--warmup requests comes first and is not counted. The load is bounded in count and in time
(--max-seconds): it stops by itself, and only ever talks to 127.0.0.1.

Prints requests/s, latency p50/p90/p99/max (ms, from sending a request to reading its whole
answer), errors (must be 0), the CPU time the server's processes used per request (a figure
that other programs busy on the machine do not change much, unlike the latency), and the
resident memory of the server's processes (parent and workers) before the load, after half
of it and at the end (flat means nothing is kept per request). Goals: >= 1,000 assigns/s
with 2 workers on a 2-core machine, p99 <= 50 ms.

The client is a minimal HTTP/1.1 client on asyncio (uvloop where installed) so that it takes
as little as possible of the cores the server needs: it runs on the same machine.

    python scripts/bench_serve.py --model /tmp/serve-64k [--workers 2] [--clients 50]
        [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKETS = REPO / "corpora" / "tickets.csv.gz"


def ticket_texts(words):
    """Texts of ticket length: the first ``words`` words of each shipped document."""
    with gzip.open(TICKETS, "rt", encoding="utf-8", newline="") as f:
        return [" ".join(row["text"].split()[:words]) for row in csv.DictReader(f)]


def process_tree(pid):
    """``pid`` and its descendants (from /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def rss_mib(pid):
    """Resident memory (MiB) of each process of the server, by pid."""
    out = {}
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            out[p] = kb / 1024
        except (OSError, AttributeError):
            pass
    return out


def cpu_seconds(pid):
    """CPU time (user + system, s) used so far by the server's processes."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def start_server(model, workers, extra=()):
    """``(process, url)`` of a running server; waits until every worker answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "topicnmf.cli", "serve", str(model), "--port", "0",
         "--workers", str(workers), *extra], stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = process.stderr.readline()
    match = re.search(r"on (http://\S+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"the server did not start: {line}{process.stderr.read()}")
    url = match.group(1)
    threading.Thread(target=lambda: [sys.stderr.write("server: " + line)
                                     for line in process.stderr], daemon=True).start()
    deadline, pids = time.monotonic() + 300, set()
    while time.monotonic() < deadline and len(pids) < workers:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                pids.add(json.load(r)["pid"])
        except OSError:
            time.sleep(0.2)
    return process, url


async def client(host, port, requests, next_index, latencies, errors, stop_at):
    """One keep-alive connection sending requests until ``next_index`` runs out."""
    reader = writer = None
    while True:
        i = next_index()
        if i is None or time.monotonic() > stop_at:
            break
        request = requests[i % len(requests)]
        start = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200") or b'"topic"' not in body:
                errors.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode())
        except (OSError, asyncio.IncompleteReadError, AttributeError) as exc:
            errors.append(repr(exc))
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        latencies.append(time.perf_counter() - start)
    if writer is not None:
        writer.close()


async def load(url, texts, total, clients, max_seconds):
    host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
    requests = []
    for i, text in enumerate(texts):
        body = json.dumps({"id": f"T-{i}", "text": text}).encode()
        requests.append(b"POST /assign HTTP/1.1\r\nHost: " + f"{host}:{port}".encode()
                        + b"\r\nContent-Type: application/json\r\nContent-Length: "
                        + str(len(body)).encode() + b"\r\n\r\n" + body)
    counter = iter(range(total))
    latencies, errors = [], []
    start = time.perf_counter()
    await asyncio.gather(*(client(host, int(port), requests, lambda: next(counter, None),
                                  latencies, errors, time.monotonic() + max_seconds)
                           for _ in range(clients)))
    return time.perf_counter() - start, latencies, errors


def run_load(*args):
    try:
        import uvloop
        return uvloop.run(load(*args))
    except ImportError:
        return asyncio.run(load(*args))


def report(name, seconds, latencies, errors):
    ms = sorted(1000 * x for x in latencies)
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    print(f"{name}: {len(ms):,} requests in {seconds:.1f} s = {len(ms) / seconds:,.0f}/s; "
          f"latency p50 {q[49]:.1f} ms, p90 {q[89]:.1f} ms, p99 {q[98]:.1f} ms, "
          f"max {ms[-1]:.1f} ms; errors {len(errors)}", flush=True)
    for e in errors[:5]:
        print("  error:", e)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="/tmp/serve-64k",
                        help="a model folder (topicnmf fit ... -o); copied before serving")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--words", type=int, default=40, help="words per ticket")
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="stop the load after this long whatever the count")
    args = parser.parse_args()
    texts = ticket_texts(args.words)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        model = Path(tmp) / "model"
        model.mkdir()
        for name in ("model.json", "arrays.npz"):
            shutil.copyfile(Path(args.model) / name, model / name)
        load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        started = time.perf_counter()
        server, url = start_server(model, args.workers)
        try:
            print(f"server {url}: {args.workers} worker(s) ready in "
                  f"{time.perf_counter() - started:.1f} s; {args.clients} clients, "
                  f"{len(texts):,} distinct texts of <= {args.words} words", flush=True)
            report("warm-up", *run_load(url, texts, args.warmup, args.clients,
                                        args.max_seconds))
            before, cpu = rss_mib(server.pid), cpu_seconds(server.pid)
            client_cpu = time.process_time()
            half = args.requests // 2
            first = run_load(url, texts, half, args.clients, args.max_seconds)
            middle = rss_mib(server.pid)
            second = run_load(url, texts, args.requests - half, args.clients,
                              args.max_seconds)
            after = rss_mib(server.pid)
            cpu, client_cpu = cpu_seconds(server.pid) - cpu, time.process_time() - client_cpu
            report("first half", *first)
            report("second half", *second)
            seconds = first[0] + second[0]
            done = len(first[1]) + len(second[1])
            report("all", seconds, first[1] + second[1], first[2] + second[2])
            print(f"CPU per request: server {1000 * cpu / done:.3f} ms (all its processes), "
                  f"client {1000 * client_cpu / done:.3f} ms; the server used "
                  f"{cpu / seconds:.2f} of the machine's {os.cpu_count()} cores "
                  f"(load average before the run: {load_before})")
            print("RSS MiB per process (before / after half / after):")
            for pid in before:
                print(f"  {pid}: {before[pid]:.0f} / {middle.get(pid, 0):.0f} / "
                      f"{after.get(pid, 0):.0f}")
            print(f"  total: {sum(before.values()):.0f} / {sum(middle.values()):.0f} / "
                  f"{sum(after.values()):.0f}")
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
