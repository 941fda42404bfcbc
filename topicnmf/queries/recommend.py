"""Recommendations and similar documents from the reconstruction ``V̂ = W · H``.

``recommend`` ranks the terms (items) of a document's (person's) reconstructed column
``W @ H[:, j]`` and by default leaves out what it already has. ``similar`` ranks documents by
the blended cosine of :func:`topicnmf.reconstruction.similarity.similar_documents` (latent
cosine of the reconstructed columns mixed with the plain tf-idf cosine, weight
``DEFAULT_BLEND``), for a document of the model or for a new text transformed with ``W``
fixed. Both use the model's
cached :class:`~topicnmf.reconstruction.scores.Reconstruction`, never the dense ``W @ H``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..errors import InputError
from ..reconstruction.ranking import top_n
from ..reconstruction.scores import of_model
from ..reconstruction.similarity import DEFAULT_BLEND, lexical_index_of, similar_documents
from .segment import DEFAULT_THRESHOLD, check_threshold


@dataclass(frozen=True)
class Recommendation:
    """One recommended term (item): its rank, reconstructed score, and whether it is seen."""

    rank: int
    term: str
    score: float
    seen: bool


@dataclass(frozen=True)
class Recommendations:
    """Result of :func:`recommend`: the ranked ``items``, how many seen ones were left out, and
    the model's ``kind`` ('text': terms of a document, 'matrix': items of a person)."""

    doc_id: str
    items: list
    seen_excluded: int
    kind: str = "text"


def recommend(model, doc_id, *, top=10, include_seen=False):
    """Terms (items) for a document (person) from its reconstructed column ``W @ H[:, j]``.

    Parameters
    ----------
    model : TopicModel
    doc_id : str
        A document id (a person in matrix mode); unknown ids raise InputError.
    top : int
    include_seen : bool
        Keep terms the document already has (marked ``seen=True``); by default they are
        left out and counted in ``seen_excluded``.

    Returns
    -------
    Recommendations

    Examples
    --------
    >>> [r.term for r in recommend(purchases, "Mary", top=3).items]
    ['Bread', 'Fruits', 'Sweets']
    """
    top = validate.integer(top, "top", 1)
    j = model.document_index(doc_id)
    scores = of_model(model).column(j)
    seen = model.observed_in_document(j)
    idx = top_n(scores, top, exclude=None if include_seen else seen)
    terms = model.terms
    items = [Recommendation(r + 1, terms[i], float(scores[i]), bool(seen[i]))
             for r, i in enumerate(idx)]
    return Recommendations(model.document_ids_[j], items,
                           0 if include_seen else int(seen.sum()), model.mode)


@dataclass(frozen=True)
class SimilarDocument:
    """One similar document: blended ``score`` with its ``latent`` and ``lexical`` parts, and
    the topics both documents share (share >= threshold in each, as ``(topic, min share)``)."""

    rank: int
    doc_id: str
    score: float
    latent: float
    lexical: float
    shared: list
    snippet: str


def similar(model, doc_id=None, *, text=None, top=10, blend=DEFAULT_BLEND,
            threshold=DEFAULT_THRESHOLD):
    """Documents whose reconstructed columns are closest to a document or to a new text.

    Parameters
    ----------
    model : TopicModel
    doc_id : str, optional
        A document of the model (left out of its own results).
    text : str, optional
        A new text instead, transformed with ``W`` fixed (text mode only).
    top : int
    blend : float in [0, 1]
        Weight of the latent cosine; ``1 − blend`` goes to the lexical tf-idf cosine. The
        default was chosen by ``scripts/bench_similar.py`` (see
        :data:`topicnmf.reconstruction.similarity.DEFAULT_BLEND`).
    threshold : float in (0, 1]
        Smallest share of a topic in both documents for it to count as shared.

    Returns
    -------
    list of SimilarDocument
        Best first (ties: lower index).

    Examples
    --------
    >>> [d.doc_id for d in similar(model, "3dchess", top=3)]
    ['gnugo', 'jag', 'knights']
    """
    top = validate.integer(top, "top", 1)
    threshold = check_threshold(threshold)
    if (doc_id is None) == (text is None):
        raise InputError("give either a document id or a text to compare with, not both")
    if text is not None:
        if model.mode == "matrix":
            raise InputError("similar --text is not available for a matrix-mode model; "
                             "pass a person's id instead")
        if not isinstance(text, str) or not text.strip():
            raise InputError("the text to compare with is empty; pass some words")
        v = model.vectorizer_.transform([text])
        h = model.project_matrix(v)[:, 0]
        query = (v.toarray().ravel(), h)
    else:
        query = model.document_index(doc_id)
        h = model.H_[:, query]
    found = similar_documents(of_model(model), lexical_index_of(model), query, top,
                              blend=blend)
    mine = model.memberships(h[:, None])[:, 0]
    S = model.memberships()
    topic_ids = model.topic_ids
    out = []
    for r, (i, score, lat, lex) in enumerate(zip(found.indices, found.score, found.latent,
                                                 found.lexical)):
        theirs = S[:, i]
        both = np.minimum(mine, theirs)
        shared = [(topic_ids[z], float(both[z])) for z in np.lexsort((np.arange(both.size), -both))
                  if mine[z] >= threshold and theirs[z] >= threshold]
        out.append(SimilarDocument(r + 1, model.document_ids_[i], float(score), float(lat),
                                   float(lex), shared, model.snippets_[i]))
    return out

