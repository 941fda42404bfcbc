"""Stage 3, factor: non-negative factorization V ≈ W·H and projection on a fixed W.

:func:`factorize` is the one entry; it dispatches to a backend:

* :mod:`~topicnmf.factor.nmf`: scikit-learn's NMF / MiniBatchNMF (free topics);
* :mod:`~topicnmf.factor.hals`: topicnmf's own block HALS (``solver='hals'``, Frobenius);
* :mod:`~topicnmf.factor.rank2`: divisive rank-2 NMF, a tree of two-way splits by block HALS
  (``solver='rank2'``, Frobenius);
* :mod:`~topicnmf.factor.seeding`: seeded (guided) topics, the same solvers on ``V`` and seed
  pseudo-documents;
* :mod:`~topicnmf.factor.masked`: missing cells, masked multiplicative updates (weighted HALS
  with ``solver='hals'``).

:mod:`~topicnmf.factor.projection` holds what they share: memberships for a fixed ``W``
(``project``), shares, column normalization, the reconstruction error;
:mod:`~topicnmf.factor.start` the NNDSVD starts.
"""

from __future__ import annotations

from ..errors import InputError
from .hals import hals_nmf
from .masked import masked_nmf
from .nmf import INITS, LOSSES, SOLVERS, check_factorization_params, sklearn_nmf
from .projection import check_start, normalize_columns
from .rank2 import rank2_nmf
from .seeding import SEED_WEIGHT, guided_nmf

__all__ = ["factorize", "SOLVERS", "LOSSES", "INITS", "SEED_WEIGHT"]


def factorize(V, k, *, solver="hals", loss="frobenius", init="nndsvda", mask=None, seeds=(),
              seed_weight=SEED_WEIGHT, max_iter=None, tol=1e-4, random_state=None,
              W_init=None, H_init=None, scheduler=None):
    """Factorize ``V ≈ W · H`` with non-negative ``W`` and ``H``.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
        Terms (or items) × documents (or people).
    k : int
        Number of topics.
    solver : {'cd', 'mu', 'minibatch', 'hals', 'rank2'}
        scikit-learn's coordinate descent, multiplicative updates, or MiniBatchNMF (see
        :func:`topicnmf.factor.nmf.sklearn_nmf`), topicnmf's block HALS
        (:func:`topicnmf.factor.hals.hals_nmf`), or its divisive rank-2 NMF
        (:func:`topicnmf.factor.rank2.rank2_nmf`: the topics are the leaves of a tree of
        two-way splits; from ``W_init`` it continues with block HALS sweeps). With ``mask``:
        'hals' runs weighted HALS, any other but 'rank2' the weighted multiplicative updates.
    loss : {'frobenius', 'kullback-leibler'}
        'kullback-leibler' needs ``solver='mu'`` or ``'minibatch'``. Not used with ``mask``.
    init : {'nndsvda', 'nndsvd', 'nndsvdar', 'random'}
        Start of the solver. Not used with ``seeds`` (they set the start) nor with ``mask``
        (random start).
    mask : ndarray of bool of the shape of ``V``, optional
        Observed cells: the fit ignores the others (:func:`topicnmf.factor.masked.masked_nmf`,
        dense; for small items × people tables).
    seeds : list of (name, ndarray of int), optional
        Seed topics as vocabulary rows (:func:`topicnmf.factor.seeding.resolve_seed_terms`):
        they become topics ``0..len(seeds)-1`` (:func:`topicnmf.factor.seeding.guided_nmf`).
    seed_weight : float
        Pull of each seed topic, as a fraction of the corpus (with ``seeds`` only).
    max_iter : int or None
        None: the backend's default (400 iterations for cd and mu, 20 passes over the corpus
        for minibatch, 400 sweeps for hals, 500 iterations with a mask).
    tol : float
        Stopping tolerance of the backend (for hals: relative decrease of the objective over
        10 sweeps).
    random_state : int, optional
        Same input and seed, same factors.
    W_init : ndarray of shape (n_terms, k), optional
        Start the solver from this ``W`` (e.g. a fitted model's topics, to update it) instead
        of ``init``: scikit-learn's ``init='custom'``. Not used with ``seeds`` nor ``mask``.
    H_init : ndarray of shape (k, n_documents), optional
        With ``W_init``: the start of ``H``; by default the projection of ``V`` on ``W_init``
        (:func:`topicnmf.factor.projection.project`).
    scheduler : distributed.Client or str, optional
        Run the solver on a Dask cluster (:mod:`topicnmf.cluster`): ``solver='hals'`` only,
        without ``mask``; the blocks of documents live on the workers
        (:mod:`topicnmf.factor.dask_blocks`).

    Returns
    -------
    W : ndarray of shape (n_terms, k)
        Each column sums to 1 (the scale of a topic lives in ``H``).
    H : ndarray of shape (k, n_documents)
        The solver's memberships of the columns of ``V`` (for a seeded fit, without the seed
        pseudo-documents).
    n_iter : int

    Raises
    ------
    InputError
        Unusable parameters or matrix, naming the first problem (``seeds`` and ``mask``
        together are one).

    Examples
    --------
    >>> import numpy as np
    >>> V = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1]])
    >>> W, H, n_iter = factorize(V, 2, random_state=0)
    >>> W.shape, H.shape, W.sum(axis=0).round(12).tolist()
    ((3, 2), (2, 3), [1.0, 1.0])
    """
    if scheduler is not None and (solver != "hals" or mask is not None):
        raise InputError(f"solver={solver!r} does not run on a Dask cluster; use solver='hals' "
                         "(--solver hals)" if mask is None else "missing cells (a mask) do not "
                         "run on a Dask cluster; fit the table in this process")
    if solver == "rank2" and (mask is not None or seeds):
        raise InputError(f"solver='rank2' fits free topics of complete columns; for "
                         f"{'missing cells' if mask is not None else 'seed topics'} use "
                         "solver='hals'")
    if mask is not None:
        if seeds or W_init is not None:
            raise InputError(f"{'seed topics' if seeds else 'a start W (W_init)'} and missing "
                             "cells (a mask) cannot be combined; fit it on a text corpus")
        limit = {} if max_iter is None else {"max_iter": max_iter}
        W, H, n_iter = masked_nmf(V, mask, k, tol=tol, random_state=random_state,
                                  solver="hals" if solver == "hals" else "mu", **limit)
        return (*normalize_columns(W, H), n_iter)
    if W_init is not None:
        if seeds:
            raise InputError("seed topics and a start W (W_init) cannot be combined; "
                             "the start already holds the topics")
        W_init, H_init = check_start(V, k, W_init, H_init, loss)
        if solver in ("hals", "rank2"):
            check_factorization_params(V, k, solver, loss, "custom")
            return hals_nmf(V, k, init="custom", max_iter=max_iter, tol=tol,
                            random_state=random_state, W_init=W_init, H_init=H_init,
                            scheduler=scheduler)
        return sklearn_nmf(V, k, solver=solver, loss=loss, init="custom", max_iter=max_iter,
                           tol=tol, random_state=random_state, W_init=W_init, H_init=H_init)
    if seeds:
        return guided_nmf(V, k, seeds, solver=solver, loss=loss, max_iter=max_iter,
                          tol=tol, random_state=random_state, weight=seed_weight,
                          scheduler=scheduler)
    if solver == "hals":
        check_factorization_params(V, k, solver, loss, init)
        return hals_nmf(V, k, init=init, max_iter=max_iter, tol=tol, random_state=random_state,
                        scheduler=scheduler)
    if solver == "rank2":
        check_factorization_params(V, k, solver, loss, init)
        return rank2_nmf(V, k, init=init, max_iter=max_iter, tol=tol,
                         random_state=random_state)
    return sklearn_nmf(V, k, solver=solver, loss=loss, init=init, max_iter=max_iter,
                       tol=tol, random_state=random_state)
