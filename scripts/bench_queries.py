#!/usr/bin/env python
"""Per-query latency and memory of `similar`, `recommend`, `target` and `assign` on a loaded model.

On the 64k Debian descriptions corpus: fit k=50 once and save it (or reuse --model), load it in
this process, warm up (the first query of each kind builds the cached Gram matrices, embeddings
and indexes; that one-off cost is printed separately), then time --queries queries of each
verb through the library functions the CLI calls (median and p95 ms per query). Memory: peak
RSS, and the memory traced by tracemalloc after 100 queries vs after 1,000 more (growth should
be ~0: nothing is kept per query). Goal: < 5 ms per query, no growth. `assign` is timed as
the command runs it: one stream of JSONL records (each a document's first line), the time
between consecutive output rows.

    python scripts/bench_queries.py [--model /tmp/topicnmf-bench-k50] [--queries 300]
"""

import argparse
import gc
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_similar import fitted_model  # noqa: E402
from topicnmf import TopicModel  # noqa: E402
from topicnmf.queries.recommend import recommend, similar  # noqa: E402
from topicnmf.tagging.tagger import assign  # noqa: E402
from topicnmf.queries.target import target  # noqa: E402


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def assign_latencies(model, texts):
    """Milliseconds between consecutive rows of one `assign` stream (the first row, which
    also sets the stream up, is left out)."""
    lines = (json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    times, t0 = [], time.perf_counter()
    for _ in assign(model, lines):
        t1 = time.perf_counter()
        times.append(1000 * (t1 - t0))
        t0 = t1
    return times[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/"
                                              "debian-descriptions.jsonl.gz"))
    parser.add_argument("--model", default="/tmp/topicnmf-bench-k50")
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    fitted_model(args.data, args.model, args.k, 0)        # fit + save once if needed
    start = time.perf_counter()
    model = TopicModel.load(args.model)
    print(f"loaded {args.model}: {model.n_documents} documents × {model.W_.shape[0]} terms, "
          f"k={model.n_topics} in {time.perf_counter() - start:.2f} s; RSS {rss_mib():.0f} MiB")

    rng = np.random.default_rng(0)
    ids = model.document_ids_
    docs = [ids[i] for i in rng.choice(len(ids), args.queries + 1100, replace=False)]
    df = np.diff(model.V_.tocsr().indptr)
    common = np.flatnonzero(df >= 5)
    terms = [model.vectorizer_.vocabulary_[t] for t in rng.choice(common, args.queries + 1100)]
    verbs = {
        "similar": lambda i: similar(model, docs[i], top=10),
        "recommend": lambda i: recommend(model, docs[i], top=10),
        "target": lambda i: target(model, term=terms[i], budget=50),
    }
    for name, call in verbs.items():
        start = time.perf_counter()
        call(0)
        print(f"{name:>9}: first query (builds caches) {1000 * (time.perf_counter() - start):.0f} ms")
    print(f"RSS after warm-up {rss_mib():.0f} MiB")
    print(f"{'verb':>9}  {'median ms':>9}  {'p95 ms':>7}  queries")
    for name, call in verbs.items():
        times = []
        for i in range(1, args.queries + 1):
            t0 = time.perf_counter()
            call(i)
            times.append(1000 * (time.perf_counter() - t0))
        p95 = float(np.percentile(times, 95))
        print(f"{name:>9}  {statistics.median(times):>9.2f}  {p95:>7.2f}  {len(times)}")
    times = assign_latencies(model, [model.snippets_[model.document_index(d)]
                                     for d in docs[:args.queries + 1]])
    print(f"{'assign':>9}  {statistics.median(times):>9.2f}  "
          f"{float(np.percentile(times, 95)):>7.2f}  {len(times)} (records of a stream)")

    rss_before = rss_mib()
    tracemalloc.start()
    for name, call in verbs.items():
        for i in range(100):
            call(i)
    gc.collect()
    after_100 = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for i in range(1000):
        for call in verbs.values():
            call(100 + i)
    gc.collect()
    after_1100, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory: traced {after_100 / 2**20:.2f} MiB after 100 queries of each verb, "
          f"{after_1100 / 2**20:.2f} MiB after 1,000 more of each (growth "
          f"{(after_1100 - after_100) / 2**10:+.1f} KiB); peak traced during a query "
          f"{(peak - after_100) / 2**20:.1f} MiB")
    print(f"RSS {rss_before:.0f} MiB before the 3,300 queries, {rss_mib():.0f} MiB after; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
