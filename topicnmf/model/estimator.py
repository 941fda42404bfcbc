"""``TopicModel``: a scikit-learn-style estimator from texts to topics and memberships.

It holds the vectorizer, ``W`` (terms × k: what defines each topic), ``H`` (k × documents: how
much each training document belongs to each topic), document ids and topic labels.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..factor import nmf as fz
from . import persist
from .. import validate
from ..io.corpus import Corpus, Document
from ..errors import InputError, NotFittedError
from ..io.matrix import ItemMatrix, load_matrix
from .check import check_label
from ..text.preprocess import Preprocessor, parse_ngram_range, read_stop_words
from ..factor.seeding import SEED_WEIGHT, check_seed_topics, guided_factorize, resolve_seed_terms
from ..text.vectorize import Vectorizer

@dataclass(frozen=True)
class Topic:
    """One topic: its number, label, size and top terms with weights."""

    topic: int
    label: str
    size: int
    terms: list  # of (term, weight)

    def as_row(self, nested: bool = False) -> dict:
        """A row for output: terms as a list of objects (``nested``) or as one string."""
        if nested:
            terms = [{"term": t, "weight": w} for t, w in self.terms]
        else:
            terms = ", ".join(f"{t} ({w:.4f})" for t, w in self.terms)
        return {"topic": self.topic, "label": self.label, "size": self.size, "terms": terms}


class TopicModel:
    """Topics from texts by non-negative matrix factorization of their tf-idf matrix.

    ``V ≈ W · H`` with ``V`` terms × documents. ``W[:, z]`` holds the weights of topic ``z``
    over the vocabulary (summing to 1); ``H[z, j]`` how much of document ``j`` topic ``z``
    explains.

    Parameters
    ----------
    n_topics : int
        Number of topics ``k``.
    solver : {'cd', 'mu', 'minibatch'}
    loss : {'frobenius', 'kullback-leibler'}
        'kullback-leibler' needs ``solver='mu'`` or ``'minibatch'``.
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random'}
        The defaults (sublinear tf-idf, cd, Frobenius, nndsvda) were chosen by measured
        coherence and diversity on a 64k-document corpus: README "Choosing the settings".
    max_iter : int or None
        None: 400 iterations (cd, mu) or 20 passes over the corpus (minibatch).
    tol : float
    random_state : int, optional
        Seed: the same input and seed give the same topics.
    stem : bool
        Snowball stemming; topics still show the most frequent real word of each stem.
    stop_words : 'english' or None
    extra_stop_words : iterable of str or path, optional
        More stop words, or a file with one per line.
    ngram_range : (int, int) or str
        E.g. ``(1, 2)`` or ``"1-2"``.
    min_df, max_df, max_features, sublinear_tf, use_idf
        Vocabulary and weighting, see :class:`topicnmf.text.vectorize.Vectorizer` (the named
        combinations are in ``topicnmf.text.vectorize.WEIGHTINGS``).
    seed_topics : dict of {str: list of str}, optional
        Categories you already know, e.g. ``{"Billing": ["refund", "invoice"]}``: they become
        topics ``0, 1, ...`` in the given order, named after their keys, with their seed words
        among their top terms; the other topics are discovered freely. Seed words are
        preprocessed like the corpus; unknown words give a warning. See
        :mod:`topicnmf.factor.seeding` for the method (custom init + seed pseudo-documents; ``init``
        is not used then).
    seed_weight : float
        Pull of each seed topic's words, as a fraction of the corpus (default 0.02).

    Attributes
    ----------
    W_ : ndarray of shape (n_terms, n_topics)
    H_ : ndarray of shape (n_topics, n_documents)
    V_ : scipy.sparse.csc_matrix of shape (n_terms, n_documents)
        The tf-idf matrix the model was fitted on.
    vectorizer_ : Vectorizer
    document_ids_ : list of str
    snippets_ : list of str
        First line of each document (for reports).
    document_meta_ : list of dict
        Label/date metadata of each document, when the corpus had them.
    topic_labels_ : list of str
        Names given with :meth:`set_label`; automatic labels (top three terms) until then.
    n_iter_ : int
    reconstruction_err_ : float
        ``‖V − W H‖`` (Frobenius).
    fit_seconds_ : float

    Examples
    --------
    >>> model = TopicModel(2, random_state=0, min_df=1).fit(
    ...     ["printer jams paper", "printer paper tray", "refund invoice charge",
    ...      "invoice refund request"])
    >>> model.W_.shape[1], model.H_.shape
    (2, (2, 4))
    """

    def __init__(self, n_topics=10, *, solver="cd", loss="frobenius", init="nndsvda",
                 max_iter=None, tol=1e-4, random_state=None, stem=False,
                 stop_words="english", extra_stop_words=None, ngram_range=(1, 1), min_df=2,
                 max_df=0.95, max_features=None, sublinear_tf=True, use_idf=True,
                 seed_topics=None, seed_weight=SEED_WEIGHT):
        self.n_topics = n_topics
        self.solver = solver
        self.loss = loss
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.stem = stem
        self.stop_words = stop_words
        self.extra_stop_words = extra_stop_words
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_idf = use_idf
        self.seed_topics = seed_topics
        self.seed_weight = seed_weight

    # -- scikit-learn conventions ------------------------------------------------------------

    _PARAM_NAMES = ("n_topics", "solver", "loss", "init", "max_iter", "tol", "random_state",
                    "stem", "stop_words", "extra_stop_words", "ngram_range", "min_df",
                    "max_df", "max_features", "sublinear_tf", "use_idf", "seed_topics",
                    "seed_weight")

    def get_params(self, deep=True) -> dict:
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._PARAM_NAMES:
                raise InputError(f"TopicModel has no parameter '{name}'")
            setattr(self, name, value)
        return self

    def _make_vectorizer(self) -> Vectorizer:
        extra = self.extra_stop_words or ()
        if isinstance(extra, (str, bytes)) or hasattr(extra, "__fspath__"):
            extra = read_stop_words(extra)
        prep = Preprocessor(stop_words=self.stop_words, extra_stop_words=extra, stem=self.stem,
                            ngram_range=parse_ngram_range(self.ngram_range))
        return Vectorizer(prep, min_df=self.min_df, max_df=self.max_df,
                          max_features=self.max_features, sublinear_tf=self.sublinear_tf,
                          use_idf=self.use_idf)

    def fit(self, documents, y=None, *, progress=None):
        """Fit topics to documents.

        Parameters
        ----------
        documents : Corpus, iterable of Document, iterable of str, or ItemMatrix
            Plain strings get ids ``"0"``, ``"1"``, ... An items × people table
            (:func:`topicnmf.io.matrix.load_matrix`) is fitted as it is (matrix mode).
        y : ignored
        progress : callable, optional
            Wraps the iteration over texts, e.g. ``tqdm`` (called as
            ``progress(iterable, total=n, desc=...)``).

        Returns
        -------
        self
        """
        if isinstance(documents, ItemMatrix):
            return self._fit_items(documents)
        check_params(self.get_params())
        docs = as_documents(documents)
        if self.n_topics > len(docs):
            raise InputError(f"k={self.n_topics} is larger than the number of documents "
                             f"({len(docs)}); choose k <= {len(docs)}")
        seed_topics = check_seed_topics(self.seed_topics, self.n_topics) if self.seed_topics else {}
        start = time.perf_counter()
        vectorizer = self._make_vectorizer()
        V = vectorizer.fit_transform([d.text for d in docs], progress=progress)
        self._fit_matrix(V, resolve_seed_terms(seed_topics, vectorizer))
        self.mode_ = "text"
        self.vectorizer_ = vectorizer
        self.document_ids_ = [d.id for d in docs]
        self.snippets_ = [first_line(d.text) for d in docs]
        self.document_meta_ = [dict(d.meta) for d in docs]
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _fit_items(self, matrix):
        """:meth:`fit` on an items × people table: the matrix itself is ``V``."""
        start = time.perf_counter()
        V = sp.csc_matrix(matrix.values)
        k = self.n_topics
        if not validate.is_integer(k) or not 1 <= k <= min(V.shape):
            raise InputError(f"k={k} must be between 1 and {min(V.shape)} (items: "
                             f"{V.shape[0]}, people: {V.shape[1]})")
        mask = None if matrix.mask is None or matrix.mask.all() else matrix.mask
        if mask is None:
            self._fit_matrix(V)
        else:
            W, H, n_iter = self.factorize_matrix(V, mask=mask)
            R = mask * (matrix.values - W @ H)        # small matrix: dense is fine here
            self.V_, self.W_, self.H_, self.n_iter_ = V, W, H, n_iter
            self.reconstruction_err_ = float(np.sqrt(np.sum(R * R)))
            self.topic_labels_ = [None] * int(k)
        self.mode_, self.vectorizer_ = "matrix", None
        self.items_, self.mask_ = list(matrix.items), mask
        self.document_ids_ = list(matrix.people)
        self.snippets_ = [matrix.snippet(j) for j in range(len(matrix.people))]
        self.document_meta_ = [{} for _ in matrix.people]
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def fit_transform(self, documents, y=None):
        """Fit and return ``H`` of shape (n_topics, n_documents) for the training documents."""
        return self.fit(documents).H_

    def factorize_matrix(self, V, seeds=(), mask=None):
        """Topics ``W`` of an already-built matrix with this model's settings.

        The factorization step of :meth:`fit`, on its own: fitted attributes are not touched.
        Quality checks use it to refit on resampled documents (:mod:`topicnmf.quality.choose`).

        Parameters
        ----------
        V : sparse matrix of shape (n_terms, n_documents)
        seeds : list of (name, ndarray of int)
            Seed topics as vocabulary rows (:meth:`seed_terms`); none for free topics.
        mask : ndarray of bool, shape of ``V``, optional
            Observed cells (matrix mode with missing cells): masked multiplicative updates.

        Returns
        -------
        W : ndarray of shape (n_terms, n_topics), columns summing to 1
        H : ndarray of shape (n_topics, n_documents) or None
            The solver's memberships; None for seeded fits (theirs include the seed
            pseudo-documents). :meth:`fit` recomputes ``H_`` by projection anyway.
        n_iter : int
        """
        check_params(self.get_params())
        if mask is not None:
            from ..factor.masked import masked_nmf

            limit = {} if self.max_iter is None else {"max_iter": self.max_iter}
            W, H, n_iter = masked_nmf(V.toarray(), mask, int(self.n_topics),
                                      tol=min(self.tol, 1e-6), random_state=self.random_state,
                                      **limit)
            return (*fz.normalize_columns(W, H), n_iter)
        if seeds:
            W, n_iter = guided_factorize(V, self.n_topics, seeds, solver=self.solver,
                                         beta_loss=self.loss, max_iter=self.max_iter,
                                         tol=self.tol, random_state=self.random_state,
                                         weight=self.seed_weight)
            return W, None, n_iter
        return fz.factorize(V, self.n_topics, solver=self.solver, beta_loss=self.loss,
                            init=self.init, max_iter=self.max_iter, tol=self.tol,
                            random_state=self.random_state)

    def seed_terms(self) -> list:
        """The fitted model's seed topics as vocabulary rows, as :meth:`fit` used them."""
        self._check_fitted()
        if not self.seed_topics or self.mode != "text":
            return []
        return resolve_seed_terms(check_seed_topics(self.seed_topics, self.n_topics),
                                  self.vectorizer_, warn=False)

    def _fit_matrix(self, V, seeds=()):
        W, _, n_iter = self.factorize_matrix(V, seeds)
        # Memberships are recomputed with the final W by the same projection that `transform`
        # uses, so a training document transformed again gets exactly its H_ column.
        H = fz.project(V, W, beta_loss=self.loss)
        fz.warn_if_degenerate(H)
        self.V_, self.W_, self.H_, self.n_iter_ = V, W, H, n_iter
        self.reconstruction_err_ = fz.reconstruction_error(V, W, H)
        self.topic_labels_ = [name for name, _ in seeds] + [None] * (self.n_topics - len(seeds))

    def transform(self, documents):
        """Memberships of new documents with the topics held fixed.

        Parameters
        ----------
        documents : iterable of str or Document, or Corpus

        Returns
        -------
        H : ndarray of shape (n_topics, n_documents)
        """
        self._check_fitted()
        if self.mode == "matrix":
            raise InputError("transform of texts is not available for a matrix-mode model "
                             "(items × people); refit it on a text corpus")
        texts = [d.text for d in as_documents(documents)]
        return self.project_matrix(self.vectorizer_.transform(texts))

    def project_matrix(self, V):
        """Memberships for an already-vectorized ``V`` of shape (n_terms, n_documents)."""
        self._check_fitted()
        gram = self.gram_ if self.loss == "frobenius" else None
        return fz.project(V, self.W_, beta_loss=self.loss, gram=gram)

    def _check_fitted(self):
        if not hasattr(self, "W_"):
            raise NotFittedError("this TopicModel is not fitted yet; call fit() or load a model")

    # -- reading the topics ------------------------------------------------------------------

    @property
    def n_documents(self) -> int:
        self._check_fitted()
        return self.H_.shape[1]

    @property
    def mode(self) -> str:
        """``'text'`` (terms × documents) or ``'matrix'`` (items × people, see topicnmf.io.matrix)."""
        return getattr(self, "mode_", "text")

    @property
    def terms(self) -> list:
        """Display form of each term (row of ``W``); the item names in matrix mode."""
        self._check_fitted()
        return self.items_ if self.mode == "matrix" else self.vectorizer_.display_

    @property
    def gram_(self):
        """``WᵀW`` of shape (k, k), computed once per fitted ``W_`` (projections use it)."""
        self._check_fitted()
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
        """Column of ``H`` for a document (or person) id; InputError naming it if unknown."""
        self._check_fitted()
        index = self.cached("ids", (self.document_ids_,),
                             lambda ids: {d: i for i, d in enumerate(ids)})
        key = str(doc_id)
        if key not in index:
            what = "person" if self.mode == "matrix" else "document id"
            close = difflib.get_close_matches(key, list(index), n=3)
            hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
                f"ids look like {self.document_ids_[0]!r}"
            raise InputError(f"{what} {key!r} is not in the model ({len(index)} documents); "
                             + hint)
        return index[key]

    def term_index(self, term) -> int:
        """Row of ``W`` for a term (or item); InputError with close vocabulary matches if unknown."""
        self._check_fitted()
        if self.mode == "text":
            try:
                return self.vectorizer_.term_index(term)
            except InputError:
                vocabulary = self.vectorizer_.vocabulary_
        else:
            names = {n.strip().lower(): i for i, n in enumerate(self.items_)}
            if str(term).strip().lower() in names:
                return names[str(term).strip().lower()]
            vocabulary = self.items_
        what = "item" if self.mode == "matrix" else "term"
        close = difflib.get_close_matches(str(term).strip().lower(), vocabulary, n=3)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else \
            "check the spelling"
        raise InputError(f"{what} {term!r} is not in the model's vocabulary "
                         f"({len(vocabulary)} {what}s); {hint}")

    def memberships(self, H=None) -> np.ndarray:
        """Columns of ``H`` normalized to shares that sum to 1 (all-zero columns stay 0)."""
        return fz.shares(self.H_ if H is None else H)

    def dominant_topics(self, H=None) -> np.ndarray:
        """Dominant topic of each document (column of ``H``), -1 where a column is all zero."""
        H = self.H_ if H is None else H
        dominant = H.argmax(axis=0)
        dominant[H.max(axis=0) <= 0] = -1
        return dominant

    def topic_sizes(self) -> np.ndarray:
        """Number of training documents whose dominant topic is each topic."""
        dominant = self.dominant_topics()
        return np.bincount(dominant[dominant >= 0], minlength=self.n_topics)

    def top_term_indices(self, topic: int, top: int = 10) -> np.ndarray:
        """Rows of ``W`` with the largest weights in a topic, ties to the lower index."""
        column = self.W_[:, topic]
        top = max(0, min(top, column.size))
        rows = np.arange(column.size)
        if 0 < top < column.size:          # sort only the rows that can be in the top
            rows = np.flatnonzero(column >= np.partition(column, column.size - top)[-top])
        return rows[np.lexsort((rows, -column[rows]))][:top]

    def auto_label(self, topic: int) -> str:
        """The automatic label of a topic: its top three terms, leaving out terms whose weight
        is under 5% of the top term's (a near-empty term does not name a segment)."""
        top = self.top_term_indices(topic, 3)
        floor = 0.05 * self.W_[top[0], topic]
        top = [i for i in top if self.W_[i, topic] > 0 and self.W_[i, topic] >= floor]
        return ", ".join(self.terms[i] for i in top)

    def label(self, topic: int) -> str:
        """The label of a topic: the name given with :meth:`set_label`, else automatic."""
        self._check_topic(topic)
        return self.topic_labels_[topic] or self.auto_label(topic)

    def set_label(self, topic: int, name):
        """Name a topic (``None`` or blank restores the automatic label). Returns self.

        A name is one line of printable text (see :func:`topicnmf.model.check.check_label`).
        """
        self._check_topic(topic)
        self.topic_labels_[topic] = check_label(name, topic)
        return self

    def _check_topic(self, topic):
        self._check_fitted()
        if not isinstance(topic, (int, np.integer)) or not 0 <= topic < self.n_topics:
            raise InputError(f"topic {topic} does not exist; topics are 0..{self.n_topics - 1}")

    def topics(self, top: int = 10) -> list:
        """Every topic with its label, size and top terms.

        Returns
        -------
        list of Topic
        """
        self._check_fitted()
        if top < 1:
            raise InputError(f"top={top}: must be at least 1")
        sizes = self.topic_sizes()
        terms = self.terms
        return [Topic(z, self.label(z), int(sizes[z]),
                      [(terms[i], float(self.W_[i, z])) for i in self.top_term_indices(z, top)])
                for z in range(self.n_topics)]

    # -- persistence -------------------------------------------------------------------------

    def save(self, path):
        """Save to a folder (``model.json`` + ``arrays.npz``); other files there are left alone.

        See :func:`topicnmf.model.persist.save_model`. Returns the path.
        """
        return persist.save_model(self, path)

    @classmethod
    def load(cls, path) -> "TopicModel":
        """Load a model saved with :meth:`save`; ModelFormatError if missing or damaged."""
        return cls._from_saved(persist.read_model(path))

    @classmethod
    def _from_saved(cls, saved) -> "TopicModel":
        model = cls(**saved.params)
        model.mode_, model.vectorizer_ = saved.mode, saved.vectorizer
        model.W_, model.H_, model.V_ = saved.W, saved.H, saved.V
        model.topic_labels_ = list(saved.labels)
        model.n_iter_, model.reconstruction_err_ = saved.n_iter, saved.reconstruction_err
        model.fit_seconds_ = saved.fit_seconds
        model.document_ids_, model.snippets_ = saved.ids, saved.snippets
        model.document_meta_ = saved.doc_meta
        if saved.mode == "matrix":
            model.items_, model.mask_ = list(saved.items), saved.mask
        return model


def label(path, topic, name=None) -> TopicModel:
    """Name ``topic`` of the model saved at ``path`` and save it at once.

    The model is read, changed and written under the model folder's lock, so two ``label``
    calls at the same time both take effect; only ``model.json`` is rewritten.

    Parameters
    ----------
    path : str or Path
        A model folder written by :meth:`TopicModel.save`.
    topic : int
    name : str or None
        One line of printable text; None restores the automatic label.

    Returns
    -------
    TopicModel
        The updated model.
    """
    with persist.model_lock(path, "topicnmf label"):
        model = TopicModel.load(path).set_label(topic, name)
        persist.write_model(path, model)
    return model


def fit_matrix(matrix, n_topics, *, missing="zero", random_state=0, max_iter=3000, tol=1e-4,
               solver="cd"):
    """Fit segments to an items × people matrix; returns a matrix-mode TopicModel.

    Parameters
    ----------
    matrix : ItemMatrix or str or Path
        A loaded matrix, or a CSV path read with :func:`load_matrix` (``missing``).
    n_topics : int
        Number of segments ``k``.
    missing : {'zero', 'blank'}
        Only used when ``matrix`` is a path.
    random_state : int
    max_iter, tol : stopping rule of the solver (these matrices are small: iterations are
        cheap, and the default lets the solver converge)
    solver : {'cd', 'mu'}
        Solver when there are no missing cells; with missing cells the masked multiplicative
        updates of :func:`topicnmf.factor.masked.masked_nmf` always run.

    Returns
    -------
    TopicModel
        ``mode == 'matrix'``; ``W_`` items × k (columns sum to 1), ``H_`` k × people,
        ``items_``, ``document_ids_`` = people, ``mask_`` (None without missing cells).

    Examples
    --------
    >>> model = fit_matrix("corpora/purchases.csv", 3, random_state=0)
    >>> [(item, round(weight, 2)) for item, weight in model.topics(3)[0].terms]
    [('Bread', 0.99), ('Fruits', 0.01), ('Vegetables', 0.0)]
    >>> [topic.label for topic in model.topics()]
    ['Bread', 'Fruits, Sweets', 'Vegetables, Bread, Fruits']
    """
    if not isinstance(matrix, ItemMatrix):
        matrix = load_matrix(matrix, missing=missing)
    model = TopicModel(n_topics, solver=solver, max_iter=max_iter, tol=tol,
                       random_state=random_state, stop_words=None, min_df=1, max_df=1.0)
    return model.fit(matrix)


def check_params(params) -> dict:
    """Check the numeric settings of a TopicModel (its :meth:`~TopicModel.get_params`).

    Returns ``params`` unchanged; raises InputError naming the first unusable one, e.g.
    ``tol=nan: must be a finite number > 0``. The other settings (solver, loss, init, seed
    topics, n-grams) are checked where they are used.
    """
    validate.integer(params["n_topics"], "n_topics", 1)
    validate.integer(params["max_iter"], "max_iter", 1, optional=True)
    validate.real(params["tol"], "tol", 0, low_open=True)
    validate.seed(params["random_state"])
    validate.document_frequency(params["min_df"], "min_df", zero=True)
    validate.document_frequency(params["max_df"], "max_df")
    validate.integer(params["max_features"], "max_features", 1, optional=True)
    validate.real(params["seed_weight"], "seed_weight", 0)
    return params


def _gram(W):
    G = W.T @ W
    G.setflags(write=False)
    return G


def as_documents(documents) -> list:
    """Normalize a Corpus, Documents or plain strings to a non-empty list of Documents."""
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


def first_line(text: str, limit: int = 160) -> str:
    """The first non-blank line of a text, shortened to ``limit`` characters."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""
