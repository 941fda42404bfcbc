#!/usr/bin/env python3
"""Run every fuzz property of tests/test_fuzz.py with many examples and report distinct failures.

Each property gets ``--cases / number of properties`` examples, run in rounds: hypothesis stops
generating soon after its first failure, so after each round the failures found are reported,
marked known (they then pass) and the next round, with the next seed, looks for new ones until
the property's cases (generated examples) are used up. Prints one row per property (cases,
runs of the property body incl. shrinking, seconds, distinct failures) and then each failure: exception, where raised, and the minimal
failing input hypothesis found. Exit status 0 without failures, 1 otherwise.

    python scripts/fuzz.py --cases 2000 --seed 1
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ.setdefault("TOPICNMF_FUZZ_PROFILE", "fuzz-large")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000,
                        help="examples in total, shared by the properties (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first round")
    parser.add_argument("--property", action="append", dest="properties",
                        help="only this property (e.g. loaders); repeatable")
    parser.add_argument("--rounds", type=int, default=20,
                        help="rounds at most per property (default 20)")
    args = parser.parse_args(argv)

    from hypothesis import settings
    from hypothesis.statistics import collector

    import fuzzing
    import test_fuzz

    tests = {name[len("test_"):]: fn for name, fn in vars(test_fuzz).items()
             if name.startswith("test_") and hasattr(fn, "hypothesis")}
    if args.properties:
        unknown = set(args.properties) - set(tests)
        if unknown:
            parser.error(f"unknown properties {sorted(unknown)}; choose from {sorted(tests)}")
        tests = {name: tests[name] for name in args.properties}
    per_test = max(1, args.cases // len(tests))
    large = settings.get_profile("fuzz-large")
    test_fuzz.base_models()                         # fitted once, outside the timings

    rows, failures, generated = [], [], collections.Counter()
    for name, test in tests.items():
        def count_generated(stats, name=name):
            generated[name] += len(stats.get("generate-phase", {}).get("test-cases", []))

        start, found, rounds = time.perf_counter(), 0, 0
        while generated[name] < per_test and rounds < args.rounds:
            left = per_test - generated[name]
            # What @settings and @seed set; assigned directly as they refuse to redecorate.
            test._hypothesis_internal_use_settings = settings(large, max_examples=left)
            test._hypothesis_internal_use_seed = args.seed * 1000 + rounds
            rounds += 1
            try:
                with collector.with_value(count_generated):
                    test()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:                            # noqa: BLE001
                for error in getattr(exc, "exceptions", None) or [exc]:
                    key = fuzzing.failure_key(error)
                    if key not in fuzzing.KNOWN:
                        fuzzing.KNOWN.add(key)
                        failures.append((name, error))
                        found += 1
            else:
                break                                               # all cases passed
        rows.append((name, generated[name], fuzzing.COUNTS[name], time.perf_counter() - start,
                     found))
        print(f"{name}: {generated[name]} cases ({fuzzing.COUNTS[name]} runs), "
              f"{rows[-1][3]:.0f} s, {found} failure(s)", file=sys.stderr, flush=True)

    total_cases, total_runs = sum(r[1] for r in rows), sum(r[2] for r in rows)
    total_seconds = sum(r[3] for r in rows)
    print("\ncases: examples generated; runs: property bodies executed (cases, shrinking)")
    print(f"{'property':<16} {'cases':>7} {'runs':>7} {'seconds':>8} {'failures':>8}")
    for name, cases, runs, seconds, found in rows:
        print(f"{name:<16} {cases:>7} {runs:>7} {seconds:>8.1f} {found:>8}")
    print(f"{'total':<16} {total_cases:>7} {total_runs:>7} {total_seconds:>8.1f} "
          f"{len(failures):>8}   ({total_runs / max(total_seconds, 1e-9):.1f} runs/s)")
    outcomes = ", ".join(f"{cmd} {code}: {n}" for (cmd, code), n in
                         sorted(fuzzing.OUTCOMES.items(), key=str))
    print(f"\noutcomes (command exit-status: runs): {outcomes}")

    for i, (name, error) in enumerate(failures, 1):
        message = (str(error).strip().splitlines() or [""])[0][:200]
        print(f"\n[{i}] {name}: {type(error).__module__}.{type(error).__qualname__}: "
              f"{message}\n    raised at {fuzzing.crash_site(error)}"
              f" (innermost {fuzzing.failure_key(error)[1].replace(str(REPO) + os.sep, '')})")
        for note in getattr(error, "__notes__", []):
            for line in note.splitlines():
                if line.strip().startswith(("Explanation", "These lines", "/")):
                    continue
                print(f"    {line[:300]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
