"""Blocks of documents: where ``V``'s columns and their memberships ``H`` live during a solve.

The block solver (:mod:`topicnmf.factor.hals`) and its start (:mod:`topicnmf.factor.start`)
never touch ``V`` directly. They hand a *pure* function to a blocks object, which runs it on
every block of documents and sums what comes back::

    parts = blocks.sum(fn, *args)       # Σ_b fn(V_b, H_b, *args), elementwise over a tuple
    parts = blocks.update(fn, *args)    # H_b, *part_b = fn(V_b, H_b, *args); keeps H_b; Σ part_b

``fn`` gets the block's columns of ``V`` (float32 CSC, terms × n_b), the block's memberships
(k × n_b, or None before a start), the index of the block's first document, and ``args`` (the
same for every block: ``W``, ``WᵀW``, small vectors). It returns arrays whose sums are wanted
(terms × k, k × k, ...). Because ``fn`` is pure and module-level, the same call runs on blocks
held in memory (:class:`InMemoryBlocks`, here), on blocks stored in files, or as tasks on Dask
workers; only where the blocks live changes. Sums are taken in float64, in block order here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

BLOCK_SIZE = 16384     # documents per block


class InMemoryBlocks:
    """``V``'s columns as blocks of ``block_size`` documents, slices of one float32 CSC matrix.

    Parameters
    ----------
    V : sparse matrix or ndarray of shape (n_terms, n_documents)
        Non-negative and finite (checked by the caller).
    block_size : int
        Documents per block (the last block may be smaller).
    dtype : numpy dtype
        Precision of the blocks (float32 in the solver).

    Examples
    --------
    >>> blocks = InMemoryBlocks(np.eye(3), block_size=2)
    >>> blocks.shape, blocks.n_blocks
    ((3, 3), 2)
    >>> [float(x) for x in blocks.sum(lambda V_b, H_b, start: (np.asarray(V_b.sum()),))]
    [3.0]
    """

    def __init__(self, V, block_size=BLOCK_SIZE, dtype=np.float32):
        V = sp.csc_matrix(V, dtype=dtype)
        self.shape = V.shape
        self.dtype = V.dtype
        self.starts = list(range(0, V.shape[1], block_size)) or [0]
        self.V_blocks = [V[:, a:a + block_size] for a in self.starts]
        self.H_blocks = [None] * len(self.starts)

    @property
    def n_blocks(self):
        """Number of blocks."""
        return len(self.starts)

    def sum(self, fn, *args):
        """``Σ_b fn(V_b, H_b, start_b, *args)`` for a tuple of arrays, summed in float64."""
        return summed(fn(V_b, H_b, start, *args)
                       for V_b, H_b, start in zip(self.V_blocks, self.H_blocks, self.starts))

    def update(self, fn, *args):
        """Run ``H_b, *parts = fn(V_b, H_b, start_b, *args)`` on every block, keep each new
        ``H_b`` and return the float64 sums of ``parts``."""
        def run():
            for b, (V_b, H_b, start) in enumerate(zip(self.V_blocks, self.H_blocks,
                                                      self.starts)):
                H_b, *parts = fn(V_b, H_b, start, *args)
                self.H_blocks[b] = H_b
                yield parts
        return summed(run())

    def assign(self, H):
        """Set the memberships from a full ``H`` (k × n_documents), split by block."""
        self.H_blocks = [np.array(H[:, a:a + V_b.shape[1]], dtype=V_b.dtype, order="C")
                         for a, V_b in zip(self.starts, self.V_blocks)]

    def memberships(self):
        """The memberships ``H`` (k × n_documents), the blocks side by side."""
        return np.hstack(self.H_blocks)


def checked_matrix(V):
    """``V`` as a float64 CSC matrix; InputError for negative or non-finite values."""
    try:
        V = sp.csc_matrix(V, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("V is not numeric; pass a sparse matrix or a 2-D array of numbers") \
            from None
    if not np.all(np.isfinite(V.data)):
        raise InputError("V holds NaN or infinite values; NMF needs finite values")
    if V.data.size and V.data.min() < 0:
        raise InputError("V holds negative values; NMF needs non-negative values")
    return V


def scaled_matrix(V, factor, dtype=np.float32):
    """``factor · V`` of a CSC matrix in ``dtype``, sharing ``V``'s indices: each product is
    taken in float64 and rounded once, without a float64 copy of ``V``."""
    data = np.empty(V.data.shape, dtype=dtype)
    np.multiply(V.data, factor, out=data, casting="unsafe")
    return sp.csc_matrix((data, V.indices, V.indptr), shape=V.shape)


def squared_norm(V_block, H_block, start):
    """``(‖V_block‖²,)`` in float64 (a block function for ``blocks.sum``)."""
    data = V_block.data.astype(np.float64)
    return (np.asarray(data @ data),)


def membership_gram(V_block, H_block, start):
    """``(H_block H_blockᵀ,)`` (a block function for ``blocks.sum``)."""
    return (H_block @ H_block.T,)


def summed(parts_per_block):
    """Elementwise float64 sums of an iterable of equal-length tuples of arrays (added in
    place: no new terms × k array per block)."""
    total = None
    for parts in parts_per_block:
        if total is None:
            total = [np.array(p, dtype=np.float64) for p in parts]
        else:
            for t, p in zip(total, parts):
                np.add(t, p, out=t)
    return tuple(total or ())
