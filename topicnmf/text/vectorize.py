"""tf-idf terms × documents matrices and the vocabulary (scikit-learn underneath).

The matrix is oriented the way the rest of topicnmf reads it: one row per term, one column per
document (``V``, shape ``(n_terms, n_documents)``), the transpose of scikit-learn's ``X``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InputError, NotFittedError
from .preprocess import Preprocessor


WEIGHTINGS = {
    "sublinear": {"use_idf": True, "sublinear_tf": True},    # (1 + log count) × idf
    "tfidf": {"use_idf": True, "sublinear_tf": False},       # raw count × idf
    "counts": {"use_idf": False, "sublinear_tf": False},     # raw counts, no idf
}
"""Term weightings by name (every one is l2-normalized per document); see README for how
they compare on the benchmark corpus."""


class Vectorizer:
    """Texts → tf-idf matrix ``V`` of shape ``(n_terms, n_documents)``.

    Parameters
    ----------
    preprocessor : Preprocessor, optional
        Turns one text into terms; defaults to ``Preprocessor()``.
    min_df, max_df : int or float
        Terms in fewer than ``min_df`` documents (a count, or a fraction when a float < 1) or in
        more than ``max_df`` (fraction, or a count when an int) are dropped, as in scikit-learn.
    max_features : int, optional
        Keep only the most frequent terms.
    sublinear_tf : bool
        Use ``1 + log(tf)`` instead of raw counts (the default: more coherent topics, see
        ``WEIGHTINGS``).
    use_idf : bool
        With False, ``V`` holds l2-normalized term counts.

    Attributes
    ----------
    vocabulary_ : list of str
        Term of each row of ``V``.
    display_ : list of str
        Readable form of each term (the most frequent surface word of a stem).
    idf_ : ndarray of shape (n_terms,)
    """

    def __init__(self, preprocessor=None, *, min_df=2, max_df=0.95, max_features=None,
                 sublinear_tf=True, use_idf=True):
        self.preprocessor = preprocessor if preprocessor is not None else Preprocessor()
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_idf = use_idf

    def fit_transform(self, texts, *, progress=None) -> sp.csc_matrix:
        """Learn the vocabulary and idf from ``texts`` and return their ``V`` (terms × docs).

        ``progress``, if given, wraps the iteration over texts (e.g. ``tqdm``).
        """
        texts = list(texts)
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        prep = self.preprocessor
        prep.fit_cleaning(texts)
        prep.record_surface = True
        loop = progress(texts, total=len(texts), desc="preprocessing") if progress else texts
        try:
            analyzed = [prep(t) for t in loop]
        finally:
            prep.record_surface = False
        counts_vec = CountVectorizer(analyzer=_identity, min_df=self.min_df, max_df=self.max_df,
                                     max_features=self.max_features, dtype=np.float64)
        try:
            counts = counts_vec.fit_transform(analyzed)
        except ValueError as exc:
            raise InputError(_explain_empty_vocabulary(exc, len(texts), self)) from None
        self.vocabulary_ = counts_vec.get_feature_names_out().tolist()
        self._index = {t: i for i, t in enumerate(self.vocabulary_)}
        tfidf = TfidfTransformer(sublinear_tf=self.sublinear_tf, use_idf=self.use_idf)
        X = tfidf.fit_transform(counts)
        self.idf_ = (tfidf.idf_.astype(np.float64) if self.use_idf
                     else np.ones(len(self.vocabulary_)))
        self.display_ = [prep.display_form(t) for t in self.vocabulary_]
        return sp.csc_matrix(X.T)

    def transform(self, texts) -> sp.csc_matrix:
        """``V`` (terms × docs) of new texts with the fitted vocabulary and idf."""
        self.check_fitted()
        return sp.csc_matrix(self.tfidf_rows([self.preprocessor(t) for t in texts]).T)

    def tfidf_rows(self, analyzed) -> sp.csr_matrix:
        """Documents × terms tf-idf of already-analyzed documents (lists of terms)."""
        index = self._index
        indptr, indices = [0], []
        for terms in analyzed:
            indices.extend(i for i in map(index.get, terms) if i is not None)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float64)
        X = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                          shape=(len(analyzed), len(self.vocabulary_)))
        X.sum_duplicates()
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1
        X = X @ sp.diags(self.idf_) if self.use_idf else X
        from sklearn.preprocessing import normalize

        return normalize(X, norm="l2", copy=False)

    def document_lengths(self, V) -> np.ndarray:
        """Length of each document's term weights before they were l2-normalized.

        Recovered from ``V`` itself: every weighting here gives a term that occurs once the
        weight ``idf`` before normalization (``1 + log 1 = 1``, a count of 1, no idf: 1), and
        a repeated term more, so ``idf[t] / V[t, j]`` is largest, and equal to the length, at
        the document's terms that occur once. A document all of whose terms repeat gets the
        length it would have with each term once less often; an empty one gets 0.

        Parameters
        ----------
        V : sparse matrix of shape (n_terms, n_documents)
            Built by this vectorizer.

        Returns
        -------
        ndarray of float64, shape (n_documents,)

        Examples
        --------
        >>> vec = Vectorizer(min_df=1, max_df=1.0, use_idf=False, sublinear_tf=False)
        >>> V = vec.fit_transform(["paper jam", "paper paper jam jam jam", "tray paper"])
        >>> vec.document_lengths(V).round(3).tolist()      # √2, √(2² + 3²) / 2, √2
        [1.414, 1.803, 1.414]
        """
        self.check_fitted()
        V = sp.csc_matrix(V)
        lengths = np.zeros(V.shape[1])
        filled = np.diff(V.indptr) > 0
        if filled.any():
            ratios = self.idf_[V.indices] / V.data
            lengths[filled] = np.maximum.reduceat(ratios, V.indptr[:-1][filled])
        return lengths

    def extended(self, texts, n_previous):
        """A copy that also knows the new terms of ``texts``, and ``texts``' ``V``.

        The existing terms keep their rows, idf and display form (so rows of a fitted ``W``
        keep their meaning); terms of ``texts`` that pass this vectorizer's ``min_df`` and
        ``max_df`` among ``texts`` (and, with ``max_features``, only as many of the most
        frequent as the limit leaves room for) are appended as new rows. A new term's idf is
        scikit-learn's smoothed ``ln((1 + n) / (1 + df)) + 1`` over ``n_previous`` earlier
        documents, in which it counts as absent (it did not pass the rules there), plus
        ``texts``.

        Parameters
        ----------
        texts : list of str
        n_previous : int
            Number of documents the current idf comes from.

        Returns
        -------
        vectorizer : Vectorizer
            This one is left unchanged.
        V : scipy.sparse.csc_matrix of shape (n_terms + n_new_terms, len(texts))
        """
        self.check_fitted()
        from sklearn.feature_extraction.text import CountVectorizer

        prep = Preprocessor(**self.preprocessor.get_params())   # its own display counts
        prep.record_surface = True
        analyzed = [prep(t) for t in texts]
        prep.record_surface = False
        new = Vectorizer(prep, min_df=self.min_df, max_df=self.max_df,
                         max_features=self.max_features, sublinear_tf=self.sublinear_tf,
                         use_idf=self.use_idf)
        added = []
        try:
            counts = CountVectorizer(analyzer=_identity, min_df=self.min_df,
                                     max_df=self.max_df, dtype=np.float64).fit(analyzed)
            df = np.asarray((counts.transform(analyzed) > 0).sum(axis=0)).ravel()
            names = counts.get_feature_names_out()
            order = np.lexsort((names, -df))                 # most frequent first, then a-z
            added = [(names[i], df[i]) for i in order if names[i] not in self._index]
        except ValueError:                                   # no term passes among the texts
            pass
        if self.max_features is not None:
            added = added[:max(0, self.max_features - len(self.vocabulary_))]
        added.sort()
        n = n_previous + len(analyzed)
        new_idf = [np.log((1 + n) / (1 + d)) + 1 if self.use_idf else 1.0 for _, d in added]
        new.vocabulary_ = self.vocabulary_ + [t for t, _ in added]
        new._index = {t: i for i, t in enumerate(new.vocabulary_)}
        new.idf_ = np.concatenate([self.idf_, np.asarray(new_idf, dtype=np.float64)])
        new.display_ = self.display_ + [prep.display_form(t) for t, _ in added]
        return new, sp.csc_matrix(new.tfidf_rows(analyzed).T)

    def check_fitted(self):
        if not hasattr(self, "vocabulary_"):
            raise NotFittedError("this Vectorizer is not fitted yet; call fit_transform first")

    @property
    def n_terms(self) -> int:
        self.check_fitted()
        return len(self.vocabulary_)

    def term_index(self, term: str) -> int:
        """Row of ``V`` for a term given as stored or as displayed; InputError if unknown."""
        self.check_fitted()
        key = term.strip().lower()
        if key in self._index:
            return self._index[key]
        analyzed = self.preprocessor(key)
        if len(analyzed) == 1 and analyzed[0] in self._index:
            return self._index[analyzed[0]]
        raise InputError(f"term '{term}' is not in the model's vocabulary "
                         f"({len(self.vocabulary_)} terms); check the spelling")

    # -- saving ------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """Settings and vocabulary as JSON-serializable data (arrays go separately)."""
        self.check_fitted()
        return {"preprocessing": self.preprocessor.get_params(),
                "min_df": self.min_df, "max_df": self.max_df, "max_features": self.max_features,
                "sublinear_tf": self.sublinear_tf, "use_idf": self.use_idf,
                "vocabulary": self.vocabulary_, "display": self.display_}

    @classmethod
    def from_dict(cls, data: dict, idf) -> "Vectorizer":
        """Rebuild a fitted Vectorizer from :meth:`to_dict` output and the idf array."""
        prep_params = dict(data["preprocessing"])
        prep_params["ngram_range"] = tuple(prep_params["ngram_range"])
        vec = cls(Preprocessor(**prep_params), min_df=data["min_df"], max_df=data["max_df"],
                  max_features=data["max_features"], sublinear_tf=data["sublinear_tf"],
                  use_idf=data["use_idf"])
        vec.vocabulary_ = list(data["vocabulary"])
        vec.display_ = list(data["display"])
        vec._index = {t: i for i, t in enumerate(vec.vocabulary_)}
        vec.idf_ = np.asarray(idf, dtype=np.float64)
        return vec


def _identity(terms):
    return terms


def _explain_empty_vocabulary(exc, n_docs, vec) -> str:
    msg = str(exc)
    if "empty vocabulary" in msg:
        return (f"no terms left in {n_docs} documents after tokenizing and removing stop words; "
                "are the texts empty or in another language?")
    if "max_df" in msg or "min_df" in msg or "pruned" in msg:
        return (f"min_df={vec.min_df} and max_df={vec.max_df} remove every term of these "
                f"{n_docs} documents; lower --min-df or raise --max-df")
    return f"cannot build the vocabulary: {msg}"
