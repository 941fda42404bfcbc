"""Tagging throughput on the 64k Debian-descriptions benchmark corpus.

Fits (or reuses) a k=50 model on the corpus, then runs ``topicnmf tag`` on it as a user would
(a fresh process, model loading included) with ``--jobs 1`` and ``--jobs 2``, alternating,
3 runs each, and prints the median documents/second, the ratio, and the peak memory of the
largest process. Then times each stage once in this process, on one core: read,
preprocess, vectorize, project, the rest of tagging (fit error, shares, recommended terms,
formatting), and writing the outputs.

    python scripts/bench_tag.py [--model DIR] [--corpus PATH] [--runs 3]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from topicnmf import TopicModel, load_corpus  # noqa: E402
from topicnmf.tagging.batch import tag  # noqa: E402
from topicnmf.tagging.tagger import Tagger  # noqa: E402

CORPUS = "/work/shared/data/debian-descriptions.jsonl.gz"
RUN = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed_cli(args, env):
    """Wall seconds of one ``topicnmf`` run and the peak RSS (MB) of its largest process."""
    out = subprocess.run([sys.executable, "-c", RUN, sys.executable, "-m", "topicnmf.cli",
                          *args], env=env, check=True, capture_output=True, text=True).stdout
    seconds, rss_kb = out.split()
    return float(seconds), int(rss_kb) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=CORPUS)
    parser.add_argument("--model", help="A k=50 model fitted on the corpus (fitted if absent).")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    work = Path(tempfile.mkdtemp(prefix="bench_tag."))
    try:
        model_dir = args.model or str(work / "model")
        if not (Path(model_dir) / "model.json").is_file():
            print(f"fitting k=50 on {args.corpus} → {model_dir} …", flush=True)
            subprocess.run([sys.executable, "-m", "topicnmf.cli", "-q", "fit", args.corpus,
                            "-k", "50", "--duplicate-ids", "number", "--seed", "0", "-o",
                            model_dir], env=env, check=True)
        n_docs = sum(1 for _ in load_corpus(args.corpus, duplicate_ids="number"))
        runs = {1: [], 2: []}
        outputs = {}
        for r in range(args.runs):
            for jobs in (1, 2) if r % 2 == 0 else (2, 1):
                out = work / f"out{jobs}"
                shutil.rmtree(out, ignore_errors=True)
                seconds, rss = timed_cli(["tag", args.corpus, "--model", model_dir, "-o", str(out),
                                          "--jobs", str(jobs), "--batch-size",
                                          str(args.batch_size)], env)
                runs[jobs].append((seconds, rss))
                outputs[jobs] = (out / "tags.jsonl").read_bytes()
        print(f"\ntopicnmf tag, {n_docs} documents, k=50, batch {args.batch_size}, "
              f"median of {args.runs} fresh processes (startup and model loading included):")
        rate = {}
        for jobs, results in runs.items():
            seconds = statistics.median(s for s, _ in results)
            rate[jobs] = n_docs / seconds
            print(f"  --jobs {jobs}: {seconds:6.2f} s  {rate[jobs]:8.0f} docs/s  "
                  f"peak RSS of the largest process {max(m for _, m in results):.0f} MB")
        print(f"  jobs 2 / jobs 1: {rate[2] / rate[1]:.2f}x; outputs identical: "
              f"{outputs[1] == outputs[2]}")
        breakdown(args.corpus, model_dir, work, args.batch_size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def breakdown(corpus_path, model_dir, work, batch_size):
    model = TopicModel.load(model_dir)
    tagger = Tagger(model)
    rows = tagger.rows
    vec = model.vectorizer_
    clock = {}

    def timed(name, func, *a, **kw):
        start = time.perf_counter()
        value = func(*a, **kw)
        clock[name] = clock.get(name, 0.0) + time.perf_counter() - start
        return value

    docs = timed("read", load_corpus, corpus_path, duplicate_ids="number").documents
    for i in range(0, len(docs), batch_size):
        part = docs[i:i + batch_size]
        analyzed = timed("preprocess", lambda: [vec.preprocessor(d.text) for d in part])
        X = timed("vectorize", vec.tfidf_rows, analyzed)
        timed("project", model.project_matrix, X.T)
        timed("rest", lambda: [(rows.json_line(r), rows.doc_topic_csv(r))
                               for r in tagger.tag_rows([d.id for d in part], X)])
    clock["rest"] -= clock["project"]           # tag_rows projects again
    start = time.perf_counter()
    summary = tag([corpus_path], model, work / "whole", batch_size=batch_size)
    total = time.perf_counter() - start
    start = time.perf_counter()
    tag([corpus_path], model, work / "whole", batch_size=batch_size)
    clock["write (rerun)"] = time.perf_counter() - start
    print(f"\nstages in one process, one core, {len(docs)} documents (seconds; docs/s):")
    for name, seconds in clock.items():
        print(f"  {name:14s} {seconds:6.2f}  {len(docs) / seconds:9.0f}")
    print("  (rest: fit errors, shares, recommended terms, formatting; 'write (rerun)': a rerun "
          "with\n   everything journaled, i.e. hashing, loading the journal, writing outputs)")
    print(f"  library tag(), jobs 1, whole run: {total:.2f} s, {summary.documents / total:.0f} "
          f"docs/s; {summary.unassigned} unassigned with the default thresholds")


if __name__ == "__main__":
    main()
