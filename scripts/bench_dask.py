#!/usr/bin/env python
"""`topicnmf fit` on one machine against the same fit on a Dask LocalCluster, side by side.

The bench starts a LocalCluster (``--workers`` worker processes, one thread each) once and
keeps it for all runs, as a user's running cluster would be. Each repeat runs, as separate
processes under /usr/bin/time -v (wall time; peak resident memory of the command's own
process, not of the workers), alternating:

  in memory      TopicModel(k, solver="hals", near_duplicates=None).fit(load_corpus(CORPUS))
                 .save(...) (the library in one process; BLAS threads as the machine gives
                 them; no near-duplicate weights, as the other placements)
  out of core    topicnmf fit CORPUS -k K --work-dir WORK (partitions, V in blocks on disk)
  ... --jobs N   the same with N processes for the reading and memberships passes
  dask           topicnmf fit CORPUS -k K --scheduler ADDRESS (the workers read the corpus in
                 partitions, count, vectorize, solve block HALS on their blocks and project;
                 the command gathers the model and saves it)

then the medians, the ratios to the in-memory fit, and how far the Dask model's topics are
from the in-memory ones (largest |ΔW|, same top-3 labels). With ``--local`` one more run,
``--scheduler local``, includes starting and stopping a cluster in the command.

    python scripts/bench_dask.py -k 50 --repeats 3
    python scripts/bench_dask.py -k 20 --limit 20000 --repeats 1 --local
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO))

from benchlib import (DEFAULT_DATA, load_texts, markdown_table, median,  # noqa: E402
                      print_header, timed, write_limited)


def fit_command(data, k, out, extra):
    return [sys.executable, "-m", "topicnmf.cli", "fit", data, "-k", str(k), "-o", str(out),
            "--random-state", "0", "--duplicate-ids", "number", *extra]


IN_MEMORY = """
import sys
from topicnmf import TopicModel, load_corpus
data, k, out = sys.argv[1:]
corpus = load_corpus(data, duplicate_ids="number")
# near_duplicates=None: the out-of-core and Dask fits do not weigh them (they warn)
TopicModel(int(k), solver="hals", random_state=0, near_duplicates=None).fit(corpus).save(out)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--local", action="store_true",
                        help="also time --scheduler local (a cluster started by the command)")
    args = parser.parse_args()

    # before the LocalCluster: its nannies set OMP_NUM_THREADS=1 in this process's environment
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO),
                                                        os.environ.get("PYTHONPATH", "")])}
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = write_limited(args.data, args.limit, tmp / "corpus.jsonl.gz") \
            if args.limit else args.data
        print_header(f"topicnmf fit in process vs on a Dask LocalCluster ({args.workers} "
                     "workers x 1 thread)", data, len(load_texts(data)),
                     extra=[f"k:        {args.k}, --repeats {args.repeats}"])
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster):
            compare(args, data, cluster.scheduler_address, env, tmp)


def compare(args, data, address, env, tmp):
    """Run the fits alternating and print the table."""
    from topicnmf import TopicModel

    runs = {"in memory": lambda out: [sys.executable, "-c", IN_MEMORY, data, str(args.k),
                                      str(out)],
            "out of core": lambda out: fit_command(data, args.k, out,
                                                   ["--work-dir", f"{out}-work"]),
            f"out of core, --jobs {args.workers}": lambda out: fit_command(
                data, args.k, out, ["--work-dir", f"{out}-work", "--jobs", str(args.workers)]),
            f"dask, {args.workers} workers": lambda out: fit_command(
                data, args.k, out, ["--scheduler", address])}
    if args.local:
        runs["dask, --scheduler local"] = lambda out: fit_command(
            data, args.k, out, ["--scheduler", "local"])
    seconds = {name: [] for name in runs}
    rss = {name: [] for name in runs}
    for repeat in range(args.repeats):
        for number, (name, command) in enumerate(runs.items()):
            out = tmp / f"run{number}-{repeat}"
            wall, peak, _, _ = timed(command(out), env=env)
            seconds[name].append(wall)
            rss[name].append(peak)
            print(f"repeat {repeat + 1} {name:>26}: {wall:6.1f} s, {peak:6.0f} MiB",
                  flush=True)
    here = TopicModel.load(tmp / "run0-0")
    there = TopicModel.load(tmp / "run3-0")
    base = median(seconds["in memory"])
    rows = [[name, f"{median(seconds[name]):.1f}", f"{median(seconds[name]) / base:.2f}",
             f"{median(rss[name]):.0f}"] for name in runs]
    print()
    print(markdown_table([f"run (median of {args.repeats})", "wall s", "vs in memory",
                          "command's peak RSS MiB"], rows))
    print(f"\ndask vs in memory: largest |ΔW| {np.abs(there.W_ - here.W_).max():.1e}, "
          f"same top-3 labels: {there.labels() == here.labels()}, sweeps "
          f"{here.n_iter_} / {there.n_iter_}")


if __name__ == "__main__":
    main()
