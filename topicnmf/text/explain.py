"""What cleaning would remove from a corpus: counts per step and a few examples, no fit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import InputError
from .clean import Cleaner, resolve_clean

EXAMPLES = 3            # examples shown per kind of thing removed
EXAMPLE_LENGTH = 100    # characters of an example line


@dataclass(frozen=True)
class Removed:
    """One kind of thing a step removed: ``count`` of them in ``documents`` documents, and
    ``examples``: ``(document id, line before, line after)`` of the first documents."""

    step: str
    unit: str
    count: int
    documents: int
    examples: list


@dataclass(frozen=True)
class CleaningReport:
    """Result of :func:`explain_cleaning`.

    Attributes
    ----------
    steps : tuple of str
        The steps applied (``clean`` resolved for this corpus).
    template_lines : tuple of str
        Lines the ``template`` step learned (empty without it).
    removed : list of Removed
        One row per step and unit, in the order applied (units with nothing removed too).
    n_documents : int
    changed : int
        Documents whose text cleaning changed.
    """

    steps: tuple
    template_lines: tuple
    removed: list
    n_documents: int
    changed: int


def explain_cleaning(documents, *, clean="auto", examples=EXAMPLES) -> CleaningReport:
    """Count what the ``clean`` steps remove from ``documents``, without fitting.

    Parameters
    ----------
    documents : Corpus, iterable of Document, or iterable of str
    clean : str or iterable of str
        As ``TopicModel(clean=...)``: ``'auto'``, ``'none'`` or step names
        (:data:`topicnmf.text.clean.STEPS`).
    examples : int
        Examples kept per kind of thing removed.

    Returns
    -------
    CleaningReport

    Examples
    --------
    >>> report = explain_cleaning(["Hi Ann,\\nThe VPN drops.\\n> quoted\\nThanks,\\nBob"],
    ...                           clean="quotes,signatures")
    >>> [(r.unit, r.count) for r in report.removed]
    [('quoted lines', 1), ('signatures', 1), ('greetings', 1)]
    """
    docs = list(getattr(documents, "documents", documents))
    if not docs:
        raise InputError("no documents given")
    if isinstance(docs[0], str):
        ids, texts = [str(i) for i in range(len(docs))], docs
    else:
        ids, texts = [d.id for d in docs], [d.text for d in docs]
    steps = resolve_clean(clean, docs)
    cleaner = Cleaner(steps).fit(texts)
    rows = {(step, unit): [0, 0, []] for step, unit, _ in cleaner.parts()}
    changed = 0
    for doc_id, text in zip(ids, texts):
        before = text
        for step, unit, func in cleaner.parts():
            after, n = func(text)
            if n:
                row = rows[(step, unit)]
                row[0] += n
                row[1] += 1
                if len(row[2]) < examples:
                    row[2].append((doc_id, *_first_change(text, after)))
            text = after
        changed += text != before
    removed = [Removed(step, unit, *row) for (step, unit), row in rows.items()]
    return CleaningReport(steps, cleaner.template_lines, removed, len(texts), changed)


def _first_change(before, after) -> tuple:
    """The first line that changed: ``(line before, line after)`` (after is '' if removed)."""
    a, b = before.split("\n"), after.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        old = next((line for line in a[i1:i2] if line.strip()), "")
        new = b[j1] if tag == "replace" and j1 < j2 else ""
        return _short(old), _short(new)
    return "", ""


def _short(line) -> str:
    line = " ".join(line.split())
    return line if len(line) <= EXAMPLE_LENGTH else line[:EXAMPLE_LENGTH - 1] + "…"
