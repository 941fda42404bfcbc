#!/usr/bin/env python
"""Topic quality and fit time of topicnmf's choices vs scikit-learn's plain NMF, in one run.

For each k, every configuration is fitted on the same documents and scored the same way:
  * NPMI coherence of each topic's top 10 terms (document co-occurrence, topicnmf.quality.measures),
    averaged over topics; diversity = unique fraction of all topics' top 25 terms;
  * time of the factorization alone and of vectorizing (each matrix is built once and shared).
Configurations:
  sklearn-plain          TfidfVectorizer() defaults + NMF(solver='cd', init='nndsvda'): the
                         baseline
  sublinear/cd/nndsvda   topicnmf's defaults: stop words, min_df=2, max_df=0.95, (1 + log tf)
                         × idf, coordinate descent on the Frobenius cost, NNDSVDa init
  and the alternatives: weighting (plain tf-idf, counts), init (nndsvd, random), solver (mu,
  MiniBatchNMF), loss (Kullback-Leibler).
Configurations alternate within a repeat, so machine noise hits all of them; medians over
repeats are printed. Coherence is computed on each configuration's own documents × terms
presence (the same tokenization for all topicnmf rows; sklearn's own for the baseline).

    python scripts/bench_quality.py -k 20 50 --repeats 1           # every configuration
    python scripts/bench_quality.py --configs sklearn-plain sublinear/cd/nndsvda --repeats 3
"""

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from topicnmf.factor import factorize  # noqa: E402
from topicnmf.text.preprocess import Preprocessor  # noqa: E402
from topicnmf.quality.measures import npmi_coherence, top_term_indices, topic_diversity  # noqa: E402
from topicnmf.text.vectorize import WEIGHTINGS, Vectorizer  # noqa: E402

# name -> (weighting, solver, loss, init); the first one is topicnmf's default
CONFIGS = {
    "sublinear/cd/nndsvda": ("sublinear", "cd", "frobenius", "nndsvda"),
    "tfidf/cd/nndsvda": ("tfidf", "cd", "frobenius", "nndsvda"),
    "counts/cd/nndsvda": ("counts", "cd", "frobenius", "nndsvda"),
    "sublinear/cd/nndsvd": ("sublinear", "cd", "frobenius", "nndsvd"),
    "sublinear/cd/random": ("sublinear", "cd", "frobenius", "random"),
    "tfidf/cd/random": ("tfidf", "cd", "frobenius", "random"),
    "sublinear/mu/nndsvda": ("sublinear", "mu", "frobenius", "nndsvda"),
    "tfidf/mu/nndsvda": ("tfidf", "mu", "frobenius", "nndsvda"),
    "sublinear/mu-kl/nndsvda": ("sublinear", "mu", "kullback-leibler", "nndsvda"),
    "tfidf/mu-kl/nndsvda": ("tfidf", "mu", "kullback-leibler", "nndsvda"),
    "sublinear/minibatch/nndsvda": ("sublinear", "minibatch", "frobenius", "nndsvda"),
}


def load_texts(path, limit):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    return texts[:limit] if limit else texts


def build_matrices(texts, weightings):
    """{name: (V terms × docs, seconds)} for the topicnmf weightings and sklearn's plain tf-idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = {}
    for name in weightings:
        start = time.perf_counter()
        V = Vectorizer(Preprocessor(), **WEIGHTINGS[name]).fit_transform(texts)
        out[name] = (V, time.perf_counter() - start)
    start = time.perf_counter()
    X = TfidfVectorizer().fit_transform(texts)
    out["sklearn"] = (X.T.tocsc(), time.perf_counter() - start)
    return out


def fit_sklearn_plain(V, k, seed):
    from sklearn.decomposition import NMF

    model = NMF(k, solver="cd", init="nndsvda", random_state=seed).fit(V.T.tocsr())
    return model.components_.T, model.n_iter_


def score(W, V):
    """(mean NPMI of the top 10, diversity of the top 25, seconds the NPMI took)."""
    start = time.perf_counter()
    npmi = float(np.mean(npmi_coherence(top_term_indices(W, 10), V)))
    return npmi, topic_diversity(top_term_indices(W, 25)), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/debian-descriptions.jsonl.gz"))
    parser.add_argument("-k", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="Use only the first N documents.")
    parser.add_argument("--configs", nargs="+", choices=["sklearn-plain", *CONFIGS],
                        default=["sklearn-plain", *CONFIGS])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (machine has 2).")
    args = parser.parse_args()

    texts = load_texts(args.data, args.limit)
    weightings = sorted({CONFIGS[c][0] for c in args.configs if c in CONFIGS})
    matrices = build_matrices(texts, weightings)
    print(f"corpus: {args.data}: {len(texts)} documents; vocabulary "
          + ", ".join(f"{n} {V.shape[0]} terms ({s:.1f} s)" for n, (V, s) in matrices.items()),
          flush=True)
    # Every topicnmf weighting has the same vocabulary and the same V > 0 pattern.
    presence = next((V for name, (V, _) in matrices.items() if name != "sklearn"), None)
    results = {}
    with threadpool_limits(args.threads):
        for repeat in range(args.repeats):
            for k in args.k:
                for name in args.configs:
                    start = time.perf_counter()
                    if name == "sklearn-plain":
                        V = matrices["sklearn"][0]
                        W, n_iter = fit_sklearn_plain(V, k, args.seed)
                        reference = V
                    else:
                        weighting, solver, loss, init = CONFIGS[name]
                        V = matrices[weighting][0]
                        W, _, n_iter = factorize(V, k, solver=solver, loss=loss, init=init,
                                                 random_state=args.seed)
                        reference = presence if presence is not None else V
                    seconds = time.perf_counter() - start
                    npmi, diversity, npmi_s = score(W, reference)
                    results.setdefault((k, name), []).append((seconds, npmi, diversity, n_iter,
                                                              npmi_s))
                    print(f"repeat {repeat + 1} k={k:3d} {name:27s} {seconds:7.1f} s "
                          f"{n_iter:4d} it  NPMI {npmi:.4f} ({npmi_s:.2f} s)  "
                          f"diversity {diversity:.3f}", flush=True)

    med = statistics.median
    print(f"\nmedians over {args.repeats} repeat(s); time = factorization only "
          "(vectorizing is listed above)")
    print(f"{'k':>3}  {'configuration':27s} {'NPMI':>7} {'diversity':>9} {'time s':>8} "
          f"{'time / sklearn':>14} {'NPMI s':>7}")
    for k in args.k:
        base = med(r[0] for r in results[(k, "sklearn-plain")]) \
            if (k, "sklearn-plain") in results else float("nan")
        for name in args.configs:
            rows = results[(k, name)]
            t = med(r[0] for r in rows)
            print(f"{k:3d}  {name:27s} {med(r[1] for r in rows):7.4f} "
                  f"{med(r[2] for r in rows):9.3f} {t:8.1f} {t / base:14.2f} "
                  f"{med(r[4] for r in rows):7.2f}")


if __name__ == "__main__":
    main()
