"""What the benchmark scripts share: the corpus, the run header, timing a process, tables.

Not part of the topicnmf package; imported by scripts/bench_fit.py and scripts/bench_quality.py
(``sys.path`` holds ``scripts/`` when they run).
"""

import datetime
import gzip
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = str(REPO.parent / "shared/data/debian-descriptions.jsonl.gz")
median = statistics.median


def load_texts(path, limit=None):
    """The ``text`` field of each line of a (gzipped) JSONL corpus, the first ``limit`` only."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    return texts[:limit] if limit else texts


def write_limited(path, limit, dest):
    """Copy the first ``limit`` non-empty lines of a (gzipped) JSONL corpus to ``dest`` (.gz)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as src, \
            gzip.open(dest, "wt", encoding="utf-8") as out:
        kept = 0
        for line in src:
            if line.strip():
                out.write(line)
                kept += 1
                if kept == limit:
                    break
    return str(dest)


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit():
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "topicnmf"], capture_output=True, text=True).stdout.strip()
        return head + (" (topicnmf/ modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def thread_pools():
    """'openblas 2, openmp 2': the thread pools NumPy/SciPy/scikit-learn load, and their sizes."""
    import numpy  # noqa: F401  (loads BLAS)
    import scipy.linalg  # noqa: F401
    import sklearn.decomposition  # noqa: F401  (loads OpenMP)
    from threadpoolctl import threadpool_info

    seen = {}
    for pool in threadpool_info():
        seen.setdefault(pool.get("internal_api", pool["user_api"]), set()).add(pool["num_threads"])
    return ", ".join(f"{name} {'/'.join(map(str, sorted(n)))}" for name, n in seen.items())


def print_header(title, data, n_documents, *, threads=None, extra=()):
    """Command line, date, machine, software and corpus: the first lines of every report."""
    import numpy
    import scipy
    import sklearn

    env = {name: os.environ[name] for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                 "MKL_NUM_THREADS") if name in os.environ}
    print(f"# {title}")
    print(f"command:  {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(f"date:     {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {platform.node()}, {_cpu_model()}, nproc {os.cpu_count()} "
          f"(available {len(os.sched_getaffinity(0))}), load {os.getloadavg()[0]:.2f}")
    print(f"threads:  {thread_pools()}"
          + (f"; limited to {threads} in the timed runs" if threads else "")
          + (f"; env {' '.join(f'{k}={v}' for k, v in env.items())}" if env else ""))
    print(f"software: Python {platform.python_version()}, NumPy {numpy.__version__}, "
          f"SciPy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
          f"topicnmf {REPO.name}@{_git_commit()}")
    size = os.path.getsize(data) / 2**20
    print(f"corpus:   {data} ({size:.1f} MiB), {n_documents} documents")
    for line in extra:
        print(line)
    print(flush=True)


def timed(cmd, env=None):
    """Run ``cmd`` under /usr/bin/time -v: (wall seconds, peak RSS MiB, stdout, stderr)."""
    result = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True,
                            env=env)
    if result.returncode != 0:
        sys.exit(f"command failed: {shlex.join(cmd)}\n{result.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    seconds = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.group(1).split(":"))))
    return seconds, int(rss.group(1)) / 1024, result.stdout, result.stderr


def markdown_table(headers, rows, align=None):
    """A GitHub markdown table; ``align`` is a string of 'l'/'r' per column (default: l then r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                 for c, w, a in zip(row, widths, align)) + " |"

    rule = "| " + " | ".join("-" * (w - 1) + (":" if a == "r" else "-")
                             for w, a in zip(widths, align)) + " |"
    return "\n".join([line(cells[0]), rule, *map(line, cells[1:])])


def fmt(value, spec):
    """``format(value, spec)``, or '–' for None/NaN."""
    if value is None or value != value:
        return "–"
    return format(value, spec)
