#!/usr/bin/env python
"""Benchmark `topicnmf fit` against scikit-learn's bare NMF on the same corpus, side by side.

Each repeat runs, as separate processes under /usr/bin/time -v (wall time and peak memory):
  A. the whole `topicnmf fit` (load, preprocess, tf-idf, NMF, projection, save);
  B. scikit-learn alone: TfidfVectorizer() with defaults, then NMF(solver='cd', init='nndsvda').
The runs alternate (A, B, A, B, ...) so machine noise hits both; medians and ratios are printed.

    python scripts/bench_fit.py --data ../shared/data/debian-descriptions.jsonl.gz -k 50
"""

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sklearn_only(data, k, seed):
    """Run B in this process and print its own timings as JSON on stdout."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    start = time.perf_counter()
    with gzip.open(data, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    X = TfidfVectorizer().fit_transform(texts)
    vectorized = time.perf_counter()
    NMF(k, solver="cd", init="nndsvda", random_state=seed).fit(X)
    done = time.perf_counter()
    print(json.dumps({"documents": X.shape[0], "terms": X.shape[1],
                      "vectorize_s": vectorized - start, "nmf_s": done - vectorized}))


def timed(cmd):
    """Run cmd under /usr/bin/time -v; return (wall seconds, peak RSS MiB, stdout)."""
    result = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{result.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    seconds = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.group(1).split(":"))))
    return seconds, int(rss.group(1)) / 1024, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/debian-descriptions.jsonl.gz"))
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sklearn-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sklearn_only:
        return sklearn_only(args.data, args.k, args.seed)
    if not Path("/usr/bin/time").exists():
        sys.exit("needs /usr/bin/time (Debian package 'time')")
    ours, theirs, inner = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            cmd_a = [sys.executable, "-m", "topicnmf.cli", "fit", args.data, "-k", str(args.k),
                     "--duplicate-ids", "number",
                     "--seed", str(args.seed), "-o", os.path.join(tmp, "model")]
            cmd_b = [sys.executable, __file__, "--sklearn-only", "--data", args.data,
                     "-k", str(args.k), "--seed", str(args.seed)]
            ours.append(timed(cmd_a)[:2])
            wall, rss, out = timed(cmd_b)
            theirs.append((wall, rss))
            inner.append(json.loads(out))
            print(f"repeat {i + 1}: topicnmf fit {ours[-1][0]:.1f} s {ours[-1][1]:.0f} MiB | "
                  f"sklearn {wall:.1f} s {rss:.0f} MiB (NMF alone {inner[-1]['nmf_s']:.1f} s)",
                  flush=True)
        meta = json.loads(Path(tmp, "model", "model.json").read_text())
    med = statistics.median
    a_wall, a_rss = med(w for w, _ in ours), med(r for _, r in ours)
    b_wall, b_rss = med(w for w, _ in theirs), med(r for _, r in theirs)
    b_nmf = med(x["nmf_s"] for x in inner)
    print(f"\ncorpus: {args.data} ({inner[0]['documents']} documents), k={args.k}, "
          f"{args.repeats} repeats, medians")
    print(f"topicnmf fit (whole command):  {a_wall:7.1f} s  peak {a_rss:6.0f} MiB  "
          f"({len(meta['vectorizer']['vocabulary'])} terms, {meta['n_iter']} iterations)")
    print(f"sklearn tf-idf + NMF(cd):      {b_wall:7.1f} s  peak {b_rss:6.0f} MiB  "
          f"({inner[0]['terms']} terms; NMF alone {b_nmf:.1f} s)")
    print(f"ratio topicnmf / sklearn:      {a_wall / b_wall:7.2f} x time, {a_rss / b_rss:.2f} x memory")


if __name__ == "__main__":
    main()
