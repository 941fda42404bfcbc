"""Reading the partitions of a corpus (:mod:`topicnmf.io.partitions`): the documents of one
partition, and what only all partitions together decide (unique ids, metadata fields that no
record has).
"""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import InputError
from .partitions import CHUNK, open_bytes
from .readers import (READ_ERRORS, read_file_document, read_problem, record_documents,
                      skip, text_encoding)
from .records import csv_records, jsonl_records, line_records


class _Range(io.RawIOBase):
    """The bytes ``[start, end)`` of a (possibly gzip-compressed) file, as a raw stream."""

    def __init__(self, path, start, end):
        self._file = open_bytes(path)
        if start:
            self._file.seek(start)
        self._left = None if end is None else end - start

    def readable(self):
        return True

    def readinto(self, buffer):
        size = len(buffer) if self._left is None else min(len(buffer), self._left)
        data = self._file.read(size)
        buffer[:len(data)] = data
        if self._left is not None:
            self._left -= len(data)
        return len(data)

    def close(self):
        self._file.close()
        super().close()


def read_partition(partition, skipped):
    """Yield the Documents of a partition, in order; what cannot be used is appended to
    ``skipped`` as ``(source, reason)`` (as :func:`load_corpus` does).

    Raises
    ------
    InputError
        A malformed record (named by file and line), an undecodable or unreadable file.
    """
    options = partition.options
    if options.input_format == "folder":
        root = Path(partition.path)
        for rel in partition.files:
            doc = read_file_document(root / rel, rel, skipped, encoding=options.encoding)
            if doc is not None:
                yield doc
        return
    path = partition.path
    encoding = text_encoding(options.encoding) if partition.start == 0 else options.encoding
    try:
        with io.TextIOWrapper(io.BufferedReader(_Range(path, partition.start, partition.end),
                                                CHUNK), encoding=encoding, newline="") as f:
            yield from record_documents(path, _records(partition, f), skipped)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {options.encoding} text near byte "
                         f"{partition.start + exc.start}") from None
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None


def _records(partition, lines):
    options, name = partition.options, Path(partition.path).name
    fmt = options.input_format
    if fmt == "jsonl":
        id_field = options.id_column or options.id_field
        return jsonl_records(lines, name=name, where=partition.path,
                             text_field=options.text_field, id_field=id_field,
                             required_id=id_field if options.id_column else None,
                             meta_fields={"label": options.label_column,
                                          "date": options.date_column},
                             first_line=partition.first_line, check_fields=False)
    if fmt == "lines":
        return line_records(lines, name=name, first_line=partition.first_line)
    offset = 0
    if partition.header is not None:           # a later part: its header first
        lines = _prefixed(partition.header, lines)
        offset = partition.first_line - partition.header_lines - 1
    return csv_records(lines, name=name, where=partition.path,
                       delimiter="," if fmt == "csv" else "\t",
                       text_column=options.text_column, id_column=options.id_column,
                       required_id=options.id_column,
                       meta_columns={"label": options.label_column,
                                     "date": options.date_column}, line_offset=offset)


def _prefixed(header, lines):
    yield from io.StringIO(header, newline="")
    yield from lines


def check_fields_seen(plan, roles_seen) -> None:
    """InputError if a JSONL label or date field named in the options is in no record of any
    partition (a misspelled field name; ``roles_seen``: the roles found in the documents)."""
    if not plan.partitions:
        return
    options = plan.partitions[0].options
    if options.input_format != "jsonl":
        return
    for role, name in (("label", options.label_column), ("date", options.date_column)):
        if name and role not in roles_seen:
            raise InputError(f"{plan.partitions[0].path}: no record has the field '{name}' "
                             f"(--{role}-column); check its spelling")


def resolve_ids(id_lists, source, policy="error"):
    """Unique ids over the partitions of a corpus, as :func:`load_corpus` makes them.

    Parameters
    ----------
    id_lists : list of list of str
        Each partition's document ids, in partition order.
    source : str or Path
        The corpus (for messages).
    policy : {'error', 'first', 'number'}
        As ``load_corpus``'s ``duplicate_ids``.

    Returns
    -------
    ids : list of list of str
        The ids kept, per partition (repeats numbered ``id#2``, ... with 'number').
    drops : list of list of int
        Positions, per partition, of the documents left out (repeats with 'first').
    skipped : list of (str, str)

    Raises
    ------
    InputError
        A repeated id with policy 'error', or an unknown policy.
    """
    from .corpus import DUPLICATE_ID_POLICIES

    if policy not in DUPLICATE_ID_POLICIES:
        raise InputError(f"duplicate_ids='{policy}': use one of "
                         + ", ".join(DUPLICATE_ID_POLICIES))
    seen, out, drops, skipped = {}, [], [], []
    for ids in id_lists:
        kept, dropped = [], []
        for position, doc_id in enumerate(ids):
            if doc_id in seen:
                if policy == "error":
                    raise InputError(f"{source}: duplicate document id '{doc_id}'; ids must "
                                     "be unique (pass --duplicate-ids first|number, or another "
                                     "--id-column)")
                if policy == "first":
                    skip(skipped, f"{source} id '{doc_id}'", "duplicate id")
                    dropped.append(position)
                    continue
                seen[doc_id] += 1
                doc_id = f"{doc_id}#{seen[doc_id]}"
            seen.setdefault(doc_id, 1)
            kept.append(doc_id)
        out.append(kept)
        drops.append(dropped)
    return out, drops, skipped
