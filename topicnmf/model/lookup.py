"""Finding a document (or person) column and a term (or item) row of a fitted model by name;
an unknown name is a NotFoundError (an InputError) suggesting the closest known ones."""

from __future__ import annotations

import difflib

from ..errors import InputError, NotFoundError


def id_index(ids) -> dict:
    """``{id: column}`` for document ids (a repeated id maps to its last column)."""
    return {d: i for i, d in enumerate(ids)}


def document_index(index, doc_id, what="document id") -> int:
    """Column of ``doc_id`` in ``index`` (from :func:`id_index`).

    Raises
    ------
    NotFoundError
        Unknown id, naming up to three close ids, else the look of the first id.
    """
    key = str(doc_id)
    if key not in index:
        close = difflib.get_close_matches(key, list(index), n=3)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
            f"ids look like {next(iter(index))!r}"
        raise NotFoundError(f"{what} {key!r} is not in the model ({len(index)} documents); "
                         + hint)
    return index[key]


def term_index(vectorizer, term) -> int:
    """Row of ``term`` in a fitted vectorizer's vocabulary (after its preprocessing).

    Raises
    ------
    NotFoundError
        Unknown term, naming up to three close vocabulary terms.
    """
    try:
        return vectorizer.term_index(term)
    except InputError:
        pass
    raise _not_found("term", term, vectorizer.vocabulary_)


def item_index(items, item) -> int:
    """Row of ``item`` among the item names, ignoring case and surrounding spaces.

    Raises
    ------
    NotFoundError
        Unknown item, naming up to three close item names.
    """
    names = {n.strip().lower(): i for i, n in enumerate(items)}
    if str(item).strip().lower() in names:
        return names[str(item).strip().lower()]
    raise _not_found("item", item, items)


def _not_found(what, name, vocabulary) -> NotFoundError:
    close = difflib.get_close_matches(str(name).strip().lower(), vocabulary, n=3)
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
        "check the spelling"
    return NotFoundError(f"{what} {name!r} is not in the model's vocabulary "
                      f"({len(vocabulary)} {what}s); {hint}")
