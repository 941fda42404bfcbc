#!/usr/bin/env python
"""Benchmark `topicnmf fit` against scikit-learn's bare NMF on the same corpus, side by side.

Each repeat runs, for each k, as separate processes under /usr/bin/time -v (wall time and peak
resident memory):
  A-<solver>  the whole `topicnmf fit --solver <solver>` (load, preprocess, tf-idf, NMF,
              projection, save), once per --solvers value;
  B           scikit-learn alone: TfidfVectorizer() with defaults (~80k terms on the Debian
              descriptions), then NMF(solver='cd', init='nndsvda') with its defaults
              (max_iter 200);
  C-sklearn   scikit-learn NMF(cd) as in B, on TfidfVectorizer(stop_words='english',
              max_features=18000): a smaller matrix, to hold a new solver against; its NMF
              time is the figure to read;
  C-<solver>  topicnmf.factor.factorize(solver=<solver>) on that same 18k-term matrix, for each
              --solvers value other than cd.
The runs alternate in that order within a repeat (A-hals, A-cd, B, C-sklearn, C-hals, then
the next k), so machine noise hits all of them; medians over repeats and ratios are printed
(wall time to B; peak memory to A-cd, i.e. today's `topicnmf fit`), then a markdown table to
paste into a closing note. A solver the installed code does not know (e.g. hals before it
lands) is reported as skipped. The subprocesses import topicnmf from this checkout.

Examples (the machine has 2 cores; --limit for a quick look):

    python scripts/bench_fit.py --solvers hals cd -k 20 50 --repeats 3
    python scripts/bench_fit.py --solvers cd mu -k 20 50 --limit 3000 --repeats 1
    python scripts/bench_fit.py -k 50 --no-18k           # A-cd vs B only, like before
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import (DEFAULT_DATA, fmt, load_texts, markdown_table, median,  # noqa: E402
                      print_header, timed, write_limited)

GOAL = 0.6          # the goal: the whole `topicnmf fit` <= 0.6 x B's wall time
RSS_TOLERANCE = 1.01   # and peak memory no higher than today's (A-cd), up to 1% of noise


def inner_run(kind, data, k, seed):
    """B or C in this process; print its own timings as JSON on stdout.

    ``kind``: 'b' (TfidfVectorizer() + NMF(cd)), 'c-sklearn' (the 18k-term matrix + NMF(cd)),
    or 'c-<solver>' (the 18k-term matrix + topicnmf.factor.factorize(solver=<solver>)).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    start = time.perf_counter()
    texts = load_texts(data)
    vectorizer = TfidfVectorizer() if kind == "b" else \
        TfidfVectorizer(stop_words="english", max_features=18000)
    X = vectorizer.fit_transform(texts)
    vectorized = time.perf_counter()
    if kind in ("b", "c-sklearn"):
        from sklearn.decomposition import NMF

        n_iter = NMF(k, solver="cd", init="nndsvda", random_state=seed).fit(X).n_iter_
    else:
        sys.path.insert(0, str(REPO))
        from topicnmf.factor import factorize

        n_iter = factorize(X.T, k, solver=kind[2:], random_state=seed)[2]
    done = time.perf_counter()
    print(json.dumps({"documents": X.shape[0], "terms": X.shape[1], "n_iter": int(n_iter),
                      "vectorize_s": vectorized - start, "nmf_s": done - vectorized}))


def known_solvers():
    """(solvers `topicnmf fit --solver` accepts, solvers factorize accepts) in this checkout."""
    sys.path.insert(0, str(REPO))
    from topicnmf.cli.options import SOLVERS as cli_solvers
    from topicnmf.factor import SOLVERS as factor_solvers

    return set(cli_solvers), set(factor_solvers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("-k", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--solvers", "--solver", nargs="+", default=["cd"], metavar="SOLVER",
                        help="`topicnmf fit --solver` values to run (A), e.g. hals cd "
                             "[default: cd].")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="Use only the first N documents.")
    parser.add_argument("--no-18k", dest="c_runs", action="store_false",
                        help="Leave out the C runs (the 18k-term matrix).")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner_run(args.inner, args.data, args.k[0], args.seed)
    if not Path("/usr/bin/time").exists():
        sys.exit("needs /usr/bin/time (Debian package 'time')")

    cli_solvers, factor_solvers = known_solvers()
    skipped = {}
    for s in args.solvers:
        why = [f"{run} ({where})" for run, known, where in (
            ("A", cli_solvers, "not a `topicnmf fit --solver` choice"),
            ("C", factor_solvers if args.c_runs and s != "cd" else {s},
             "not in topicnmf.factor.SOLVERS")) if s not in known]
        if why:
            skipped[s] = "; ".join(why) + " in this checkout"
    a_solvers = [s for s in args.solvers if s in cli_solvers]
    c_solvers = [s for s in args.solvers if s != "cd" and s in factor_solvers] \
        if args.c_runs else []
    variants = [f"A-{s}" for s in a_solvers] + ["B"] \
        + (["C-sklearn"] + [f"C-{s}" for s in c_solvers] if args.c_runs else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = write_limited(args.data, args.limit, Path(tmp, "corpus.jsonl.gz")) \
            if args.limit else args.data
        n_docs = len(load_texts(data))
        print_header("bench_fit: the whole `topicnmf fit` vs scikit-learn's bare pipeline",
                     args.data, n_docs, extra=[
                         f"runs:     {', '.join(variants)} per k in {args.k}, "
                         f"{args.repeats} repeat(s), seed {args.seed}"
                         + "".join(f"; {s} SKIPPED: {why}" for s, why in skipped.items())])
        for repeat in range(args.repeats):
            for k in args.k:
                for variant in variants:
                    kind, solver = variant.split("-", 1) if "-" in variant else (variant, None)
                    if kind == "A":
                        model = Path(tmp, f"model-{solver}-{k}")
                        cmd = [sys.executable, "-m", "topicnmf.cli", "fit", data,
                               "-k", str(k), "--solver", solver, "--duplicate-ids", "number",
                               "--seed", str(args.seed), "-o", str(model)]
                    else:
                        cmd = [sys.executable, __file__, "--inner", variant.lower(),
                               "--data", data, "-k", str(k), "--seed", str(args.seed)]
                    wall, rss, out, err = timed(cmd, env=env)
                    if kind == "A":
                        meta = json.loads(Path(model, "model.json").read_text())
                        fitted = re.search(r"iterations, ([\d.]+) s", err)
                        inner = {"terms": len(meta["vectorizer"]["vocabulary"]),
                                 "n_iter": meta["n_iter"],
                                 "fit_s": float(fitted.group(1)) if fitted else float("nan")}
                    else:
                        inner = json.loads(out)
                    results.setdefault((k, variant), []).append({"wall": wall, "rss": rss,
                                                                 **inner})
                    detail = (f"model.fit {inner['fit_s']:.1f} s" if kind == "A" else
                              f"vectorize {inner['vectorize_s']:.1f} s, "
                              f"NMF {inner['nmf_s']:.1f} s")
                    print(f"repeat {repeat + 1} k={k:3d} {variant:12s} {wall:7.1f} s "
                          f"{rss:6.0f} MiB  {inner['terms']:6d} terms {inner['n_iter']:4d} it  "
                          f"({detail})", flush=True)

    def med(k, variant, key):
        runs = results.get((k, variant))
        return median(r[key] for r in runs) if runs else float("nan")

    rows = []
    for k in args.k:
        b_wall = med(k, "B", "wall")
        a_rss = med(k, "A-cd", "rss")
        c_nmf = med(k, "C-sklearn", "nmf_s")
        for variant in variants:
            wall, rss = med(k, variant, "wall"), med(k, variant, "rss")
            nmf = med(k, variant, "nmf_s") if not variant.startswith("A") else float("nan")
            is_a = variant.startswith("A")
            time_goal = ("yes" if wall <= GOAL * b_wall else "no") if is_a else "–"
            rss_goal = "–" if not is_a or a_rss != a_rss else "ref" if variant == "A-cd" \
                else "yes" if rss <= RSS_TOLERANCE * a_rss else "no"
            rows.append([k, variant, fmt(wall, ".1f"), fmt(rss, ".0f"),
                         fmt(wall / b_wall, ".2f"), fmt(rss / a_rss, ".2f"), fmt(nmf, ".1f"),
                         fmt(nmf / c_nmf, ".2f") if variant.startswith("C") else "–",
                         fmt(med(k, variant, "n_iter"), ".0f"),
                         fmt(med(k, variant, "terms"), ".0f"),
                         time_goal, rss_goal])
    rows += [["–", s, "skipped", *["–"] * 9] for s in skipped]
    print(f"\nmedians over {args.repeats} repeat(s); wall and peak RSS of the whole process; "
          f"NMF s = the factorization alone (B, C); goals: A wall ≤ {GOAL}× B's, A peak RSS ≤ "
          f"A-cd's (today's `topicnmf fit`; {RSS_TOLERANCE - 1:.0%} allowed for noise). "
          "B and C-sklearn use NMF's defaults (max_iter 200); A and C-<solver> use "
          "topicnmf's (max_iter 400, tol 1e-4).\n")
    print(markdown_table(["k", "run", "wall s", "peak MiB", "wall/B", "RSS/A-cd", "NMF s",
                          "NMF/C-sklearn", "iter", "terms", f"≤{GOAL}×B", "RSS≤A-cd"], rows,
                         align="rl" + "r" * 10))


if __name__ == "__main__":
    main()
