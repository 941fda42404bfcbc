"""Answers from the reconstruction ``V̂ = W · H`` without ever forming it.

``V`` is terms × documents, ``W`` terms × k, ``H`` k × documents; the dense ``W @ H`` is never
computed. A column costs O(terms·k), a row or a similarity query O(documents·k), the one-off
precomputation O(documents·k²). Inner products of reconstructed columns come from a k-dim
embedding: ``G = WᵀW = L Lᵀ``, ``Z = Lᵀ H`` gives ``Z[:, i]·Z[:, j] = V̂[:, i]·V̂[:, j]``; rows
work the same way with ``F = H Hᵀ``. An all-zero reconstruction has cosine 0, never NaN.
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .errors import InputError

#: Relative fit error ``‖v − W h‖ / ‖v‖`` above which a document is not explained by the
#: topics ("unassigned" by tag and assign, "unexplained" in choose-k). In tf-idf space a
#: document's error is close to 1 even when it fits (shipped corpus, k=8: median 0.987, 99 %
#: below 0.999; 64k Debian descriptions, k=50: median 0.968, 99 % below 0.9984), while texts
#: about other things (a cake recipe, a football match) score 0.99995 and more.
MAX_ERROR = 0.999

DEFAULT_BLEND = 0.4
"""Weight of the latent cosine in :func:`similar_documents` (``1 − blend`` goes to tf-idf cosine).

Measured by ``scripts/bench_similar.py`` with the default (sublinear tf-idf) models: 2,000
queries on the 64k Debian descriptions, k=50, neighbours judged related when people filed them
in the same archive section (identical texts of the query left out); precision@10 was 0.470
lexical only, 0.537 latent only, 0.571 at 0.4 (best), 0.570 at 0.5, 0.567 at 0.6, 0.546 at 0.9.
"""


def _array(x, name, ndim, length=None, nonneg=False):
    """Validated float64 copy of a factor (ndim=2) or query vector (ndim=1, raveled)."""
    try:
        x = np.array(x.toarray() if sp.issparse(x) else x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not numeric; pass an array of numbers") from None
    x = x.ravel() if ndim == 1 else x
    if x.ndim != ndim:
        raise InputError(f"{name} has {x.ndim} dimension(s); pass a {ndim}-D array")
    if length is not None and x.size != length:
        raise InputError(f"{name} has {x.size} entries but {length} are needed; "
                         "check that it belongs to this model")
    if not np.all(np.isfinite(x)) or (nonneg and x.size and x.min() < 0):
        kind = "finite and non-negative" if nonneg else "finite"
        raise InputError(f"{name} has invalid entries; all values must be {kind}")
    return x


def _is_index(q):
    return isinstance(q, (int, np.integer)) and not isinstance(q, (bool, np.bool_))


def _index(i, n, what):
    if not _is_index(i) or not 0 <= i < n:
        raise InputError(f"{what} index {i!r} is invalid; pass an integer 0 <= index < {n}")
    return int(i)


def _data_matrix(V, shape=None):
    """V as CSR/CSC float64 or a dense float64 array, checked for shape and finiteness."""
    if sp.issparse(V):
        V = (V if V.format in ("csr", "csc") else V.tocsc()).astype(np.float64, copy=False)
        values = V.data
    else:
        V = values = _array(V, "V", 2)
    if shape is not None and V.shape != shape:
        raise InputError(f"V has shape {V.shape} but the factors give {shape}; pass V as "
                         "terms × documents (transpose it if it is documents × terms)")
    if not np.all(np.isfinite(values)):
        raise InputError("V contains NaN or infinite values; pass finite numbers")
    return V


def _drop_mask(n, exclude=None, self_index=None):
    """Boolean mask of length ``n`` from an index array or mask, plus ``self_index``."""
    if exclude is None and self_index is None:
        return None
    arr = np.asarray([] if exclude is None else exclude)
    if arr.dtype == bool and arr.shape != (n,):
        raise InputError(f"exclude mask has shape {arr.shape}; pass a boolean mask of "
                         f"length {n} or an array of indices")
    if arr.dtype != bool and arr.size and (not np.issubdtype(arr.dtype, np.integer)
                                           or arr.min() < 0 or arr.max() >= n):
        raise InputError(f"exclude must hold integer indices in [0, {n}) or be a boolean "
                         "mask; fix the indices")
    if arr.dtype == bool:
        drop = arr.copy()
    else:
        drop = np.zeros(n, dtype=bool)
        drop[arr.ravel().astype(np.intp)] = True
    if self_index is not None:
        drop[self_index] = True
    return drop


def top_n(scores, n, exclude=None):
    """Indices of the ``n`` largest scores, best first, via ``np.argpartition``.

    Ties are deterministic: higher score first, then lower index. NaN ranks last.

    Parameters
    ----------
    scores : array_like of shape (n_items,)
    n : int
        How many to return (fewer if fewer items remain after ``exclude``).
    exclude : array_like of int, or bool mask of shape (n_items,), optional
        Items never to return (e.g. already seen).

    Returns
    -------
    indices : ndarray of int of shape (min(n, n_kept),)
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise InputError(f"scores has {scores.ndim} dimensions; pass a 1-D array")
    if not _is_index(n) or n < 0:
        raise InputError(f"n={n!r} is not a non-negative integer; pass how many items to return")
    drop = _drop_mask(scores.size, exclude)
    idx = np.arange(scores.size) if drop is None else np.flatnonzero(~drop)
    vals = scores[idx]
    vals[np.isnan(vals)] = -np.inf
    n = min(int(n), idx.size)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if n < idx.size:
        kth = vals[np.argpartition(vals, idx.size - n)[idx.size - n]]   # n-th largest value
        above = np.flatnonzero(vals > kth)
        keep = np.concatenate([above, np.flatnonzero(vals == kth)[: n - above.size]])
        idx, vals = idx[keep], vals[keep]                                # ties: lowest index
    return idx[np.lexsort((idx, -vals))]


def _gram_sqrt(G):
    """``L`` with ``L @ L.T == G``: Cholesky, or ``U·sqrt(max(λ, 0))`` when G is not PD."""
    try:
        return np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        lam, U = np.linalg.eigh(G)
        lam = np.where(lam > lam.max(initial=0.0) * G.shape[0] * np.finfo(float).eps, lam, 0.0)
        return U * np.sqrt(lam)


def _unit(E, sq_norms):
    """Columns of ``E`` scaled to unit length; columns whose exact norm is 0 become 0."""
    norms = np.linalg.norm(E, axis=0)
    inv = np.zeros_like(norms)
    np.divide(1.0, norms, out=inv, where=(norms > 0) & (sq_norms > 0))
    return E * inv


class _Embedding(NamedTuple):
    gram: np.ndarray     # k × k, = L Lᵀ
    L: np.ndarray
    Z: np.ndarray        # k × n: Z[:, i]·Z[:, j] = inner product of reconstructed vectors
    unit: np.ndarray     # Z with unit (or zero) columns
    sq: np.ndarray       # squared norms xᵀ·gram·x: sums of non-negative terms, 0 iff empty

    @classmethod
    def build(cls, gram, X):
        sq = np.einsum("kn,kn->n", gram @ X, X)
        L = _gram_sqrt(gram)
        Z = L.T @ X
        unit = _unit(Z, sq)
        Z.setflags(write=False)
        unit.setflags(write=False)
        return cls(gram, L, Z, unit, sq)

    def cosines(self, query, what):
        """Cosines of every column with column ``query`` or with k-vector ``query``."""
        if _is_index(query):
            return self.unit.T @ self.unit[:, _index(query, self.Z.shape[1], what)]
        x = _array(query, f"{what} memberships", 1, self.L.shape[0], nonneg=True)
        q = _unit((self.L.T @ x)[:, None], np.atleast_1d(x @ self.gram @ x))[:, 0]
        return self.unit.T @ q


def _best(scores, query, top, exclude, include_self):
    me = None if include_self or not _is_index(query) else int(query)
    idx = top_n(scores, top, _drop_mask(scores.size, exclude, me))
    return idx, scores[idx]


class Reconstruction:
    """Read-only queries on ``V̂ = W @ H`` that never form the dense product.

    Parameters
    ----------
    W : array_like of shape (n_terms, k), non-negative
    H : array_like of shape (k, n_documents), non-negative

    gram : array_like of shape (k, k), optional
        ``WᵀW`` if the caller has it already (a fitted model's ``gram_``).

    Both are copied. ``G``, ``F`` and the embeddings are computed on first use and cached.
    """

    def __init__(self, W, H, gram=None):
        self.W, self.H = _array(W, "W", 2, nonneg=True), _array(H, "H", 2, nonneg=True)
        if self.W.shape[1] != self.H.shape[0] or self.W.shape[1] == 0:
            raise InputError(f"W is {self.W.shape} and H is {self.H.shape}; pass W as "
                             "terms × k and H as k × documents of one factorization, k >= 1")
        self.W.setflags(write=False)
        self.H.setflags(write=False)
        self.n_terms, self.n_components = self.W.shape
        self.n_documents = self.H.shape[1]
        if gram is not None:                   # fills the cached_property below
            self.__dict__["gram"] = _array(gram, "gram", 2)
            if self.gram.shape != (self.n_components,) * 2:
                raise InputError(f"gram is {self.gram.shape}; pass WᵀW, k × k")
            self.gram.setflags(write=False)

    @cached_property
    def gram(self):
        """``G = WᵀW`` of shape (k, k), computed once; read-only."""
        G = self.W.T @ self.W
        G.setflags(write=False)
        return G

    @cached_property
    def _docs(self):         # the document embedding from G, O(n_documents·k²)
        return _Embedding.build(self.gram, self.H)

    @cached_property
    def _terms(self):        # F = H Hᵀ and the term embedding, O(n_terms·k² + n_documents·k²)
        return _Embedding.build(self.H @ self.H.T, self.W.T)

    def with_memberships(self, H):
        """The reconstruction of the same ``W`` with other memberships, e.g. of new documents.

        Shares ``W`` and its Gram matrix with this one instead of copying and recomputing
        them, so a batch of a few documents costs O(batch·k²), not O(n_terms·k²).

        Parameters
        ----------
        H : array_like of shape (k, n_documents), non-negative (copied)

        Returns
        -------
        Reconstruction
        """
        H = _array(H, "H", 2, nonneg=True)
        if H.shape[0] != self.n_components:
            raise InputError(f"H has {H.shape[0]} rows but W has {self.n_components} "
                             "components; pass k × documents memberships of this model")
        H.setflags(write=False)
        other = copy.copy(self)
        for name in ("_docs", "_terms"):                 # cached values that depend on H
            other.__dict__.pop(name, None)
        other.__dict__["gram"] = self.gram
        other.H, other.n_documents = H, H.shape[1]
        return other

    def document_embedding(self, normalized=False):
        """``Z = Lᵀ H`` of shape (k, n_documents), ``G = L Lᵀ``: ``Z[:,i]·Z[:,j] = V̂[:,i]·V̂[:,j]``.

        ``normalized=True`` gives unit columns (zero for empty reconstructions) whose dot
        products are cosines. Cached and read-only.
        """
        return self._docs.unit if normalized else self._docs.Z

    def term_embedding(self, normalized=False):
        """``W M`` of shape (n_terms, k), ``F = M Mᵀ``: row products equal ``V̂[t]·V̂[s]``."""
        return (self._terms.unit if normalized else self._terms.Z).T

    def column(self, j):
        """Scores of every term for document ``j``: ``W @ H[:, j]``, shape (n_terms,)."""
        return self.W @ self.H[:, _index(j, self.n_documents, "document")]

    def column_for(self, h):
        """Reconstructed column ``W @ h`` of shape (n_terms,) for memberships ``h`` of shape (k,)."""
        return self.W @ _array(h, "h", 1, self.n_components, nonneg=True)

    def row(self, t):
        """Scores of every document for term ``t``: ``W[t] @ H``, shape (n_documents,)."""
        return self.W[_index(t, self.n_terms, "term")] @ self.H

    def column_similarity(self, query):
        """Cosines, shape (n_documents,), of all reconstructed columns with document ``j``
        or with the reconstruction of memberships ``h`` of shape (k,)."""
        return self._docs.cosines(query, "document")

    def row_similarity(self, query):
        """Cosines, shape (n_terms,), of all reconstructed rows with term ``t`` or a W-row (k,)."""
        return self._terms.cosines(query, "term")

    def similar_columns(self, query, top=10, *, exclude=None, include_self=False):
        """Documents whose reconstructed columns are closest (cosine) to a query.

        Parameters
        ----------
        query : int or array_like of shape (k,)
            Document index ``j`` or membership vector ``h`` of a new text.
        top : int
        exclude : index array or bool mask of shape (n_documents,), optional
        include_self : bool
            If False (default) and ``query`` is an index, that document is left out.

        Returns
        -------
        indices : ndarray of int of shape (<= top,)
        scores : ndarray of shape (<= top,)
            Cosines, best first (ties: lower index first).
        """
        return _best(self.column_similarity(query), query, top, exclude, include_self)

    def similar_rows(self, query, top=10, *, exclude=None, include_self=False):
        """Terms closest (cosine of reconstructed rows) to term ``t`` or a W-row of shape (k,).

        Parameters and returns as :meth:`similar_columns`, over the n_terms rows.
        """
        return _best(self.row_similarity(query), query, top, exclude, include_self)

    def column_errors(self, V, *, relative=False):
        """Per-document ``‖v_j − W h_j‖²``, or ``‖v_j − W h_j‖ / ‖v_j‖`` if ``relative``.

        Computed as ``‖v_j‖² − 2 v_jᵀ W h_j + h_jᵀ G h_j`` in O(nnz(V)·k + n_documents·k²);
        rounding negatives are clipped to 0, empty documents have relative error 0.

        Parameters
        ----------
        V : sparse matrix or ndarray of shape (n_terms, n_documents)
        relative : bool

        Returns
        -------
        errors : ndarray of shape (n_documents,)
        """
        V = _data_matrix(V, (self.n_terms, self.n_documents))
        vv = (np.asarray(V.multiply(V).sum(axis=0)).ravel() if sp.issparse(V)
              else np.einsum("tj,tj->j", V, V))
        cross = np.einsum("jk,kj->j", np.asarray(V.T @ self.W), self.H)
        err = np.maximum(vv - 2.0 * cross + self._docs.sq, 0.0)
        if relative:
            err = np.divide(np.sqrt(err), np.sqrt(vv), out=np.zeros_like(err), where=vv > 0)
        return err


class LexicalIndex:
    """Columns of ``V`` normalized once, for repeated plain-cosine queries.

    Parameters
    ----------
    V : sparse matrix (any format) or ndarray of shape (n_terms, n_documents)
    """

    def __init__(self, V):
        V = _data_matrix(V)
        self.shape = V.shape
        sparse = sp.issparse(V)
        norms = np.sqrt(np.asarray(V.multiply(V).sum(axis=0)).ravel() if sparse
                        else np.einsum("tj,tj->j", V, V))
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        if sparse:                                  # documents × terms, unit rows
            self._docs = sp.csr_matrix((V @ sp.diags(inv)).T)
            self._docs.sort_indices()
        else:
            self._docs = np.ascontiguousarray((V * inv).T)

    def similarity(self, query):
        """Cosines, shape (n_documents,), with document ``j`` or a term vector of shape (n_terms,)."""
        if _is_index(query):
            q = self._docs[_index(query, self.shape[1], "document")]
            q = q.toarray().ravel() if sp.issparse(q) else q
        else:
            q = _array(query, "query term vector", 1, self.shape[0])
            norm = np.linalg.norm(q)
            q = q / norm if norm > 0 else q
        return np.asarray(self._docs @ q).ravel()


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
    if _is_index(query):
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
    idx, score = _best(blended, query, top, exclude, include_self)
    return SimilarDocuments(idx, score, latent[idx], lexical[idx])


def of_model(model) -> Reconstruction:
    """The :class:`Reconstruction` of a fitted model's ``W_`` and ``H_``, built once per model
    (kept by ``model.cached``) and sharing the model's Gram matrix, so repeated queries cost
    O(docs·k)."""
    return model.cached("reconstruction", (model.W_, model.H_),
                        lambda W, H: Reconstruction(W, H, gram=model.gram_))


def lexical_index_of(model) -> LexicalIndex:
    """The :class:`LexicalIndex` of a fitted model's ``V_``, normalized once per model."""
    return model.cached("lexical", (model.V_,), LexicalIndex)
