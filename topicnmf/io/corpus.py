"""Load a corpus: documents from a folder or a CSV/TSV, JSONL or lines file, with unique ids.

:func:`load_corpus` picks the format (from the path, or as told), reads the documents with the
readers of :mod:`topicnmf.io.readers` and makes their ids unique as asked; the result is a
:class:`Corpus`, which also lists what had to be skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from .readers import (READ_ERRORS, Document, iter_folder, iter_jsonl, iter_lines, iter_table,
                      read_problem, skip, suffix, text_encoding)

FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
DUPLICATE_ID_POLICIES = ("error", "first", "number")
TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                 ".ndjson": "jsonl"}      # suffix → format of the files that hold many documents


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
    by_suffix = {**TABLE_FORMATS, ".json": "jsonl", ".txt": "lines"}
    if suffix(path) not in by_suffix:
        raise InputError(f"{path}: cannot tell the corpus format from "
                         f"'{suffix(path) or path.name}'; pass --input-format with one of "
                         + ", ".join(FORMATS))
    return by_suffix[suffix(path)]


def load_corpus(path, *, input_format=None, text_column="text", id_column=None, label_column=None,
                date_column=None, text_field="text", id_field="id", encoding="utf-8",
                duplicate_ids="error") -> Corpus:
    """Load a corpus from a folder or a file into memory.

    Parameters
    ----------
    path : str or Path
        A folder (read recursively), or a ``.csv``/``.tsv``/``.jsonl``/``.txt`` file, any of
        them optionally gzip-compressed (``.gz``).
    input_format : {'folder', 'csv', 'tsv', 'jsonl', 'lines'}, optional
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
    fmt = input_format or detect_format(path)
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
                skip(skipped, f"{source} id '{doc.id}'", "duplicate id")
                continue
            seen[doc.id] += 1
            doc = Document(f"{doc.id}#{seen[doc.id]}", doc.text, doc.meta, doc.kind)
        seen.setdefault(doc.id, 1)
        out.append(doc)
    return out
