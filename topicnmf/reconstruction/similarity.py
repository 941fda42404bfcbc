"""Similar documents: plain tf-idf cosine, the latent cosine of the reconstruction, and a blend."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .ranking import (as_array, best, check_index, data_matrix, is_index,
                      squared_column_norms)

DEFAULT_BLEND = 0.2
"""Weight of the latent cosine in :func:`similar_documents` (``1 − blend`` goes to tf-idf cosine).

Chosen so that the blend stays above the plain tf-idf cosine at every k, not for one k:
``scripts/bench_similar.py`` ranks neighbours of 2,000 queries by every blend at k = 10, 20,
50, 100 and 200 (topicnmf's defaults, block HALS), a neighbour judged related when people filed
it in the same section, on the 64k Debian descriptions (identical texts of the query left out)
and on the shipped tickets (20 sections, no package families). Every blend from 0.1 to 0.6 beat
the lexical cosine at every k on both (0.8 fell below it on the tickets at k = 10); the best
blend differs by corpus and k (0.5–0.6 on Debian, 0.2–0.3 on the tickets), and 0.2 has the best
worst case over both: at least +0.048 precision@10 on Debian and +0.028 on the tickets, at
every k (README "Why `similar` blends"). Held-out documents with human similarity judgments
also preferred 0.2 to 0.4 at k = 50 (issue 14: correlation 0.62 against 0.58, tf-idf 0.59).
"""



class LexicalIndex:
    """Columns of ``V`` and their inverse norms, for repeated plain-cosine queries.

    Parameters
    ----------
    V : sparse matrix (any format) or ndarray of shape (n_terms, n_documents)

    A CSC ``V`` (a model's) is not copied: its arrays are read as the documents × terms rows
    of ``Vᵀ``, and a cosine is ``(Vᵀ q)_j / ‖v_j‖`` for a unit query ``q``.
    """

    def __init__(self, V):
        V = data_matrix(V)
        self.shape = V.shape
        norms = np.sqrt(squared_column_norms(V))
        self._inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        if sp.issparse(V) and V.format == "csc":
            self._docs = sp.csr_matrix((V.data, V.indices, V.indptr), shape=V.shape[::-1],
                                       copy=False)
        elif sp.issparse(V):
            self._docs = sp.csr_matrix(V.T)
        else:
            self._docs = np.ascontiguousarray(V.T)

    def similarity(self, query):
        """Cosines, shape (n_documents,), with document ``j`` or a term vector (n_terms,)."""
        if is_index(query):
            j = check_index(query, self.shape[1], "document")
            q = self._docs[j]
            q = (q.toarray().ravel() if sp.issparse(q) else q) * self._inverse[j]
        else:
            q = as_array(query, "query term vector", 1, self.shape[0])
            norm = np.linalg.norm(q)
            q = q / norm if norm > 0 else q
        return np.asarray(self._docs @ q).ravel() * self._inverse


def lexical_similarity(V, query):
    """Plain cosine of every column of ``V`` with column ``j`` or a term vector ``v``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents), or a :class:`LexicalIndex`
        (pass an index to normalize ``V`` only once across many queries)
    query : int or array_like of shape (n_terms,)

    Returns
    -------
    cosines : ndarray of shape (n_documents,)
    """
    return (V if isinstance(V, LexicalIndex) else LexicalIndex(V)).similarity(query)


class SimilarDocuments(NamedTuple):
    """Result of :func:`similar_documents`; every field has shape (<= top,), best first."""

    indices: np.ndarray
    score: np.ndarray
    latent: np.ndarray
    lexical: np.ndarray


def blended_similarity(recon, V, query, *, blend=DEFAULT_BLEND):
    """``blend · latent_cosine + (1 − blend) · lexical_cosine`` against every document.

    Parameters
    ----------
    recon : Reconstruction
    V : sparse matrix or ndarray of shape (n_terms, n_documents), or a LexicalIndex of it
    query : int or tuple (v, h)
        A document index, or a new text's term vector ``v`` (n_terms,) and memberships ``h`` (k,).
    blend : float in [0, 1]

    Returns
    -------
    blended, latent, lexical : ndarray of shape (n_documents,)
    """
    if (not isinstance(blend, (int, float, np.integer, np.floating)) or isinstance(blend, bool)
            or not 0.0 <= blend <= 1.0):
        raise InputError(f"blend={blend!r} is not in [0, 1]; pass the weight of the latent "
                         "cosine, e.g. 0.5")
    index = V if isinstance(V, LexicalIndex) else LexicalIndex(V)
    if index.shape != (recon.n_terms, recon.n_documents):
        raise InputError(f"V has shape {index.shape} but the factors give "
                         f"{(recon.n_terms, recon.n_documents)}; pass V as terms × documents")
    if is_index(query):
        latent, lexical = recon.column_similarity(query), index.similarity(query)
    elif isinstance(query, tuple) and len(query) == 2:
        latent, lexical = recon.column_similarity(query[1]), index.similarity(query[0])
    else:
        raise InputError("query is neither a document index nor a (term_vector, memberships) "
                         "tuple; pass one of those")
    return float(blend) * latent + (1.0 - float(blend)) * lexical, latent, lexical


def similar_documents(recon, V, query, top=10, *, blend=DEFAULT_BLEND, exclude=None,
                      include_self=False):
    """The ``top`` documents by blended cosine; parameters as :func:`blended_similarity`.

    ``exclude`` (indices or bool mask) drops documents; a query index is dropped unless
    ``include_self``.

    Returns
    -------
    SimilarDocuments
        ``indices`` best first, the blended ``score`` and its ``latent`` and ``lexical`` parts.
    """
    blended, latent, lexical = blended_similarity(recon, V, query, blend=blend)
    idx, score = best(blended, query, top, exclude, include_self)
    return SimilarDocuments(idx, score, latent[idx], lexical[idx])


def lexical_index_of(model) -> LexicalIndex:
    """The :class:`LexicalIndex` of a fitted model's ``V_``, normalized once per model."""
    return model.cached("lexical", (model.V_,), LexicalIndex)
