"""A model that lives on, measured on the full Debian changelog corpus (9,598 dated entries).

Fits k topics on the entries before 2021, then updates the model with 2021, 2022 and 2023+ in
turn (``topicnmf update``, old documents kept, ``--new-topics auto``). At each step it also
refits from scratch on every entry so far with the updated model's k, aligned to the updated
model (``topicnmf fit --align-to``), and prints:

- unexplained: share of the added entries the old topics leave unexplained / of the model's
  own entries (what ``--new-topics auto`` reads);
- ids kept: old topics that kept their id (matched to their old selves), new, retired;
- top-10 overlap: for each id of the updated model, the share of its top 10 terms that the
  aligned refit's topic of that id also has (mean over ids; "matched" = ids the alignment
  matched, the others count 0);
- seconds of the update and of the refit (medians of ``--repeats`` runs, run alternately).

    python scripts/bench_update.py [--data ../shared/data/debian-changelogs.jsonl.gz] [--k 20]
"""

import argparse
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from topicnmf import TopicModel, align, load_corpus, update  # noqa: E402

STEPS = [("2021", "2021", "2022"), ("2022", "2022", "2023"), ("2023+", "2023", "9999")]


def top_overlap(a, b, z, top=10):
    """Share of topic ``z``'s top terms in model ``a`` that topic ``z`` of ``b`` also has
    (``z`` an id of both)."""
    terms_a = {a.vectorizer_.vocabulary_[i] for i in a.top_term_indices(z, top)}
    terms_b = {b.vectorizer_.vocabulary_[i] for i in b.top_term_indices(z, top)}
    return len(terms_a & terms_b) / top


def timed(repeats, *runs):
    """Median seconds and last result of each of ``runs``, run alternately ``repeats`` times
    (``runs`` take the previous run's result, so the refit can use the update's k)."""
    seconds = [[] for _ in runs]
    results = [None] * len(runs)
    for _ in range(repeats):
        previous = None
        for i, run in enumerate(runs):
            start = time.perf_counter()
            previous = results[i] = run(previous)
            seconds[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in seconds], results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=REPO.parent / "shared" / "data" / "debian-changelogs.jsonl.gz")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("topicnmf").setLevel(logging.ERROR)
    docs = list(load_corpus(args.data, date_column="date"))
    seen = [d for d in docs if d.meta["date"] < "2021"]
    start = time.perf_counter()
    model = TopicModel(args.k, random_state=0).fit(seen)
    print(f"base: {len(seen)} entries before 2021, k={args.k}, "
          f"fit {time.perf_counter() - start:.1f} s")
    print("step   added  docs  unexplained  k_old  kept  new  retired  k_new  overlap_all  "
          "overlap_matched  refit_matched  update_s  refit_s  speedup")
    for name, low, high in STEPS:
        batch = [d for d in docs if low <= d.meta["date"] < high]
        seen = seen + batch
        k_old = model.n_topics
        (update_s, refit_s), (updated, refit) = timed(
            args.repeats, lambda _: update(model, batch),
            lambda up: TopicModel(up.n_topics, random_state=0).fit(seen))
        k = updated.n_topics
        aligned = align(refit, updated)
        step, matched = updated.history_[-1], aligned.history_[-1]
        retired = set(matched["retired_topics"])
        overlaps = [top_overlap(updated, aligned, z) if z not in retired else 0.0
                    for z in updated.topic_ids]
        both = [o for z, o in zip(updated.topic_ids, overlaps) if z not in retired]
        unexplained = f"{step['unexplained_new']:.2f}/{step['unexplained_old']:.2f}"
        print(f"{name:<6} {len(batch):>5} {len(seen):>5} {unexplained:>12} {k_old:>6} "
              f"{step['matched']:>5} "
              f"{len(step['new_topics']):>4} {len(step['retired_topics']):>8} {k:>6} "
              f"{statistics.mean(overlaps):>12.2f} {statistics.mean(both):>16.2f} "
              f"{matched['matched']:>11}/{k:<3} {update_s:>8.1f} {refit_s:>8.1f} "
              f"{refit_s / update_s:>7.1f}x")
        model = updated


if __name__ == "__main__":
    main()
