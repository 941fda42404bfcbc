#!/usr/bin/env python3
"""Time whole ``topicnmf`` processes: start-up, and one-shot queries that load a 64k model.

Each command runs ``--repeats`` times as a fresh process (``python -m topicnmf.cli``), and the
medians are printed. With ``--against DIR`` (another checkout, e.g. ``git worktree add
/tmp/old HEAD~3``) the same commands run from that code too, alternating with this one so that
machine noise hits both, and the ratio is printed.

The model is fitted once (k=50 on ``../shared/data/debian-descriptions.jsonl.gz``, 63,956
documents) and kept in ``--model`` (default: a folder in the temporary directory).

    python scripts/bench_cli.py --repeats 5
    python scripts/bench_cli.py --against /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DESCRIPTIONS = REPO.parent / "shared" / "data" / "debian-descriptions.jsonl.gz"


def ensure_model(path: Path, k: int) -> Path:
    if (path / "model.json").is_file():
        return path
    print(f"fitting k={k} to {DESCRIPTIONS.name} → {path} (once)…", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "topicnmf.cli", "-q", "fit", str(DESCRIPTIONS),
                    "-k", str(k), "--duplicate-ids", "number", "--seed", "0", "-o", str(path)],
                   check=True, env=_env(REPO))
    return path


def _env(code: Path) -> dict:
    return dict(os.environ, PYTHONPATH=str(code))


def first_document(model: Path) -> str:
    with open(model / "model.json", encoding="utf-8") as f:
        return json.load(f)["documents"]["ids"][0]


def seconds(code: Path, args) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "topicnmf.cli", *args], env=_env(code), cwd=code,
                   check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--model", type=Path,
                        default=Path(tempfile.gettempdir()) / "topicnmf-bench-cli-64k",
                        help="model folder (fitted there if missing)")
    parser.add_argument("-k", type=int, default=50, help="topics of the fitted model")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()

    model = ensure_model(args.model, args.k)
    doc = first_document(model)
    commands = {"--help": ["--help"], "topics": ["topics", str(model)],
                "similar": ["similar", str(model), doc],
                "recommend": ["recommend", str(model), doc]}
    codes = {"this": REPO} | ({"against": args.against.resolve()} if args.against else {})
    times = {(name, c): [] for name in commands for c in codes}
    for _ in range(args.repeats):
        for name, argv in commands.items():
            for label, code in codes.items():
                times[name, label].append(seconds(code, argv))

    print(f"median of {args.repeats} runs, whole process, model: {model} "
          f"({sum(p.stat().st_size for p in model.iterdir()) / 1e6:.0f} MB)")
    header = f"{'command':<12}" + "".join(f"{label:>10}" for label in codes)
    print(header + ("     ratio" if args.against else ""))
    for name in commands:
        medians = [statistics.median(times[name, label]) for label in codes]
        row = f"{name:<12}" + "".join(f"{m:>9.2f}s" for m in medians)
        if args.against:
            row += f"{medians[0] / medians[1]:>9.2f}×"
        print(row)


if __name__ == "__main__":
    main()
