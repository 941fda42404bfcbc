#!/usr/bin/env python
"""Does choose-k find the number of groups in real mixtures? Hits out of tries, per rule.

Each mixture takes ``g`` groups (g = 2..8) at random from a pool of real sources and
``--per-group`` documents of each:

* nine Debian sections of the shipped ticket corpus (``corpora/tickets.csv.gz``: package
  descriptions, one family per package): database, editors, fonts, games, mail, math, perl,
  sound, web;
* Debian changelog entries (``corpora/changelogs.jsonl.gz``, 15 words or more);
* paragraphs of the Python documentation (``corpora/python-docs``, cleaned of markup, 25
  words or more).

``topicnmf.choose_k`` runs once per mixture over ``--k`` (``solver='hals'``, ``--runs``
stability runs); every rule then reads the same table of scores, so the rules are compared
on identical fits. A hit is a recommended k equal to g. Rules:

  current   topicnmf.quality.kscore.recommend_k as shipped
  (others)  the rules of RULES below, each a function of the table

    python scripts/bench_choose_k.py                       # 3 tries per g, ~4 min on 2 cores
    python scripts/bench_choose_k.py --tries 5 --jobs 2
"""

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import markdown_table, print_header  # noqa: E402
from topicnmf import TopicModel, choose_k, load_corpus  # noqa: E402
from topicnmf.quality import kscore  # noqa: E402
from topicnmf.text.clean import Cleaner  # noqa: E402

SECTIONS = ("database", "editors", "fonts", "games", "mail", "math", "perl", "sound", "web")


def sources():
    """Source name -> list of texts."""
    tickets = load_corpus(REPO / "corpora/tickets.csv.gz", id_column="id",
                          label_column="section")
    pool = {s: [d.text for d in tickets if d.meta["label"] == s] for s in SECTIONS}
    pool["changelogs"] = [t for t in load_corpus(REPO / "corpora/changelogs.jsonl.gz").texts
                          if len(t.split()) >= 15]
    clean = Cleaner(["markup"])
    paragraphs = []
    for doc in load_corpus(REPO / "corpora/python-docs"):
        for para in re.split(r"\n\s*\n", clean(doc.text)):
            if len(para.split()) >= 25:
                paragraphs.append(" ".join(para.split()))
    pool["python-docs"] = paragraphs
    return pool


def mixtures(pool, groups, tries, per_group, seed):
    rng = random.Random(seed)
    names = sorted(pool)
    for g in groups:
        for t in range(tries):
            chosen = rng.sample(names, g)
            texts = [text for name in chosen for text in rng.sample(pool[name], per_group)]
            yield g, t, chosen, texts


def rule_current(table):
    return kscore.recommend_k(table)[0]


RULES = {"current": rule_current}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, nargs="+", default=list(range(2, 9)))
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--per-group", type=int, default=80)
    parser.add_argument("--k", default="2:10")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="also write each mixture's table of scores to this "
                                       "JSON lines file (to try other rules on it)")
    args = parser.parse_args()
    saved = open(args.save, "w") if args.save else None
    pool = sources()
    print_header("choose-k on real mixtures", REPO / "corpora/tickets.csv.gz",
                 sum(map(len, pool.values())),
                 extra=[f"sources:  " + ", ".join(f"{n} {len(t)}" for n, t in sorted(pool.items())),
                        f"mixtures: g in {args.groups}, {args.tries} tries each, "
                        f"{args.per_group} documents per group; k {args.k}, "
                        f"{args.runs} stability runs, solver hals"])
    hits = defaultdict(lambda: defaultdict(int))
    tries = defaultdict(int)
    start = time.perf_counter()
    for g, t, chosen, texts in mixtures(pool, args.groups, args.tries, args.per_group,
                                        args.seed):
        estimator = TopicModel(solver="hals", random_state=args.seed)
        choice = choose_k(texts, args.k, estimator=estimator, runs=args.runs, jobs=args.jobs,
                          random_state=args.seed)
        picks = {name: rule(choice.scores) for name, rule in RULES.items()}
        tries[g] += 1
        for name, k in picks.items():
            hits[name][g] += k == g
        table = " ".join(f"k{s.k}:c{s.coherence:.3f}/s{s.stability:.2f}/d{s.diversity:.2f}"
                         f"/u{s.unexplained:.3f}" for s in choice.scores)
        print(f"g={g} try {t}: {'+'.join(chosen)} -> "
              + ", ".join(f"{name} {k}" for name, k in picks.items()), flush=True)
        print(f"    {table}", flush=True)
        if saved:
            saved.write(json.dumps({"g": g, "try": t, "groups": chosen,
                                    "scores": [asdict(s) for s in choice.scores]}) + "\n")
            saved.flush()
    print(f"\n{sum(tries.values())} mixtures in {time.perf_counter() - start:.0f} s\n")
    groups = sorted(tries)
    rows = [[name] + [f"{hits[name][g]}/{tries[g]}" for g in groups]
            + [f"{sum(hits[name].values())}/{sum(tries.values())}"] for name in RULES]
    print(markdown_table(["rule"] + [f"g={g}" for g in groups] + ["all"], rows))


if __name__ == "__main__":
    main()
