#!/usr/bin/env python3
"""Run every fuzz property of tests/test_fuzz.py with many examples and report distinct failures.

Each property gets ``--cases / number of properties`` examples, run in rounds: hypothesis stops
generating soon after its first failure, so after each round the failures found are reported,
marked known (they then pass) and the next round, with the next seed, looks for new ones until
the property's cases (generated examples) are used up. Each property runs in its own process,
so that an interpreter crash (a segfault in native code) is reported with the command that
caused it instead of ending the run.

Prints one row per property (cases, runs of the property body incl. shrinking, seconds,
distinct failures) and then each failure: exception, where raised, and the minimal failing
input hypothesis found. Exit status 0 without failures, 1 otherwise.

    python scripts/fuzz.py --cases 2000 --seed 1
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ.setdefault("TOPICNMF_FUZZ_PROFILE", "fuzz-large")
ROW = "FUZZ-ROW"


def run_property(name, cases, seed, max_rounds):
    """Run one property in rounds in this process; print its failures, then its ROW line."""
    from hypothesis import settings
    from hypothesis.statistics import collector

    import fuzzing
    import test_fuzz

    test = getattr(test_fuzz, f"test_{name}")
    large = settings.get_profile("fuzz-large")
    test_fuzz.base_models()                         # fitted once, outside the timings
    generated, failures, rounds = collections.Counter(), [], 0

    def count_generated(stats):
        generated[name] += len(stats.get("generate-phase", {}).get("test-cases", []))

    start = time.perf_counter()
    while generated[name] < cases and rounds < max_rounds:
        # What @settings and @seed set; assigned directly as they refuse to redecorate.
        test._hypothesis_internal_use_settings = settings(large,
                                                          max_examples=cases - generated[name])
        test._hypothesis_internal_use_seed = seed * 1000 + rounds
        rounds += 1
        try:
            with collector.with_value(count_generated):
                test()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:                                # noqa: BLE001
            for error in getattr(exc, "exceptions", None) or [exc]:
                key = fuzzing.failure_key(error)
                if key not in fuzzing.KNOWN:
                    fuzzing.KNOWN.add(key)
                    failures.append(error)
                    describe(name, error)       # now: a later segfault would lose it
        else:
            break                                                   # all cases passed
    seconds = time.perf_counter() - start
    outcomes = ", ".join(f"{cmd} {code}: {n}" for (cmd, code), n in
                         sorted(fuzzing.OUTCOMES.items(), key=str))
    print(f"\n[{name}] outcomes (command exit-status: runs): {outcomes}")
    print(f"{ROW}\t{name}\t{generated[name]}\t{fuzzing.COUNTS[name]}\t{seconds:.3f}\t"
          f"{len(failures)}", flush=True)


def describe(name, error):
    """Print a failure: exception, where raised, the falsifying example."""
    import fuzzing

    message = (str(error).strip().splitlines() or [""])[0][:200]
    innermost = fuzzing.failure_key(error)[1].replace(str(REPO) + os.sep, "")
    print(f"\n[{name}] {type(error).__module__}.{type(error).__qualname__}: {message}\n"
          f"    raised at {fuzzing.crash_site(error)} (innermost {innermost})")
    for note in getattr(error, "__notes__", []):
        for line in note.splitlines():
            if not line.strip().startswith(("Explanation", "These lines", "/")):
                print(f"    {line[:300]}")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000,
                        help="examples in total, shared by the properties (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first round")
    parser.add_argument("--property", action="append", dest="properties",
                        help="only this property (e.g. loaders); repeatable")
    parser.add_argument("--rounds", type=int, default=20,
                        help="rounds at most per property (default 20)")
    parser.add_argument("--child", help=argparse.SUPPRESS)   # run one property here
    args = parser.parse_args(argv)
    faulthandler.enable()       # a crash of the interpreter (e.g. a segfault) shows where
    if args.child:
        run_property(args.child, args.cases, args.seed, args.rounds)
        return 0

    import test_fuzz

    names = [name[len("test_"):] for name, fn in vars(test_fuzz).items()
             if name.startswith("test_") and hasattr(fn, "hypothesis")]
    if args.properties:
        unknown = set(args.properties) - set(names)
        if unknown:
            parser.error(f"unknown properties {sorted(unknown)}; choose from {sorted(names)}")
        names = args.properties
    per_test = max(1, args.cases // len(names))

    rows, details, n_failures = [], [], 0
    for name in names:
        with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
            env = dict(os.environ, TOPICNMF_FUZZ_TRACE=trace.name)
            start = time.perf_counter()
            child = subprocess.run(
                [sys.executable, __file__, "--child", name, "--cases", str(per_test),
                 "--seed", str(args.seed), "--rounds", str(args.rounds)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seconds = time.perf_counter() - start
            commands = trace.read().splitlines()
        lines = child.stdout.splitlines()
        row = [line.split("\t") for line in lines if line.startswith(ROW)]
        details += [line for line in lines if not line.startswith(ROW)]
        if row and child.returncode == 0:
            _, _, cases, runs, seconds, found = row[0]
            rows.append((name, int(cases), int(runs), float(seconds), int(found)))
            n_failures += int(found)
        else:                                  # the interpreter died: say how and on what
            stack = [line for line in child.stderr.splitlines() if "topicnmf" in line][:6]
            details += [f"\n[{name}] interpreter died (exit status {child.returncode}), "
                        f"{len(commands)} commands run; the last one:",
                        f"    topicnmf {commands[-1] if commands else '?'}",
                        *(f"    {line.strip()}" for line in stack)]
            rows.append((name, None, len(commands), seconds, 1))
            n_failures += 1
        print(f"{name}: {rows[-1][1]} cases ({rows[-1][2]} runs), {rows[-1][3]:.0f} s, "
              f"{rows[-1][4]} failure(s)", file=sys.stderr, flush=True)

    total_runs = sum(r[2] for r in rows)
    total_seconds = sum(r[3] for r in rows)
    print("cases: examples generated; runs: property bodies executed (cases, shrinking)")
    print(f"{'property':<16} {'cases':>7} {'runs':>7} {'seconds':>8} {'failures':>8}")
    for name, cases, runs, seconds, found in rows:
        print(f"{name:<16} {'died' if cases is None else cases:>7} {runs:>7} {seconds:>8.1f} "
              f"{found:>8}")
    print(f"{'total':<16} {sum(r[1] or 0 for r in rows):>7} {total_runs:>7} "
          f"{total_seconds:>8.1f} {n_failures:>8}   "
          f"({total_runs / max(total_seconds, 1e-9):.1f} runs/s)")
    print("\n".join(details))
    return 1 if n_failures else 0


if __name__ == "__main__":
    sys.exit(main())
