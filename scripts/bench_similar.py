#!/usr/bin/env python
"""Does `similar` beat plain tf-idf cosine? Precision@10 of same-section neighbours, side by side.

The judgement: Debian's archive sections were assigned by people, so two packages in the same
section ("games", "science", "python", ...) count as related. On the 64k Debian descriptions
corpus a model is fitted (k=50, seed 0; or loaded with --model), ~2,000 query documents with a
non-empty section are sampled, and for each the top 10 neighbours are ranked by

    blend · latent cosine (reconstructed columns) + (1 − blend) · lexical cosine (tf-idf)

for blend = 0 (lexical only), 0.1 … 0.9 and 1 (latent only), all from the same two cosine
vectors per query. Precision@10 = share of the 10 neighbours in the query's section.

Left out of every neighbour list: the query itself, every document whose text is *identical*
to the query's (a library and its -dev/-doc/-data siblings often share one description word
for word; they would be found by any method and make every method look perfect), and
documents without a section (no judgement for them).

    python scripts/bench_similar.py [--data ../shared/data/debian-descriptions.jsonl.gz]
                                    [--model /tmp/bench-k50] [--queries 2000]
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
from topicnmf.reconstruction.similarity import lexical_index_of  # noqa: E402

BLENDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def fitted_model(data, model_dir, k, seed):
    """Load the model in ``model_dir`` if there is one, else fit it on ``data`` and save it."""
    if model_dir and (Path(model_dir) / "model.json").is_file():
        return TopicModel.load(model_dir)
    corpus = load_corpus(data, id_column="id", label_column="section", duplicate_ids="number")
    start = time.perf_counter()
    model = TopicModel(k, random_state=seed).fit(corpus)
    print(f"fitted k={k} on {len(corpus)} documents in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    if model_dir:
        model.save(model_dir)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/"
                                              "debian-descriptions.jsonl.gz"))
    parser.add_argument("--model", default="/tmp/topicnmf-bench-k50",
                        help="model directory: loaded if present, else fitted and saved there")
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--at", type=int, default=10)
    args = parser.parse_args()

    model = fitted_model(args.data, args.model, args.k, args.seed)
    corpus = load_corpus(args.data, id_column="id", label_column="section",
                         duplicate_ids="number")
    assert corpus.ids == model.document_ids_, "the model was fitted on another corpus"
    sections = np.array([d.meta.get("label", "") for d in corpus.documents], dtype=object)
    texts = [" ".join(d.text.split()) for d in corpus.documents]
    same_text = {}
    for i, t in enumerate(texts):
        same_text.setdefault(t, []).append(i)
    no_section = sections == ""
    candidates = np.flatnonzero(~no_section)
    rng = np.random.default_rng(args.seed)
    queries = rng.choice(candidates, size=min(args.queries, candidates.size), replace=False)

    recon, lexical = of_model(model), lexical_index_of(model)
    hits = {b: [] for b in BLENDS}
    for j in queries:
        lat, lex = recon.column_similarity(int(j)), lexical.similarity(int(j))
        drop = no_section.copy()
        drop[same_text[texts[j]]] = True                # the query and its identical twins
        for b in BLENDS:
            idx = top_n(b * lat + (1 - b) * lex, args.at, exclude=drop)
            hits[b].append(np.mean(sections[idx] == sections[j]))
    chance = np.mean([np.mean(sections[candidates] == sections[j]) for j in queries[:200]])
    print(f"{len(queries)} queries, {model.n_documents} documents, k={model.n_topics}, "
          f"{len(set(sections[candidates]))} sections; chance level ≈ {chance:.3f}")
    print(f"{'blend (latent weight)':>22}  precision@{args.at}")
    best = max(BLENDS, key=lambda b: (round(statistics.mean(hits[b]), 4), -b))
    for b in BLENDS:
        name = {0.0: " (lexical only)", 1.0: " (latent only)"}.get(b, "")
        mark = "  <- best" if b == best else ""
        print(f"{b:>8.1f}{name:<14}  {statistics.mean(hits[b]):.4f}{mark}")


if __name__ == "__main__":
    main()
