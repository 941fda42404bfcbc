"""The scikit-learn backend of :func:`topicnmf.factor.factorize`: ``V ≈ W · H``, ``V`` terms ×
documents, by scikit-learn's NMF or MiniBatchNMF.

scikit-learn factorizes ``X`` (documents × terms) as ``X ≈ W_sk · H_sk``; topicnmf's ``W`` is
``H_sk.T`` (terms × k) and its ``H`` is ``W_sk.T`` (k × documents). That conversion happens in
this module and nowhere else.

The solver, loss and init choices and their checks are here too: every backend uses them (this
one, the guided one of :mod:`topicnmf.factor.seeding` and topicnmf's own block HALS,
:mod:`topicnmf.factor.hals`, listed in ``SOLVERS`` as 'hals', and its divisive rank-2 variant,
:mod:`topicnmf.factor.rank2`, as 'rank2').
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .projection import normalize_columns

# 'hals' (topicnmf.factor.hals) and 'rank2' (topicnmf.factor.rank2) are topicnmf's own
SOLVERS = ("cd", "mu", "minibatch", "hals", "rank2")
LOSSES = ("frobenius", "kullback-leibler")
INITS = ("nndsvda", "nndsvd", "nndsvdar", "random")
MAX_ITER = 400            # cd and mu: iterations
MINIBATCH_EPOCHS = 20     # minibatch: passes over the corpus
MINIBATCH_SIZE = 4096     # documents per mini-batch


def check_factorization_params(V, k, solver, loss, init):
    """Validate parameters against each other and against ``V``; raise InputError if unusable."""
    n_terms, n_docs = V.shape
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k={k}: the number of topics must be a positive integer")
    if k > min(n_terms, n_docs):
        raise InputError(f"k={k} is larger than the number of documents ({n_docs}) "
                         f"or terms ({n_terms}); choose k <= {min(n_terms, n_docs)}")
    if solver not in SOLVERS:
        raise InputError(f"solver='{solver}' is unknown; use one of {', '.join(SOLVERS)}")
    if loss not in LOSSES:
        raise InputError(f"loss='{loss}' is unknown; use one of {', '.join(LOSSES)}")
    if loss != "frobenius" and solver in ("cd", "hals", "rank2"):
        raise InputError(f"solver='{solver}' does not support loss='{loss}'; use solver='mu' "
                         "or 'minibatch'")
    if init not in INITS and init != "custom":
        raise InputError(f"init='{init}' is unknown; use one of {', '.join(INITS)}")
    if sp.issparse(V) and V.nnz == 0 or not sp.issparse(V) and not np.any(V):
        raise InputError("the matrix is all zeros: no document has any kept term")


def sklearn_nmf(V, k, *, solver="cd", loss="frobenius", init="nndsvda",
                max_iter=None, tol=1e-4, random_state=None, W_init=None, H_init=None,
                batch_size=MINIBATCH_SIZE):
    """Factorize ``V ≈ W · H`` with non-negative ``W`` and ``H`` by scikit-learn's solvers.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
    k : int
        Number of topics ``k``.
    solver : {'cd', 'mu', 'minibatch'}
        scikit-learn's coordinate descent, multiplicative updates, or MiniBatchNMF (online
        updates from ``batch_size`` documents at a time: quicker per pass on large corpora,
        somewhat less coherent topics; see README "Choosing the settings").
    loss : {'frobenius', 'kullback-leibler'}
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random', 'custom'}
        'custom' uses ``W_init`` and ``H_init``.
    max_iter, tol : int or None, float
        Stopping rule of the solver; reaching ``max_iter`` gives a ConvergenceWarning.
        None: ``MAX_ITER`` iterations for cd and mu, ``MINIBATCH_EPOCHS`` passes over the
        corpus for minibatch (whose ``max_iter`` counts passes).
    random_state : int, optional
    W_init : ndarray of shape (n_terms, k), optional
    H_init : ndarray of shape (k, n_documents), optional

    Returns
    -------
    W : ndarray of shape (n_terms, k)
        Each column sums to 1 (the scale of a topic lives in ``H``).
    H : ndarray of shape (k, n_documents)
    n_iter : int

    Examples
    --------
    >>> import numpy as np
    >>> V = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1]])
    >>> W, H, n_iter = sklearn_nmf(V, 2, random_state=0)
    >>> W.shape, H.shape
    ((3, 2), (2, 3))
    """
    check_factorization_params(V, k, solver, loss, init)
    if solver == "hals":
        raise InputError("solver='hals' is topicnmf's own solver: call "
                         "topicnmf.factor.factorize or topicnmf.factor.hals.hals_nmf")
    X = V.T.tocsr() if sp.issparse(V) else np.asarray(V, dtype=np.float64).T
    X = X.astype(np.float64, copy=False)
    common = dict(n_components=int(k), init=init, beta_loss=loss,
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
