#!/usr/bin/env python3
"""Record what topicnmf prints and writes, to prove that a refactoring changed nothing.

Runs every ``$ command`` of README.md's console examples in order (``/tmp/`` becomes a scratch
folder, the shipped corpora and ``../shared`` are linked in), then one call of every CLI verb
and output format on the shipped corpora, and keeps each command's stdout and the files it
writes (CSV, JSONL, HTML, SVG) in OUTDIR, one file per command. Run it before and after a
change and compare:

    python scripts/record_outputs.py record /tmp/before
    ... change the code ...
    python scripts/record_outputs.py record /tmp/after
    python scripts/record_outputs.py compare /tmp/before /tmp/after

Run-to-run noise is removed before recording: the fit time in the report, and timings and
progress on stderr (stderr is not recorded). ``--no-shared`` skips the README example on the
64k Debian corpus of ``../shared/data``.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOPICNMF = [sys.executable, "-m", "topicnmf.cli"]

#: One call of every verb and output format beyond the README's examples ($S: scratch folder).
VERBS = [
    "topicnmf fit corpora/tickets.csv.gz --id-column id --label-column section "
    "-k 8 --seed 3 -o $S/v",
    "topicnmf topics $S/v --format csv",
    "topicnmf topics $S/v --format json --top 3",
    "topicnmf topics $S/v --format jsonl --top 2",
    "topicnmf topics $S/v --term python",
    "topicnmf segments $S/v --format csv",
    "topicnmf segments $S/v --by topic --format jsonl",
    "topicnmf recommend $S/v python3-numpy --top 5 --include-seen --format csv",
    "topicnmf similar $S/v python3-numpy --top 5 --format json",
    "topicnmf similar $S/v --text 'printer driver crash' --blend 0.7",
    "topicnmf target $S/v --topic 2 --budget 5 --format csv",
    "topicnmf target $S/v --term font --budget 5 --prospects-only",
    "topicnmf label $S/v 1 Fonts",
    "topicnmf evaluate $S/v --runs 1",
    "topicnmf evaluate $S/v --runs 0 --format csv",
    "topicnmf choose-k corpora/tickets.csv.gz --id-column id --k 4,8 --runs 1 --format csv",
    "topicnmf tag corpora/tickets.csv.gz --id-column id --model $S/v -o $S/vtags",
    "head -c 2000 corpora/tickets.csv.gz | gzip -dc 2>/dev/null | "
    "topicnmf assign --model $S/v --input-format csv --id-column id | head -5",
    "topicnmf report $S/v -o $S/v.html",
    "topicnmf plot $S/v --kind heatmap -o $S/v.svg",
    "topicnmf plot $S/v --kind map -o $S/vmap.svg",
    "topicnmf update $S/v corpora/changelogs.jsonl.gz --date-column date -o $S/vu "
    "--new-topics 2",
    "topicnmf diff $S/v $S/vu --format json --top 3",
    "topicnmf fit corpora/changelogs.jsonl.gz --date-column date -k 9 --seed 3 -o $S/va "
    "--align-to $S/v",
    "topicnmf fit --matrix corpora/purchases.csv -k 3 --seed 1 -o $S/vp",
    "topicnmf segments $S/vp --format json",
    "topicnmf recommend $S/vp Mary --format csv",
    "topicnmf fit --matrix corpora/ratings.csv --missing blank -k 2 -o $S/vr",
    "topicnmf recommend $S/vr Ann --include-seen",
]
KEPT_SUFFIXES = (".csv", ".jsonl", ".html", ".svg")


def readme_commands(readme: Path, shared: bool) -> list:
    """The ``$ ...`` lines of README.md's code blocks, in order. ``$ cat FILE`` shows a file
    the reader is meant to have: it is written from the lines the README shows after it."""
    commands, in_block, shown = [], False, None
    for line in readme.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_block, shown = not in_block, None
            continue
        if in_block and line.startswith("$ "):
            command = line[2:].replace("/tmp/", "$S/")
            shown = None
            if command.startswith("cat ") and command.endswith(".json"):
                shown = []
                commands.append((command[4:], shown))
            if shared or "../shared" not in command:
                commands.append(command)
        elif shown is not None:
            shown.append(line)
    return [f"test -e {c[0]} || printf '%s\\n' {_quote(c[1])} > {c[0]}"
            if isinstance(c, tuple) else c for c in commands]


def _quote(lines) -> str:
    return " ".join("'" + line.replace("'", "'\\''") + "'" for line in lines)


def record(outdir: Path, shared: bool) -> int:
    outdir.mkdir(parents=True, exist_ok=True)
    commands = readme_commands(REPO / "README.md", shared) + VERBS
    with tempfile.TemporaryDirectory() as tmp:
        work, scratch = Path(tmp) / "repo", Path(tmp) / "scratch"
        work.mkdir()
        scratch.mkdir()
        (work / "corpora").symlink_to(REPO / "corpora")
        if (REPO.parent / "shared").exists():
            (Path(tmp) / "shared").symlink_to(REPO.parent / "shared")
        bin_dir = Path(tmp) / "bin"
        bin_dir.mkdir()
        (bin_dir / "topicnmf").write_text(f"#!/bin/sh\nexec {' '.join(TOPICNMF)} \"$@\"\n")
        (bin_dir / "topicnmf").chmod(0o755)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "S": str(scratch), "PYTHONPATH": str(REPO),
               "HOME": tmp, "LC_ALL": "C.UTF-8"}
        for number, command in enumerate(commands, start=1):
            before = _files(scratch) | _files(work)
            done = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                                  capture_output=True, text=True)
            text = f"$ {command}\nexit {done.returncode}\n{done.stdout}"
            (outdir / f"{number:03d}.txt").write_text(text, "utf-8")
            for path in sorted((_files(scratch) | _files(work)) - before):
                if path.suffix in KEPT_SUFFIXES:
                    shutil.copyfile(path, outdir / f"{number:03d}-{path.name}")
                    _denoise(outdir / f"{number:03d}-{path.name}")
            print(f"{number:3d} exit {done.returncode}  {command[:90]}")
    return 0


def _files(folder: Path) -> set:
    return {p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _denoise(path: Path):
    if path.suffix == ".html":
        text = path.read_text("utf-8")
        text = re.sub(r'(<div class="value">)[0-9.]+ s(</div><div class="name">Fit time)',
                      r"\1… s\2", text)
        path.write_text(text, "utf-8")


def compare(before: Path, after: Path) -> int:
    left, right = sorted(p.name for p in before.iterdir()), sorted(p.name for p in after.iterdir())
    differ = [n for n in left if n in right and not filecmp.cmp(before / n, after / n,
                                                                 shallow=False)]
    missing = sorted(set(left) ^ set(right))
    for name in differ:
        print(f"differs: {name}")
    for name in missing:
        print(f"only in one: {name}")
    same = len(set(left) & set(right)) - len(differ)
    print(f"{same} identical, {len(differ)} differ, {len(missing)} only in one")
    return 1 if differ or missing else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    rec = sub.add_parser("record", help="run the commands and keep their outputs in OUTDIR")
    rec.add_argument("outdir", type=Path)
    rec.add_argument("--no-shared", action="store_true",
                     help="skip README examples that read ../shared/data")
    cmp_ = sub.add_parser("compare", help="compare two recordings")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.action == "record":
        return record(args.outdir, not args.no_shared)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
