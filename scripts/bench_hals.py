#!/usr/bin/env python
"""Block HALS (topicnmf.factor.hals) against scikit-learn's NMF(cd) on the 64k corpus.

The matrix is built once with topicnmf's default vectorizer. Two modes:

* compare (default): for each k and seed, cd then hals (alternating, so machine noise hits
  both; cd through ``topicnmf.factor.factorize``, hals through ``hals_nmf``, which factorize
  calls, to pass ``--block-size``/``--inner``/``--tol``): factorization time (start included),
  iterations / sweeps, mean NPMI of the top 10 terms, diversity of the top 25, and the
  relative error ``‖V − W H‖ / ‖V‖`` with the solver's own ``H``. Means over seeds, medians of
  the times, and hals / cd time ratios are printed.
* ``--trajectory``: hals alone for ``--sweeps`` sweeps with ``tol=0``; prints the objective,
  its relative decrease over the last 10 sweeps and the NPMI at every sweep, then the sweep at
  which each tolerance of the stopping rule would stop and the NPMI there. This is what chose
  the rule and its default (see the docstring of topicnmf/factor/hals.py).

    python scripts/bench_hals.py -k 20 50 --seeds 0 1 2
    python scripts/bench_hals.py -k 50 --trajectory --sweeps 150 --inner 2
"""

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from topicnmf import TopicModel  # noqa: E402
from topicnmf.factor import factorize  # noqa: E402
from topicnmf.factor.hals import WINDOW, hals_nmf  # noqa: E402
from topicnmf.factor.projection import reconstruction_error  # noqa: E402
from topicnmf.model.params import make_vectorizer  # noqa: E402
from topicnmf.quality.measures import npmi_coherence, top_term_indices, topic_diversity  # noqa: E402


def load_matrix(path, limit=None):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    texts = texts[:limit] if limit else texts
    return make_vectorizer(TopicModel().get_params()).fit_transform(texts)


def npmi(W, V):
    return float(np.mean(npmi_coherence(top_term_indices(W, 10), V)))


def compare(V, ks, seeds, options):
    norm = float(np.sqrt(V.multiply(V).sum()))
    rows = []
    for k in ks:
        for seed in seeds:
            for solver in ("cd", "hals"):
                start = time.perf_counter()
                if solver == "hals":
                    W, H, n_iter = hals_nmf(V, k, random_state=seed, **options)
                else:
                    W, H, n_iter = factorize(V, k, solver=solver, random_state=seed)
                seconds = time.perf_counter() - start
                row = dict(k=k, seed=seed, solver=solver, seconds=seconds, n_iter=n_iter,
                           npmi=npmi(W, V), diversity=topic_diversity(top_term_indices(W, 25)),
                           error=reconstruction_error(V, W, H) / norm)
                rows.append(row)
                print(f"k={k:3d} seed={seed} {solver:5s} {seconds:7.2f} s {n_iter:4d} it  "
                      f"NPMI {row['npmi']:.4f}  diversity {row['diversity']:.3f}  "
                      f"rel. error {row['error']:.6f}", flush=True)
    print(f"\n{'k':>3} {'solver':6s} {'time s (median)':>16} {'iterations':>11} {'NPMI':>7} "
          f"{'diversity':>9} {'rel. error':>10}")
    for k in ks:
        times = {}
        for solver in ("cd", "hals"):
            mine = [r for r in rows if r["k"] == k and r["solver"] == solver]
            times[solver] = statistics.median(r["seconds"] for r in mine)
            print(f"{k:3d} {solver:6s} {times[solver]:16.2f} "
                  f"{statistics.mean(r['n_iter'] for r in mine):11.1f} "
                  f"{statistics.mean(r['npmi'] for r in mine):7.4f} "
                  f"{statistics.mean(r['diversity'] for r in mine):9.3f} "
                  f"{statistics.mean(r['error'] for r in mine):10.6f}")
        ratios = [h["seconds"] / c["seconds"] for c, h in zip(
            [r for r in rows if r["k"] == k and r["solver"] == "cd"],
            [r for r in rows if r["k"] == k and r["solver"] == "hals"])]
        print(f"    hals / cd time: median of the ratios {statistics.median(ratios):.2f} "
              f"({', '.join(f'{r:.2f}' for r in ratios)})")


def trajectory(V, k, seed, sweeps, tols, options):
    log = []

    def record(n_iter, objective, W):
        log.append((n_iter, objective, npmi(W, V)))

    hals_nmf(V, k, random_state=seed, tol=0, max_iter=sweeps, callback=record, **options)
    objectives = [objective for _, objective, _ in log]
    print(f"k={k} seed={seed} {options}\nsweep   objective    decrease over {WINDOW}    NPMI")
    for n_iter, objective, coherence in log:
        before = objectives[n_iter - 1 - WINDOW] if n_iter > WINDOW else None
        decrease = f"{(before - objective) / before:.2e}" if before else "-"
        print(f"{n_iter:5d} {objective:14.4f} {decrease:>18s} {coherence:9.4f}")
    for tol in tols:
        stop = next((n for n in range(WINDOW + 1, len(log) + 1)
                     if objectives[n - 1 - WINDOW] - objectives[n - 1]
                     < tol * objectives[n - 1 - WINDOW]), None)
        if stop is None:
            print(f"tol={tol:g}: not reached in {len(log)} sweeps")
        else:
            print(f"tol={tol:g}: stops at sweep {stop}, NPMI {log[stop - 1][2]:.4f} "
                  f"(last sweep {log[-1][2]:.4f}), objective {objectives[stop - 1]:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/debian-descriptions.jsonl.gz"))
    parser.add_argument("-k", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--limit", type=int, help="Use only the first N documents.")
    parser.add_argument("--block-size", type=int)
    parser.add_argument("--inner", type=int)
    parser.add_argument("--tol", type=float)
    parser.add_argument("--trajectory", action="store_true")
    parser.add_argument("--sweeps", type=int, default=100)
    parser.add_argument("--tols", type=float, nargs="+", default=[1e-3, 3e-4, 1e-4, 3e-5, 1e-5])
    args = parser.parse_args()

    start = time.perf_counter()
    V = load_matrix(args.data, args.limit)
    print(f"corpus: {args.data}: {V.shape[1]} documents × {V.shape[0]} terms, "
          f"{V.nnz} non-zeros ({time.perf_counter() - start:.1f} s)", flush=True)
    options = {name: value for name, value in (("block_size", args.block_size),
                                                ("inner", args.inner), ("tol", args.tol))
               if value is not None}
    if args.trajectory:
        for k in args.k:
            for seed in args.seeds:
                trajectory(V, k, seed, args.sweeps, args.tols,
                           {n: v for n, v in options.items() if n != "tol"})
    else:
        compare(V, args.k, args.seeds, options)


if __name__ == "__main__":
    main()
