"""Where the pictures of a model put things, computed with numpy: a 2-D map of topics by
classical MDS on their similarities, and a 2-D map of documents by t-SNE.

:mod:`topicnmf.present.plots` draws them; the HTML report (``topicnmf.present.report``) uses
them too. Topic similarities come from :mod:`topicnmf.queries.hierarchy`, shares over time from
:mod:`topicnmf.queries.trends`. Orientation as everywhere: ``W`` terms × k, ``H`` k × documents.
"""

from __future__ import annotations

import numpy as np

from ..factor import projection
from .. import validate
from ..queries.hierarchy import topic_similarity


def _fix_signs(X) -> np.ndarray:
    """Flip each column so its largest-magnitude entry is positive (eigenvectors have no sign)."""
    if X.size == 0:
        return X
    pivots = X[np.abs(X).argmax(axis=0), np.arange(X.shape[1])]
    return X * np.where(pivots < 0, -1.0, 1.0)


def topic_map_layout(W) -> np.ndarray:
    """2-D positions of the topics, shape (k, 2): classical MDS on ``1 − cosine``.

    Similar topics land close together; the axes themselves mean nothing.
    """
    D2 = (1.0 - topic_similarity(W)) ** 2
    k = D2.shape[0]
    J = np.eye(k) - 1.0 / k
    lam, U = np.linalg.eigh(-0.5 * J @ D2 @ J)
    order = np.argsort(lam)[::-1][:2]
    xy = _fix_signs(U[:, order]) * np.sqrt(np.clip(lam[order], 0.0, None))
    return np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))


def document_map_layout(H, max_documents=2000, random_state=0):
    """2-D embedding of the documents' topic shares (columns of ``H``, e.g. a model's
    ``contributions()``, scaled to sum 1).

    Documents with all-zero memberships are left out; above ``max_documents`` a fixed random
    sample (by ``random_state``) is drawn. t-SNE (scikit-learn, ``init='pca'``, one thread so
    the result does not depend on the machine's thread count) is used from 10 documents on,
    plain PCA below that.

    Returns
    -------
    indices : ndarray of int of shape (n,)
        Columns of ``H`` shown, ascending.
    xy : ndarray of shape (n, 2)
    """
    validate.seed(random_state)
    S = projection.shares(H)
    indices = np.flatnonzero(S.sum(axis=0) > 0)
    if indices.size > max_documents:
        rng = np.random.default_rng(random_state)
        indices = np.sort(rng.choice(indices, max_documents, replace=False))
    X = S[:, indices].T
    if indices.size >= 10:
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits

        perplexity = min(30.0, (indices.size - 1) / 3.0)
        # One thread: parallel sums would make the layout depend on the thread count (and
        # two busy cores are faster with one thread than with two fighting).
        with threadpool_limits(1):
            xy = TSNE(2, perplexity=perplexity, init="pca", max_iter=500,
                      random_state=random_state).fit_transform(X)
    else:
        centred = X - X.mean(axis=0)
        U, s, _ = np.linalg.svd(centred, full_matrices=False)
        xy = np.pad(_fix_signs(U[:, :2]) * s[:2], ((0, 0), (0, max(0, 2 - s[:2].size))))
    return indices, xy
