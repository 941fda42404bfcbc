"""Helpers of the fuzz properties in ``test_fuzz.py`` (and ``scripts/fuzz.py``); no tests here.

The contract checked: a CLI command ends in a result (exit 0) or in one line ``Error: ...`` on
stderr with exit status 2 (never a traceback, never another status), and it never changes an
input file. A crash is re-raised as the original exception, so hypothesis tells distinct bugs
apart by where they were raised.
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import os
import traceback
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from topicnmf.cli import main

REPO = Path(__file__).resolve().parent.parent
TICKETS = REPO / "corpora" / "tickets.csv.gz"
PURCHASES = REPO / "corpora" / "purchases.csv"

_COMMON = dict(deadline=None, database=None, print_blob=False,
               suppress_health_check=list(HealthCheck))
# The suite does not shrink (fast even while bugs remain); scripts/fuzz.py does.
settings.register_profile("fuzz-suite", max_examples=100, derandomize=True,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate), **_COMMON)
settings.register_profile("fuzz-large", max_examples=1000, derandomize=False,
                          report_multiple_bugs=True, **_COMMON)
settings.load_profile(os.environ.get("TOPICNMF_FUZZ_PROFILE", "fuzz-suite"))

#: Examples executed per property (shrinking included), read by scripts/fuzz.py.
COUNTS = collections.Counter()
#: (command, exit status) → runs, to see that both the result and the error branch are hit.
OUTCOMES = collections.Counter()
#: Failure keys (see failure_key) to let pass: scripts/fuzz.py adds the failures it has
#: reported, so that its next round looks for new ones instead of shrinking known ones.
KNOWN = set()


# --- running and checking ------------------------------------------------------------------

def run_cli(args, input=None):
    """Run ``topicnmf ARGS`` in-process; the result keeps stdout and stderr apart.

    With $TOPICNMF_FUZZ_TRACE set, each command is first appended to that file (to find the
    input that killed the interpreter, e.g. by a segfault in native code).
    """
    if os.environ.get("TOPICNMF_FUZZ_TRACE"):
        with open(os.environ["TOPICNMF_FUZZ_TRACE"], "a", encoding="utf-8") as f:
            f.write(" ".join(map(str, args)) + "\n")
    return CliRunner().invoke(main, [str(a) for a in args], input=input,
                              catch_exceptions=True)


class ContractError(AssertionError):
    """The command broke the contract without a traceback (bad status or stderr)."""


def assert_contract(result, args=()):
    """Exit 0, or exit 2 with exactly one ``Error: `` line; a crash re-raises its exception."""
    exc = result.exception
    OUTCOMES[str(args[0]) if args else "?", "crash" if exc is not None and not isinstance(
        exc, SystemExit) else result.exit_code] += 1
    if exc is not None and not isinstance(exc, SystemExit):
        exc = exc.with_traceback(result.exc_info[2])
        if failure_key(exc) in KNOWN:
            return
        exc.add_note(f"command: topicnmf {' '.join(map(str, args))}")
        raise exc
    try:
        _check_output(result)
    except ContractError as error:
        report(error, str(args[0]) if args else "?",
               f"command: topicnmf {' '.join(map(str, args))}")


def _check_output(result):
    stderr = result.stderr
    if "Traceback (most recent call last)" in stderr:
        raise ContractError(f"traceback on stderr: {stderr[-500:]}")
    if result.exit_code == 0:
        return
    if result.exit_code != 2:
        raise ContractError(f"exit status {result.exit_code} (expected 0 or 2); stderr: "
                            f"{stderr[-300:]!r}")
    # Info and "warning:" lines may come first; the error is the last line, and the only one.
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("Error: ")]
    if len(errors) != 1 or errors[0] != len(lines) - 1:
        raise ContractError(f"exit 2 without exactly one 'Error: ' line at the end: "
                            f"{stderr[-300:]!r}")


def input_hashes(paths):
    """SHA-256 of every file under ``paths`` (files or folders), by path."""
    hashes = {}
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.exists() and f.is_file():
                hashes[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return hashes


def check(args, inputs=(), input=None):
    """Run the command, assert the contract and that no file under ``inputs`` changed."""
    before = input_hashes(inputs)
    result = run_cli(args, input=input)
    assert_contract(result, args)
    after = input_hashes(inputs)
    if after != before:
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        report(ContractError(f"input file(s) changed: {changed}"), str(args[0]),
               f"command: topicnmf {' '.join(map(str, args))}")
    return result


def report(error, command, note=None):
    """Raise ``error`` (a failure of ``command``) unless scripts/fuzz.py reported it already."""
    try:
        raise error
    except AssertionError as raised:
        raised.command = command
        if failure_key(raised) not in KNOWN:
            if note:
                raised.add_note(note)
            raise


def failure_key(exc):
    """What tells failures apart: type, where raised, innermost topicnmf frame (command)."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return type(exc).__name__, last, crash_site(exc), getattr(exc, "command", None)


def crash_site(exc):
    """``file:line`` of the innermost topicnmf frame of ``exc``'s traceback (else innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}topicnmf{os.sep}" in f.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    return f"{os.path.relpath(frame.filename, REPO)}:{frame.lineno}"


# --- strategies ----------------------------------------------------------------------------

WEIRD_TEXT = ["", " ", "\x00", "a\x00b", '"', '""', '"a', 'a"b', "\n", "\r\n", "\r", "a\nb",
              ",", "\t", "\ufeff", "é", "\u2028", "\U0001F600", "\udcff", "x" * 140_000,
              "printer paper jam", "refund invoice billing", "password reset login"]
def _ticket_texts(n=60):
    import csv

    with gzip.open(TICKETS, "rt", encoding="utf-8", newline="") as f:
        return [row["text"] for _, row in zip(range(n), csv.DictReader(f))]


#: Real texts (from the ticket corpus) so that some generated corpora can be fitted.
real_texts = st.sampled_from(_ticket_texts())
words = st.sampled_from("printer paper jam refund invoice billing password reset login "
                        "network wifi slow error crash update the and".split())
sentences = st.lists(words, min_size=0, max_size=8).map(" ".join)
fields = st.one_of(real_texts, real_texts, sentences, sentences, st.sampled_from(WEIRD_TEXT),
                   st.text(max_size=20))

ENCODINGS = ["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le", "cp1252"]


@st.composite
def encoded(draw, text):
    """``text`` as bytes in a random encoding, sometimes with a BOM or invalid bytes added."""
    plain = draw(st.integers(0, 2)) > 0                     # 2/3: plain UTF-8
    data = text.encode("utf-8" if plain else draw(st.sampled_from(ENCODINGS)),
                       errors="replace")
    if not plain and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if not plain and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80\x80", b"\x00",
                                                 b"\xed\xa0\x80"])) + data[at:]
    return data


@st.composite
def gzipped(draw, data):
    """``data`` gzip-compressed, sometimes damaged: truncated or a byte flipped."""
    packed = gzip.compress(data, mtime=0)
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "flip", "trailer"]))
    if damage == "truncate":
        packed = packed[:draw(st.integers(0, len(packed) - 1))]
    elif damage == "flip" and len(packed) > 18:        # inside the deflate stream
        i = draw(st.integers(10, len(packed) - 9))
        packed = packed[:i] + bytes([packed[i] ^ draw(st.integers(1, 255))]) + packed[i + 1:]
    elif damage == "trailer":
        packed = packed[:-8] + draw(st.binary(min_size=0, max_size=12))
    return packed


@st.composite
def table_text(draw, delimiter):
    """A CSV/TSV table: a header of some of id/text/label/date, rows of random fields."""
    import csv
    import io

    if draw(st.integers(0, 3)) > 0:                         # 3/4: a usual header
        columns = draw(st.sampled_from([["id", "text"], ["id", "label", "text"], ["text"],
                                        ["text", "id", "date"], ["id", "text", "x"]]))
    else:
        columns = draw(st.lists(st.sampled_from(["id", "text", "label", "date", "", "text ",
                                                 "ID", "x"]), min_size=0, max_size=5))
    ids = st.one_of(st.integers(0, 50).map(str), st.sampled_from(["1", "", "a", " 1", "1.0"]))
    rows = []
    for _ in range(draw(st.sampled_from([3, 5, 8, 0, 1, 2]))):
        n = len(columns) + draw(st.sampled_from([0] * 12 + [-1, 1]))
        row = [draw(ids) if c == "id" else draw(fields) for c in columns[:max(n, 0)]]
        row += [draw(fields) for _ in range(n - len(columns))]
        rows.append(row)
    out = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(
            st.sampled_from(["\n", "\r\n", "\r"])))
        writer.writerow(columns)
        writer.writerows(rows)
    else:                                                  # hand-joined: no quoting at all
        out.write("\n".join(delimiter.join(r) for r in [columns, *rows]))
    return out.getvalue()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | fields,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


@st.composite
def jsonl_text(draw):
    lines = []
    for _ in range(draw(st.sampled_from([3, 5, 8, 0, 1, 2]))):
        kind = draw(st.sampled_from(["doc", "doc", "doc", "value", "garbage", "blank"]))
        if kind == "doc":
            record = {}
            keys = draw(st.sampled_from([["id", "text"], ["text"], ["id", "text", "label"],
                                         None]))
            for key in keys or draw(st.lists(st.sampled_from(["id", "text", "label", "date",
                                                              "x"]), unique=True, max_size=4)):
                record[key] = draw(st.one_of(fields, fields, fields, json_values))
            lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
        elif kind == "value":
            lines.append(json.dumps(draw(json_values)))
        elif kind == "garbage":
            lines.append(draw(st.sampled_from(["{", "{\"text\": ", "nan", "{'text': 'a'}",
                                               "[1,", "\x00", "{\"text\": NaN}"])))
        else:
            lines.append("")
    return "\n".join(lines)


@st.composite
def file_bytes(draw, fmt):
    """Contents of a corpus file of format ``fmt``: structured text, encoded, or raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    if fmt == "csv":
        text = draw(table_text(","))
    elif fmt == "tsv":
        text = draw(table_text("\t"))
    elif fmt == "jsonl":
        text = draw(jsonl_text())
    else:
        lines = st.lists(fields, min_size=draw(st.sampled_from([3, 0])), max_size=8)
        text = "\n".join(draw(lines))
    return draw(encoded(text))


#: Numeric option values as the user could type them.
NUMBER_TEXT = ["0", "1", "2", "3", "-1", "-0", "0.5", "0.95", "1.5", "nan", "NaN", "inf",
               "-inf", "1e309", "-1e309", "1e308", "1e-320", "", " ", "abc", "1,5", "0x10",
               "1_0", "99999999999999999999999", "4294967296", "2147483648", "-2147483649",
               "1e3", "10.0", " 2", "2 ", "\x00", "٣"]
number_text = st.one_of(st.sampled_from(NUMBER_TEXT), st.integers(-10**20, 10**20).map(str),
                        st.floats().map(repr), st.floats(0, 1).map(str))
#: Values for options whose large valid values only make a run slow (--runs, --k, ...).
small_number_text = st.one_of(
    st.sampled_from([v for v in NUMBER_TEXT if v not in ("1e3", "0x10", "1_0") and not
                     (v.strip().isdigit() and int(v) > 3)]),
    st.integers(-3, 3).map(str), st.floats(-3, 3).map(repr))
