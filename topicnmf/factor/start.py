"""Starts of the factorization (NNDSVD and its variants, random), computed over blocks of documents.

NNDSVD (Boutsidis & Gallopoulos 2008) starts from the leading singular vectors of ``V``. Here they
come from a randomized subspace iteration (Halko, Martinsson & Tropp 2011) written over blocks
(:mod:`topicnmf.factor.blocks`): the term side (terms × l) is small and lives with the caller,
the document side is only ever computed block by block:

1. ``Q ← orth(Ω)``, Ω terms × l Gaussian from the seed (l = k + 10);
2. ``n_iter`` times: ``Q ← orth(Σ_b V_b V_bᵀ Q)`` (one pass over the blocks each);
3. ``G = Σ_b (Qᵀ V_b)(Qᵀ V_b)ᵀ`` (l × l), ``G = E Λ Eᵀ``: ``U = Q E``, ``S = √Λ``, and a block's
   right singular vectors are ``S⁻¹ Eᵀ Qᵀ V_b``;
4. NNDSVD keeps, for each component, the positive or the negative parts of ``U`` and of the right
   vectors, whichever pair has the larger product of norms (the norms summed over blocks).

So the start, like the solver, depends on the seed and not on how the documents are split into
blocks (beyond rounding), and costs ``n_iter + 3`` passes over ``V``.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .blocks import InMemoryBlocks

NNDSVD_ZERO = 1e-6      # entries below this are zeros of the start (scikit-learn's eps)
OVERSAMPLES = 10        # extra directions of the randomized subspace (scikit-learn's default)
FILLS = {"nndsvda": "mean", "nndsvdar": "random", "nndsvd": "zero"}


def initialize(V, k, init, random_state=None, n_iter="auto"):
    """The start named ``init`` ('nndsvda', 'nndsvd', 'nndsvdar' or 'random') of an in-memory
    ``V``, in ``V``'s dtype (float32 or float64).

    Returns
    -------
    W : ndarray of shape (n_terms, k)
    H : ndarray of shape (k, n_documents)
    """
    dtype = V.dtype if V.dtype in (np.float32, np.float64) else np.float64
    blocks = InMemoryBlocks(V, block_size=max(1, V.shape[1]), dtype=dtype)
    W = start_blocks(blocks, k, init, random_state, n_iter)
    return W.astype(dtype, copy=False), blocks.memberships()


def nndsvda(V, k, random_state=None):
    """NNDSVD with the zeros filled by the mean of ``V`` (scikit-learn's 'nndsvda').

    Returns
    -------
    W : ndarray of shape (n_terms, k)
    H : ndarray of shape (k, n_documents)
    """
    return initialize(V, k, "nndsvda", random_state)


def start_blocks(blocks, k, init, random_state=None, n_iter="auto", factor=1.0):
    """The start named ``init`` over ``blocks``: returns ``W`` and sets the memberships.

    'random' is ``|N(0, 1)| · sqrt(mean(V) / k)`` (W from the seed, each block's H from the seed
    and the block's first document). ``factor``: the start of ``factor · V``.
    """
    if init != "random":
        return nndsvd_start(blocks, k, fill=FILLS[init], random_state=random_state,
                            n_iter=n_iter, factor=factor)
    n_terms, n_docs = blocks.shape
    scale = np.sqrt(factor * blocks.sum(_total)[0] / (n_terms * n_docs) / k)
    rng = np.random.default_rng(_seed(random_state, -1))
    blocks.update(_random_memberships, scale, k, random_state)
    return np.abs(scale * rng.standard_normal((n_terms, k)))


def nndsvd_start(blocks, k, *, fill="mean", random_state=None, n_iter="auto", factor=1.0):
    """NNDSVD start over ``blocks``: returns ``W`` (terms × k) and sets the blocks' memberships.

    Parameters
    ----------
    blocks : blocks object (:class:`topicnmf.factor.blocks.InMemoryBlocks` or alike)
    k : int
    fill : {'mean', 'random', 'zero'}
        What replaces the entries below ``NNDSVD_ZERO``: the mean of ``V`` ('nndsvda'),
        ``|N(0, mean(V)/k)| / 100`` ('nndsvdar'; drawn per block from the seed and the block's
        first document) or nothing ('nndsvd').
    random_state : int, optional
        Seed of Ω: same seed, same start.
    n_iter : int or 'auto'
        Subspace iterations ('auto': 7, or 4 when k is over a tenth of the smaller side, as
        scikit-learn's ``randomized_svd``).
    factor : float
        The start is that of ``factor · V`` (the solver's scaling; the blocks hold ``V``).

    Returns
    -------
    W : ndarray of shape (n_terms, k), float64
    """
    n_terms, n_docs = blocks.shape
    if n_iter == "auto":
        n_iter = 7 if k < 0.1 * min(n_terms, n_docs) else 4
    Q, E, S = leading_subspace(blocks, k, n_iter, random_state)
    U, sigma = Q @ E, factor * S            # factor·V has the same right vectors
    sides = blocks.sum(_side_norms, Q, E, S)[0]            # (k, 2): ‖v⁺‖², ‖v⁻‖² per component
    W = np.zeros((n_terms, k))
    choice = np.zeros(k, dtype=np.int8)                  # 0: positive parts, 1: negative, 2: |·|
    weight = np.zeros(k)                                 # factor of the block's right vector
    first = np.sqrt(sigma[0])
    W[:, 0], choice[0], weight[0] = first * np.abs(U[:, 0]), 2, first
    for j in range(1, k):
        up, un = np.maximum(U[:, j], 0), np.maximum(-U[:, j], 0)
        nup, nun = np.linalg.norm(up), np.linalg.norm(un)
        nvp, nvn = np.sqrt(sides[j])
        negative = nup * nvp < nun * nvn
        u, nu, nv = (un, nun, nvn) if negative else (up, nup, nvp)
        scale = np.sqrt(sigma[j] * nu * nv)
        W[:, j] = scale * u / max(nu, 1e-300)
        choice[j], weight[j] = int(negative), scale / max(nv, 1e-300)
    mean = factor * blocks.sum(_total)[0] / (n_terms * n_docs)
    blocks.update(_nndsvd_memberships, Q, E, S, choice, weight, fill, mean, k, random_state)
    return fill_small(W, fill, mean, np.random.default_rng(_seed(random_state, -1)))


def leading_subspace(blocks, k, n_iter, random_state=None):
    """Randomized subspace iteration over blocks: ``Q`` (terms × l), ``E`` (l × k), ``S`` (k,).

    ``U = Q E`` are the leading left singular vectors of ``V``, ``S`` its singular values; a
    block's right singular vectors are ``S⁻¹ Eᵀ Qᵀ V_b``.
    """
    n_terms, n_docs = blocks.shape
    size = min(k + OVERSAMPLES, n_terms, n_docs)
    rng = np.random.default_rng(_seed(random_state, -2))
    Q = orthonormal(rng.standard_normal((n_terms, size)))
    for _ in range(n_iter):
        Q = orthonormal(blocks.sum(_power_step, Q)[0])
    values, vectors = np.linalg.eigh(blocks.sum(_projected_gram, Q)[0])
    order = np.argsort(values)[::-1][:k]
    return Q, vectors[:, order], np.sqrt(np.maximum(values[order], 0))


def orthonormal(Y):
    """An orthonormal basis of ``Y``'s columns (terms × l): Cholesky QR twice, which is a matrix
    product and an l × l factorization (a Householder QR of a tall ``Y`` is 10–30× slower);
    Householder when ``Y`` is too ill-conditioned for it.

    >>> Q = orthonormal(np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]))
    >>> np.allclose(Q.T @ Q, np.eye(2))
    True
    """
    from scipy.linalg import solve_triangular

    try:
        for _ in range(2):
            R = np.linalg.cholesky(Y.T @ Y).T
            Y = solve_triangular(R, Y.T, trans="T").T
        return Y
    except np.linalg.LinAlgError:
        return np.linalg.qr(Y)[0]


def checked_start(W, H, shape, k):
    """``W_init``, ``H_init`` as float64 arrays of the right shapes; InputError otherwise."""
    if W is None or H is None:
        raise InputError("init='custom' needs W_init and H_init")
    W, H = np.asarray(W, dtype=np.float64), np.asarray(H, dtype=np.float64)
    if W.shape != (shape[0], k) or H.shape != (k, shape[1]):
        raise InputError(f"W_init {W.shape} and H_init {H.shape} do not fit; pass shapes "
                         f"{(shape[0], k)} and {(k, shape[1])}")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(H))) or W.min() < 0 or H.min() < 0:
        raise InputError("W_init and H_init must be finite and non-negative; fix the start")
    return W, H


def fill_small(X, fill, mean, rng):
    """``X`` with the entries below ``NNDSVD_ZERO`` filled as ``fill`` says (in place)."""
    small = X < NNDSVD_ZERO
    if fill == "mean":
        X[small] = mean
    elif fill == "random":
        X[small] = np.abs(mean * rng.standard_normal(int(small.sum())) / 100)
    else:
        X[small] = 0.0
    return X


def _seed(random_state, stream):
    """A seed sequence for one stream of draws (Ω, W's fill, one block's fill)."""
    entropy = 0 if random_state is None else int(random_state)
    return np.random.SeedSequence([entropy, stream + 2])


def _projected(V_b, Q):
    """``Qᵀ V_b`` (l × n_b) in the block's precision."""
    return np.asarray(V_b.T @ Q.astype(V_b.dtype)).T


def _power_step(V_b, H_b, start, Q):
    return (V_b @ _projected(V_b, Q).T,)


def _projected_gram(V_b, H_b, start, Q):
    B = _projected(V_b, Q).astype(np.float64)
    return (B @ B.T,)


def _right_vectors(V_b, Q, E, S):
    """The block's right singular vectors (k × n_b)."""
    return (E.T @ _projected(V_b, Q)) / np.where(S > 0, S, 1.0)[:, None]


def _side_norms(V_b, H_b, start, Q, E, S):
    R = _right_vectors(V_b, Q, E, S)
    return (np.stack([np.square(np.maximum(R, 0)).sum(axis=1),
                      np.square(np.maximum(-R, 0)).sum(axis=1)], axis=1),)


def _total(V_b, H_b, start):
    return (np.asarray(V_b.sum(dtype=np.float64)),)


def _nndsvd_memberships(V_b, H_b, start, Q, E, S, choice, weight, fill, mean, k,
                        random_state):
    R = _right_vectors(V_b, Q, E, S)
    part = np.where((choice == 2)[:, None], np.abs(R),
                    np.maximum(np.where((choice == 1)[:, None], -R, R), 0))
    H = fill_small(part * weight[:, None], fill, mean,
                   np.random.default_rng(_seed(random_state, int(start))))
    return (np.ascontiguousarray(H, dtype=V_b.dtype),)


def _random_memberships(V_b, H_b, start, scale, k, random_state):
    rng = np.random.default_rng(_seed(random_state, int(start)))
    return (np.abs(scale * rng.standard_normal((k, V_b.shape[1]))).astype(V_b.dtype),)
