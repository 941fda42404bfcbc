"""``TopicModel``: a scikit-learn-style estimator from texts to topics and memberships.

It holds the vectorizer, ``W`` (terms × k: what defines each topic), ``H`` (k × documents: how
much each training document belongs to each topic), document ids and topic labels.

This module fits, transforms and saves; the settings protocol is
:class:`topicnmf.model.params.Parameters`, reading a fitted model (topics, labels, lookups)
:class:`topicnmf.model.fitted.FittedTopics`, and the factorization
:func:`topicnmf.factor.factorize`.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from . import persist
from .saved import read_model
from .. import validate
from ..cluster import connected
from ..errors import InputError
from ..factor import factorize
from ..factor.dask_blocks import project_blocks
from ..factor.projection import project, reconstruction_error, warn_if_degenerate
from ..factor.seeding import SEED_WEIGHT, check_seed_topics, resolve_seed_terms
from ..factor.weights import NEAR_DUPLICATES, PIVOT_SLOPE, for_weighted_fit
from ..io.matrix import ItemMatrix
from .documents import as_documents, first_line
from .fitted import FittedTopics
from .params import Parameters, check_params, make_vectorizer


class TopicModel(Parameters, FittedTopics):
    """Topics from texts by non-negative matrix factorization of their tf-idf matrix.

    ``V ≈ W · H`` with ``V`` terms × documents. ``W[:, z]`` holds the weights of topic ``z``
    over the vocabulary (summing to 1); ``H[z, j]`` how much of document ``j`` topic ``z``
    explains.

    Parameters
    ----------
    n_topics : int
        Number of topics ``k``.
    solver : {'cd', 'mu', 'minibatch', 'hals', 'rank2'}
        scikit-learn's coordinate descent, multiplicative updates or MiniBatchNMF, or
        topicnmf's block HALS in float32 (:mod:`topicnmf.factor.hals`; Frobenius only) or
        divisive rank-2 NMF (:mod:`topicnmf.factor.rank2`, in memory, no seed topics).
        Whatever the solver, ``H_`` is recomputed by :func:`~topicnmf.factor.projection.project`
        on the final ``W``: ``transform`` of a training document gives its column.
    loss : {'frobenius', 'kullback-leibler'}
        'kullback-leibler' needs ``solver='mu'`` or ``'minibatch'``.
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random'}
        The defaults (sublinear tf-idf, hals, Frobenius, nndsvda) were chosen by measured
        coherence, diversity and time on a 64k-document corpus: README "Choosing the settings".
    max_iter : int or None
        None: 400 iterations (cd, mu), 400 sweeps (hals) or 20 passes over the corpus
        (minibatch).
    tol : float
        The solver's tolerance (hals: relative decrease of the objective over 10 sweeps).
    random_state : int, optional
        Seed: the same input and seed give the same topics.
    clean : 'auto', 'none', or step names (a list or a comma-separated string)
        Cleaning before tokenizing (:mod:`topicnmf.text.clean`); 'auto' cleans mail and
        markup files. Saved with the model and applied to every new document.
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
    near_duplicates : float in (0, 1] or None
        Documents with a tf-idf cosine of at least this are near-duplicates; each weighs
        1 / (its near-duplicates, itself included) in the fit of texts, so a family of
        near-identical texts counts about once (:mod:`topicnmf.factor.weights`). None: all 1.
    pivot_slope : float in [0, 1]
        Below 1, long documents weigh more in the fit of texts, by pivoted tf-idf length
        (:mod:`topicnmf.factor.weights`): 0.5 for one kind of document of varied length.
        1 (the default): all alike.

    Attributes
    ----------
    W_ : ndarray of shape (n_terms, n_topics)
    H_ : ndarray of shape (n_topics, n_documents)
    V_ : scipy.sparse.csc_matrix of shape (n_terms, n_documents)
        The tf-idf matrix the model was fitted on.
    vectorizer_ : Vectorizer
    document_ids_ : list of str
    snippets_ : list of str
        First line of each document, cleaned (for reports).
    cleaned_ : dict of {str: int}
        What cleaning removed from the training documents (``{"quoted lines": 12}``).
    document_meta_ : list of dict
        Label/date metadata of each document, when the corpus had them.
    topic_labels_ : list of str
        Names given with :meth:`set_label`; automatic labels (top three terms) until then.
    topic_ids_ : list of int
        The id of each topic (column of ``W_``): ``0..k-1`` after a fit; merge and split keep
        the ids of untouched topics, update and align those of matched topics (see
        :mod:`topicnmf.model.fitted`).
    next_topic_id_ : int
        The id the next new topic gets (ids are never given twice).
    n_iter_ : int
    reconstruction_err_ : float
        ``‖V − W H‖`` (Frobenius).
    fit_seconds_ : float
    history_ : list of dict
        What made the model besides ``fit``: one entry per update or alignment
        (:mod:`topicnmf.evolve`), oldest first.

    Examples
    --------
    >>> model = TopicModel(2, random_state=0, min_df=1).fit(
    ...     ["printer jams paper", "printer paper tray", "refund invoice charge",
    ...      "invoice refund request"])
    >>> model.W_.shape[1], model.H_.shape
    (2, (2, 4))
    """

    def __init__(self, n_topics=10, *, solver="hals", loss="frobenius", init="nndsvda",
                 max_iter=None, tol=1e-4, random_state=None, clean="auto", stem=False,
                 stop_words="english", extra_stop_words=None, ngram_range=(1, 1), min_df=2,
                 max_df=0.95, max_features=None, sublinear_tf=True, use_idf=True,
                 seed_topics=None, seed_weight=SEED_WEIGHT, near_duplicates=NEAR_DUPLICATES,
                 pivot_slope=PIVOT_SLOPE):
        self.n_topics = n_topics
        self.solver = solver
        self.loss = loss
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.clean = clean
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
        self.near_duplicates = near_duplicates
        self.pivot_slope = pivot_slope

    # get_params / set_params: Parameters (scikit-learn's protocol, so clone() works)

    def fit(self, documents, y=None, *, progress=None, scheduler=None):
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
        scheduler : dask.distributed.Client or str, optional
            Solve on a Dask cluster (``solver='hals'``; a Client, ``'tcp://HOST:8786'``,
            ``'default'`` or ``'local'``: :mod:`topicnmf.cluster`): the same topics, to rounding.

        Returns
        -------
        self
        """
        if scheduler is not None and self.solver != "hals":
            raise InputError(f"solver={self.solver!r} does not run on Dask; use solver='hals'")
        if isinstance(documents, ItemMatrix):
            with connected(scheduler) as client:
                return self._fit_items(documents, client)
        check_params(self.get_params())
        docs = as_documents(documents)
        if self.n_topics > len(docs):
            raise InputError(f"k={self.n_topics} is larger than the number of documents "
                             f"({len(docs)}); choose k <= {len(docs)}")
        seed_topics = check_seed_topics(self.seed_topics, self.n_topics) if self.seed_topics else {}
        start = time.perf_counter()
        vectorizer = make_vectorizer(self.get_params(), docs)
        with connected(scheduler) as client:        # an unreachable one fails before the work
            V = vectorizer.fit_transform([d.text for d in docs], progress=progress)
            self._fit_matrix(V, resolve_seed_terms(seed_topics, vectorizer), client,
                             lengths=vectorizer.document_lengths(V))
        prep = vectorizer.preprocessor
        self.mode_, self.vectorizer_ = "text", vectorizer
        self.document_ids_ = [d.id for d in docs]
        self.snippets_ = [first_line(prep.clean_text(d.text)) for d in docs]
        self.cleaned_ = dict(prep.cleaned)
        self.document_meta_, self.history_ = [dict(d.meta) for d in docs], []
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _fit_items(self, matrix, client=None):
        """:meth:`fit` on an items × people table: the matrix itself is ``V``."""
        start = time.perf_counter()
        V = sp.csc_matrix(matrix.values)
        k = self.n_topics
        if not validate.is_integer(k) or not 1 <= k <= min(V.shape):
            raise InputError(f"k={k} must be between 1 and {min(V.shape)} (items: "
                             f"{V.shape[0]}, people: {V.shape[1]})")
        mask = None if matrix.mask is None or matrix.mask.all() else matrix.mask
        if mask is None:
            self._fit_matrix(V, scheduler=client, weigh=False)
        else:
            W, H, n_iter = self.factorize_matrix(V, mask=mask, scheduler=client)
            R = mask * (matrix.values - W @ H)        # small matrix: dense is fine here
            self.set_factors(V, W, H, n_iter, error=float(np.sqrt(np.sum(R * R))))
        self.mode_, self.vectorizer_ = "matrix", None
        self.items_, self.mask_ = list(matrix.items), mask
        self.document_ids_ = list(matrix.people)
        self.snippets_ = [matrix.snippet(j) for j in range(len(matrix.people))]
        self.document_meta_ = [{} for _ in matrix.people]
        self.history_ = []
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def fit_transform(self, documents, y=None):
        """Fit and return ``H`` of shape (n_topics, n_documents) for the training documents."""
        return self.fit(documents).H_

    def factorize_matrix(self, V, seeds=(), mask=None, scheduler=None, *, weigh=True,
                         lengths=None):
        """Topics ``W`` of an already-built matrix with this model's settings.

        The factorization step of :meth:`fit`, on its own (:func:`topicnmf.factor.factorize`
        with this model's parameters): fitted attributes are not touched. Quality checks use
        it to refit on resampled documents (:mod:`topicnmf.quality.choose`).

        Parameters
        ----------
        V : sparse matrix of shape (n_terms, n_documents)
        seeds : list of (name, ndarray of int)
            Seed topics as vocabulary rows (:meth:`seed_terms`); none for free topics.
        mask : ndarray of bool, shape of ``V``, optional
            Observed cells (matrix mode with missing cells): weighted HALS with
            ``solver='hals'``, masked multiplicative updates otherwise, run to a tolerance of
            at most 1e-6 (these matrices are small).
        scheduler : dask.distributed.Client or str, optional (as :meth:`fit`)
        weigh : bool
            Weigh documents by ``near_duplicates`` and, given ``lengths``, by
            ``pivot_slope`` (without a mask; not items × people).
        lengths : ndarray of shape (n_documents,), optional
            :meth:`topicnmf.text.vectorize.Vectorizer.document_lengths` of ``V``.

        Returns
        -------
        W : ndarray of shape (n_terms, n_topics), columns summing to 1
        H : ndarray of shape (n_topics, n_documents)
            The solver's memberships (of the real documents only, in a seeded fit; of the
            unweighted columns). :meth:`fit` recomputes ``H_`` by projection anyway.
        n_iter : int
        """
        check_params(self.get_params())
        weigh = weigh and mask is None
        V, scale = for_weighted_fit(V, self.near_duplicates if weigh else None,
                                    lengths if weigh else None, self.pivot_slope)
        W, H, n_iter = factorize(V, self.n_topics, solver=self.solver, loss=self.loss,
                                 init=self.init, mask=mask, seeds=seeds,
                                 seed_weight=self.seed_weight, max_iter=self.max_iter,
                                 tol=self.tol if mask is None else min(self.tol, 1e-6),
                                 random_state=self.random_state, scheduler=scheduler)
        return W, H / scale, n_iter

    def seed_terms(self) -> list:
        """The fitted model's seed topics as vocabulary rows, as :meth:`fit` used them."""
        self.check_fitted()
        if not self.seed_topics or self.mode != "text":
            return []
        return resolve_seed_terms(check_seed_topics(self.seed_topics, self.n_topics),
                                  self.vectorizer_, warn=False)

    def _fit_matrix(self, V, seeds=(), scheduler=None, weigh=True, lengths=None):
        # Memberships are recomputed with the final W by the same projection that `transform`
        # uses, so a training document transformed again gets exactly its H_ column (the
        # solver's are let go first, [::2]: they are the largest array of the fit).
        W, n_iter = self.factorize_matrix(V, seeds, scheduler=scheduler, weigh=weigh,
                                          lengths=lengths)[::2]
        H = project_blocks(V, W, scheduler, loss=self.loss)
        warn_if_degenerate(H)
        self.set_factors(V, W, H, n_iter, labels=[name for name, _ in seeds])

    def set_factors(self, V, W, H, n_iter, *, labels=(), error=None):
        """Set the fitted factors, and the topics' ids ``0..k-1`` and labels, as :meth:`fit`
        does; the fits that hold ``V`` elsewhere (out of core, on a cluster) end with it too.

        Parameters
        ----------
        V, W, H : the fitted matrix and its factors
        n_iter : int
        labels : list of str
            Names of the first topics (seeded ones); the others have none.
        error : float, optional
            ``‖V − WH‖`` when the fit already knows it (else computed from the Grams).

        Returns
        -------
        self
        """
        k = W.shape[1]
        self.V_, self.W_, self.H_, self.n_iter_ = V, W, H, n_iter
        self.reconstruction_err_ = reconstruction_error(V, W, H) if error is None else error
        self.topic_labels_ = list(labels) + [None] * (k - len(labels))
        self.topic_ids_, self.next_topic_id_ = list(range(k)), int(k)
        return self

    def transform(self, documents):
        """Memberships of new documents with the topics held fixed.

        Parameters
        ----------
        documents : iterable of str or Document, or Corpus

        Returns
        -------
        H : ndarray of shape (n_topics, n_documents)
        """
        self.check_fitted()
        if self.mode == "matrix":
            raise InputError("transform of texts is not available for a matrix-mode model "
                             "(items × people); refit it on a text corpus")
        texts = [d.text for d in as_documents(documents)]
        return self.project_matrix(self.vectorizer_.transform(texts))

    def project_matrix(self, V):
        """Memberships for an already-vectorized ``V`` of shape (n_terms, n_documents)."""
        self.check_fitted()
        gram = self.gram_ if self.loss == "frobenius" else None
        return project(V, self.W_, loss=self.loss, gram=gram)

    # -- persistence -------------------------------------------------------------------------

    def save(self, path):
        """Save to a folder (``model.json`` + ``arrays.npz``); other files there are left alone.

        See :func:`topicnmf.model.persist.save_model`. Returns the path.
        """
        return persist.save_model(self, path)

    @classmethod
    def load(cls, path) -> "TopicModel":
        """Load a model saved with :meth:`save`; ModelFormatError if missing or damaged."""
        return cls._from_saved(read_model(path))

    @classmethod
    def _from_saved(cls, saved) -> "TopicModel":
        model = cls(**saved.params)
        model.mode_, model.vectorizer_ = saved.mode, saved.vectorizer
        model.W_, model.H_, model.V_ = saved.W, saved.H, saved.V
        model.topic_labels_, model.history_ = list(saved.labels), list(saved.history)
        model.topic_ids_, model.next_topic_id_ = list(saved.topic_ids), saved.next_topic_id
        model.n_iter_, model.reconstruction_err_ = saved.n_iter, saved.reconstruction_err
        model.document_ids_, model.snippets_ = saved.ids, saved.snippets
        model.fit_seconds_, model.document_meta_ = saved.fit_seconds, saved.doc_meta
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
        A topic id (as the model's outputs print it).
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

