"""Records of JSONL, CSV/TSV and text lines: the one reader of corpus files and of stdin.

A reader takes lines (an open file, ``sys.stdin``, a list) and yields one :class:`Record` per
record as soon as it is read: its line, id, text and metadata, or the reason it cannot be
used. A bad record is never raised: ``load_corpus`` stops at the first one and names the file
and line, ``assign`` reports each one and goes on. A header without a named column, and a
file's CSV that cannot be parsed, are errors of the whole input (:class:`InputError`).

Files and streams share the rules, except where ``stream=True`` keeps how ``assign`` has always
read stdin: a JSONL text that is not a string is invalid (a file's is skipped as empty text),
a blank text is tagged (skipped in a file), and missing fields and columns are worded
``no text field 'F'`` / ``no column 'C' in the CSV header``. A stream's CSV row is numbered by
the line it ends on (a file's by the line it starts on), its id is not stripped, a line
holding only ``""`` is a row (a file skips it), the first of two equal column names counts
(the last in a file), quoting is not strict, and a row the csv module cannot parse is an
invalid record (in a file, an error).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..errors import InputError

STREAM = "stdin"               # a stream's name in messages and in ids (``stdin:LINE``)
FIELD_SIZE_LIMIT = 2**31 - 1   # csv's default (128 kB) is shorter than some long documents
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")   # a JSON escape of a UTF-16 surrogate


@dataclass(frozen=True)
class Record:
    """One JSONL line, CSV row or text line.

    ``line`` is its line number; ``id`` its id (its id field or column, else ``NAME:LINE``),
    ``text`` and ``meta`` (label, date) its content. A record of a file without text has
    ``text`` None (it is skipped); a record that cannot be used has ``problem``, the reason.
    """

    line: int
    id: str | None = None
    text: str | None = None
    meta: dict = field(default_factory=dict)
    problem: str | None = None


# -- JSON lines ----------------------------------------------------------------------------

def jsonl_records(lines, *, name, where=None, text_field="text", id_field="id",
                  required_id=None, meta_fields=None, stream=False, first_line=1,
                  check_fields=True):
    """One Record per non-blank line holding a JSON object (lines numbered from
    ``first_line``, 1 for a whole file).

    Parameters
    ----------
    lines : iterable of str
    name : str
        Source name in fallback ids (``NAME:LINE``): the file's name, or ``stdin``.
    where : str, optional
        Source in messages (by default ``name``): the path of a file.
    text_field : str
    id_field : str
        Gives the ids of the records that have it (not null or empty).
    required_id : str, optional
        A field every record must have (an id field the user named).
    meta_fields : dict, optional
        Role (``label``, ``date``) → field: a record's metadata are the fields it has (not
        null). If no record has one at all, that is an error (a misspelled field name), as an
        unknown column of a CSV file is.
    stream : bool
        Read as ``assign`` reads stdin (see the module's notes).
    first_line : int
        Number of the first line (a part of a file: :mod:`topicnmf.io.partitions`).
    check_fields : bool
        Whether a metadata field that no record has is an error (the parts of a file leave
        the check to whoever reads them all).
    """
    meta_fields = meta_fields or {}
    unseen = {f: option for option, f in meta_fields.items() if f} if check_fields else {}
    for line_no, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        obj, problem = json_record(line)
        if problem is None:
            problem = _missing_field(obj, text_field, required_id, stream)
        if problem is not None:
            yield Record(line_no, problem=problem)
            continue
        if unseen:
            unseen = {f: option for f, option in unseen.items() if f not in obj}
        text = obj[text_field]
        if not stream and (not isinstance(text, str) or not text.strip()):
            yield Record(line_no)
            continue
        raw_id = obj.get(id_field)
        doc_id = str(raw_id) if raw_id not in (None, "") else f"{name}:{line_no}"
        meta = {role: str(obj[f]) for role, f in meta_fields.items()
                if f is not None and obj.get(f) is not None}
        yield Record(line_no, doc_id, text, meta)
    if unseen:
        missing, option = next(iter(unseen.items()))
        raise InputError(f"{name if where is None else where}: no record has the field "
                         f"'{missing}' (--{option}-column); check its spelling")


def json_record(line):
    """``(object, None)`` for a line holding one JSON object, else ``(None, why not)``.

    Besides syntax errors this refuses what ``json`` accepts but cannot be used: a number of
    more than 4300 digits, nesting deeper than the recursion limit, and strings with an
    unpaired UTF-16 surrogate escape (they cannot be written out as UTF-8 later).
    """
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg}); each line must be one JSON object"
    except ValueError:                 # an integer longer than sys.get_int_max_str_digits()
        return None, (f"a number in it has more than {sys.get_int_max_str_digits()} digits; "
                      "write it as a string")
    except RecursionError:
        return None, "the JSON is nested too deeply to read"
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, found {type(obj).__name__}"
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return None, ("a string holds an unpaired surrogate escape (\\ud800-\\udfff); "
                          "fix the text's encoding")
    return obj, None


def _missing_field(obj, text_field, required_id, stream):
    """Why ``obj`` lacks its text or required id field, or None."""
    if stream:
        if not isinstance(obj.get(text_field), str):
            return f"no text field '{text_field}'"
        if required_id is not None and required_id not in obj:
            return f"no id field '{required_id}' (--id-column)"
        return None
    for option, name in (("text", text_field), ("id", required_id)):
        if name is not None and name not in obj:
            return (f"no field '{name}' (--{option}-column); fields are: "
                    + ", ".join(map(str, obj)))
    return None


# -- CSV/TSV -------------------------------------------------------------------------------

def csv_records(lines, *, name, where=None, delimiter=",", text_column="text",
                id_column=None, required_id=None, meta_columns=None, stream=False,
                line_offset=0):
    """One Record per row after the header row; blank rows are left out.

    ``id_column`` gives the ids where it exists and is not empty (else ``NAME:LINE``);
    ``required_id`` and the columns of ``meta_columns`` (role → column) must exist if given.
    ``name``, ``where`` and ``stream`` as in :func:`jsonl_records`. ``line_offset`` is added
    to every line number (a part of a file read after its header row).
    """
    where = name if where is None else where
    with large_csv_fields():
        reader = csv.reader(lines, delimiter=delimiter, strict=not stream)
        try:
            header = next(reader, None)
            if header is None and not stream:
                raise InputError(f"{where}: empty file, expected a header row")
            header = header or []
            index = _column_index(header, where, {"text": text_column, "id": id_column,
                                                  **(meta_columns or {})}, required_id, stream)
            yield from _csv_rows(reader, len(header), index, name, stream, line_offset)
        except csv.Error as exc:
            raise InputError(f"{where} line {reader.line_num + line_offset}: malformed "
                             f"{name} row ({exc})") from None


@contextmanager
def large_csv_fields():
    """Let csv read fields of any length in the block (a document can be longer than csv's
    128 kB default). The limit is process-wide: it is restored afterwards."""
    previous = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _column_index(header, where, wanted, required_id, stream):
    """Column number of each role in ``wanted`` (role → column or None) that the header has;
    a missing text, ``required_id``, label or date column is an InputError."""
    pairs = list(enumerate(header))
    columns = {c: i for i, c in (reversed(pairs) if stream else pairs)}
    for role, col in {**wanted, "id": required_id}.items():
        if col is None or col in columns:
            continue
        if stream:
            raise InputError(f"{where}: no column '{col}' in the CSV header; columns are: "
                             + ", ".join(header))
        raise InputError(f"{where}: no column '{col}' (--{role}-column); columns are: "
                         + ", ".join(header))
    return {role: columns[col] for role, col in wanted.items() if col in columns}


def _csv_rows(reader, width, index, name, stream, offset=0):
    row_start = reader.line_num + 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            if not stream:
                raise
            yield Record(reader.line_num, problem=f"malformed CSV row ({exc})")
            row_start = reader.line_num + 1
            continue
        if row is None:
            return
        line = (reader.line_num if stream else row_start) + offset
        row_start = reader.line_num + 1
        if not row or (row == [""] and not stream):
            continue
        if len(row) != width:
            yield Record(line, problem=f"expected {width} fields, found {len(row)}"
                         + ("" if stream else "; check the quoting of that row"))
            continue
        text = row[index["text"]]
        if not stream and not text.strip():
            yield Record(line)
            continue
        raw_id = row[index["id"]] if "id" in index else ""
        doc_id = (raw_id if stream else raw_id.strip()) or f"{name}:{line}"
        meta = {role: row[i] for role, i in index.items() if role not in ("text", "id")}
        yield Record(line, doc_id, text, meta)


# -- one text per line ---------------------------------------------------------------------

def line_records(lines, *, name, first_line=1):
    """One Record per non-blank line, its text stripped; ids are ``NAME:LINE`` (lines
    numbered from ``first_line``)."""
    for line_no, line in enumerate(lines, start=first_line):
        text = line.strip()
        if text:
            yield Record(line_no, f"{name}:{line_no}", text)


# -- a stream ------------------------------------------------------------------------------

def stream_records(lines, *, input_format=None, text_column="text", id_column=None):
    """Records of a JSONL or CSV stream such as ``sys.stdin``, read one at a time.

    Parameters
    ----------
    lines : iterable of str
        A byte-order mark at the start is dropped; undecodable input is an InputError.
    input_format : {'jsonl', 'csv'}, optional
        By default JSONL if the first non-blank line starts with ``{``, else CSV. Lines are
        counted from that line.
    text_column : str
        JSONL field or CSV column of the texts.
    id_column : str, optional
        The id field/column every record must have (a JSONL record without it is invalid; a
        CSV header without it is an error). By default ``id`` where present, else
        ``stdin:LINE``.

    Yields
    ------
    Record
        Nothing for an input without a non-blank line.
    """
    lines = _without_bom(lines)
    first = ""
    for first in lines:
        if first.strip():
            break
    if not first.strip():
        return                                        # empty input: no records
    fmt = input_format or ("jsonl" if first.lstrip().startswith("{") else "csv")
    lines = itertools.chain([first], lines)
    if fmt == "jsonl":
        yield from jsonl_records(lines, name=STREAM, text_field=text_column,
                                 id_field=id_column or "id", required_id=id_column, stream=True)
    elif fmt == "csv":
        yield from csv_records(lines, name=STREAM, text_column=text_column,
                               id_column="id" if id_column is None else id_column or None,
                               required_id=id_column or None, stream=True)
    else:
        raise InputError(f"input_format='{fmt}': use jsonl or csv")


def _without_bom(lines):
    """``lines`` with a byte-order mark (U+FEFF) dropped from the start of the first one;
    undecodable input (e.g. Latin-1 bytes on a UTF-8 stdin) is an InputError."""
    done = 0
    try:
        for line in lines:
            yield line[1:] if done == 0 and line.startswith("\ufeff") else line
            done += 1
    except UnicodeDecodeError as exc:
        raise InputError(f"input after line {done}: not valid {exc.encoding} text; convert "
                         "it to UTF-8") from None
