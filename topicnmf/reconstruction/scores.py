"""Columns, rows, similarities and fit errors of ``V̂ = W · H`` from k-dimensional embeddings."""

from __future__ import annotations

import copy
from functools import cached_property

import numpy as np

from ..errors import InputError
from .ranking import (as_array, best, check_index, data_matrix, is_index,
                      squared_column_norms)

#: Relative fit error ``‖v − W h‖ / ‖v‖`` above which a document is not explained by the
#: topics ("unassigned" by tag and assign, "unexplained" in choose-k). In tf-idf space a
#: document's error is close to 1 even when it fits (shipped corpus, k=8: median 0.987, 99 %
#: below 0.999; 64k Debian descriptions, k=50: median 0.968, 99 % below 0.9984), while texts
#: about other things (a cake recipe, a football match) score 0.99995 and more.
MAX_ERROR = 0.999


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


class _Embedding:
    """Inner products of the columns of ``X`` (k × n) under ``gram``: ``xᵢᵀ·gram·xⱼ`` is the
    inner product of two reconstructed vectors. Cosines with one query cost one pass over
    ``X`` (``Xᵀ·(gram·q)``, scaled by the inverse norms); the embedding ``Z = Lᵀ X``
    (``gram = L Lᵀ``) is built only when asked for."""

    CHUNK = 65536          # columns at a time when computing the squared norms

    def __init__(self, gram, X):
        self.gram, self.X = gram, X
        n = X.shape[1]
        # squared norms xᵀ·gram·x: sums of non-negative terms, 0 iff empty
        self.sq = np.concatenate([np.einsum("kn,kn->n", gram @ X[:, a:a + self.CHUNK],
                                            X[:, a:a + self.CHUNK])
                                  for a in range(0, n, self.CHUNK)]) if n else np.zeros(0)
        self.inverse = np.divide(1.0, np.sqrt(self.sq), out=np.zeros_like(self.sq),
                                 where=self.sq > 0)

    @cached_property
    def L(self):
        return _gram_sqrt(self.gram)

    @cached_property
    def Z(self):           # k × n: Z[:, i]·Z[:, j] = inner product of reconstructed vectors
        Z = self.L.T @ self.X
        Z.setflags(write=False)
        return Z

    @cached_property
    def unit(self):        # Z with unit (or zero) columns
        unit = _unit(self.Z, self.sq)
        unit.setflags(write=False)
        return unit

    def cosines(self, query, what):
        """Cosines of every column with column ``query`` or with k-vector ``query``."""
        if is_index(query):
            j = check_index(query, self.X.shape[1], what)
            x, inverse = self.X[:, j], self.inverse[j]
        else:
            x = as_array(query, f"{what} memberships", 1, self.gram.shape[0], nonneg=True)
            sq = float(x @ self.gram @ x)
            inverse = 1.0 / np.sqrt(sq) if sq > 0 else 0.0
        return (self.X.T @ (self.gram @ x)) * self.inverse * inverse


class Reconstruction:
    """Read-only queries on ``V̂ = W @ H`` that never form the dense product.

    Parameters
    ----------
    W : array_like of shape (n_terms, k), non-negative
    H : array_like of shape (k, n_documents), non-negative

    gram : array_like of shape (k, k), optional
        ``WᵀW`` if the caller has it already (a fitted model's ``gram_``).

    Both are copied (a read-only float64 array, e.g. memory-mapped from a saved model, is
    used as it is). ``G``, ``F`` and the embeddings are computed on first use and cached.
    """

    def __init__(self, W, H, gram=None):
        self.W, self.H = as_array(W, "W", 2, nonneg=True), as_array(H, "H", 2, nonneg=True)
        if self.W.shape[1] != self.H.shape[0] or self.W.shape[1] == 0:
            raise InputError(f"W is {self.W.shape} and H is {self.H.shape}; pass W as "
                             "terms × k and H as k × documents of one factorization, k >= 1")
        self.W.setflags(write=False)
        self.H.setflags(write=False)
        self.n_terms, self.n_components = self.W.shape
        self.n_documents = self.H.shape[1]
        if gram is not None:                   # fills the cached_property below
            self.__dict__["gram"] = as_array(gram, "gram", 2)
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
        return _Embedding(self.gram, self.H)

    @cached_property
    def _terms(self):        # F = H Hᵀ and the term embedding, O(n_terms·k² + n_documents·k²)
        return _Embedding(self.H @ self.H.T, self.W.T)

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
        H = as_array(H, "H", 2, nonneg=True)
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
        return self.W @ self.H[:, check_index(j, self.n_documents, "document")]

    def column_for(self, h):
        """Reconstructed column ``W @ h`` (n_terms,) for memberships ``h`` of shape (k,)."""
        return self.W @ as_array(h, "h", 1, self.n_components, nonneg=True)

    def row(self, t):
        """Scores of every document for term ``t``: ``W[t] @ H``, shape (n_documents,)."""
        return self.W[check_index(t, self.n_terms, "term")] @ self.H

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
        return best(self.column_similarity(query), query, top, exclude, include_self)

    def similar_rows(self, query, top=10, *, exclude=None, include_self=False):
        """Terms closest (cosine of reconstructed rows) to term ``t`` or a W-row of shape (k,).

        Parameters and returns as :meth:`similar_columns`, over the n_terms rows.
        """
        return best(self.row_similarity(query), query, top, exclude, include_self)

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
        V = data_matrix(V, (self.n_terms, self.n_documents))
        vv = squared_column_norms(V)
        cross = np.einsum("jk,kj->j", np.asarray(V.T @ self.W), self.H)
        err = np.maximum(vv - 2.0 * cross + self._docs.sq, 0.0)
        if relative:
            err = np.divide(np.sqrt(err), np.sqrt(vv), out=np.zeros_like(err), where=vv > 0)
        return err



def of_model(model) -> Reconstruction:
    """The :class:`Reconstruction` of a fitted model's ``W_`` and ``H_``, built once per model
    (kept by ``model.cached``) and sharing the model's Gram matrix, so repeated queries cost
    O(docs·k)."""
    return model.cached("reconstruction", (model.W_, model.H_),
                        lambda W, H: Reconstruction(W, H, gram=model.gram_))
