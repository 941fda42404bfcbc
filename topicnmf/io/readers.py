"""Read documents from files: one text file, a folder of them, and CSV/TSV, JSONL or
one-document-per-line files (any of them gzip-compressed).

Every reader yields :class:`Document` records with stable ids (relative path, ``file:line`` or
the id column). Unreadable files in a folder (binary, undecodable, empty) are skipped with a
warning that names them; malformed rows in a table are errors that name the line. The rows and
lines themselves are read by :mod:`topicnmf.io.records`, which also reads ``assign``'s stdin.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import gzip
import html.parser
import io
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .records import csv_records, jsonl_records, line_records

logger = logging.getLogger("topicnmf")

FOLDER_EXTENSIONS = (".txt", ".md", ".rst", ".html", ".htm", ".eml")
_BINARY_SNIFF_BYTES = 8192
#: What reading a file can raise besides decoding errors: OSError (also gzip.BadGzipFile),
#: EOFError (a truncated .gz) and zlib.error (damaged deflate data inside a .gz).
READ_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class Document:
    """One text with a stable id and optional metadata (label, date, ...).

    ``kind`` is what the input says the text is: the suffix of a file read whole (``.eml``,
    ``.rst``, ``.md``, ``.html``, ``.txt``, without ``.gz``); empty for rows, lines and plain
    strings. Cleaning (:mod:`topicnmf.text.clean`) chooses its default steps by it.
    """

    id: str
    text: str
    meta: dict = field(default_factory=dict)
    kind: str = ""


def suffix(path) -> str:
    """The lowercase suffix of a file name, ignoring a final ``.gz``: ``'a.CSV.gz'`` → ``.csv``."""
    name = Path(path).name.lower()
    return os.path.splitext(name[:-3] if name.endswith(".gz") else name)[1]


def skip(skipped, source, reason):
    """Log that ``source`` is skipped and why, and append ``(source, reason)`` to ``skipped``."""
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


def first_line(text: str, limit: int = 160) -> str:
    """The first non-blank line of a text, shortened to ``limit`` characters."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""


# -- folders -------------------------------------------------------------------------------

def iter_folder(root, skipped, *, encoding="utf-8", extensions=FOLDER_EXTENSIONS):
    """Yield one Document per readable file below ``root`` (sorted, recursive).

    Files and subfolders that cannot be read are recorded in ``skipped`` with the reason.
    """
    root = Path(root)
    for path in walk_files(root, lambda folder, reason: skip(skipped, folder, reason)):
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


def read_file_document(path, doc_id, skipped, *, kind=None, encoding="utf-8", name=None):
    """Read one file as a Document; unreadable files are recorded in ``skipped`` under
    ``name``, the path as the user gave it (``path`` by default), whose suffix also says how
    to read the file unless ``kind`` does (a link is read as its own name says, not as its
    target's)."""
    name = path if name is None else name
    kind = kind or _file_kind(Path(name), FOLDER_EXTENSIONS) or ".txt"
    try:
        raw = read_bytes(path)
    except READ_ERRORS as exc:
        skip(skipped, name, read_problem(exc))
        return None
    if b"\x00" in raw[:_BINARY_SNIFF_BYTES]:
        skip(skipped, name, "binary file")
        return None
    if raw.startswith(codecs.BOM_UTF8) and text_encoding(encoding) == "utf-8-sig":
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        skip(skipped, name, f"not valid {encoding} text (byte {exc.start})")
        return None
    if kind in (".html", ".htm"):
        text = html_to_text(text)
    elif kind == ".eml":
        text = email_to_text(raw)
    if not text.strip():
        skip(skipped, name, "empty")
        return None
    return Document(doc_id, text, kind=kind)


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


# -- tables, JSON lines, lines -------------------------------------------------------------

def iter_table(path, skipped, *, delimiter=",", text_column="text", id_column=None,
               label_column=None, date_column=None, encoding="utf-8"):
    """Yield one Document per row of a CSV/TSV file with a header row."""
    def records(f):
        return csv_records(f, name=Path(path).name, where=path, delimiter=delimiter,
                           text_column=text_column, id_column=id_column,
                           required_id=id_column,
                           meta_columns={"label": label_column, "date": date_column})

    yield from _file_documents(path, skipped, records, encoding,
                               "; convert it or pass the right encoding")


def iter_jsonl(path, skipped, *, text_field="text", id_field="id", require_id=False,
               label_field=None, date_field=None, encoding="utf-8"):
    """Yield one Document per JSON object line; ids from ``id_field`` or ``file:line``.

    With ``require_id`` (an id field the user named), every record must have ``id_field``;
    without it, records lacking the field get ``file:line``. A label or date field, when
    given, is metadata of the records that have it (not null); if no record has it, that is
    an error (a misspelled field name), as an unknown column of a CSV file is.
    """
    def records(f):
        return jsonl_records(f, name=Path(path).name, where=path, text_field=text_field,
                             id_field=id_field, required_id=id_field if require_id else None,
                             meta_fields={"label": label_field, "date": date_field})

    yield from _file_documents(path, skipped, records, encoding)


def iter_lines(path, skipped, *, encoding="utf-8"):
    """Yield one Document per non-blank line; ids are ``file:line``."""
    yield from _file_documents(path, skipped, lambda f: line_records(f, name=Path(path).name),
                               encoding)


def record_documents(path, records, skipped):
    """Documents of a file's parsed records: a bad record is an InputError naming its line;
    a record without text is skipped (and noted in ``skipped``)."""
    for record in records:
        if record.problem is not None:
            raise InputError(f"{path} line {record.line}: {record.problem}")
        if record.text is None:
            skip(skipped, f"{path} line {record.line}", "empty text")
        else:
            yield Document(record.id, record.text, record.meta)


def _file_documents(path, skipped, records, encoding, hint=""):
    """Documents of the records of a file (``records(open file)``): a bad record is an
    InputError naming the line, one without text is skipped."""
    try:
        with open_text(path, encoding) as f:
            yield from record_documents(path, records(f), skipped)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {encoding} text near byte {exc.start}{hint}"
                         ) from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None
