"""Rows → table, CSV, JSON or JSON lines.

A row is a ``dict`` with the same keys in the same order for every row of a result. Floats are
rounded (``FLOAT_DIGITS``) so that outputs are byte-for-byte reproducible. In CSV, a text cell
that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a carriage
return) gets a leading ``'`` (OWASP's CSV-injection rule); numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
import json

FORMATS = ("table", "csv", "json", "jsonl")
FLOAT_DIGITS = 6
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_value(value):
    """Round floats and turn numpy scalars/tuples into plain JSON-able Python values."""
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS)
    if isinstance(value, (list, tuple)):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_value(v) for k, v in value.items()}
    return value


def _flat(value) -> str:
    """A cell for CSV or a table: lists become ``a; b; c``, None becomes empty."""
    value = clean_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def format_rows(rows, fmt: str = "table") -> str:
    """Render rows in one of ``FORMATS``; returns the whole text (ending in a newline)."""
    rows = list(rows)
    if fmt == "json":
        return json.dumps([clean_value(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json_line(r) for r in rows)
    if fmt == "csv":
        return csv_text(rows)
    if fmt == "table":
        return table_text(rows)
    raise ValueError(f"unknown format {fmt!r}")


def json_line(row) -> str:
    return json.dumps(clean_value(row), ensure_ascii=False) + "\n"


def csv_text(rows, columns=None) -> str:
    columns = columns or (list(rows[0]) if rows else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return out.getvalue()


def csv_cell(value) -> str:
    """A CSV cell: :func:`_flat`, with text that would start a formula made inert.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(-0.5), csv_cell("-x"), csv_cell("ok")
    ("'=HYPERLINK(1)", '-0.5', "'-x", 'ok')
    """
    value = clean_value(value)
    text = _flat(value)
    if isinstance(value, (int, float)) or not text.startswith(FORMULA_STARTS):
        return text
    return "'" + text


def table_text(rows, max_width: int = 100) -> str:
    """Aligned plain-text columns; cells longer than ``max_width`` are shortened."""
    if not rows:
        return "(no rows)\n"
    columns = list(rows[0])
    cells = [[_shorten(_flat(r.get(c)), max_width) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(_is_number(row[i]) for row in cells) for i in range(len(columns))]

    def line(values):
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule] + [line(r) for r in cells]) + "\n"


def _shorten(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return text == ""
    return True
