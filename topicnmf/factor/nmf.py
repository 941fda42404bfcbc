"""The NMF core: ``V ≈ W · H`` with ``V`` terms × documents.

scikit-learn factorizes ``X`` (documents × terms) as ``X ≈ W_sk · H_sk``; topicnmf's ``W`` is
``H_sk.T`` (terms × k) and its ``H`` is ``W_sk.T`` (k × documents). That conversion happens in
this module and nowhere else.

``project`` computes memberships of documents for a fixed ``W``. Each column is solved on its
own (no stopping rule shared across a batch), so a document gets the same memberships whether it
is projected alone, in a batch, or in another process.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

SOLVERS = ("cd", "mu", "minibatch")
LOSSES = ("frobenius", "kullback-leibler")
INITS = ("nndsvda", "nndsvd", "nndsvdar", "random")
MAX_ITER = 400            # cd and mu: iterations
MINIBATCH_EPOCHS = 20     # minibatch: passes over the corpus
MINIBATCH_SIZE = 4096     # documents per mini-batch


def check_factorization_params(V, n_components, solver, beta_loss, init):
    """Validate parameters against each other and against ``V``; raise InputError if unusable."""
    n_terms, n_docs = V.shape
    if not isinstance(n_components, (int, np.integer)) or n_components < 1:
        raise InputError(f"k={n_components}: the number of topics must be a positive integer")
    if n_components > min(n_terms, n_docs):
        raise InputError(f"k={n_components} is larger than the number of documents ({n_docs}) "
                         f"or terms ({n_terms}); choose k <= {min(n_terms, n_docs)}")
    if solver not in SOLVERS:
        raise InputError(f"solver='{solver}' is unknown; use one of {', '.join(SOLVERS)}")
    if beta_loss not in LOSSES:
        raise InputError(f"loss='{beta_loss}' is unknown; use one of {', '.join(LOSSES)}")
    if beta_loss != "frobenius" and solver == "cd":
        raise InputError(f"solver='cd' does not support loss='{beta_loss}'; use solver='mu'")
    if init not in INITS and init != "custom":
        raise InputError(f"init='{init}' is unknown; use one of {', '.join(INITS)}")
    if sp.issparse(V) and V.nnz == 0 or not sp.issparse(V) and not np.any(V):
        raise InputError("the matrix is all zeros: no document has any kept term")


def factorize(V, n_components, *, solver="cd", beta_loss="frobenius", init="nndsvda",
              max_iter=None, tol=1e-4, random_state=None, W_init=None, H_init=None,
              batch_size=MINIBATCH_SIZE):
    """Factorize ``V ≈ W · H`` with non-negative ``W`` and ``H``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
    n_components : int
        Number of topics ``k``.
    solver : {'cd', 'mu', 'minibatch'}
        scikit-learn's coordinate descent, multiplicative updates, or MiniBatchNMF (online
        updates from ``batch_size`` documents at a time: quicker per pass on large corpora,
        somewhat less coherent topics; see README "Choosing the settings").
    beta_loss : {'frobenius', 'kullback-leibler'}
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random', 'custom'}
        'custom' uses ``W_init`` and ``H_init``.
    max_iter, tol : int or None, float
        Stopping rule of the solver; reaching ``max_iter`` gives a ConvergenceWarning.
        None: ``MAX_ITER`` iterations for cd and mu, ``MINIBATCH_EPOCHS`` passes over the
        corpus for minibatch (whose ``max_iter`` counts passes).
    random_state : int, optional
    W_init : ndarray of shape (n_terms, n_components), optional
    H_init : ndarray of shape (n_components, n_documents), optional

    Returns
    -------
    W : ndarray of shape (n_terms, n_components)
        Each column sums to 1 (the scale of a topic lives in ``H``).
    H : ndarray of shape (n_components, n_documents)
    n_iter : int

    Examples
    --------
    >>> import numpy as np
    >>> V = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1]])
    >>> W, H, n_iter = factorize(V, 2, random_state=0)
    >>> W.shape, H.shape
    ((3, 2), (2, 3))
    """
    check_factorization_params(V, n_components, solver, beta_loss, init)
    X = V.T.tocsr() if sp.issparse(V) else np.asarray(V, dtype=np.float64).T
    X = X.astype(np.float64, copy=False)
    common = dict(n_components=int(n_components), init=init, beta_loss=beta_loss,
                  max_iter=MAX_ITER if max_iter is None else max_iter, tol=tol,
                  random_state=random_state)
    from sklearn.decomposition import NMF, MiniBatchNMF   # here: queries never load sklearn
    from sklearn.exceptions import ConvergenceWarning

    if solver == "minibatch":
        common["max_iter"] = MINIBATCH_EPOCHS if max_iter is None else max_iter
        # scikit-learn's default early stop on the smoothed batch cost (max_no_improvement=10)
        # ends after ~1 pass on real text, with far less coherent topics: stop on tol or
        # max_iter passes only.
        estimator = MiniBatchNMF(batch_size=batch_size, max_no_improvement=None, **common)
    else:
        estimator = NMF(solver=solver, **common)
    fit_args = {}
    if init == "custom":
        fit_args = {"W": np.ascontiguousarray(H_init.T, dtype=np.float64),
                    "H": np.ascontiguousarray(W_init.T, dtype=np.float64)}
    with warnings.catch_warnings():
        if solver == "minibatch":   # it runs its passes by design: reaching max_iter is normal
            warnings.simplefilter("ignore", ConvergenceWarning)
        W_sk = estimator.fit_transform(X, **fit_args)
    W = np.asarray(estimator.components_.T, dtype=np.float64)
    H = np.asarray(W_sk.T, dtype=np.float64)
    W, H = normalize_columns(W, H)
    return W, H, int(estimator.n_iter_)


def shares(H) -> np.ndarray:
    """Memberships as shares: each column of ``H`` (k × documents) scaled to sum to 1;
    all-zero columns stay zero.

    >>> shares(np.array([[1.0, 0.0], [3.0, 0.0]])).tolist()
    [[0.25, 0.0], [0.75, 0.0]]
    """
    H = np.asarray(H, dtype=np.float64)
    totals = H.sum(axis=0)
    return np.divide(H, totals, out=np.zeros_like(H), where=totals > 0)


def normalize_columns(W, H):
    """Rescale so each column of ``W`` sums to 1, keeping ``W · H`` unchanged."""
    scale = W.sum(axis=0)
    scale[scale == 0] = 1.0
    return W / scale, H * scale[:, None]


def project(V, W, *, beta_loss="frobenius", max_iter=300, tol=1e-6, gram=None):
    """Memberships ``H`` of the columns of ``V`` for a fixed ``W``: min ``‖v − W h‖``, ``h ≥ 0``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
    W : ndarray of shape (n_terms, n_components)
    beta_loss : {'frobenius', 'kullback-leibler'}
        Frobenius uses exact coordinate descent on the k × k Gram matrix; KL uses
        multiplicative updates evaluated on the non-zeros of ``V`` only.
    max_iter : int
        Sweeps per column at most.
    tol : float
        A column stops when its largest change in a sweep is below ``tol`` times its largest
        value.
    gram : ndarray of shape (n_components, n_components), optional
        ``WᵀW`` if already known (Frobenius only): saves O(n_terms·k²) per call.

    Returns
    -------
    H : ndarray of shape (n_components, n_documents)
    """
    V = sp.csc_matrix(V, dtype=np.float64)
    if V.shape[0] != W.shape[0]:
        raise InputError(f"the documents have {V.shape[0]} terms but the model has "
                         f"{W.shape[0]}; were they vectorized with this model?")
    if beta_loss == "frobenius":
        return _project_frobenius(V, W, max_iter, tol, W.T @ W if gram is None else gram)
    return _project_kl(V, W, max_iter, tol)


def _project_frobenius(V, W, max_iter, tol, G):
    B = np.asarray((V.T @ W).T)                      # k × docs: Wᵀ v for every column
    k, n = B.shape
    diag = np.where(np.diag(G) > 0, np.diag(G), 1.0)
    H = np.maximum(B, 0) / diag[:, None]             # per-coordinate start, then refine
    active = np.arange(n)
    for _ in range(max_iter):
        if active.size == 0:
            break
        Ha, Ba = H[:, active], B[:, active]
        change = np.zeros(active.size)
        for t in range(k):
            new = np.maximum(Ha[t] + (Ba[t] - G[t] @ Ha) / diag[t], 0.0)
            np.maximum(change, np.abs(new - Ha[t]), out=change)
            Ha[t] = new
        H[:, active] = Ha
        scale = np.maximum(Ha.max(axis=0), 1e-12)
        active = active[change > tol * scale]
    return H


def _project_kl(V, W, max_iter, tol):
    eps = 1e-12
    k, n = W.shape[1], V.shape[1]
    col_of_nnz = np.repeat(np.arange(n), np.diff(V.indptr))
    rows, data = V.indices, V.data
    Wsum = np.maximum(W.sum(axis=0), eps)
    H = np.full((k, n), max(V.sum() / (n * k), eps)) if n else np.zeros((k, 0))
    H[:, np.asarray(V.sum(axis=0)).ravel() == 0] = 0.0
    active = np.ones(n, dtype=bool)
    for _ in range(max_iter):
        if not active.any():
            break
        approx = np.einsum("ij,ji->i", W[rows], H[:, col_of_nnz]) + eps
        ratio = sp.csc_matrix((data / approx, rows, V.indptr), shape=V.shape)
        numer = np.asarray((ratio.T @ W).T)
        new = H * numer / Wsum[:, None]
        change = np.abs(new - H).max(axis=0)
        H = np.where(active, new, H)
        active &= change > tol * np.maximum(H.max(axis=0), 1e-12)
    return H


def reconstruction_error(V, W, H) -> float:
    """Frobenius norm ``‖V − W H‖`` computed without forming ``W H`` (uses ``WᵀW``)."""
    V = sp.csc_matrix(V, dtype=np.float64)
    norm_v = float(V.multiply(V).sum())
    cross = float(np.sum(np.asarray((V.T @ W).T) * H))
    gram = float(np.sum((W.T @ W) * (H @ H.T)))
    return float(np.sqrt(max(norm_v - 2 * cross + gram, 0.0)))


def warn_if_degenerate(H):
    """Warn when some topics are empty (no document has any weight on them)."""
    empty = np.flatnonzero(H.sum(axis=1) == 0)
    if empty.size:
        warnings.warn(f"{empty.size} topic(s) have no documents ({empty.tolist()}); "
                      "consider a smaller k", RuntimeWarning, stacklevel=2)
