#!/usr/bin/env python
"""Does choose-k find the number of groups in real mixtures? Hits out of tries, per rule.

Each mixture takes ``g`` groups (g = 2..8) at random from a pool of twelve real sources,
60–140 documents of each (sizes drawn at random, so that no rule can count on equal groups):

* ten Debian sections of ``../shared/data/debian-descriptions.jsonl.gz`` that describe
  different things: database, editors, electronics, fonts, games, gnu-r, localization, mail,
  sound, tex (one description per distinct summary, so that a library and its -dev and -doc
  packages do not make a group of near-copies);
* Debian changelog entries of 15 words or more (``../shared/data/debian-changelogs.jsonl.gz``);
* paragraphs of 25 words or more of the Python documentation (``corpora/python-docs``, markup
  cleaned).

``topicnmf.choose_k`` runs once per mixture over ``--k`` (default settings but ``--solver``,
hals by default, and ``--runs`` resamples); the rules read the same table, so they are
compared on identical fits. A hit is a recommended k equal to g.

  current    topicnmf.quality.kscore.recommend_k as shipped: the k whose documents keep their
             dominant topics best over the resamples (the ``agreement`` column)
  previous   the rule before it, on the same table: mean of min-max-normalised coherence and
             top-term stability
  ceiling    not a rule: the k whose dominant topics (a fit of the whole mixture, by
             contribution as everywhere) agree best with the true groups (NMI). When that k
             is not g, the topics at k = g do not follow the groups, and no rule reading the
             topics can be expected to say g.

    python scripts/bench_choose_k.py --seed 1     # 14 mixtures, ~5 min on 2 quiet cores
    python scripts/bench_choose_k.py --tries 3 --jobs 2
"""

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import markdown_table, print_header  # noqa: E402
from topicnmf import TopicModel, choose_k, load_corpus  # noqa: E402
from topicnmf.quality.kscore import recommend_k  # noqa: E402
from topicnmf.text.clean import Cleaner  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SECTIONS = ("database", "editors", "electronics", "fonts", "games", "gnu-r", "localization",
            "mail", "sound", "tex")


def sources(data):
    """Source name -> list of texts."""
    pool, seen = {s: [] for s in SECTIONS}, set()
    with gzip.open(data / "debian-descriptions.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            summary = row["text"].split("\n")[0][:40].lower()
            if row["section"] in pool and summary not in seen:
                seen.add(summary)
                pool[row["section"]].append(row["text"])
    with gzip.open(data / "debian-changelogs.jsonl.gz", "rt", encoding="utf-8") as f:
        pool["changelogs"] = [t for t in (json.loads(line)["text"] for line in f)
                              if len(t.split()) >= 15]
    clean = Cleaner(["markup"])
    pool["python-docs"] = [" ".join(p.split()) for doc in load_corpus(REPO / "corpora/python-docs")
                           for p in re.split(r"\n\s*\n", clean(doc.text)) if len(p.split()) >= 25]
    return pool


def mixtures(pool, groups, tries, seed, low=60, high=140):
    rng = random.Random(seed)
    names = sorted(pool)
    for g in groups:
        for t in range(tries):
            chosen = rng.sample(names, g)
            sizes = [rng.randint(low, high) for _ in chosen]
            texts = [text for name, n in zip(chosen, sizes) for text in rng.sample(pool[name], n)]
            yield g, t, chosen, sizes, texts


def previous_rule(scores):
    """The rule before agreement: recommend_k on the table without the agreement column."""
    return recommend_k([{f: getattr(s, f) for f in ("k", "coherence", "diversity", "stability",
                                                     "error", "unexplained")}
                        for s in scores])[0]


def ceiling(texts, sizes, ks, seed, settings):
    """The k whose dominant topics agree best with the groups (NMI), and that NMI."""
    from sklearn.metrics import normalized_mutual_info_score

    truth = np.repeat(np.arange(len(sizes)), sizes)
    nmi = {k: normalized_mutual_info_score(
        truth, TopicModel(k, random_state=seed, **settings).fit(texts).dominant_topics())
        for k in ks}
    best = max(nmi, key=lambda k: (nmi[k], -k))
    return best, nmi


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--groups", type=int, nargs="+", default=list(range(2, 9)))
    parser.add_argument("--tries", type=int, default=2)
    parser.add_argument("--k", default="2:10")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pivot-slope", type=float, default=TopicModel().pivot_slope,
                        help="weigh long documents more (topicnmf.factor.weights); default: "
                             "topicnmf's")
    parser.add_argument("--solver", choices=("hals", "rank2"), default="hals",
                        help="the block solver, or its divisive rank-2 variant "
                             "(topicnmf.factor.rank2)")
    args = parser.parse_args()
    settings = {"solver": args.solver, "pivot_slope": args.pivot_slope}
    pool = sources(args.data)
    ks = list(range(int(args.k.split(":")[0]), int(args.k.split(":")[1]) + 1))
    print_header("choose-k on real mixtures", args.data / "debian-descriptions.jsonl.gz",
                 sum(map(len, pool.values())),
                 extra=["sources:  " + ", ".join(f"{n} {len(t)}" for n, t in sorted(pool.items())),
                        f"mixtures: g in {args.groups}, {args.tries} tries each, seed {args.seed}; "
                        f"k {args.k}, {args.runs} resamples, solver {args.solver}, "
                        f"pivot slope {args.pivot_slope}"])
    hits, tries = defaultdict(lambda: defaultdict(int)), defaultdict(int)
    start, at_g = time.perf_counter(), []
    for g, t, chosen, sizes, texts in mixtures(pool, args.groups, args.tries, args.seed):
        choice = choose_k(texts, args.k, estimator=TopicModel(random_state=args.seed,
                                                              **settings),
                          runs=args.runs, jobs=args.jobs, random_state=args.seed)
        best, nmi = ceiling(texts, sizes, ks, args.seed, settings)
        at_g.append(nmi[g])
        picks = {"current": choice.k, "previous": previous_rule(choice.scores), "ceiling": best}
        tries[g] += 1
        for name, k in picks.items():
            hits[name][g] += k == g
        print(f"g={g} try {t}: " + "+".join(f"{n} {s}" for n, s in zip(chosen, sizes)) + " -> "
              + ", ".join(f"{name} {k}" for name, k in picks.items())
              + f" (NMI at k=g {nmi[g]:.2f}, best {nmi[best]:.2f})", flush=True)
        print("    " + " ".join(f"k{s.k}: agree {s.agreement:.2f} coh {s.coherence:.3f} "
                                f"stab {s.stability:.2f};" for s in choice.scores), flush=True)
    print(f"\n{sum(tries.values())} mixtures in {time.perf_counter() - start:.0f} s; mean NMI "
          f"of the dominant topics at k = g: {np.mean(at_g):.3f}\n")
    groups = sorted(tries)
    rows = [[name] + [f"{hits[name][g]}/{tries[g]}" for g in groups]
            + [f"{sum(hits[name].values())}/{sum(tries.values())}"] for name in picks]
    print(markdown_table(["rule"] + [f"g={g}" for g in groups] + ["all"], rows))


if __name__ == "__main__":
    main()
