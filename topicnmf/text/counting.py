"""The vocabulary and ``V`` of a corpus read in partitions, never all documents at once.

Two passes, each a pure function of one partition (:mod:`topicnmf.io.partitions`), so they
run in this process, in worker processes or as tasks on a cluster alike:

1. :func:`count_partition` preprocesses a partition's documents once and returns their term
   counts over the partition's own terms, with the document frequencies, ids and snippets
   (:class:`PartitionCounts`); :func:`merge_frequencies` adds the partitions' frequencies up
   and :func:`fitted_vectorizer` chooses the vocabulary from them exactly as
   :meth:`Vectorizer.fit_transform <topicnmf.text.vectorize.Vectorizer.fit_transform>` does
   (scikit-learn's ``min_df``, ``max_df``, ``max_features`` rules and smoothed idf), so the
   same documents and settings give the same terms, idf and display forms;
2. :func:`tfidf_columns` turns a partition's counts into its columns of ``V`` (terms ×
   documents, l2-normalized tf-idf) with that vocabulary, without preprocessing again.

Memory: one partition's token counts at a time, plus the corpus's distinct terms and their
frequencies (scikit-learn holds the same for the whole corpus).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..io.streaming import read_partition
from ..io.readers import first_line
from .clean import AUTO, resolve_clean
from .preprocess import Preprocessor
from .vectorize import Vectorizer


@dataclass
class PartitionCounts:
    """What the first pass learns from one partition.

    Attributes
    ----------
    index : int
        The partition's position.
    terms : list of str
        The partition's distinct terms, sorted.
    counts : scipy.sparse.csr_matrix of shape (n_documents, len(terms)), int32
        How often each term occurs in each document.
    ids, snippets : list of str
        Each document's id and first line.
    meta : list of dict
        Each document's label/date metadata.
    skipped : list of (str, str)
        Records and files left out, and why.
    surface : dict of {str: dict of {str: int}}
        With stemming: how often each stem was each surface word (for display forms).
    clean : tuple of str
        The cleaning steps the documents were counted with.
    cleaned : dict of {str: int}
        What they removed (by unit, as ``TopicModel.cleaned_``).
    """

    index: int
    terms: list
    counts: sp.csr_matrix
    ids: list
    snippets: list
    meta: list
    skipped: list = field(default_factory=list)
    surface: dict = field(default_factory=dict)
    clean: tuple = ()
    cleaned: dict = field(default_factory=dict)

    @property
    def n_documents(self) -> int:
        return self.counts.shape[0]

    def frequencies(self):
        """``(document frequencies, total counts)`` of :attr:`terms`, int64 arrays."""
        counts = self.counts.tocsc()
        return (np.diff(counts.indptr).astype(np.int64),
                np.asarray(counts.sum(axis=0, dtype=np.int64)).ravel())

    def summary(self) -> dict:
        """Everything but the counts themselves, as JSON-able data: what merging the
        partitions needs (frequencies, ``n``, ``surface``), the documents' ids, snippets and
        metadata, and what was skipped and cleaned."""
        df, tf = self.frequencies()
        return {"index": self.index, "terms": self.terms, "df": df.tolist(), "tf": tf.tolist(),
                "n": self.n_documents, "ids": self.ids, "snippets": self.snippets,
                "meta": self.meta, "skipped": self.skipped, "surface": self.surface,
                "clean": list(self.clean), "cleaned": self.cleaned}


def count_partition(partition, preprocessing, drop=(), *, auto=False) -> PartitionCounts:
    """First pass over one partition: its documents' term counts, ids and cleaned snippets.

    Parameters
    ----------
    partition : topicnmf.io.partitions.Partition
    preprocessing : dict
        :meth:`Preprocessor.get_params <topicnmf.text.preprocess.Preprocessor.get_params>`.
    drop : iterable of int
        Positions of documents to leave out entirely (duplicates of earlier ids): their terms
        and surface words are not counted, as if the file did not hold them.
    auto : bool
        Clean with the steps ``clean='auto'`` chooses for this partition's documents
        (:func:`topicnmf.text.clean.resolve_clean`; they are read before they are counted)
        instead of ``preprocessing['clean']``; see :mod:`topicnmf.text.corpus_clean`.

    Returns
    -------
    PartitionCounts

    Raises
    ------
    InputError
        A record that cannot be read (named by file and line).
    """
    skipped, drop = [], frozenset(drop)
    docs = (doc for position, doc in enumerate(read_partition(partition, skipped))
            if position not in drop)
    if auto:
        docs = list(docs)
        preprocessing = {**preprocessing, "clean": resolve_clean(AUTO, docs)}
    prep = Preprocessor(**preprocessing)
    prep.record_surface = True          # what cleaning removes; surface words when stemming
    vocabulary = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    indices, indptr = [], [0]
    ids, snippets, meta = [], [], []
    for doc in docs:
        indices.extend(map(vocabulary.__getitem__, prep(doc.text)))
        indptr.append(len(indices))
        ids.append(doc.id)
        snippets.append(first_line(prep.clean_text(doc.text)))
        meta.append(dict(doc.meta))
    terms = sorted(vocabulary)
    new_column = np.empty(len(terms), dtype=np.int32)
    new_column[[vocabulary[t] for t in terms]] = np.arange(len(terms), dtype=np.int32)
    columns = new_column[np.asarray(indices, dtype=np.int64)] if indices else \
        np.zeros(0, np.int32)
    counts = sp.csr_matrix((np.ones(len(columns), dtype=np.int32), columns,
                            np.asarray(indptr, dtype=np.int64)),
                           shape=(len(ids), len(terms)))
    counts.sum_duplicates()
    surface = {stem: dict(words) for stem, words in prep.surface_counts.items()}
    return PartitionCounts(partition.index, terms, _compact(counts), ids, snippets, meta,
                           skipped, surface, prep.clean, dict(prep.cleaned))


def _compact(counts):
    """``counts`` with int32 indices when they fit (half the memory and disk)."""
    if counts.nnz < 2**31:
        counts.indptr = counts.indptr.astype(np.int32)
        counts.indices = counts.indices.astype(np.int32)
    return counts


@dataclass
class Frequencies:
    """The corpus's document frequencies, summed over partitions (see
    :func:`merge_frequencies`)."""

    df: dict = field(default_factory=Counter)        # term → documents that have it
    tf: dict = field(default_factory=Counter)        # term → occurrences
    surface: dict = field(default_factory=dict)      # stem → {surface word: occurrences}
    n_documents: int = 0

    def add(self, terms, df, tf, n_documents, surface=None, *, sign=1):
        """Add one partition's frequencies (``terms`` with their ``df`` and ``tf``), or take
        them away again with ``sign=-1`` (a partition counted again without some documents).
        """
        for term, d, t in zip(terms, np.asarray(df).tolist(), np.asarray(tf).tolist()):
            self.df[term] += sign * d
            self.tf[term] += sign * t
            if self.df[term] == 0:
                del self.df[term], self.tf[term]
        for stem, words in (surface or {}).items():
            counter = self.surface.setdefault(stem, Counter())
            if sign > 0:
                counter.update(words)
            else:
                counter.subtract(words)
                self.surface[stem] = +counter
        self.n_documents += sign * int(n_documents)
        return self


def merge_frequencies(parts) -> Frequencies:
    """The summed frequencies of :class:`PartitionCounts` (or of what
    :meth:`Frequencies.add` takes), in any order: sums do not depend on it."""
    total = Frequencies()
    for part in parts:
        total.add(part.terms, *part.frequencies(), part.n_documents, part.surface)
    return total


def fitted_vectorizer(frequencies, *, preprocessing, min_df=2, max_df=0.95,
                      max_features=None, sublinear_tf=True, use_idf=True) -> Vectorizer:
    """The fitted :class:`~topicnmf.text.vectorize.Vectorizer` that ``fit_transform`` of the
    same documents would give: vocabulary, idf and display forms.

    Parameters
    ----------
    frequencies : Frequencies
        Of every document (:func:`merge_frequencies`).
    preprocessing : dict
        The settings the counts were made with.
    min_df, max_df, max_features, sublinear_tf, use_idf
        As :class:`~topicnmf.text.vectorize.Vectorizer`.

    Raises
    ------
    InputError
        No term is left (none at all, or none that the limits keep).
    """
    n = frequencies.n_documents
    terms = sorted(frequencies.df)
    if not terms:
        raise InputError(f"no terms left in {n} documents after tokenizing and removing stop "
                         "words; are the texts empty or in another language?")
    dfs = np.fromiter((frequencies.df[t] for t in terms), dtype=np.int64, count=len(terms))
    high = max_df if isinstance(max_df, Integral) else max_df * n
    low = min_df if isinstance(min_df, Integral) else min_df * n
    if high < low:
        raise InputError(f"min_df={min_df} and max_df={max_df} remove every term of these {n} "
                         "documents; lower --min-df or raise --max-df")
    mask = (dfs <= high) & (dfs >= low)
    if max_features is not None and mask.sum() > max_features:
        # scikit-learn's choice, call for call (its argsort is not stable: ties are broken
        # as this same call on the same array breaks them)
        tfs = np.fromiter((frequencies.tf[t] for t in terms), dtype=np.float64,
                          count=len(terms))
        chosen = (-tfs[mask]).argsort()[:max_features]
        new_mask = np.zeros(len(dfs), dtype=bool)
        new_mask[np.where(mask)[0][chosen]] = True
        mask = new_mask
    kept = np.flatnonzero(mask)
    if kept.size == 0:
        raise InputError(f"min_df={min_df} and max_df={max_df} remove every term of these {n} "
                         "documents; lower --min-df or raise --max-df")
    vocabulary = [terms[i] for i in kept]
    idf = (np.log((1 + n) / (1 + dfs[kept].astype(np.float64))) + 1 if use_idf
           else np.ones(len(vocabulary)))
    prep = Preprocessor(**preprocessing)
    prep.surface_counts.update(frequencies.surface)
    return Vectorizer.from_dict(
        {"preprocessing": prep.get_params(), "min_df": min_df, "max_df": max_df,
         "max_features": max_features, "sublinear_tf": sublinear_tf, "use_idf": use_idf,
         "vocabulary": vocabulary, "display": [prep.display_form(t) for t in vocabulary]},
        idf)


def term_rows(vocabulary, terms) -> np.ndarray:
    """Row of ``V`` of each of a partition's ``terms`` (-1: not in the vocabulary).

    ``vocabulary``: a fitted Vectorizer, or its ``{term: row}`` (built once for many calls).
    """
    index = ({t: i for i, t in enumerate(vocabulary.vocabulary_)}
             if isinstance(vocabulary, Vectorizer) else vocabulary)
    return np.fromiter((index.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))


def tfidf_columns(counts, rows, vectorizer, dtype=np.float32) -> sp.csc_matrix:
    """Second pass: a partition's columns of ``V`` from its counts, without preprocessing.

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_partition_terms)
        :attr:`PartitionCounts.counts` (or some of its rows).
    rows : ndarray of int of shape (n_partition_terms,)
        :func:`term_rows` of the partition's terms.
    vectorizer : Vectorizer
        Fitted (:func:`fitted_vectorizer`).
    dtype : numpy dtype
        Of the result (float32 for the block solver).

    Returns
    -------
    V : scipy.sparse.csc_matrix of shape (n_terms, n_documents)
        The columns ``vectorizer.transform`` gives these documents (computed in float64 as
        it does, then rounded to ``dtype``).
    """
    counts = sp.csr_matrix(counts)
    n = counts.shape[0]
    document = np.repeat(np.arange(n), np.diff(counts.indptr))
    columns = rows[counts.indices]
    keep = columns >= 0
    indptr = np.concatenate([[0], np.cumsum(np.bincount(document[keep], minlength=n))])
    X = sp.csr_matrix((counts.data[keep].astype(np.float64), columns[keep], indptr),
                      shape=(n, len(vectorizer.vocabulary_)))
    X.sort_indices()
    if vectorizer.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1
    if vectorizer.use_idf:
        X.data *= vectorizer.idf_[X.indices]
    lengths = np.diff(X.indptr)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(n), lengths), weights=X.data * X.data,
                                minlength=n))
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, lengths)
    V = X.T.tocsc()            # documents × terms CSR is terms × documents CSC
    return sp.csc_matrix((V.data.astype(dtype), V.indices.astype(np.int32),
                          V.indptr.astype(np.int64)), shape=V.shape)
