#!/usr/bin/env python3
"""Measure ``topicnmf fit`` out of core at growing corpus sizes: wall time per pass, peak memory.

    python scripts/bench_scale.py                          # 64k, 250k and 1M documents, k=50
    python scripts/bench_scale.py --sizes 64000,250000 --against /work/main

Each size is a corpus built by ``scripts/make_large_corpus.py`` (kept in ``--data``, built
once) and fitted once as a fresh process::

    python -m topicnmf.cli fit CORPUS -k 50 --solver hals --jobs 2 --random-state 0 -o OUT \
        --work-dir WORK

(``--work-dir``: out of core whatever the size; a corpus above 128 MiB of text would be fitted
out of core without it.)

The table gives the documents, terms and sweeps, the seconds of each pass (as ``fit`` reports
them; "other" is the rest: finding the partitions, saving and loading the model), the wall
time and the CPU time of all its processes (on a busy machine the wall time is the CPU time
it was given), the peak memory of the whole process tree (the sum of the proportional set sizes
of ``fit`` and its worker processes, sampled every 0.05 s) and of its largest process
(``getrusage``), and how time grew from the size before against how the documents grew.

Each model of this code is then queried by one-shot processes (``--repeats`` times each,
medians): ``similar`` of the corpus's first document and ``target --term game``, as a user
would after the fit (loading the model is part of it).

With ``--against DIR`` (another checkout, e.g. main before out-of-core fits) the smallest size
is also fitted in memory (the same command without ``--work-dir`` and ``--jobs``) by that code
and by this one, so the memory of the in-memory fits and of the out-of-core one are side by
side. The
machine's load average is printed before and after: on a shared machine the times move with
it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSES = ("counting terms", "writing blocks", "sweeps", "memberships")
#: Runs the command given; prints the peak resident set of its largest process (KiB) and the
#: CPU seconds of all its processes.
WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print('maxrss', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); "
           "sys.exit(code)")


def corpus(size: int, data: Path) -> Path:
    path = data / f"debian-{size}.jsonl.gz"
    if not path.exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_large_corpus.py"),
                        str(size), str(path)], check=True)
    return path


def children(pid: int) -> list:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except (OSError, ValueError):
        pass
    return found


def tree_memory(pid: int) -> int:
    """Bytes of memory of the descendants of ``pid``: the sum of their proportional set
    sizes (a page shared by n processes counts 1/n in each; from /proc)."""
    total, stack = 0, children(pid)
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, ValueError, StopIteration):
            continue
        stack.extend(children(p))
    return total * 1024


def run_fit(code: Path, path: Path, out: Path, k: int, jobs: int, extra=()) -> dict:
    """One ``topicnmf fit`` process: wall seconds, peak memory, and what it reports."""
    command = [sys.executable, "-m", "topicnmf.cli", "fit", str(path), "-k", str(k),
               "--solver", "hals", "--random-state", "0", "-o", str(out), *extra]
    if jobs > 1:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, *command],
                               env=dict(os.environ, PYTHONPATH=str(code)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():                  # the wrapper's descendants: fit and its workers
        while process.poll() is None:
            peak[0] = max(peak[0], tree_memory(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"fit failed ({process.returncode}):\n{stderr}")
    usage = re.search(r"^maxrss (\d+) ([\d.]+)$", stderr, re.M)
    largest, cpu = int(usage[1]) * 1024, float(usage[2])
    line = [s for s in stderr.splitlines() if s.startswith("fitted")][-1]
    found = re.search(r"(\d+) documents × (\d+) terms, (\d+) (?:sweeps|iterations)", line)
    passes = dict((name, float(sec)) for name, sec in
                  re.findall(r"(counting terms|writing blocks|sweeps|memberships) ([\d.]+) s",
                             line))
    return {"wall": wall, "cpu": cpu, "tree": peak[0], "largest": largest,
            "docs": int(found[1]), "terms": int(found[2]), "sweeps": int(found[3]),
            "passes": passes}


def first_id(path: Path) -> str:
    import gzip
    import json

    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.loads(f.readline())["id"]


def query_seconds(model: Path, doc_id: str, repeats: int) -> dict:
    """Median seconds of one-shot ``similar`` and ``target`` processes on ``model``."""
    import statistics

    queries = {"similar": ["similar", str(model), doc_id, "--top", "10"],
               "target": ["target", str(model), "--term", "game", "--budget", "10"]}
    times = {name: [] for name in queries}
    for _ in range(repeats):
        for name, args in queries.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "topicnmf.cli", *args], check=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def mib(n):
    return "?" if n is None else f"{n / 2**20:,.0f}"


def table(rows):
    head = (f"{'documents':>10} {'terms':>7} {'sweeps':>6} {'count':>7} {'blocks':>7} "
            f"{'sweeps':>7} {'H':>7} {'other':>6} {'wall s':>8} {'CPU s':>7} {'× time':>7} "
            f"{'× docs':>7} {'tree MiB':>9} {'max MiB':>8} {'similar':>8} {'target':>7}")
    print(head)
    print("-" * len(head))
    previous = None
    for label, r in rows:
        p = r["passes"]
        other = r["wall"] - sum(p.values())
        grow_t = f"{r['wall'] / previous['wall']:.2f}" if previous else ""
        grow_d = f"{r['docs'] / previous['docs']:.2f}" if previous else ""
        cells = [f"{p.get(name, 0):7.1f}" for name in PASSES]
        print(f"{r['docs']:>10,} {r['terms']:>7,} {r['sweeps']:>6} {' '.join(cells)} "
              f"{other:6.1f} {r['wall']:8.1f} {r['cpu']:7.1f} {grow_t:>7} {grow_d:>7} "
              f"{mib(r['tree']):>9} {mib(r['largest']):>8} "
              f"{r.get('similar', float('nan')):8.2f} {r.get('target', float('nan')):7.2f}  "
              f"{label}")
        previous = r if label == "this" else previous


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="64000,250000,1000000")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()),
                        help="folder for the generated corpora (kept)")
    parser.add_argument("--against", type=Path, help="another checkout, for the smallest size")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each query")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, size in enumerate(sizes):
            path = corpus(size, args.data)
            if n == 0 and args.against:
                rows.append((f"{args.against} (in memory)",
                             run_fit(args.against, path, Path(tmp) / f"a{size}", args.k, 1)))
                rows.append(("this (in memory)",
                             run_fit(REPO, path, Path(tmp) / f"b{size}", args.k, 1)))
            model = Path(tmp) / f"m{size}"
            work = ["--work-dir", str(Path(tmp) / f"w{size}")]       # removed after the fit
            rows.append(("this", run_fit(REPO, path, model, args.k, args.jobs, work)))
            rows[-1][1].update(query_seconds(model, first_id(path), args.repeats))
            print(f"  {size:,}: {rows[-1][1]['wall']:.1f} s", file=sys.stderr)
            shutil.rmtree(model)
    print(f"load average after: {os.getloadavg()}")
    table(rows)


if __name__ == "__main__":
    main()
