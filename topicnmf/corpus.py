"""Load documents: folders, CSV/TSV, JSONL and one-document-per-line text files.

Every reader yields :class:`Document` records with stable ids (relative path, ``file:line`` or
the id column). Unreadable files in a folder (binary, undecodable, empty) are skipped with a
warning that names them; malformed rows in a table are errors that name the line.
"""

from __future__ import annotations

import csv
import email
import email.policy
import gzip
import html.parser
import io
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import InputError

logger = logging.getLogger("topicnmf")

FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
DUPLICATE_ID_POLICIES = ("error", "first", "number")
FOLDER_EXTENSIONS = (".txt", ".md", ".rst", ".html", ".htm", ".eml")
_BINARY_SNIFF_BYTES = 8192
csv.field_size_limit(2**31 - 1)


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


def detect_format(path) -> str:
    """Guess the corpus format from a path: a directory is a folder, else the suffix decides."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = os.path.splitext(name)[1]
    by_suffix = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                 ".ndjson": "jsonl", ".json": "jsonl", ".txt": "lines"}
    if suffix not in by_suffix:
        raise InputError(f"{path}: cannot tell the corpus format from '{suffix or path.name}'; "
                         f"pass --format with one of {', '.join(FORMATS)}")
    return by_suffix[suffix]


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
    text_column, id_column, label_column, date_column : str, optional
        Column names for CSV/TSV. Without an id column, ids are ``file:line``.
    text_field, id_field : str
        Field names for JSONL (a label field may be given with ``label_column``).
    encoding : str
        Text encoding of the files.
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
        Missing path, unknown column, malformed row (named by line), duplicate id, or no
        usable document at all.

    Examples
    --------
    >>> corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")  # doctest: +SKIP
    >>> len(corpus), corpus.documents[0].id  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    fmt = format or detect_format(path)
    skipped = []
    if fmt == "folder":
        if not path.is_dir():
            raise InputError(f"{path}: --format folder needs a folder")
        docs = iter_folder(path, skipped, encoding=encoding)
    elif fmt in ("csv", "tsv"):
        docs = iter_table(path, skipped, delimiter="," if fmt == "csv" else "\t",
                          text_column=text_column, id_column=id_column,
                          label_column=label_column, date_column=date_column,
                          encoding=encoding)
    elif fmt == "jsonl":
        docs = iter_jsonl(path, skipped, text_field=text_field, id_field=id_field,
                          label_field=label_column, date_field=date_column, encoding=encoding)
    elif fmt == "lines":
        docs = iter_lines(path, skipped, encoding=encoding)
    else:
        raise InputError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    if duplicate_ids not in DUPLICATE_ID_POLICIES:
        raise InputError(f"duplicate_ids='{duplicate_ids}': use one of "
                         + ", ".join(DUPLICATE_ID_POLICIES))
    try:
        documents = _unique(docs, path, duplicate_ids, skipped)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc}); is it a damaged or non-gzip .gz file?") from None
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
    """Open a possibly gzip-compressed file for reading text with universal newlines."""
    path = Path(path)
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def read_bytes(path) -> bytes:
    path = Path(path)
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read()
    return path.read_bytes()


# -- folders -------------------------------------------------------------------------------

def iter_folder(root, skipped, *, encoding="utf-8", extensions=FOLDER_EXTENSIONS):
    """Yield one Document per readable file below ``root`` (sorted, recursive)."""
    root = Path(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        kind = _file_kind(path, extensions)
        if kind is None:
            continue
        rel = path.relative_to(root).as_posix()
        doc = read_file_document(path, rel, skipped, kind=kind, encoding=encoding)
        if doc is not None:
            yield doc


def _file_kind(path, extensions):
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    return ext if ext in extensions else None


def read_file_document(path, doc_id, skipped, *, kind=None, encoding="utf-8"):
    """Read one file as a Document; unreadable files are recorded in ``skipped``."""
    kind = kind or _file_kind(Path(path), FOLDER_EXTENSIONS) or ".txt"
    try:
        raw = read_bytes(path)
    except (OSError, EOFError) as exc:
        _skip(skipped, path, f"cannot read ({exc.__class__.__name__}: {exc})")
        return None
    if b"\x00" in raw[:_BINARY_SNIFF_BYTES]:
        _skip(skipped, path, "binary file")
        return None
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


def _row_document(row, index, fallback_id):
    text = row[index["text"]]
    if not text.strip():
        return None
    doc_id = row[index["id"]].strip() if "id" in index else fallback_id
    meta = {role: row[i] for role, i in index.items() if role in ("label", "date")}
    return Document(doc_id or fallback_id, text, meta)


# -- JSON lines ----------------------------------------------------------------------------

def iter_jsonl(path, skipped, *, text_field="text", id_field="id", label_field=None,
               date_field=None, encoding="utf-8"):
    """Yield one Document per JSON object line; ids from ``id_field`` or ``file:line``."""
    name = Path(path).name
    try:
        with open_text(path, encoding) as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path} line {line_no}: not valid JSON ({exc.msg}); "
                                     "each line must be one JSON object") from None
                if not isinstance(obj, dict):
                    raise InputError(f"{path} line {line_no}: expected a JSON object, "
                                     f"found {type(obj).__name__}")
                if text_field not in obj:
                    raise InputError(f"{path} line {line_no}: no field '{text_field}' "
                                     f"(--text-field); fields are: {', '.join(obj)}")
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
