"""Seeded topics on the shipped ticket corpus: do the named topics keep their seed words?

For each seed weight (0 = custom initialization only) and k, fits a seeded model and prints how
many seed words are among their topic's top 10 terms, and how many documents each seeded topic
dominates (and how many of those come from the matching Debian section).

    python scripts/bench_seeding.py [--weights 0 0.02 0.1] [--k 8 12 20]
"""

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from topicnmf import TopicModel, load_corpus  # noqa: E402

SEED_SETS = [
    ({"Games": ["game", "player", "puzzle"], "Fonts": ["font", "typeface", "glyph"],
      "Python": ["python", "module", "import"]}, ["games", "fonts", "python"]),
    ({"Network": ["network", "protocol", "server", "client"],
      "Documentation": ["documentation", "manual", "html"], "Audio": ["audio", "sound", "music"],
      "Science": ["scientific", "data", "analysis"]}, ["net", "doc", "sound", "science"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.02, 0.1])
    parser.add_argument("--k", type=int, nargs="+", default=[8, 12, 20])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("topicnmf").setLevel(logging.ERROR)
    corpus = load_corpus(Path(__file__).resolve().parent.parent / "corpora/tickets.csv.gz",
                         id_column="id", label_column="section")
    sections = [d.meta["label"] for d in corpus]
    print("weight   k  seeds  in-top-10  topic: dominated/from-section   seconds")
    for weight in args.weights:
        kept_total = words_total = 0
        for seeds, seed_sections in SEED_SETS:
            for k in args.k:
                start = time.perf_counter()
                model = TopicModel(k, random_state=0, seed_topics=seeds,
                                   seed_weight=weight).fit(corpus)
                dominant = model.dominant_topics()
                vec = model.vectorizer_
                kept = total = 0
                sizes = []
                for z, ((name, words), section) in enumerate(zip(seeds.items(), seed_sections)):
                    top = set(model.top_term_indices(z, 10).tolist())
                    index = {t: i for i, t in enumerate(vec.vocabulary_)}
                    for word in words:
                        rows = [index[t] for t in vec.preprocessor(word) if t in index]
                        total += 1
                        kept += bool(rows) and all(r in top for r in rows)
                    mine = dominant == z
                    sizes.append(f"{name}:{mine.sum()}/"
                                 f"{sum(1 for d, s in zip(mine, sections) if d and s == section)}")
                kept_total, words_total = kept_total + kept, words_total + total
                print(f"{weight:6.3f} {k:3d} {len(seeds):6d} {kept:5d}/{total:<4d}  "
                      f"{' '.join(sizes)}  {time.perf_counter() - start:.1f}")
        print(f"weight {weight}: {kept_total}/{words_total} seed words in their topic's top 10")


if __name__ == "__main__":
    main()
