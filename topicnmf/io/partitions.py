"""Partitions of a corpus: pieces that can be read on their own, in order, by any process.

A large corpus is read in partitions instead of all at once (:mod:`topicnmf.model.outofcore`
runs its passes over them; so can workers elsewhere). A :class:`Partition` is plain data
(picklable): a group of files of a folder, or a byte range of a CSV/TSV, JSONL or lines file
that starts and ends between records; it knows the number of its first line, so ids and
messages (``file:LINE``) are those of reading the whole file. Reading the partitions of a
corpus one after the other (:func:`topicnmf.io.streaming.read_partition`) gives the
documents of :func:`topicnmf.io.corpus.load_corpus`, in the same order, before duplicate ids
are resolved (that needs every id: :func:`topicnmf.io.streaming.resolve_ids`).

Where a file is split: after a newline (for CSV/TSV, one outside quotes, counted by the
parity of the quote characters, which is exact for valid CSV), once a partition holds
``partition_bytes`` of text. A gzip-compressed file is split the same way in its
decompressed bytes (each partition decompresses from the start and skips what precedes it).
Files in an encoding where a newline is not the byte ``\\n`` (UTF-16, UTF-32) and files
that end lines with a lone ``\\r`` are one partition.
"""

from __future__ import annotations

import codecs
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .corpus import FORMATS, detect_format
from .readers import (FOLDER_EXTENSIONS, READ_ERRORS, read_problem, skip, suffix,
                      text_encoding, walk_files)

PARTITION_BYTES = 32 * 2**20      # text per partition (about 80,000 short documents)
CHUNK = 2**20                    # bytes read at a time when scanning a file


@dataclass(frozen=True)
class ReadOptions:
    """How the records of a corpus are read (the options of :func:`load_corpus`)."""

    input_format: str
    text_column: str = "text"
    id_column: str | None = None
    label_column: str | None = None
    date_column: str | None = None
    text_field: str = "text"
    id_field: str = "id"
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Partition:
    """One piece of a corpus (see the module's notes).

    Attributes
    ----------
    index : int
        Position among the corpus's partitions (documents are in partition order).
    path : str
        The file, or the folder of ``files``.
    options : ReadOptions
    start, end : int
        Byte range of the (decompressed) file; ``end`` None: to the end.
    first_line : int
        Number of the range's first line in the file.
    header : str or None
        A CSV/TSV file's header row (read by the partitions after the first).
    header_lines : int
        Lines of that header row.
    files : tuple of str
        A folder's partition: its files, as paths relative to ``path``.
    size : int
        Bytes of text in the partition.
    """

    index: int
    path: str
    options: ReadOptions
    start: int = 0
    end: int | None = None
    first_line: int = 1
    header: str | None = None
    header_lines: int = 0
    files: tuple = ()
    size: int = 0


@dataclass
class PartitionPlan:
    """The partitions of a corpus and what was skipped while finding them (folders that
    cannot be listed)."""

    partitions: list
    skipped: list = field(default_factory=list)


def partitions(path, *, input_format=None, text_column="text", id_column=None,
               label_column=None, date_column=None, text_field="text", id_field="id",
               encoding="utf-8", partition_bytes=PARTITION_BYTES) -> PartitionPlan:
    """Split the corpus at ``path`` into partitions of about ``partition_bytes`` of text.

    The options are those of :func:`topicnmf.io.corpus.load_corpus` (without
    ``duplicate_ids``: resolving them needs every partition's ids). A file is read once here
    to find where to split it.

    Returns
    -------
    PartitionPlan

    Raises
    ------
    InputError
        A missing or unreadable path, an unknown format or encoding, a damaged ``.gz``.

    Examples
    --------
    >>> plan = partitions("corpora/tickets.csv.gz", id_column="id", partition_bytes=100_000)
    >>> len(plan.partitions), plan.partitions[1].first_line > 1
    (12, True)
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    text_encoding(encoding)
    fmt = input_format or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    options = ReadOptions(fmt, text_column, id_column, label_column, date_column, text_field,
                          id_field, encoding)
    if fmt == "folder":
        if not path.is_dir():
            raise InputError(f"{path}: --input-format folder needs a folder")
        skipped = []
        return PartitionPlan(_folder_partitions(path, options, partition_bytes, skipped),
                             skipped)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; pass a {fmt} file or --input-format folder")
    try:
        return PartitionPlan(_file_partitions(path, options, partition_bytes))
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None


def _folder_partitions(root, options, limit, skipped) -> list:
    files = [p for p in walk_files(root, lambda folder, why: skip(skipped, folder, why))
             if suffix(p) in FOLDER_EXTENSIONS]
    groups, group, size = [], [], 0
    for p in files:
        group.append(p.relative_to(root).as_posix())
        size += p.stat().st_size
        if size >= limit:
            groups.append((tuple(group), size))
            group, size = [], 0
    if group or not groups:
        groups.append((tuple(group), size))
    return [Partition(i, str(root), options, files=g, size=s) for i, (g, s) in enumerate(groups)]


def _splittable(options) -> bool:
    """Whether newlines and quotes are single bytes of their own in this encoding."""
    try:
        return "\n\r\"\t,".encode(codecs.lookup(options.encoding).name) == b"\n\r\"\t,"
    except (LookupError, UnicodeError):
        return False


def _file_partitions(path, options, limit) -> list:
    """Byte ranges of a file, each ending after a newline that ends a record."""
    csv_like = options.input_format in ("csv", "tsv")
    cuts = []                  # (byte offset, lines before it)
    header, header_lines = None, 0
    offset = lines = quotes = lone_cr = 0
    previous = b""             # the last byte of the previous chunk
    with open_bytes(path) as f:
        while chunk := f.read(CHUNK):
            if csv_like and header is None:
                header, header_lines = _header(options, chunk)
            pos = 0
            while True:        # every cut that falls in this chunk
                target = max(pos, (cuts[-1][0] if cuts else 0) + limit - offset)
                if target >= len(chunk):
                    break
                cut = _record_end(chunk, target, quotes + chunk.count(b'"', 0, target),
                                  csv_like)
                if cut is None:
                    break
                cuts.append((offset + cut, lines + _breaks(previous, chunk[:cut])))
                pos = cut
            lines += _breaks(previous, chunk)
            quotes += chunk.count(b'"') if csv_like else 0
            lone_cr += (chunk.count(b"\r") - chunk.count(b"\r\n")
                        - (previous == b"\r" and chunk.startswith(b"\n")))
            offset += len(chunk)
            previous = chunk[-1:]
    if lone_cr or not _splittable(options):
        cuts = []
    bounds = [(0, 0)] + cuts
    ends = [start for start, _ in cuts] + [None]
    return [Partition(i, str(path), options, start=start, end=end, first_line=before + 1,
                      header=header if i else None, header_lines=header_lines,
                      size=(offset if end is None else end) - start)
            for i, ((start, before), end) in enumerate(zip(bounds, ends))]


def _record_end(chunk, target, quotes_before, csv_like):
    """Index just after the first newline at or after ``target`` that ends a record (outside
    quotes for CSV), or None if the chunk has none."""
    pos = target
    while True:
        newline = chunk.find(b"\n", pos)
        if newline < 0:
            return None
        if not csv_like:
            return newline + 1
        quotes_before += chunk.count(b'"', pos, newline)
        if quotes_before % 2 == 0:
            return newline + 1
        pos = newline + 1


def _breaks(previous: bytes, data: bytes) -> int:
    """Lines that ``data`` ends as text reading counts them (``\\n``, ``\\r\\n`` or
    ``\\r``), ``previous`` being the byte before it (a ``\\r\\n`` split between two chunks
    counts once)."""
    count = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return count - (previous == b"\r" and data.startswith(b"\n"))


def _header(options, data):
    """The header row of a CSV/TSV file (text) and the number of lines it spans."""
    import csv

    stream = io.TextIOWrapper(io.BytesIO(data), encoding=text_encoding(options.encoding),
                              newline="", errors="replace")
    reader = csv.reader(stream, delimiter="," if options.input_format == "csv" else "\t")
    try:
        next(reader, None)
    except csv.Error:
        return None, 0
    lines = reader.line_num
    stream.seek(0)
    return "".join(stream.readline() for _ in range(lines)), lines


def open_bytes(path):
    """A (possibly gzip-compressed) file opened for reading bytes (decompressed)."""
    path = Path(path)
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
