"""Reading a fitted model: its topics (top terms, labels, sizes), memberships, and its
documents and terms looked up by name.

:class:`FittedTopics` holds these methods for :class:`~topicnmf.model.estimator.TopicModel`;
they read only its fitted attributes (``W_``, ``H_``, ``vectorizer_`` or ``items_``,
``document_ids_``, ``topic_labels_``, ``topic_ids_``) and ``n_topics``.

Topic ids: a topic is named by its *id*, which is what every output prints and every ``topic``
argument takes. After a fit the ids are ``0..k-1``, the columns of ``W``; merging and splitting
topics (:mod:`topicnmf.evolve.reshape`) keep the ids of the topics they do not touch, and an
update or alignment (:mod:`topicnmf.evolve`) gives the topics that match the reference's their
ids and new topics new ones, so the ids of a changed model are a list ``topic_ids_`` (column
``z`` of ``W`` and row ``z`` of ``H`` are topic ``topic_ids_[z]``; topicnmf keeps them in
increasing order) and a removed id is never given again (``next_topic_id_``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import lookup
from ..errors import InputError, NotFittedError, NotFoundError
from ..factor.projection import shares
from .check import check_label

AUTO_LABEL_TERMS = 3       # terms in an automatic label
AUTO_LABEL_FLOOR = 0.05    # a term under this share of the top term's weight is left out


@dataclass(frozen=True)
class Topic:
    """One topic: its id, label, size and top terms with weights."""

    topic: int
    label: str
    size: int
    terms: list  # of (term, weight)


def top_rows(column, top: int = 10) -> np.ndarray:
    """Rows of a topic's ``column`` of ``W`` with the largest weights, ties to the lower index."""
    top = max(0, min(top, column.size))
    # Only positive weights compete when there are enough of them: most of a column is exact
    # zeros, on which np.partition's selection runs ~50× slower than on the rest.
    rows = np.flatnonzero(column > 0)
    if rows.size < top:
        rows = np.arange(column.size)
    if 0 < top < rows.size:            # sort only the rows that can be in the top
        values = column[rows]
        rows = rows[values >= np.partition(values, values.size - top)[-top]]
    return rows[np.lexsort((rows, -column[rows]))][:top]


def automatic_label(column, terms) -> str:
    """A topic's automatic label: its top three ``terms``, leaving out terms whose weight is
    under 5% of the top term's (a near-empty term does not name a segment)."""
    top = top_rows(column, AUTO_LABEL_TERMS)
    floor = AUTO_LABEL_FLOOR * column[top[0]]
    return ", ".join(terms[i] for i in top if column[i] > 0 and column[i] >= floor)


def dominant_of(H) -> np.ndarray:
    """Dominant topic of each document (column of ``H``), -1 where a column is all zero."""
    dominant = H.argmax(axis=0)
    dominant[H.max(axis=0) <= 0] = -1
    return dominant


class FittedTopics:
    """Mixin: what a fitted topic model answers (see the module docstring)."""

    def check_fitted(self):
        if not hasattr(self, "W_"):
            raise NotFittedError("this TopicModel is not fitted yet; call fit() or load a model")

    @property
    def n_documents(self) -> int:
        self.check_fitted()
        return self.H_.shape[1]

    @property
    def mode(self) -> str:
        """``'text'`` (terms × documents) or ``'matrix'`` (items × people, see
        :mod:`topicnmf.io.matrix`)."""
        return getattr(self, "mode_", "text")

    @property
    def terms(self) -> list:
        """Display form of each term (row of ``W``); the item names in matrix mode."""
        self.check_fitted()
        return self.items_ if self.mode == "matrix" else self.vectorizer_.display_

    @property
    def gram_(self):
        """``WᵀW`` of shape (k, k), computed once per fitted ``W_`` (projections use it)."""
        self.check_fitted()
        return self.cached("gram", (self.W_,), _gram)

    def cached(self, name, sources, build):
        """``build(*sources)``, kept with the model until one of ``sources`` (fitted arrays) is
        replaced: the derived structures of queries (the reconstruction's embeddings, a
        lexical index) are built once per model, whoever asks for them."""
        cache = self.__dict__.setdefault("_derived", {})
        hit = cache.get(name)
        if hit is None or any(a is not b for a, b in zip(hit[0], sources)):
            hit = cache[name] = (sources, build(*sources))
        return hit[1]

    def document_index(self, doc_id) -> int:
        """Column of ``H`` for a document (or person) id; NotFoundError naming it if unknown."""
        self.check_fitted()
        index = self.cached("ids", (self.document_ids_,), lookup.id_index)
        return lookup.document_index(index, doc_id,
                                     "person" if self.mode == "matrix" else "document id")

    def term_index(self, term) -> int:
        """Row of ``W`` for a term (or item); NotFoundError with close vocabulary matches if
        unknown."""
        self.check_fitted()
        if self.mode == "matrix":
            return lookup.item_index(self.items_, term)
        return lookup.term_index(self.vectorizer_, term)

    def observed_in_document(self, j) -> np.ndarray:
        """Bool mask of shape (n_terms,): the cells of document (person) ``j`` that hold data.

        Its non-zero terms (text, purchases), or its observed cells when the model was fitted
        with missing cells (ratings: everything rated counts).
        """
        mask = getattr(self, "mask_", None)
        if mask is not None:
            return np.asarray(mask[:, j], dtype=bool)
        return _nonzero_in(self.V_, j)

    def observed_in_term(self, t) -> np.ndarray:
        """Bool mask of shape (n_documents,): the documents (people) whose cell of term (item)
        ``t`` holds data, as :meth:`observed_in_document` counts it."""
        mask = getattr(self, "mask_", None)
        if mask is not None:
            return np.asarray(mask[t], dtype=bool)
        return _documents_with(self.V_, t)

    def memberships(self, H=None) -> np.ndarray:
        """Columns of ``H`` normalized to shares that sum to 1 (all-zero columns stay 0)."""
        return shares(self.H_ if H is None else H)

    def dominant_topics(self, H=None) -> np.ndarray:
        """Dominant topic of each document (column of ``H``), -1 where a column is all zero."""
        return dominant_of(self.H_ if H is None else H)

    @property
    def topic_ids(self) -> list:
        """The id of each topic, in column order (``0..k-1`` unless topics were merged or
        split; see the module docstring).

        Columns appended after ``topic_ids_`` was set (new topics added to a copy of a model)
        get new ids from ``next_topic_id_`` on; a ``topic_ids_`` of any other wrong length is
        ignored (ids ``0..k-1``).
        """
        self.check_fitted()
        k, ids = self.W_.shape[1], getattr(self, "topic_ids_", None)
        if ids is None or len(ids) > k:
            return list(range(k))
        ids = [int(i) for i in ids]
        start = max(getattr(self, "next_topic_id_", 0), max(ids, default=-1) + 1)
        return ids + list(range(start, start + k - len(ids)))

    @property
    def next_topic_id(self) -> int:
        """The id a new topic gets: above every id the model has or had."""
        ids = self.topic_ids
        return max(getattr(self, "next_topic_id_", 0), max(ids, default=-1) + 1)

    def labels(self) -> list:
        """The label of every topic, in column order (``labels()[z]`` names column ``z``)."""
        self.check_fitted()
        return [self._label_at(z) for z in range(self.W_.shape[1])]

    def _label_at(self, z) -> str:
        return self.topic_labels_[z] or automatic_label(self.W_[:, z], self.terms)

    def topic_sizes(self) -> np.ndarray:
        """Number of training documents whose dominant topic is each topic (column order)."""
        dominant = self.dominant_topics()
        return np.bincount(dominant[dominant >= 0], minlength=self.n_topics)

    def top_term_indices(self, topic: int, top: int = 10) -> np.ndarray:
        """Rows of ``W`` with the largest weights in a topic (an id), ties to the lower index."""
        return top_rows(self.W_[:, self.check_topic(topic)], top)

    def auto_label(self, topic: int) -> str:
        """The automatic label of a topic (an id): its top three terms, leaving out terms whose
        weight is under 5% of the top term's (a near-empty term does not name a segment)."""
        return automatic_label(self.W_[:, self.check_topic(topic)], self.terms)

    def label(self, topic: int) -> str:
        """The label of a topic (an id): the name given with :meth:`set_label`, else automatic."""
        return self._label_at(self.check_topic(topic))

    def set_label(self, topic: int, name):
        """Name a topic (an id; ``None`` or blank restores the automatic label). Returns self.

        A name is one line of printable text (see :func:`topicnmf.model.check.check_label`).
        """
        z = self.check_topic(topic)
        self.topic_labels_[z] = check_label(name, topic)
        return self

    def check_topic(self, topic) -> int:
        """The column of ``W`` (row of ``H``) of the topic with id ``topic``.

        Raises
        ------
        InputError
            Not a topic id of this model, naming the ids there are.
        """
        ids = self.topic_ids
        if isinstance(topic, (int, np.integer)) and not isinstance(topic, bool) and topic in ids:
            return ids.index(int(topic))
        listed = (f"0..{len(ids) - 1}" if ids == list(range(len(ids))) else
                  ", ".join(map(str, ids)))
        raise NotFoundError(f"topic {topic} does not exist; topics are {listed}")

    def topics(self, top: int = 10) -> list:
        """Every topic (in column order) with its id, label, size and top terms.

        Returns
        -------
        list of Topic
        """
        self.check_fitted()
        if top < 1:
            raise InputError(f"top={top}: must be at least 1")
        sizes = self.topic_sizes()
        terms, labels = self.terms, self.labels()
        return [Topic(topic, labels[z], int(sizes[z]),
                      [(terms[i], float(self.W_[i, z])) for i in top_rows(self.W_[:, z], top)])
                for z, topic in enumerate(self.topic_ids)]


def _gram(W):
    G = W.T @ W
    G.setflags(write=False)
    return G


def _documents_with(V, t) -> np.ndarray:
    """Bool mask of the columns of ``V`` (CSC, or any sparse format) with a non-zero in row
    ``t``: one pass over V's stored entries, without a copy of V by rows (a model of a million
    documents holds tens of millions)."""
    if V.format != "csc":
        return _nonzero_in(V.tocsr(), t)
    out = np.zeros(V.shape[1], dtype=bool)
    hits = np.flatnonzero((V.indices == t) & (V.data != 0))
    out[np.searchsorted(V.indptr, hits, side="right") - 1] = True
    return out


def _nonzero_in(X, i) -> np.ndarray:
    """Bool mask of the non-zero entries of the ``i``-th compressed slice of CSC/CSR ``X``
    (a column of a CSC matrix, a row of a CSR one)."""
    out = np.zeros(X.shape[0] if X.format == "csc" else X.shape[1], dtype=bool)
    start, end = X.indptr[i], X.indptr[i + 1]
    out[X.indices[start:end][X.data[start:end] != 0]] = True
    return out
