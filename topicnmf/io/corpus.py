"""Load documents: folders, CSV/TSV, JSONL and one-document-per-line text files.

Every reader yields :class:`Document` records with stable ids (relative path, ``file:line`` or
the id column). Unreadable files in a folder (binary, undecodable, empty) are skipped with a
warning that names them; malformed rows in a table are errors that name the line.
"""

from __future__ import annotations

import codecs
import csv
import email
import email.policy
import gzip
import html.parser
import io
import json
import logging
import os
import re
import sys
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputError

logger = logging.getLogger("topicnmf")

FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
DUPLICATE_ID_POLICIES = ("error", "first", "number")
FOLDER_EXTENSIONS = (".txt", ".md", ".rst", ".html", ".htm", ".eml")
TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                 ".ndjson": "jsonl"}      # suffix → format of the files that hold many documents
_BINARY_SNIFF_BYTES = 8192
FIELD_SIZE_LIMIT = 2**31 - 1   # csv's default (128 kB) is shorter than some long documents
#: What reading a file can raise besides decoding errors: OSError (also gzip.BadGzipFile),
#: EOFError (a truncated .gz) and zlib.error (damaged deflate data inside a .gz).
READ_ERRORS = (OSError, EOFError, zlib.error)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")   # a JSON escape of a UTF-16 surrogate


@dataclass(frozen=True)
class Document:
    """One text with a stable id and optional metadata (label, date, ...)."""

    id: str
    text: str
    meta: dict = field(default_factory=dict)


@dataclass
class Corpus:
    """Documents loaded from one source, plus what had to be skipped.

    Attributes
    ----------
    documents : list of Document
    skipped : list of (str, str)
        ``(source, reason)`` for each file or row that could not be used.
    source : str
        The path the corpus was loaded from.
    """

    documents: list
    skipped: list = field(default_factory=list)
    source: str = ""

    def __len__(self):
        return len(self.documents)

    def __iter__(self):
        return iter(self.documents)

    @property
    def ids(self):
        return [d.id for d in self.documents]

    @property
    def texts(self):
        return [d.text for d in self.documents]


def suffix(path) -> str:
    """The lowercase suffix of a file name, ignoring a final ``.gz``: ``'a.CSV.gz'`` → ``.csv``."""
    name = Path(path).name.lower()
    return os.path.splitext(name[:-3] if name.endswith(".gz") else name)[1]


def detect_format(path) -> str:
    """Guess the corpus format from a path: a directory is a folder, else the suffix decides."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    by_suffix = {**TABLE_FORMATS, ".json": "jsonl", ".txt": "lines"}
    if suffix(path) not in by_suffix:
        raise InputError(f"{path}: cannot tell the corpus format from "
                         f"'{suffix(path) or path.name}'; pass --input-format with one of "
                         + ", ".join(FORMATS))
    return by_suffix[suffix(path)]


def load_corpus(path, *, format=None, text_column="text", id_column=None, label_column=None,
                date_column=None, text_field="text", id_field="id", encoding="utf-8",
                duplicate_ids="error") -> Corpus:
    """Load a corpus from a folder or a file into memory.

    Parameters
    ----------
    path : str or Path
        A folder (read recursively), or a ``.csv``/``.tsv``/``.jsonl``/``.txt`` file, any of
        them optionally gzip-compressed (``.gz``).
    format : {'folder', 'csv', 'tsv', 'jsonl', 'lines'}, optional
        Overrides the format detected from the path.
    text_column : str
        Column of a CSV/TSV file holding the text.
    id_column, label_column, date_column : str, optional
        Columns of a CSV/TSV file, or fields of a JSONL file: an unknown column is an error,
        and so is a JSONL record without the id field (label and date fields may be left out
        of some records, not of all). Without an id column, ids are ``file:line`` (JSONL:
        the ``id_field`` of the records that have it).
    text_field, id_field : str
        Field of each JSONL record holding the text, and the field used for ids in records
        that have it (when no ``id_column`` is given).
    encoding : str
        Text encoding of the files; a UTF-8 byte-order mark is dropped.
    duplicate_ids : {'error', 'first', 'number'}
        What to do when an id occurs again: stop with an error naming it, keep only the
        first document with that id (later ones are skipped with a warning), or keep all and
        number the repeats (``id#2``, ``id#3``, ...).

    Returns
    -------
    Corpus

    Raises
    ------
    InputError
        Missing, unreadable or damaged (``.gz``) file, unknown encoding, unknown column,
        malformed row or record (named by line), duplicate id, or no usable document at all.

    Examples
    --------
    >>> corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")
    >>> len(corpus), corpus.documents[0].id
    (2500, '3dchess')
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    text_encoding(encoding)
    fmt = format or detect_format(path)
    skipped = []
    if fmt == "folder":
        if not path.is_dir():
            raise InputError(f"{path}: --input-format folder needs a folder")
        docs = iter_folder(path, skipped, encoding=encoding)
    elif fmt in ("csv", "tsv"):
        docs = iter_table(path, skipped, delimiter="," if fmt == "csv" else "\t",
                          text_column=text_column, id_column=id_column,
                          label_column=label_column, date_column=date_column,
                          encoding=encoding)
    elif fmt == "jsonl":
        docs = iter_jsonl(path, skipped, text_field=text_field, id_field=id_column or id_field,
                          require_id=id_column is not None, label_field=label_column,
                          date_field=date_column, encoding=encoding)
    elif fmt == "lines":
        docs = iter_lines(path, skipped, encoding=encoding)
    else:
        raise InputError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    if duplicate_ids not in DUPLICATE_ID_POLICIES:
        raise InputError(f"duplicate_ids='{duplicate_ids}': use one of "
                         + ", ".join(DUPLICATE_ID_POLICIES))
    try:
        documents = _unique(docs, path, duplicate_ids, skipped)
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None
    if not documents:
        raise InputError(f"{path}: no readable documents found"
                         + (f" ({len(skipped)} skipped)" if skipped else ""))
    return Corpus(documents, skipped, str(path))


def _unique(docs: Iterator[Document], source, policy, skipped) -> list:
    seen = {}
    out = []
    for doc in docs:
        if doc.id in seen:
            if policy == "error":
                raise InputError(f"{source}: duplicate document id '{doc.id}'; ids must be "
                                 "unique (pass --duplicate-ids first|number, or another "
                                 "--id-column)")
            if policy == "first":
                _skip(skipped, f"{source} id '{doc.id}'", "duplicate id")
                continue
            seen[doc.id] += 1
            doc = Document(f"{doc.id}#{seen[doc.id]}", doc.text, doc.meta)
        seen.setdefault(doc.id, 1)
        out.append(doc)
    return out


def _skip(skipped, source, reason):
    logger.warning("skipped %s: %s", source, reason)
    skipped.append((str(source), reason))


def open_text(path, encoding="utf-8"):
    """Open a possibly gzip-compressed file for reading text with universal newlines.

    A UTF-8 byte-order mark at the start is dropped (see :func:`text_encoding`).
    """
    path = Path(path)
    encoding = text_encoding(encoding)
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def text_encoding(encoding) -> str:
    """The codec to read ``encoding`` text with: ``utf-8-sig`` for UTF-8, so that a
    byte-order mark (as Excel and Notepad write) is not read as part of the first line.

    Raises InputError for an unknown encoding.
    """
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise InputError(f"encoding={encoding!r} is not a known text encoding; pass e.g. "
                         "utf-8 or latin-1") from None
    return "utf-8-sig" if name == "utf-8" else encoding


def read_problem(exc) -> str:
    """Why a file cannot be read, for a message or a skip reason (``exc`` from
    ``READ_ERRORS``): a damaged ``.gz`` is named as such."""
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return (f"cannot read it: the gzip data is damaged or truncated ({exc}); compress "
                "the file again or get an intact copy")
    return f"cannot read it ({getattr(exc, 'strerror', None) or exc})"


def read_bytes(path) -> bytes:
    path = Path(path)
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read()
    return path.read_bytes()


# -- folders -------------------------------------------------------------------------------

def iter_folder(root, skipped, *, encoding="utf-8", extensions=FOLDER_EXTENSIONS):
    """Yield one Document per readable file below ``root`` (sorted, recursive).

    Files and subfolders that cannot be read are recorded in ``skipped`` with the reason.
    """
    root = Path(root)
    for path in walk_files(root, lambda folder, reason: _skip(skipped, folder, reason)):
        kind = _file_kind(path, extensions)
        if kind is None:
            continue
        rel = path.relative_to(root).as_posix()
        doc = read_file_document(path, rel, skipped, kind=kind, encoding=encoding)
        if doc is not None:
            yield doc


def walk_files(root, on_unreadable) -> list:
    """Every file below the folder ``root``, recursively, sorted as paths.

    Symlinked folders are not followed. ``on_unreadable(folder, reason)`` is called for each
    folder that cannot be listed (e.g. no permission), which would otherwise be left out
    without a word.
    """
    def failed(exc):
        on_unreadable(exc.filename, f"cannot read folder ({exc.strerror or exc})")

    found = []
    for folder, _, names in os.walk(root, onerror=failed):
        found.extend(p for p in (Path(folder, name) for name in names) if p.is_file())
    return sorted(found)


def _file_kind(path, extensions):
    ext = suffix(path)
    return ext if ext in extensions else None


def read_file_document(path, doc_id, skipped, *, kind=None, encoding="utf-8"):
    """Read one file as a Document; unreadable files are recorded in ``skipped``."""
    kind = kind or _file_kind(Path(path), FOLDER_EXTENSIONS) or ".txt"
    try:
        raw = read_bytes(path)
    except READ_ERRORS as exc:
        _skip(skipped, path, read_problem(exc))
        return None
    if b"\x00" in raw[:_BINARY_SNIFF_BYTES]:
        _skip(skipped, path, "binary file")
        return None
    if raw.startswith(codecs.BOM_UTF8) and text_encoding(encoding) == "utf-8-sig":
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        _skip(skipped, path, f"not valid {encoding} text (byte {exc.start})")
        return None
    if kind in (".html", ".htm"):
        text = html_to_text(text)
    elif kind == ".eml":
        text = email_to_text(raw)
    if not text.strip():
        _skip(skipped, path, "empty")
        return None
    return Document(doc_id, text)


class _TextExtractor(html.parser.HTMLParser):
    _SKIP = {"script", "style", "head", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._depth += 1
        elif tag in ("p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "title"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if not self._depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML page (scripts, styles and the head dropped)."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def email_to_text(raw: bytes) -> str:
    """Subject and body of an e-mail message (plain-text parts, else HTML parts as text)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg.get("subject", "") or "")
    bodies = []
    for preferred in ("plain", "html"):
        part = msg.get_body(preferencelist=(preferred,))
        if part is not None:
            try:
                content = part.get_content()
            except (LookupError, UnicodeError):
                continue
            bodies.append(html_to_text(content) if preferred == "html" else content)
            break
    return "\n".join([subject] + bodies).strip()


# -- tables --------------------------------------------------------------------------------

def iter_table(path, skipped, *, delimiter=",", text_column="text", id_column=None,
               label_column=None, date_column=None, encoding="utf-8"):
    """Yield one Document per row of a CSV/TSV file with a header row."""
    with large_csv_fields():
        yield from _table_documents(path, skipped, delimiter, text_column, id_column,
                                    label_column, date_column, encoding)


@contextmanager
def large_csv_fields():
    """Let csv read fields of any length in the block (a document can be longer than csv's
    128 kB default). The limit is process-wide: it is restored afterwards."""
    previous = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _table_documents(path, skipped, delimiter, text_column, id_column, label_column,
                     date_column, encoding):
    name = Path(path).name
    try:
        with open_text(path, encoding) as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file, expected a header row")
            columns = {c: i for i, c in enumerate(header)}
            wanted = {"text": text_column, "id": id_column, "label": label_column,
                      "date": date_column}
            index = {}
            for role, col in wanted.items():
                if col is None:
                    continue
                if col not in columns:
                    raise InputError(f"{path}: no column '{col}' (--{role}-column); columns are: "
                                     + ", ".join(header))
                index[role] = columns[col]
            row_start = reader.line_num + 1
            for row in reader:
                line = row_start
                row_start = reader.line_num + 1
                if not row or row == [""]:
                    continue
                if len(row) != len(header):
                    raise InputError(f"{path} line {line}: expected {len(header)} fields, found "
                                     f"{len(row)}; check the quoting of that row")
                doc = _row_document(row, index, f"{name}:{line}")
                if doc is None:
                    _skip(skipped, f"{path} line {line}", "empty text")
                else:
                    yield doc
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: malformed {name} row ({exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {encoding} text near byte {exc.start}; "
                         "convert it or pass the right encoding") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None


def _row_document(row, index, fallback_id):
    text = row[index["text"]]
    if not text.strip():
        return None
    doc_id = row[index["id"]].strip() if "id" in index else fallback_id
    meta = {role: row[i] for role, i in index.items() if role in ("label", "date")}
    return Document(doc_id or fallback_id, text, meta)


# -- JSON lines ----------------------------------------------------------------------------

def iter_jsonl(path, skipped, *, text_field="text", id_field="id", require_id=False,
               label_field=None, date_field=None, encoding="utf-8"):
    """Yield one Document per JSON object line; ids from ``id_field`` or ``file:line``.

    With ``require_id`` (an id field the user named), every record must have ``id_field``;
    without it, records lacking the field get ``file:line``. A label or date field, when
    given, is metadata of the records that have it (not null); if no record has it, that is
    an error (a misspelled field name), as an unknown column of a CSV file is.
    """
    name = Path(path).name
    required = [("text", text_field), ("id", id_field if require_id else None)]
    unseen = {f: option for option, f in (("label", label_field), ("date", date_field)) if f}
    try:
        with open_text(path, encoding) as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                obj, problem = json_record(line)
                if problem is None:
                    problem = _missing_field(obj, required)
                if problem is not None:
                    raise InputError(f"{path} line {line_no}: {problem}")
                if unseen:
                    unseen = {f: option for f, option in unseen.items() if f not in obj}
                text = obj[text_field]
                if not isinstance(text, str) or not text.strip():
                    _skip(skipped, f"{path} line {line_no}", "empty text")
                    continue
                raw_id = obj.get(id_field)
                doc_id = str(raw_id) if raw_id not in (None, "") else f"{name}:{line_no}"
                meta = {role: str(obj[f]) for role, f in (("label", label_field),
                                                          ("date", date_field))
                        if f is not None and obj.get(f) is not None}
                yield Document(doc_id, text, meta)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {encoding} text near byte {exc.start}") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None
    if unseen:
        missing, option = next(iter(unseen.items()))
        raise InputError(f"{path}: no record has the field '{missing}' (--{option}-column); "
                         "check its spelling")


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


def _missing_field(obj, required):
    """Why ``obj`` lacks one of the ``(option, field)`` pairs that is not None, or None."""
    for option, field in required:
        if field is not None and field not in obj:
            return (f"no field '{field}' (--{option}-column); fields are: "
                    + ", ".join(map(str, obj)))
    return None


# -- one document per line -----------------------------------------------------------------

def iter_lines(path, skipped, *, encoding="utf-8"):
    """Yield one Document per non-blank line; ids are ``file:line``."""
    name = Path(path).name
    try:
        with open_text(path, encoding) as f:
            for line_no, line in enumerate(f, start=1):
                text = line.strip()
                if text:
                    yield Document(f"{name}:{line_no}", text)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {encoding} text near byte {exc.start}") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None
