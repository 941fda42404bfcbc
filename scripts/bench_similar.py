#!/usr/bin/env python
"""Does `similar` beat plain tf-idf cosine at every k? Precision@10 of same-section neighbours.

The judgement: Debian's archive sections were assigned by people, so two packages in the same
section ("games", "science", "python", ...) count as related. For each k (``-k``, by default
10 20 50 100 200) a model is fitted with topicnmf's defaults (``--solver``, seed 0; kept in
``--models``/k<K> and loaded from there next time), ~2,000 query documents with a non-empty
section are sampled, and for each the top 10 neighbours are ranked by

    blend · latent cosine (reconstructed columns) + (1 − blend) · lexical cosine (tf-idf)

for every blend of ``--blends`` (0 = lexical only, 1 = latent only), all from the same two
cosine vectors per query, and by their geometric mean √(latent · lexical). Precision@10 = share
of the 10 neighbours in the query's section. The table gives it per k and blend, the margin of
each blend over the lexical cosine, and the smallest margin of each over all k (the blend to
ship is the one whose worst k is best).

Left out of every neighbour list: the query itself, every document whose text is *identical*
to the query's (a library and its -dev/-doc/-data siblings often share one description word
for word; they would be found by any method and make every method look perfect), and
documents without a section (no judgement for them).

    python scripts/bench_similar.py                       # the 64k Debian descriptions
    python scripts/bench_similar.py --data corpora/tickets.csv.gz --queries 2500 \\
        --models /tmp/bench-similar-tickets               # the shipped tickets, 20 sections
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from topicnmf import TopicModel, load_corpus  # noqa: E402
from topicnmf.reconstruction.ranking import top_n  # noqa: E402
from topicnmf.reconstruction.scores import of_model  # noqa: E402
from topicnmf.reconstruction.similarity import DEFAULT_BLEND, lexical_index_of  # noqa: E402

BLENDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]


def fitted_model(corpus, model_dir, k, seed, solver):
    """Load the model in ``model_dir`` if there is one, else fit it and save it there."""
    if model_dir and (Path(model_dir) / "model.json").is_file():
        model = TopicModel.load(model_dir)
        if model.n_topics == k and model.document_ids_ == corpus.ids:
            return model
    start = time.perf_counter()
    model = TopicModel(k, random_state=seed, solver=solver).fit(corpus)
    print(f"fitted k={k} on {len(corpus)} documents in {time.perf_counter() - start:.0f} s",
          file=sys.stderr, flush=True)
    if model_dir:
        model.save(model_dir)
    return model


def precision(model, queries, sections, texts, blends, at):
    """{blend or 'geometric': mean precision@at over the queries}."""
    same_text = {}
    for i, t in enumerate(texts):
        same_text.setdefault(t, []).append(i)
    no_section = sections == ""
    recon, lexical = of_model(model), lexical_index_of(model)
    hits = {b: [] for b in [*blends, "geometric"]}
    for j in queries:
        lat, lex = recon.column_similarity(int(j)), lexical.similarity(int(j))
        drop = no_section.copy()
        drop[same_text[texts[j]]] = True                # the query and its identical twins
        for b in blends:
            idx = top_n(b * lat + (1 - b) * lex, at, exclude=drop)
            hits[b].append(np.mean(sections[idx] == sections[j]))
        idx = top_n(np.sqrt(np.maximum(lat, 0) * np.maximum(lex, 0)), at, exclude=drop)
        hits["geometric"].append(np.mean(sections[idx] == sections[j]))
    return {b: statistics.mean(v) for b, v in hits.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/"
                                              "debian-descriptions.jsonl.gz"))
    parser.add_argument("--models", default="/tmp/topicnmf-bench-similar",
                        help="folder of the models, one per k (k<K>): loaded if present, else "
                             "fitted and saved there")
    parser.add_argument("-k", type=int, nargs="+", default=[10, 20, 50, 100, 200])
    parser.add_argument("--solver", default="hals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--at", type=int, default=10)
    parser.add_argument("--blends", type=float, nargs="+", default=BLENDS)
    args = parser.parse_args()
    blends = sorted(set(args.blends) | {0.0, 1.0, DEFAULT_BLEND})

    corpus = load_corpus(args.data, id_column="id", label_column="section",
                         duplicate_ids="number")
    sections = np.array([d.meta.get("label", "") for d in corpus.documents], dtype=object)
    texts = [" ".join(d.text.split()) for d in corpus.documents]
    candidates = np.flatnonzero(sections != "")
    rng = np.random.default_rng(args.seed)
    queries = rng.choice(candidates, size=min(args.queries, candidates.size), replace=False)
    chance = np.mean([np.mean(sections[candidates] == sections[j]) for j in queries[:200]])
    print(f"# bench_similar: {args.data}, {len(corpus)} documents, "
          f"{len(set(sections[candidates]))} sections, {len(queries)} queries, "
          f"precision@{args.at} (chance ≈ {chance:.3f}); solver {args.solver}, seed {args.seed};"
          f" shipped blend {DEFAULT_BLEND}\n", flush=True)

    table = {}
    for k in args.k:
        model = fitted_model(corpus, Path(args.models) / f"k{k}", k, args.seed, args.solver)
        table[k] = precision(model, queries, sections, texts, blends, args.at)
        print(f"k={k:3d} " + "  ".join(f"{b}: {p:.3f}" for b, p in table[k].items()),
              flush=True)

    names = [*blends, "geometric"]
    print("\n| k | " + " | ".join(
        {0.0: "0 (lexical)", 1.0: "1 (latent)"}.get(b, f"**{b}**" if b == DEFAULT_BLEND
                                                     else str(b)) for b in names) + " |")
    print("|---|" + "---|" * len(names))
    for k in args.k:
        print(f"| {k} | " + " | ".join(f"{table[k][b]:.3f}" for b in names) + " |")
    worst = {b: min(table[k][b] - table[k][0.0] for k in args.k) for b in names}
    print("| worst margin over lexical | " + " | ".join(f"{worst[b]:+.3f}" for b in names)
          + " |")
    best = max(blends, key=lambda b: (round(worst[b], 4), -abs(b - DEFAULT_BLEND)))
    print(f"\nblend whose worst k is best: {best} (worst margin {worst[best]:+.3f}); shipped "
          f"{DEFAULT_BLEND}: {'at or above' if worst[DEFAULT_BLEND] >= 0 else 'BELOW'} the "
          f"lexical cosine at every k (worst margin {worst[DEFAULT_BLEND]:+.3f})")


if __name__ == "__main__":
    main()
