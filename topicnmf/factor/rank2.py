"""Divisive rank-2 NMF (``solver='rank2'``): the topics are the leaves of a tree of two-way
splits of the documents (Kuang & Park 2013, "Fast rank-2 nonnegative matrix factorization for
hierarchical document clustering", KDD).

All documents start in one node. Splitting a node fits a rank-2 NMF (block HALS,
:func:`topicnmf.factor.hals.hals_nmf`) to its documents' columns and sends each document to the
side that contributes more to its reconstruction (``‖w‖·h``, as the dominant topic is read
everywhere else). Each leaf's split is computed once, when the leaf appears; the leaf split next
is the one with the largest score

    √(gain · mass),   gain = Σ_sides Σ_{j in side} (v_j · ŵ_side)²  −  Σ_j (v_j · ŵ_node)²,
                      mass = Σ_j ‖v_j‖²,

where ``ŵ`` is a direction scaled to unit length (the node's own: the column its parent's
split gave it, the mean column for the root). ``gain`` is how much more of the node's documents
two directions explain than one; ``mass`` keeps large nodes from being left whole while small,
tight families are peeled off one by one (split by gain alone) and keeps tight families from
being cut in halves (split by mass alone). At ``k`` leaves, ``W`` is the leaves' directions,
in the order of the tree (siblings side by side), and ``H`` the projection of ``V`` on ``W``.

Why a tree: the flat fit (``solver='hals'``) minimizes ``‖V − WH‖`` for all topics at once, and
on a corpus with many more categories than topics its best ``W`` spends a topic on the words
every document shares. Measured on the 64k Debian descriptions (``scripts/bench_quality.py``'s
sections mode, near-duplicates weighted, dominant topic by contribution, seed 0): NMI of the
dominant topic against Debian's sections 0.331 / 0.355 / 0.425 at k = 12 / 20 / 50 against
0.296 / 0.354 / 0.370 for the flat fit, NPMI 0.388 / 0.394 / 0.336, diversity 0.91 / 0.89 /
0.86. But at k = 12 the splits peel off small, tight families (Rust crates, Haskell, Node.js,
Qt, cross compilers), and the rest stays one node: the largest topic holds 38 % of the
documents (27 % flat). Continuing with flat sweeps from the tree's ``W`` brings the flat
fit's figures back (0.364 at k = 50 after 20 sweeps, NPMI 0.283). Hence an option, not the default.
"""

from __future__ import annotations

import numpy as np

from .blocks import checked_matrix
from .hals import hals_nmf
from .nmf import check_factorization_params
from .projection import contributions, project


class _Leaf:
    """A node of the tree without children yet: its documents, its direction (unit length)
    and, once computed, its candidate split."""

    def __init__(self, documents, direction):
        self.documents = documents
        self.direction = direction
        self.sides = None          # (documents, direction) of the two children
        self.score = -np.inf       # -inf: not split (yet)


def rank2_nmf(V, k, *, init="nndsvda", max_iter=None, tol=1e-4, random_state=None):
    """Factorize ``V ≈ W H`` (Frobenius) by divisive rank-2 NMF; see the module docstring.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
        Non-negative; checked as by :func:`topicnmf.factor.hals.hals_nmf`.
    k : int
        Number of topics: leaves of the tree.
    init, max_iter, tol : as :func:`topicnmf.factor.hals.hals_nmf`, for each rank-2 split.
    random_state : int, optional
        Seed of each split's start: same input and seed, same factors.

    Returns
    -------
    W : ndarray of shape (n_terms, k)
        Each column sums to 1, in the order of the tree's leaves.
    H : ndarray of shape (k, n_documents)
        The projection of ``V`` on ``W`` (:func:`topicnmf.factor.projection.project`).
    n_iter : int
        Sweeps of all the rank-2 fits.

    Examples
    --------
    >>> V = np.array([[3., 2, 0, 0, 0, 0], [1, 2, 0, 0, 1, 0],
    ...               [0, 0, 4, 3, 0, 0], [0, 0, 0, 0, 2, 3]])
    >>> W, H, n_iter = rank2_nmf(V, 3, random_state=0)
    >>> contributions(W, H).argmax(axis=0).tolist()
    [1, 1, 0, 0, 2, 2]
    """
    check_factorization_params(V, k, "rank2", "frobenius", init)
    V = checked_matrix(V)
    norms2 = np.asarray(V.multiply(V).sum(axis=0)).ravel()
    documents = np.flatnonzero(norms2 > 0)
    leaves = [_Leaf(documents, _unit(np.asarray(V[:, documents].sum(axis=1)).ravel()))]
    n_iter = 0
    while len(leaves) < k:
        for leaf in leaves:
            if leaf.sides is None and len(leaf.documents) >= 2:
                n_iter += _propose_split(V, norms2, leaf, init, max_iter, tol, random_state)
        best = max(range(len(leaves)), key=lambda i: leaves[i].score)
        if leaves[best].sides is None:
            break                  # fewer documents with terms than topics
        leaves[best:best + 1] = [_Leaf(*side) for side in leaves[best].sides]
    W = np.zeros((V.shape[0], k))
    for z, leaf in enumerate(leaves):
        W[:, z] = leaf.direction / leaf.direction.sum()
    return W, project(V, W), n_iter


def _propose_split(V, norms2, leaf, init, max_iter, tol, random_state) -> int:
    """Fit the rank-2 NMF of ``leaf``'s documents and set its ``sides`` and ``score``; return
    the sweeps it took."""
    part = V[:, leaf.documents]
    W, H, sweeps = hals_nmf(part, 2, init=init, max_iter=max_iter, tol=tol,
                            random_state=random_state)
    side = _sides(contributions(W, H))
    sides, explained = [], []
    for s in (0, 1):
        members = side == s
        columns = part[:, members]
        direction = _unit(W[:, s] if W[:, s].any() else np.asarray(columns.sum(axis=1)).ravel())
        sides.append((leaf.documents[members], direction))
        explained.append(_explained(columns, direction))
    gain = sum(explained) - _explained(part, leaf.direction)
    leaf.sides = sides
    leaf.score = np.sqrt(max(gain, 0.0) * norms2[leaf.documents].sum())
    return sweeps


def _sides(C) -> np.ndarray:
    """0 or 1 per document: the side contributing more; when that leaves a side empty (all the
    documents alike), the half with the larger share of side 1 goes to side 1."""
    side = (C[1] > C[0]).astype(np.int64)
    if 0 < side.sum() < side.size:
        return side
    share = C[1] / np.maximum(C.sum(axis=0), np.finfo(float).tiny)
    order = np.argsort(share, kind="stable")
    side = np.zeros(side.size, dtype=np.int64)
    side[order[side.size // 2:]] = 1
    return side


def _explained(part, direction) -> float:
    """``Σ_j (v_j · direction)²`` over the columns of ``part``."""
    return float(np.sum(np.square(part.T @ direction)))


def _unit(x) -> np.ndarray:
    norm = np.linalg.norm(x)
    return x / norm if norm > 0 else x
