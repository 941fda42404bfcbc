"""A model updated with new documents: the old topics go on (ids, labels), new ones are added.

How :func:`update` works:

1. The new documents are vectorized with the model's vocabulary, idf and preprocessing, plus
   the new terms that pass the model's ``min_df``/``max_df`` among them
   (:meth:`topicnmf.text.vectorize.Vectorizer.extended`): existing rows of ``W`` keep their
   meaning, new terms get new rows.
2. How much of the new documents the old topics leave unexplained is measured by the
   per-document fit error ``tag`` uses, ``‖v − W h‖ / ‖v‖``
   (:meth:`topicnmf.reconstruction.scores.Reconstruction.column_errors`, new terms counted
   in ``v``). A document is unexplained when its error exceeds what the old topics leave on
   90 % of their own documents (``QUANTILE``; or ``MAX_ERROR``, tag's cut, if that is lower:
   in tf-idf space nearly every error lies between 0.95 and 0.999, so ``MAX_ERROR`` alone
   flags only texts about something else entirely). With ``new_topics='auto'``, the new
   documents unexplained beyond the old documents' share (about 10 %), counted in units of
   half the model's mean topic size (``NEW_TOPIC_SIZE`` × documents per topic), rounded,
   give the number of topics to add; with the old documents kept, one more is added (at
   most ``MAX_RETRIES`` times) while the fit still retires an old topic, which then can
   only have been pushed out by new documents. Measured on the shipped tickets (one section of 127
   documents left out of an 8-topic fit on 1,900 documents, then added with 300 ordinary
   ones): games and fonts 1 topic, mail and science 0 (their documents are half explained
   by existing topics: servers, networks, data); the same 300 ordinary ones alone: 0.
3. The start: the old ``W``; new terms' rows by non-negative least squares on the old topics'
   memberships of the new documents; each added topic from NNDSVDA on the new documents the
   old topics explain worst.
4. One factorization (:func:`topicnmf.factor.factorize` from that start, at most
   ``MAX_ITER`` iterations) of the new documents, with the old ones too when
   ``keep_documents``, each weighted as ``fit`` weighs documents (near-duplicates about once,
   :mod:`topicnmf.factor.weights`), plus one anchor pseudo-document per old topic: its old
   ``W`` column with the pull of ``anchor_weight`` of the (weighted) documents (the device of
   seeded topics,
   :mod:`topicnmf.factor.seeding`). Without anchors a small old topic is easily taken over
   by new documents: on the shipped changelog slice (8 topics fitted before 2021, 809 later
   entries added) the fit retired 1 old topic with the old documents kept and 3 without
   them, although a refit on all entries still has all 8; with anchors of 0.01 it kept 8 and
   7, with 0.02 to 0.1 all 8 both ways (and on the tickets with a planted section, all 8 and
   the planted topic). Memberships are then computed by projection as in ``fit``
   (anchors left out).
5. Topics matched to the old ones (:func:`topicnmf.evolve.align.align`) keep their ids and
   labels; the others are new and take fresh ids from the old model's ``next_topic_id`` on
   (never the id of a retired topic, see :mod:`topicnmf.evolve`). The old topics come first,
   in their order, then the new ones (columns ordered by id).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp

from .align import THRESHOLD, align, derived_model
from .. import validate
from ..errors import InputError
from ..factor import factorize
from ..factor.projection import project, reconstruction_error, warn_if_degenerate
from ..factor.seeding import nndsvda
from ..model.documents import as_documents, first_line
from ..reconstruction.scores import MAX_ERROR, Reconstruction

#: ``new_topics`` value that lets :func:`update` choose the number of topics to add.
AUTO = "auto"
#: A new document is unexplained when its fit error exceeds this quantile of the errors of the
#: model's own documents (or ``MAX_ERROR``, if lower).
QUANTILE = 0.9
#: ``auto``: one topic per this fraction of the mean topic size of excess unexplained documents.
NEW_TOPIC_SIZE = 0.5
#: Solver iterations of an update at most (unless the model sets fewer): from a warm start,
#: scikit-learn's stopping rule (violation relative to the first iteration's) rarely fires, and
#: on the changelog corpus (8,944 entries, k=22) 25 iterations reach the converged error to
#: 0.05 %, 50 to 0.004 %, while 400 took 3-8 times as long as a refit from scratch.
MAX_ITER = 50
#: Pull of each old topic's anchor pseudo-document, as a fraction of the fitted documents
#: (module docstring, step 4; like ``topicnmf.factor.seeding.SEED_WEIGHT``).
ANCHOR_WEIGHT = 0.02
#: ``auto`` with the old documents kept: topics added at most beyond the rule while an old topic
#: is still retired (pushed out by new documents).
MAX_RETRIES = 2
#: Documents the added topics start from, at least, per added topic (the worst explained).
START_DOCUMENTS = 5


def unexplained(model, V_new, H_new) -> tuple:
    """Shares of the model's documents and of new ones (``V_new``, which may hold new terms
    in rows after the model's, and their memberships ``H_new``) that the model's topics leave
    unexplained (module docstring, step 2).

    Returns
    -------
    share_old, share_new : float
    """
    errors_old = Reconstruction(model.W_, model.H_).column_errors(model.V_, relative=True)
    cut = min(float(np.quantile(errors_old, QUANTILE)), MAX_ERROR)
    W = np.vstack([model.W_, np.zeros((V_new.shape[0] - model.W_.shape[0], model.n_topics))])
    errors_new = Reconstruction(W, H_new).column_errors(V_new, relative=True)
    return float(np.mean(errors_old > cut)), float(np.mean(errors_new > cut))


def auto_new_topics(share_old, share_new, n_old, n_new, k) -> int:
    """Topics to add: the new documents unexplained beyond the old documents' share, in units
    of ``NEW_TOPIC_SIZE`` mean topic sizes (``n_old / k`` documents), rounded half up."""
    excess = max(0.0, share_new - share_old) * n_new
    return int(np.floor(excess / (NEW_TOPIC_SIZE * n_old / k) + 0.5))


def check_new_topics(new_topics):
    """``'auto'`` or a count >= 0 (an int, or a string of one); InputError otherwise."""
    if isinstance(new_topics, str):
        if new_topics.strip().lower() == AUTO:
            return AUTO
        try:
            new_topics = int(new_topics)
        except ValueError:
            raise InputError(f"new_topics={new_topics!r}: use 'auto' or a number of topics "
                             "(0 or more)") from None
    return validate.integer(new_topics, "new_topics", 0)


def update(model, documents, *, new_topics=AUTO, keep_documents=True, threshold=THRESHOLD,
           anchor_weight=ANCHOR_WEIGHT, random_state=None):
    """A new model: ``model``'s topics updated with new ``documents``.

    Parameters
    ----------
    model : TopicModel
        Fitted on text; left unchanged (save the result to a new folder).
    documents : Corpus, iterable of Document, or iterable of str
        The new documents (their ids must not repeat the model's when ``keep_documents``).
    new_topics : 'auto' or int
        Topics to add for what the old ones leave unexplained: a number, or ``'auto'`` (see
        the module docstring).
    keep_documents : bool
        Fit the old documents too, and keep them in the new model (its documents: the old then
        the new; the default); otherwise the new model holds the new documents only, and old
        topics those do not support are retired (their ids are not used again).
    threshold : float
        Cosine of a topic with its old self below which the old topic counts as retired (its
        id and label are gone; the topic in its place is new, with a new id), see
        :func:`topicnmf.evolve.align.match_topics`.
    anchor_weight : float
        Pull of each old topic towards its old self, a fraction of the documents from 0 (none)
        to 1.
    random_state : int, optional
        Seed of the added topics' start; by default the model's.

    Returns
    -------
    TopicModel
        Old topics that still match keep their ids and labels; new topics get ids from
        ``model.next_topic_id`` on. ``history_`` (saved as ``model.json`` ``history``) ends
        with what this update did: documents added and kept, terms added, the unexplained
        shares, the ids of the new and of the retired topics.

    Raises
    ------
    InputError
        A matrix-mode model, no documents, repeated ids, an unusable ``new_topics``.

    Examples
    --------
    >>> from topicnmf import load_corpus
    >>> games = [d for d in load_corpus("corpora/tickets.csv.gz", id_column="id",
    ...                                 label_column="section") if d.meta["label"] == "games"]
    >>> games_only = update(model, games, new_topics=1, keep_documents=False)
    >>> games_only.n_topics, games_only.n_documents, games_only.history_[-1]["documents_kept"]
    (9, 127, 0)
    >>> games_only.topic_ids, games_only.history_[-1]["new_topics"]
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], [8])
    """
    start = time.perf_counter()
    model.check_fitted()
    if model.mode != "text":
        raise InputError("update needs a model fitted on text; refit a matrix-mode model "
                         "with topicnmf fit --matrix")
    new_topics = check_new_topics(new_topics)
    validate.real(threshold, "threshold", 0, 1)
    validate.real(anchor_weight, "anchor_weight", 0, 1)
    random_state = model.random_state if random_state is None else random_state
    validate.seed(random_state)
    docs = as_documents(documents)
    if not docs:
        raise InputError("no new documents; pass at least one")
    if keep_documents:
        seen = set(model.document_ids_)
        repeated = next((d.id for d in docs if d.id in seen), None)
        if repeated is not None:
            raise InputError(f"document id '{repeated}' is already in the model; give the new "
                             "documents other ids, or update without keep_documents")
    vectorizer, V_new = model.vectorizer_.extended([d.text for d in docs], model.n_documents)
    n_old_terms, n_terms = model.W_.shape[0], vectorizer.n_terms
    H_new = project(V_new[:n_old_terms], model.W_, loss=model.loss, gram=model.gram_)
    share_old, share_new = unexplained(model, V_new, H_new)
    rule = (auto_new_topics(share_old, share_new, model.n_documents, len(docs),
                            model.n_topics) if new_topics == AUTO else new_topics)
    added = rule
    V = sp.hstack([_pad_rows(model.V_, n_terms), V_new], format="csc") if keep_documents \
        else V_new
    old = range(model.n_documents) if keep_documents else range(0)
    fitted = derived_model(
        model, V_=V, vectorizer_=vectorizer,
        document_ids_=[model.document_ids_[j] for j in old] + [d.id for d in docs],
        snippets_=[model.snippets_[j] for j in old]
        + [first_line(vectorizer.preprocessor.clean_text(d.text)) for d in docs],
        document_meta_=[model.document_meta_[j] for j in old] + [dict(d.meta) for d in docs])
    while True:
        result = _refit(model, fitted, V_new, H_new, added, round(share_new * len(docs)),
                        threshold, anchor_weight, random_state)
        step = result.history_.pop()
        # With the old documents kept, an old topic can only be retired because new documents
        # pushed it out: 'auto' then adds one more topic (at most MAX_RETRIES times).
        if (new_topics != AUTO or not keep_documents or not step["retired_topics"]
                or added >= rule + MAX_RETRIES or model.n_topics + added + 1 > min(V.shape)):
            break
        added += 1
    result.history_.append({
        "step": "update", "documents_added": len(docs), "keep_documents": bool(keep_documents),
        "documents_kept": len(old), "terms_added": n_terms - n_old_terms,
        "new_topics_asked": new_topics, "unexplained_old": round(share_old, 4),
        "unexplained_new": round(share_new, 4), "matched": step["matched"],
        "new_topics": step["new_topics"], "retired_topics": step["retired_topics"],
        "threshold": step["threshold"], "anchor_weight": float(anchor_weight)})
    result.fit_seconds_ = time.perf_counter() - start
    return result


def _refit(model, fitted, V_new, H_new, added, n_unexplained, threshold, anchor_weight,
           random_state):
    """One fit of ``fitted.V_`` with ``added`` topics from the start of :func:`_start` and
    anchors of weight ``anchor_weight``, aligned to ``model``."""
    V, k = fitted.V_, model.n_topics + added
    if k > min(V.shape):
        raise InputError(f"{model.n_topics} topics + {added} new is more than the "
                         f"{V.shape[1]} documents or {V.shape[0]} terms allow; "
                         "add fewer topics or more documents")
    W0 = _start(model.W_, V_new, H_new, added, n_unexplained, random_state)
    from sklearn.exceptions import ConvergenceWarning

    # documents weigh as in a fit (near-duplicates about once, long ones more), the anchors
    # against that total
    V_fit, scale = fitted.weighted_for_fit(V)
    if anchor_weight > 0:
        P = W0[:, :model.n_topics]
        P = P / np.linalg.norm(P, axis=0) * np.sqrt(anchor_weight * float(scale @ scale))
        V_fit = sp.hstack([V_fit, sp.csc_matrix(P)], format="csc")
    with warnings.catch_warnings():              # stopping at MAX_ITER is the plan
        warnings.simplefilter("ignore", ConvergenceWarning)
        W, _, n_iter = factorize(V_fit, k, solver=model.solver, loss=model.loss, W_init=W0,
                                 max_iter=min(model.max_iter or MAX_ITER, MAX_ITER),
                                 tol=model.tol, random_state=random_state)
    H = project(V, W, loss=model.loss)
    warn_if_degenerate(H)
    fitted = derived_model(fitted, W_=W, H_=H, topic_labels_=[None] * k, n_iter_=n_iter,
                           reconstruction_err_=reconstruction_error(V, W, H))
    return align(fitted, model, threshold=threshold)


def _pad_rows(V, n_rows):
    """``V`` with zero rows appended up to ``n_rows`` (the old documents have no new term)."""
    V = sp.csc_matrix(V)
    return sp.csc_matrix((V.data, V.indices, V.indptr), shape=(n_rows, V.shape[1]))


def _start(W_old, V_new, H_new, added, n_unexplained, random_state):
    """The solver's start ``W``: old topics, new terms' rows, and added topics from the
    ``n_unexplained`` worst explained new documents (module docstring, step 3)."""
    n_terms, n_old_terms = V_new.shape[0], W_old.shape[0]
    W = np.zeros((n_terms, W_old.shape[1] + added))
    W[:n_old_terms, :W_old.shape[1]] = W_old
    if n_terms > n_old_terms and H_new.any():       # rows: min ‖v_t − H_newᵀ w_t‖, w_t ≥ 0
        W[n_old_terms:, :W_old.shape[1]] = project(V_new[n_old_terms:].T, H_new.T).T
    if added:
        errors = Reconstruction(W[:, :W_old.shape[1]], H_new).column_errors(V_new,
                                                                             relative=True)
        n = min(V_new.shape[1], max(START_DOCUMENTS * added, n_unexplained))
        worst = np.sort(np.argsort(-errors, kind="stable")[:n])
        part = sp.csc_matrix(V_new[:, worst])
        if added > min(part.shape):
            part = V_new
        W_added, _ = nndsvda(part, added, random_state)
        W[:, W_old.shape[1]:] = W_added
    return W / np.maximum(W.sum(axis=0), 1e-300)

