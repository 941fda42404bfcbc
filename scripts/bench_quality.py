#!/usr/bin/env python
"""Topic quality and factorization time of NMF solvers or of topicnmf's configurations, in one run.

Two modes; both build each matrix once, alternate the fits within a repeat (so machine noise
hits all of them), print one line per fit, then medians over repeats and a markdown table to
paste into a closing note. The first lines give the command, date, machine, thread pools and
corpus.

Solvers (``--solvers``): ``topicnmf.factor.factorize(V, k, solver=s, random_state=seed + r)``
with its defaults (init nndsvda, max_iter 400, tol 1e-4) for each solver, each k, each matrix;
repeat r uses seed + r, so the medians are over seeds as well as over machine noise (a topic
model's NPMI moves by about ±0.01 from one seed to the next, for every solver here: one seed
cannot tell two solvers 0.003 apart).
Per fit: factorization seconds, iterations, NPMI coherence of the top 10 terms (document
co-occurrence in that matrix), diversity of the top 25, the relative objective ‖V − WH‖/‖V‖
(Gram identity, W·H never formed), and time and NPMI against cd on the same matrix. The
"sweep floor" is the median time of the products one sweep cannot avoid, in float32:
Vᵀ·W and V·Hᵀ (sparse × dense, CSR both ways) and the Grams WᵀW and HHᵀ; "floors/it" is a
solver's time / (floor × its iterations). A solver the installed code does not know (e.g.
hals before it lands) is reported as skipped. Matrices (``--matrices``):
  topicnmf     the default TopicModel's vectorizer (English stop words, min_df=2, max_df=0.95,
               sublinear tf-idf; ~38k terms on the Debian descriptions)
  sklearn      scikit-learn's TfidfVectorizer() defaults (~80k terms)
  sklearn-18k  TfidfVectorizer(stop_words='english', max_features=18000)

Configurations (``--configs``, the default mode): topicnmf's weighting/solver/loss/init
choices vs scikit-learn's plain TfidfVectorizer() + NMF(cd):
  sklearn-plain          TfidfVectorizer() defaults + NMF(solver='cd', init='nndsvda'): the
                         baseline
  sublinear/cd/nndsvda   topicnmf's defaults: stop words, min_df=2, max_df=0.95, (1 + log tf)
                         × idf, coordinate descent on the Frobenius cost, NNDSVDa init
  and the alternatives: weighting (plain tf-idf, counts), init (nndsvd, random), solver (mu,
  MiniBatchNMF, topicnmf's block HALS), loss (Kullback-Leibler).
Configurations alternate within a repeat, so machine noise hits all of them; medians over
repeats are printed. Coherence is computed on each configuration's own documents × terms
presence (the same tokenization for all topicnmf rows; sklearn's own for the baseline).

Sections (``--sections``): does the dominant topic of a document agree with the section Debian
filed its package in, and is there a catch-all topic? For k = 12, 20, 50 (``-k``), in one run:
  sklearn-plain        TfidfVectorizer() + NMF(cd, nndsvda); dominant topic = argmax of its
                       memberships; top terms by weight
  hals                 topicnmf's matrix, block HALS, every document weighs 1; dominant topic =
                       argmax H (W's columns summing to 1); top terms by weight (the rules
                       before issue 14)
  hals+contribution    the same fit; dominant topic = largest ‖W[:, z]‖·H[z, j]; top terms by
                       relevance λ = 0.5
  hals+near-dup        near-duplicates weighted (topicnmf.factor.weights, cosine 0.95); argmax H;
                       by weight
  hals+near-dup+contribution   topicnmf's defaults: all three
  hals+near-dup+pivot+contribution   the defaults with long documents weighing more (pivoted
                       length, slope 0.5: ``--pivot-slope 0.5``; topicnmf.factor.weights)
  rank2+near-dup+contribution  the defaults with the divisive rank-2 solver
                       (``--solver rank2``; topicnmf.factor.rank2)
  cd+near-dup+contribution     the defaults with scikit-learn's cd (``--with-cd``)
Per row: NMI and ARI of the dominant topic against the section (the 63,482 documents that have
one), the largest topic's share of all documents, mean NPMI of the 10 shown terms (document
co-occurrence in the configuration's own matrix), diversity of the 25 shown terms, fit seconds
(factorization, plus the near-duplicate search where used; the matrix is built once). The
goals of issue 14 are checked at the end, for the defaults and for rank2.

Examples (the machine has 2 cores; --limit for a quick look):

    python scripts/bench_quality.py --solvers hals cd mu -k 20 50 --repeats 3
    python scripts/bench_quality.py --solvers hals cd mu --matrices topicnmf sklearn sklearn-18k
    python scripts/bench_quality.py --solvers cd mu --limit 3000 --repeats 1
    python scripts/bench_quality.py -k 20 50 --repeats 1           # every configuration
    python scripts/bench_quality.py --configs sklearn-plain sublinear/cd/nndsvda --repeats 3
    python scripts/bench_quality.py --sections -k 12 20 50 --with-cd
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import (DEFAULT_DATA, fmt, load_texts, markdown_table, median,  # noqa: E402
                      print_header)
from topicnmf.errors import InputError  # noqa: E402
from topicnmf.factor import SOLVERS, factorize  # noqa: E402
from topicnmf.factor.projection import reconstruction_error  # noqa: E402
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
    "sublinear/hals/nndsvda": ("sublinear", "hals", "frobenius", "nndsvda"),
}

MATRICES = ("topicnmf", "sklearn", "sklearn-18k")
FLOOR_SWEEPS = 5          # sweeps timed per floor measurement (median taken)
TIME_GOAL = 0.4           # the goal: factorization <= 0.4 x cd's time at NPMI >= cd's


def score(W, V):
    """(mean NPMI of the top 10, diversity of the top 25, seconds the NPMI took)."""
    start = time.perf_counter()
    npmi = float(np.mean(npmi_coherence(top_term_indices(W, 10), V)))
    return npmi, topic_diversity(top_term_indices(W, 25)), time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Solver mode


def build_solver_matrix(name, texts):
    """V (terms × documents, CSC float64) of one of ``MATRICES``."""
    if name == "topicnmf":
        from topicnmf import TopicModel
        from topicnmf.model.params import make_vectorizer

        return sp.csc_matrix(make_vectorizer(TopicModel().get_params()).fit_transform(texts),
                             dtype=np.float64)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = (TfidfVectorizer() if name == "sklearn"
                  else TfidfVectorizer(stop_words="english", max_features=18000))
    return sp.csc_matrix(vectorizer.fit_transform(texts).T, dtype=np.float64)


class SweepFloor:
    """The products one sweep of any alternating solver needs, in float32, for one matrix."""

    def __init__(self, V, seed):
        self.V = V.astype(np.float32).tocsr()           # terms × docs
        self.Vt = V.T.astype(np.float32).tocsr()        # docs × terms
        self.seed = seed

    def seconds(self, k, sweeps=FLOOR_SWEEPS):
        """Median seconds of one sweep: Vᵀ·W, V·Hᵀ, WᵀW, HHᵀ (H kept as Hᵀ: docs × k)."""
        rng = np.random.default_rng(self.seed)
        W = rng.random((self.V.shape[0], k), dtype=np.float32)
        Ht = rng.random((self.V.shape[1], k), dtype=np.float32)
        times = []
        for i in range(sweeps + 1):                       # the first one warms up
            start = time.perf_counter()
            self.Vt @ W
            self.V @ Ht
            W.T @ W
            Ht.T @ Ht
            if i:
                times.append(time.perf_counter() - start)
        return median(times)


def solver_mode(args, texts):
    matrices, notes = {}, []
    for name in args.matrices:
        start = time.perf_counter()
        V = build_solver_matrix(name, texts)
        matrices[name] = V
        notes.append(f"matrix:   {name}: {V.shape[0]} terms × {V.shape[1]} documents, "
                     f"{V.nnz} non-zeros ({time.perf_counter() - start:.1f} s to build)")
    solvers = [s for s in args.solvers if s in SOLVERS]
    skipped = {s: f"not in topicnmf.factor.SOLVERS {SOLVERS}" for s in args.solvers
               if s not in SOLVERS}
    notes.append(f"solvers:  {', '.join(solvers)} via topicnmf.factor.factorize (init nndsvda, "
                 "default max_iter and tol)"
                 + "".join(f"; {s} SKIPPED ({why})" for s, why in skipped.items()))
    print_header("bench_quality: NMF solvers on the same matrix", args.data, len(texts),
                 threads=args.threads, extra=notes)
    floors = {name: SweepFloor(V, args.seed) for name, V in matrices.items()}
    norms = {name: float(np.sqrt(V.multiply(V).sum())) for name, V in matrices.items()}
    results, floor_times = {}, {}
    with threadpool_limits(args.threads):
        for repeat in range(args.repeats):
            # rotate the order each repeat: no solver always runs first (cold caches) or last
            order = solvers[repeat % len(solvers):] + solvers[:repeat % len(solvers)] \
                if solvers else []
            for name, V in matrices.items():
                for k in args.k:
                    floor = floors[name].seconds(k)
                    floor_times.setdefault((name, k), []).append(floor)
                    print(f"repeat {repeat + 1} {name:11s} k={k:3d} sweep floor "
                          f"{floor * 1e3:8.1f} ms", flush=True)
                    for solver in order:
                        if solver in skipped:
                            continue
                        start = time.perf_counter()
                        try:
                            W, H, n_iter = factorize(V, k, solver=solver,
                                                     random_state=args.seed + repeat)
                        except InputError as exc:
                            skipped[solver] = str(exc)
                            print(f"  {solver}: SKIPPED ({exc})", flush=True)
                            continue
                        seconds = time.perf_counter() - start
                        npmi, diversity, _ = score(W, V)
                        rel = reconstruction_error(V, W, H) / norms[name]
                        results.setdefault((name, k, solver), []).append(
                            (seconds, n_iter, npmi, diversity, rel))
                        print(f"repeat {repeat + 1} {name:11s} k={k:3d} {solver:9s} "
                              f"{seconds:7.2f} s {n_iter:4d} it  NPMI {npmi:.4f}  "
                              f"diversity {diversity:.3f}  ‖V−WH‖/‖V‖ {rel:.5f}  "
                              f"{seconds / (floor * max(n_iter, 1)):5.1f} floors/it",
                              flush=True)

    solvers = [s for s in solvers if s not in skipped]
    rows = []
    for name in matrices:
        for k in args.k:
            floor = median(floor_times[(name, k)])
            cd = results.get((name, k, "cd"))
            cd_time = median(r[0] for r in cd) if cd else float("nan")
            cd_npmi = median(r[2] for r in cd) if cd else float("nan")
            for solver in solvers:
                runs = results[(name, k, solver)]
                t, it = median(r[0] for r in runs), median(r[1] for r in runs)
                npmi = median(r[2] for r in runs)
                goal = "–" if solver == "cd" or not cd else (
                    ("yes" if t <= TIME_GOAL * cd_time and npmi >= cd_npmi else "no"))
                rows.append([name, k, solver, fmt(t, ".2f"), fmt(it, ".0f"),
                             fmt(npmi, ".4f"), fmt(median(r[3] for r in runs), ".3f"),
                             fmt(median(r[4] for r in runs), ".5f"),
                             fmt(t / cd_time, ".2f"), fmt(npmi / cd_npmi, ".3f"),
                             fmt(npmi - cd_npmi, "+.4f"), fmt(floor * 1e3, ".1f"),
                             fmt(t / (floor * max(it, 1)), ".1f"), goal])
    rows += [["all", "–", solver, "skipped", *["–"] * 10] for solver in skipped]
    print(f"\nmedians over {args.repeats} repeat(s) (seeds {args.seed}–{args.seed + args.repeats - 1}"
          f"), {args.threads} thread(s); time = "
          "factorize() alone (matrix built once, above); NPMI/time ratios and ΔNPMI against cd "
          "on the same matrix and k; floor = one sweep's unavoidable float32 products; "
          f"goal = time ≤ {TIME_GOAL}× cd and NPMI ≥ cd's")
    if skipped:
        print("skipped: " + "; ".join(f"{s} ({why})" for s, why in skipped.items()))
    print()
    print(markdown_table(["matrix", "k", "solver", "time s", "iter", "NPMI@10", "div@25",
                         "‖V−WH‖/‖V‖", "time/cd", "NPMI/cd", "ΔNPMI", "floor ms",
                         "floors/it", "goal"], rows, align="lrl" + "r" * 11))


# ---------------------------------------------------------------------------------------------
# Configuration mode


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


def config_mode(args, texts):
    weightings = sorted({CONFIGS[c][0] for c in args.configs if c in CONFIGS})
    matrices = build_matrices(texts, weightings)
    print_header("bench_quality: topicnmf configurations vs scikit-learn's plain NMF",
                 args.data, len(texts), threads=args.threads,
                 extra=["vocabulary: " + ", ".join(f"{n} {V.shape[0]} terms ({s:.1f} s)"
                                                   for n, (V, s) in matrices.items())])
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

    print(f"\nmedians over {args.repeats} repeat(s); time = factorization only "
          "(vectorizing is listed above)")
    print(f"{'k':>3}  {'configuration':27s} {'NPMI':>7} {'diversity':>9} {'time s':>8} "
          f"{'time / sklearn':>14} {'NPMI s':>7}")
    rows = []
    for k in args.k:
        base = median(r[0] for r in results[(k, "sklearn-plain")]) \
            if (k, "sklearn-plain") in results else float("nan")
        for name in args.configs:
            runs = results[(k, name)]
            t = median(r[0] for r in runs)
            npmi, diversity = median(r[1] for r in runs), median(r[2] for r in runs)
            print(f"{k:3d}  {name:27s} {npmi:7.4f} {diversity:9.3f} {t:8.1f} "
                  f"{t / base:14.2f} {median(r[4] for r in runs):7.2f}")
            rows.append([k, name, fmt(npmi, ".4f"), fmt(diversity, ".3f"), fmt(t, ".1f"),
                         fmt(t / base, ".2f"), fmt(median(r[3] for r in runs), ".0f")])
    print()
    print(markdown_table(["k", "configuration", "NPMI@10", "div@25", "time s",
                          "time/sklearn", "iter"], rows, align="rl" + "r" * 5))


# ---------------------------------------------------------------------------------------------
# Sections mode

SECTION_CONFIGS = ("sklearn-plain", "hals", "hals+contribution", "hals+near-dup",
                   "hals+near-dup+contribution", "hals+near-dup+pivot+contribution",
                   "rank2+near-dup+contribution", "cd+near-dup+contribution")
DEFAULT_CONFIG = "hals+near-dup+contribution"
GOAL_CONFIGS = (DEFAULT_CONFIG, "rank2+near-dup+contribution")
NMI_GOAL = 0.40                             # at k = 50
DIVERSITY_GOAL, NPMI_GOAL = 0.85, 0.31      # both at k = 50


def load_sections(path, limit=None):
    """(texts, sections) of a JSONL corpus with a ``section`` field ('' where missing)."""
    import gzip
    import json

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = rows[:limit] if limit else rows
    return [r["text"] for r in rows], np.array([r.get("section") or "" for r in rows])


def shown_terms(W, H, top, relevance):
    """Top ``top`` rows of each topic as ``topics`` shows them (relevance 1: by weight)."""
    from topicnmf.model.fitted import relevance_scores, term_frequency, top_rows

    if relevance == 1.0:
        return top_term_indices(W, top)
    p = term_frequency(W, H)
    return np.array([top_rows(relevance_scores(W[:, z], p, relevance), top)
                     for z in range(W.shape[1])])


def agreement(dominant, codes, labelled):
    """(NMI, ARI, largest topic's share of all documents)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    share = np.bincount(dominant[dominant >= 0]).max() / dominant.size
    return (normalized_mutual_info_score(codes, dominant[labelled]),
            adjusted_rand_score(codes, dominant[labelled]), share)


def fit_section_config(name, k, seed, X, V, lengths, fits):
    """(W, H, dominant topics, matrix for NPMI, seconds) of one configuration; topicnmf fits
    are shared between the configurations that differ only in how they are read."""
    from sklearn.decomposition import NMF

    from topicnmf import TopicModel
    from topicnmf.factor.projection import contributions, project

    start = time.perf_counter()
    if name == "sklearn-plain":
        model = NMF(k, solver="cd", init="nndsvda", random_state=seed)
        H = model.fit_transform(X).T
        return model.components_.T, H, H.argmax(axis=0), X.T.tocsc(), \
            time.perf_counter() - start
    solver, weighted, pivoted = name.split("+")[0], "near-dup" in name, "pivot" in name
    if (solver, weighted, pivoted) not in fits:
        est = TopicModel(k, solver=solver, random_state=seed,
                         near_duplicates=0.95 if weighted else None,
                         pivot_slope=0.5 if pivoted else 1.0)
        W = est.factorize_matrix(V, lengths=lengths)[0]
        fits[(solver, weighted, pivoted)] = (W, project(V, W), time.perf_counter() - start)
    W, H, seconds = fits[(solver, weighted, pivoted)]
    rule = contributions(W, H) if "contribution" in name else H
    return W, H, rule.argmax(axis=0), V, seconds


def sections_mode(args, texts, sections):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from topicnmf import TopicModel
    from topicnmf.model.params import make_vectorizer

    labelled = sections != ""
    _, codes = np.unique(sections[labelled], return_inverse=True)
    largest_section = np.bincount(codes).max() / labelled.sum()
    vectorizer = make_vectorizer(TopicModel().get_params())
    V = vectorizer.fit_transform(texts)
    lengths = vectorizer.document_lengths(V)
    X = TfidfVectorizer().fit_transform(texts)
    configs = [c for c in SECTION_CONFIGS if args.with_cd or not c.startswith("cd")]
    print_header("bench_quality: dominant topic vs Debian section, against scikit-learn's "
                 "plain NMF", args.data, len(texts), threads=args.threads,
                 extra=[f"sections: {len(np.unique(codes))} among {labelled.sum()} documents; "
                        f"the largest holds {largest_section:.3f} of them",
                        f"matrices: topicnmf {V.shape[0]} terms, sklearn {X.shape[1]} terms; "
                        f"seed {args.seed}"])
    rows, results = [], {}
    with threadpool_limits(args.threads):
        for k in args.k:
            fits = {}
            for name in configs:
                W, H, dominant, ref, seconds = fit_section_config(name, k, args.seed, X, V,
                                                                  lengths, fits)
                relevance = 0.5 if "contribution" in name else 1.0
                nmi, ari, share = agreement(dominant, codes, labelled)
                npmi = float(np.mean(npmi_coherence(shown_terms(W, H, 10, relevance), ref)))
                diversity = topic_diversity(shown_terms(W, H, 25, relevance))
                results[(k, name)] = (nmi, ari, share, npmi, diversity)
                print(f"k={k:3d} {name:34s} NMI {nmi:.3f}  ARI {ari:.3f}  largest {share:.3f}"
                      f"  NPMI {npmi:.4f}  diversity {diversity:.3f}  {seconds:6.1f} s",
                      flush=True)
                rows.append([k, name, fmt(nmi, ".3f"), fmt(ari, ".3f"), fmt(share, ".3f"),
                             fmt(npmi, ".4f"), fmt(diversity, ".3f"), fmt(seconds, ".1f")])
    print(f"\nlargest section: {largest_section:.3f} of the labelled documents (goal: largest "
          f"topic <= {2 * largest_section:.3f})\n")
    print(markdown_table(["k", "configuration", "NMI", "ARI", "largest topic", "NPMI@10",
                          "div@25", "fit s"], rows, align="rl" + "r" * 6))
    for config in GOAL_CONFIGS:
        print(f"\ngoals for {config}" + (" (topicnmf's defaults):" if config == DEFAULT_CONFIG
                                         else ":"))
        for k in args.k:
            print(f"  k={k}: " + "; ".join(goal_checks(results, k, config, largest_section)))


def goal_checks(results, k, config, largest_section):
    """Issue 14's goals at ``k`` for one configuration, each as 'figure vs goal: yes/NO'."""
    nmi, _, share, npmi, diversity = results[(k, config)]
    base = results[(k, "sklearn-plain")][0]
    checks = [f"largest {share:.3f} <= {2 * largest_section:.3f}: "
              f"{'yes' if share <= 2 * largest_section else 'NO'}",
              f"NMI {nmi:.3f} >= sklearn's {base:.3f}: {'yes' if nmi >= base else 'NO'}"]
    if k == 50:
        met = diversity >= DIVERSITY_GOAL and npmi >= NPMI_GOAL
        checks += [f"NMI >= {NMI_GOAL}: {'yes' if nmi >= NMI_GOAL else 'NO'}",
                   f"diversity {diversity:.3f} >= {DIVERSITY_GOAL} at NPMI {npmi:.4f} >= "
                   f"{NPMI_GOAL}: {'yes' if met else 'NO'}"]
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("-k", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--repeats", type=int,
                        help="Fits per configuration [default: 3 with --solvers, else 1].")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="Use only the first N documents.")
    parser.add_argument("--solvers", nargs="+", metavar="SOLVER",
                        help="Solver mode: compare these factorize() solvers (e.g. hals cd mu) "
                             "on the same matrix; a solver unknown to the code is skipped.")
    parser.add_argument("--matrices", nargs="+", choices=MATRICES, default=["topicnmf"],
                        help="With --solvers: the matrices to run every solver on "
                             "[default: topicnmf].")
    parser.add_argument("--configs", nargs="+", choices=["sklearn-plain", *CONFIGS],
                        default=["sklearn-plain", *CONFIGS])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (machine has 2).")
    parser.add_argument("--sections", action="store_true",
                        help="Sections mode: dominant topic vs Debian section, catch-all topic, "
                             "shown terms, against scikit-learn's plain NMF (-k 12 20 50).")
    parser.add_argument("--with-cd", action="store_true",
                        help="With --sections: also topicnmf's defaults with solver cd.")
    args = parser.parse_args()
    if args.repeats is None:
        args.repeats = 3 if args.solvers else 1

    if args.sections:
        if "-k" not in sys.argv:
            args.k = [12, 20, 50]
        sections_mode(args, *load_sections(args.data, args.limit))
        return
    texts = load_texts(args.data, args.limit)
    if args.solvers:
        solver_mode(args, texts)
    else:
        config_mode(args, texts)


if __name__ == "__main__":
    main()
