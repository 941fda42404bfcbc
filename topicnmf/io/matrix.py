"""Matrix mode: an items × people table (purchases, ratings) instead of texts.

The CSV's first column names the items (rows of ``V``, like terms), its header row names the
people (columns of ``V``, like documents); cells are non-negative counts or ratings. Blank cells
are *missing* with ``missing="blank"`` (ratings: not rated is not a zero rating) and are left
out of the cost by :func:`topicnmf.factor.masked.masked_nmf` (weighted multiplicative
updates); with ``missing="zero"`` (purchases: not bought = 0) they are zeros and the normal
solver runs. This module only reads the table; ``TopicModel.fit(matrix)`` (or
:func:`topicnmf.fit_matrix`) fits it, and the model then answers the same questions as a text
model: topics are segments, ``H`` holds people's memberships.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .readers import READ_ERRORS, open_text, read_problem
from ..errors import InputError

MISSING = ("blank", "zero")
#: Largest cell :func:`load_matrix` accepts. The solvers square the cells (‖V‖², WᵀW, W H Hᵀ):
#: with one cell of 1e10 among counts of 1, scikit-learn's loss ‖V‖² − 2⟨V, WH⟩ + ‖WH‖² cancels
#: to a negative number (``invalid value in sqrt`` warnings; ``mu`` then never meets ``tol``),
#: and from about 1e90 ``mu`` overflows. Measured with ``cd``, ``mu`` and the masked solver,
#: k = 1..3, on six random count tables (4-25 × 4-25, a blank share of 30 %) with one cell at
#: the value or the whole table scaled to it: no NaN and no numeric warning up to 1e9, warnings
#: from 1e10 on. 1e8 keeps a margin of ten; larger amounts can be rescaled (e.g. thousands).
MAX_CELL = 1e8


@dataclass(frozen=True)
class ItemMatrix:
    """An items × people table.

    Attributes
    ----------
    items : list of str
        Row names (``n_items``).
    people : list of str
        Column names (``n_people``).
    values : ndarray of shape (n_items, n_people)
        Non-negative; 0 on missing cells.
    mask : ndarray of bool of shape (n_items, n_people), or None
        True where a value was given; None when blanks count as zeros.
    """

    items: list
    people: list
    values: np.ndarray
    mask: np.ndarray = None

    def snippet(self, j) -> str:
        """``"Bread 3, Fruits 1"``: what person ``j`` has (non-zero observed cells)."""
        col = self.values[:, j]
        return ", ".join(f"{self.items[i]} {col[i]:g}" for i in np.flatnonzero(col))


def load_matrix(path, *, missing="zero", encoding="utf-8") -> ItemMatrix:
    """Read an items × people CSV (optionally ``.gz``).

    Parameters
    ----------
    path : str or Path
    missing : {'zero', 'blank'}
        What a blank cell means: 0, or missing (kept out of the fit).

    Returns
    -------
    ItemMatrix

    Raises
    ------
    InputError
        Missing, unreadable or damaged (``.gz``) file, a row of the wrong length, an empty or
        repeated item/person name, or a negative, non-numeric, NaN or infinite cell or one
        above ``MAX_CELL`` (named by item and person).

    Examples
    --------
    >>> m = load_matrix("corpora/purchases.csv")
    >>> m.values.shape
    (5, 10)
    """
    path = Path(path)
    if missing not in MISSING:
        raise InputError(f"missing={missing!r}: use one of {', '.join(MISSING)}")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with open_text(path, encoding) as f:
            rows = [r for r in csv.reader(f, strict=True) if r and any(c.strip() for c in r)]
    except READ_ERRORS as exc:
        raise InputError(f"{path}: {read_problem(exc)}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as CSV ({exc})") from None
    if len(rows) < 2:
        raise InputError(f"{path}: expected a header row of people and at least one item row")
    people = [p.strip() for p in rows[0][1:]]
    _check_names(path, people, "person (header)")
    _check_names(path, [r[0].strip() for r in rows[1:]], "item (first column)")
    values = np.zeros((len(rows) - 1, len(people)))
    mask = np.ones(values.shape, dtype=bool)
    for i, row in enumerate(rows[1:]):
        item = row[0].strip()
        if len(row) != len(people) + 1:
            raise InputError(f"{path} row {item!r}: {len(row) - 1} values for {len(people)} "
                             "people; every row needs one cell per person (blank is allowed)")
        for j, cell in enumerate(row[1:]):
            values[i, j], mask[i, j] = _cell(path, cell, item, people[j], missing)
    return ItemMatrix([r[0].strip() for r in rows[1:]], people, values,
                      mask if missing == "blank" else None)


def _check_names(path, names, what):
    if not names:
        raise InputError(f"{path}: no {what} names")
    seen = set()
    for name in names:
        if not name:
            raise InputError(f"{path}: an empty {what} name; name every item and person")
        if name in seen:
            raise InputError(f"{path}: {what} {name!r} appears twice; names must be unique")
        seen.add(name)


def _cell(path, cell, item, person, missing):
    text = cell.strip()
    if not text:
        return 0.0, missing == "zero"
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or math.isnan(value) or math.isinf(value) or value < 0:
        hint = "leave it blank if unknown" if missing == "blank" else \
            "use 0, or --missing blank for unknown cells"
        raise InputError(f"{path} row {item!r}, column {person!r}: {text!r} is not a "
                         f"non-negative number; {hint}")
    if value > MAX_CELL:
        raise InputError(f"{path} row {item!r}, column {person!r}: {text!r} is above "
                         f"{MAX_CELL:g}, the largest value the solvers fit reliably; rescale "
                         "the table (e.g. to thousands)")
    return value, True
