#!/usr/bin/env python
"""Benchmark `topicnmf report` on the shipped ticket corpus: build time and file size.

Fits one model (k=12, seed 0 by default), then runs the whole `topicnmf report` command as a
separate process (load, layouts, t-SNE document map, every figure, HTML, write) alternately with
inline SVG and with PNG images, and prints the median wall time and the file size of each, their
ratios, and the goals (< 10 s, < 5 MB). Also times the library call `report()` in this process.

    python scripts/bench_report.py [--corpus corpora/tickets.csv.gz] [-k 12] [--repeats 3]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def cli(*args):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "topicnmf.cli", *map(str, args)], cwd=REPO,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: topicnmf {' '.join(map(str, args))}\n{result.stderr}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=REPO / "corpora" / "tickets.csv.gz", type=Path)
    parser.add_argument("-k", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from topicnmf import TopicModel
    from topicnmf.present.report import report

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = tmp / "model"
        cli("fit", args.corpus, "--id-column", "id", "-k", args.k, "--seed", args.seed,
            "-o", model_dir)
        times = {"svg": [], "png": []}
        sizes = {}
        for _ in range(args.repeats):
            for images in times:                          # alternate, so noise hits both
                out = tmp / f"report-{images}.html"
                times[images].append(cli("report", model_dir, "-o", out, "--images", images))
                sizes[images] = out.stat().st_size
        model = TopicModel.load(model_dir)
        library = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            report(model)
            library.append(time.perf_counter() - start)

    print(f"corpus {args.corpus.name}: {model.n_documents} documents, "
          f"{model.W_.shape[0]} terms, k={args.k}, seed {args.seed}, {args.repeats} repeats")
    print(f"{'images':<8}{'median s':>10}{'size MB':>10}   runs (s)")
    for images, runs in times.items():
        print(f"{images:<8}{statistics.median(runs):>10.2f}{sizes[images] / 1e6:>10.2f}   "
              + ", ".join(f"{t:.2f}" for t in runs))
    svg, png = (statistics.median(times[i]) for i in ("svg", "png"))
    print(f"png / svg: time {png / svg:.2f}x, size {sizes['png'] / sizes['svg']:.2f}x")
    print(f"library report() in-process (svg): median {statistics.median(library):.2f} s")
    print(f"goals: < 10 s -> {'met' if max(svg, png) < 10 else 'MISSED'}; "
          f"< 5 MB -> {'met' if max(sizes.values()) < 5e6 else 'MISSED'}")


if __name__ == "__main__":
    main()
