"""Starts of the factorization: NNDSVD and its variants (Boutsidis & Gallopoulos 2008), random.

Shared by the block HALS solver (:mod:`topicnmf.factor.hals`) and the seeded start
(:mod:`topicnmf.factor.seeding`); scikit-learn's own solvers start themselves. The variants and
their fill values are scikit-learn's (``sklearn.decomposition.NMF(init=...)``), written for
``V`` terms × documents, in the dtype of ``V``.
"""

from __future__ import annotations

import numpy as np

NNDSVD_ZERO = 1e-6         # entries below this are zeros of the start (scikit-learn's eps)


def nndsvd(V, k, *, fill="mean", random_state=None, n_iter="auto"):
    """NNDSVD start ``W`` (terms × k), ``H`` (k × documents) from a randomized SVD of ``V``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
        float32 or float64: the SVD and the start are computed in that dtype.
    k : int
    fill : {'mean', 'random', 'zero'}
        What replaces the entries below ``NNDSVD_ZERO``: the mean of ``V`` ('nndsvda'),
        ``|N(0, mean(V)/k)| / 100`` ('nndsvdar') or nothing ('nndsvd').
    random_state : int, optional
        Seed of the randomized SVD (and of the 'random' fill): same seed, same start.
    n_iter : int or 'auto'
        Power iterations of ``sklearn.utils.extmath.randomized_svd`` ('auto': its default,
        7 for k below a tenth of the matrix's smaller side).

    Returns
    -------
    W : ndarray of shape (n_terms, k)
    H : ndarray of shape (k, n_documents)
    """
    from sklearn.utils import check_random_state
    from sklearn.utils.extmath import randomized_svd

    U, S, Vt = randomized_svd(V, k, n_iter=n_iter, random_state=random_state)
    W, H = np.zeros((V.shape[0], k), dtype=U.dtype), np.zeros((k, V.shape[1]), dtype=U.dtype)
    W[:, 0], H[0] = np.sqrt(S[0]) * np.abs(U[:, 0]), np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, k):
        x, y = U[:, j], Vt[j]
        xp, yp, xn, yn = np.maximum(x, 0), np.maximum(y, 0), np.maximum(-x, 0), np.maximum(-y, 0)
        nxp, nyp, nxn, nyn = (np.linalg.norm(a) for a in (xp, yp, xn, yn))
        if nxp * nyp >= nxn * nyn:
            u, v, sigma = xp / max(nxp, 1e-300), yp / max(nyp, 1e-300), nxp * nyp
        else:
            u, v, sigma = xn / max(nxn, 1e-300), yn / max(nyn, 1e-300), nxn * nyn
        scale = np.sqrt(S[j] * sigma)
        W[:, j], H[j] = scale * u, scale * v
    mean = V.mean()
    if fill == "mean":
        W[W < NNDSVD_ZERO], H[H < NNDSVD_ZERO] = mean, mean
    elif fill == "random":
        rng = check_random_state(random_state)
        for X in (W, H):
            small = X < NNDSVD_ZERO
            X[small] = np.abs(mean * rng.standard_normal(int(small.sum())) / 100)
    else:
        W[W < NNDSVD_ZERO], H[H < NNDSVD_ZERO] = 0.0, 0.0
    return W, H


def nndsvda(V, k, random_state=None):
    """NNDSVD with the zeros filled by the mean of ``V`` (scikit-learn's 'nndsvda').

    Returns
    -------
    W : ndarray of shape (n_terms, k)
    H : ndarray of shape (k, n_documents)
    """
    return nndsvd(V, k, fill="mean", random_state=random_state)


def initialize(V, k, init, random_state=None, n_iter="auto"):
    """The start named ``init`` ('nndsvda', 'nndsvd', 'nndsvdar' or 'random'), in ``V``'s dtype.

    'random' is scikit-learn's: ``|N(0, 1)| · sqrt(mean(V) / k)`` from
    ``check_random_state(random_state)``.
    """
    if init == "random":
        from sklearn.utils import check_random_state

        rng = check_random_state(random_state)
        scale = np.sqrt(V.mean() / k)
        H = np.abs(scale * rng.standard_normal((k, V.shape[1]))).astype(V.dtype)
        W = np.abs(scale * rng.standard_normal((V.shape[0], k))).astype(V.dtype)
        return W, H
    fill = {"nndsvda": "mean", "nndsvdar": "random", "nndsvd": "zero"}[init]
    return nndsvd(V, k, fill=fill, random_state=random_state, n_iter=n_iter)
