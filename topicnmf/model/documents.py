"""The documents a TopicModel is given: a Corpus, Documents or plain strings, as one list."""

from __future__ import annotations

from ..errors import InputError
from ..io.corpus import Corpus, Document
from ..io.readers import first_line  # noqa: F401  (the snippet of a document, kept here)


def as_documents(documents) -> list:
    """Normalize a Corpus, Documents or plain strings to a non-empty list of Documents.

    Plain strings get ids ``"0"``, ``"1"``, ... in their order.
    """
    if isinstance(documents, Corpus):
        docs = list(documents.documents)
    elif isinstance(documents, (str, bytes)):
        raise InputError("expected a list of texts, got a single string; wrap it in a list")
    else:
        docs = [d if isinstance(d, Document) else Document(str(i), _as_text(d, i))
                for i, d in enumerate(documents)]
    if not docs:
        raise InputError("no documents given")
    return docs


def _as_text(value, index):
    if not isinstance(value, str):
        raise InputError(f"document {index} is a {type(value).__name__}, expected a string")
    return value
