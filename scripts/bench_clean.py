#!/usr/bin/env python
"""What cleaning removes from real corpora, what it costs, and how the ``template`` rule's
share changes topics, in one run.

1. Counts: ``explain_cleaning`` with every step on each corpus (the 64k Debian descriptions,
   the shipped changelogs and Python docs): what each step removes and from how many
   documents.
2. Cost: seconds to clean each corpus with every step, against tokenizing it.
3. The template rule: on the Debian descriptions (hard-wrapped lines, so repeated boilerplate
   paragraphs repeat line by line), the lines picked at each share and the topics fitted
   without them (``--solver hals``, seed 0): NMI and ARI of each document's dominant topic
   (largest H) against its Debian section, the largest topic's share of the documents, NPMI
   coherence (top 10) and diversity (top 25).

    python scripts/bench_clean.py                       # everything, ~4 min on 2 cores
    python scripts/bench_clean.py --limit 20000 -k 20   # a quicker look
"""

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import DEFAULT_DATA, markdown_table, median, print_header  # noqa: E402
from topicnmf import load_corpus  # noqa: E402
from topicnmf.factor import factorize  # noqa: E402
from topicnmf.factor.projection import project  # noqa: E402
from topicnmf.quality.measures import (diversity_top_terms, npmi_coherence,  # noqa: E402
                                       top_term_indices, topic_uniqueness)
from topicnmf.text.clean import STEPS, Cleaner, template_lines  # noqa: E402
from topicnmf.text.explain import explain_cleaning  # noqa: E402
from topicnmf.text.preprocess import Preprocessor  # noqa: E402
from topicnmf.text.vectorize import Vectorizer  # noqa: E402

SHARES = (None, 0.005, 0.01, 0.02, 0.05, 0.1)


def load_debian(path, limit):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = [r for r in rows if r.get("section")][:limit or None]
    return [r["text"] for r in rows], [r["section"] for r in rows]


def counts_table(name, docs):
    report = explain_cleaning(docs, clean=",".join(STEPS))
    print(f"## {name}: {report.changed} of {report.n_documents} documents changed, "
          f"{len(report.template_lines)} template lines")
    rows = [(r.step, r.unit, f"{r.count:,}", f"{r.documents:,}",
             (f"{r.examples[0][1][:60]!r}" if r.examples else "")) for r in report.removed]
    print(markdown_table(["step", "removed", "count", "documents", "first example"], rows,
                         "llrrl"))
    print(flush=True)


def cost(name, texts, repeats=3):
    """Median seconds of tokenizing and of cleaning with every step, alternated."""
    prep, cleaner = Preprocessor(), Cleaner(STEPS).fit(texts)
    times = {"tokenize": [], "clean": []}
    for _ in range(repeats):
        for what, func in (("tokenize", prep), ("clean", cleaner)):
            start = time.perf_counter()
            for t in texts:
                func(t)
            times[what].append(time.perf_counter() - start)
    tokenize, clean = median(times["tokenize"]), median(times["clean"])
    return [name, len(texts), f"{tokenize:.2f}", f"{clean:.2f}", f"{clean / tokenize:.2f}"]


def topic_scores(texts, sections, lines, k, seed):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    prep = Preprocessor(clean=("template",) if lines is not None else (),
                        template_lines=lines or ())
    V = Vectorizer(prep).fit_transform(texts).tocsc()
    W, _, _ = factorize(V, k, solver="hals", random_state=seed)
    H = project(V, W)
    dominant = np.argmax(H, axis=0)
    sizes = np.bincount(dominant, minlength=k)
    npmi = npmi_coherence(top_term_indices(W, 10), V).mean()
    diversity = topic_uniqueness(diversity_top_terms(W)).mean()
    return (normalized_mutual_info_score(sections, dominant),
            adjusted_rand_score(sections, dominant), sizes.max() / len(texts), npmi, diversity)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="first N sectioned descriptions only")
    parser.add_argument("-k", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", default="counts,cost,template",
                        help="what to run, comma-separated: counts, cost, template")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    texts, sections = load_debian(args.data, args.limit)
    print_header("cleaning: counts, cost and the template rule", args.data, len(texts))

    shipped = {"changelogs": load_corpus(REPO / "corpora/changelogs.jsonl.gz"),
               "python-docs": load_corpus(REPO / "corpora/python-docs")}
    if "counts" in parts:
        counts_table("Debian descriptions", texts)
        for name, corpus in shipped.items():
            counts_table(name, corpus)
    if "cost" in parts:
        print_cost(texts, shipped)
    if "template" in parts:
        template_rule(texts, sections, args.k, args.seed)


def print_cost(texts, shipped):
    print("## cost: seconds to tokenize (default Preprocessor) and to clean with every step "
          "(medians of 3, alternated)")
    rows = [cost("Debian descriptions", texts)]
    rows += [cost(name, corpus.texts) for name, corpus in shipped.items()]
    print(markdown_table(["corpus", "documents", "tokenize s", "clean s", "clean/tokenize"],
                         rows))
    print(flush=True)


def template_rule(texts, sections, ks, seed):
    print("## template lines by share (Debian descriptions)")
    picked = {}
    for share in SHARES[1:]:
        picked[share] = template_lines(texts, min_share=share)
        shown = "; ".join(repr(line[:50]) for line in picked[share][:4])
        print(f"share >= {share:.3f}: {len(picked[share])} lines, e.g. {shown}")
    print(flush=True)
    rows = []
    for share in SHARES:
        lines = None if share is None else picked[share]
        if lines == ():
            continue                                    # no line: the same as no template step
        for k in ks:
            start = time.perf_counter()
            nmi, ari, largest, npmi, div = topic_scores(texts, sections, lines, k, seed)
            name = "no template step" if share is None else f"template, share >= {share:.3f}"
            rows.append([name, "–" if lines is None else len(lines), k, f"{nmi:.3f}",
                         f"{ari:.3f}", f"{largest:.1%}", f"{npmi:.4f}", f"{div:.3f}"])
            print(" | ".join(map(str, rows[-1])), f"({time.perf_counter() - start:.0f} s)",
                  flush=True)
    print()
    print(markdown_table(["setting", "lines", "k", "NMI", "ARI", "largest topic", "NPMI",
                          "diversity"], rows, "lrrrrrrr"))


if __name__ == "__main__":
    main()
