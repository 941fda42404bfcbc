#!/usr/bin/env python3
"""Regenerate the printed outputs of README.md's examples by running them.

Every code block of README.md that holds ``$ command`` lines is run in order, in one scratch
folder for the whole README (``/tmp/`` in a command becomes that folder, and the folder's path
in what a command prints becomes ``/tmp/`` again), and the lines after each command are replaced
by what it printed (stdout and stderr, as a terminal shows them). ``$ cat FILE.json`` shows an
input the reader is meant to write: its lines are kept and written to FILE first. Blocks with
``pip install`` or ``curl`` (the server session) are left alone: update them by hand.

    python scripts/readme_outputs.py            # print a diff of what would change
    python scripts/readme_outputs.py --write    # rewrite README.md
    python scripts/readme_outputs.py --no-shared  # skip blocks that read ../shared/data

Read the diff: timings change from run to run, and the prose around an example may describe
numbers that moved.
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANUAL = ("pip install", "curl ")


def code_blocks(lines):
    """``(first, last)`` line indexes of the contents of each fenced code block."""
    blocks, start = [], None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start = number + 1
            else:
                blocks.append((start, number))
                start = None
    return blocks


def run_block(lines, first, last, env, work, scratch):
    """The block's lines with each command's output replaced by what it prints now."""
    out, number = [], first
    while number < last:
        line = lines[number]
        shown = _shown_lines(lines, number + 1, last)
        out.append(line)
        if line.startswith("$ "):
            command = line[2:].replace("/tmp/", f"{scratch}/")
            if command.startswith("cat ") and command.endswith(".json"):
                path = work / command[4:].split()[0]
                path.write_text("".join(s + "\n" for s in shown), "utf-8")
                out.extend(shown)
            else:
                done = subprocess.run(["bash", "-c", command], cwd=work, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                printed = done.stdout.replace(f"{scratch}/", "/tmp/").replace(str(scratch),
                                                                               "/tmp")
                out.extend(printed.rstrip("\n").split("\n") if printed.strip() else [])
            number += 1 + len(shown)
        else:
            number += 1
    return out


def _shown_lines(lines, number, last):
    shown = []
    while number < last and not lines[number].startswith("$ "):
        shown.append(lines[number])
        number += 1
    return shown


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite README.md")
    parser.add_argument("--no-shared", action="store_true",
                        help="leave blocks that read ../shared/data as they are")
    args = parser.parse_args()
    readme = REPO / "README.md"
    lines = readme.read_text("utf-8").split("\n")
    new = list(lines)
    with tempfile.TemporaryDirectory() as tmp:
        work, scratch = Path(tmp) / "repo", Path(tmp) / "scratch"
        work.mkdir()
        scratch.mkdir()
        for name in ("corpora", "scripts"):
            (work / name).symlink_to(REPO / name)
        if (REPO.parent / "shared").exists():
            (Path(tmp) / "shared").symlink_to(REPO.parent / "shared")
        bin_dir = Path(tmp) / "bin"
        bin_dir.mkdir()
        (bin_dir / "topicnmf").write_text(
            f"#!/bin/sh\nexec {sys.executable} -m topicnmf.cli \"$@\"\n")
        (bin_dir / "topicnmf").chmod(0o755)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": tmp,
               "LC_ALL": "C.UTF-8"}
        outputs = {}
        for first, last in code_blocks(lines):        # in order: later blocks use earlier ones
            commands = [line for line in lines[first:last] if line.startswith("$ ")]
            if not commands or any(m in c for c in commands for m in MANUAL) or \
                    (args.no_shared and any("../shared" in c for c in commands)):
                continue
            print(f"README.md:{first}: {len(commands)} command(s)", file=sys.stderr)
            outputs[first, last] = run_block(lines, first, last, env, work, scratch)
        for (first, last), block in sorted(outputs.items(), reverse=True):
            new[first:last] = block
    if args.write:
        readme.write_text("\n".join(new), "utf-8")
    else:
        sys.stdout.writelines(difflib.unified_diff(
            [s + "\n" for s in lines], [s + "\n" for s in new], "README.md", "README.md (now)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
