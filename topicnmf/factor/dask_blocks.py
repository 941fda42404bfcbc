"""Blocks of documents on a Dask cluster: ``V``'s blocks and their memberships live on the
workers (the blocks protocol of :mod:`topicnmf.factor.blocks`).

Every call of :meth:`DaskBlocks.sum` or :meth:`DaskBlocks.update` sends its arguments
(``W``, ``WᵀW``, small vectors) to the cluster once, runs the block function as one task per
block next to the block's data, and adds the blocks' results in a tree of pairwise sums
(float64; the tree has the same shape for a given number of blocks, so the sums do not depend
on the number of workers or on which finishes first). Only the sums (terms × k and k × k per
sweep) come back; the memberships stay on the workers until :meth:`memberships`.

Everything is a pure task: a block is built by a task whose argument is its columns (or by
the tasks that read and vectorize a partition of a corpus: :mod:`topicnmf.model.on_cluster`),
the arguments of a sweep are a task of their own
(:func:`topicnmf.cluster.submit_data`), a block's new memberships are a task on the old ones.
When a worker is lost, the scheduler recomputes what it held from these tasks, and the fit
goes on with the same numbers. The price: the scheduler keeps each sweep's arguments until
the fit ends (about ``sweeps × terms × k`` floats), and a lost block replays its sweeps.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..cluster import connected, run_tasks, submit_data
from .blocks import BLOCK_SIZE, InMemoryBlocks
from .projection import project


@contextmanager
def placement(scheduler=None):
    """Where a solve's blocks live: yields ``place(V, block_size, dtype)``, which returns
    ``V``'s blocks in memory (:class:`~topicnmf.factor.blocks.InMemoryBlocks`) when
    ``scheduler`` is None, else on the Dask cluster it names (:class:`DaskBlocks`, released
    on leaving). The caller can drop ``V`` once placed: nothing here keeps it."""
    if scheduler is None:
        yield InMemoryBlocks
        return
    with connected(scheduler) as client, one_blas_thread():
        placed = []

        def place(V, block_size=BLOCK_SIZE, dtype=np.float32):
            placed.append(DaskBlocks.from_matrix(V, client, block_size, dtype))
            return placed[-1]
        try:
            yield place
        finally:
            for blocks in placed:
                blocks.release()


def one_blas_thread():
    """One BLAS thread in this process while the workers hold the blocks: what is left here
    (the update of ``W`` from the sums, k × terms) gains little from threads, and threads
    that wait for each other made it several times slower on a busy machine."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


class DaskBlocks:
    """``V``'s columns as blocks on the workers of a Dask ``client``.

    Parameters
    ----------
    client : distributed.Client
    blocks : list of distributed.Future
        Each holds one block of ``V``'s columns: a CSC matrix of ``dtype``, terms × n_b.
    shape : (int, int)
        ``V``'s shape (terms, documents).
    starts : list of int
        Index of each block's first document.
    dtype : numpy dtype

    Use :meth:`from_matrix` for a matrix in memory; futures of blocks made on the workers can
    be passed as they are.
    """

    def __init__(self, client, blocks, shape, starts, dtype=np.float32):
        self.client = client
        self.V_blocks = list(blocks)
        self.shape = tuple(shape)
        self.starts = list(starts)
        self.dtype = np.dtype(dtype)
        self.H_blocks = [None] * len(self.V_blocks)
        self.name = f"topicnmf-{uuid.uuid4().hex[:8]}"

    @classmethod
    def from_matrix(cls, V, client, block_size=BLOCK_SIZE, dtype=np.float32):
        """Blocks of ``block_size`` documents of ``V`` (terms × documents), sent to the cluster
        as the arguments of the tasks that hold them (so they can be recomputed), rounded to
        ``dtype`` exactly as :class:`topicnmf.factor.blocks.InMemoryBlocks` rounds them."""
        V = sp.csc_matrix(V, dtype=dtype)
        starts = list(range(0, V.shape[1], block_size)) or [0]
        futures = [submit_data(client, V[:, a:a + block_size], "topicnmf-block")
                   for a in starts]
        return cls(client, futures, V.shape, starts, V.dtype)

    @property
    def n_blocks(self):
        """Number of blocks."""
        return len(self.V_blocks)

    def sum(self, fn, *args):
        """``Σ_b fn(V_b, H_b, start_b, *args)`` for a tuple of arrays, summed in float64."""
        parts = self._map(_block_parts, self.V_blocks, self.H_blocks, self.starts,
                          fn=fn, shared=self._arguments(args))
        return _float64(self.client.gather(self._tree_sum(parts)))

    def update(self, fn, *args):
        """Run ``H_b, *parts = fn(V_b, H_b, start_b, *args)`` on every block, keep each new
        ``H_b`` on its worker and return the float64 sums of ``parts``."""
        results = self._map(_block_update, self.V_blocks, self.H_blocks, self.starts,
                            fn=fn, shared=self._arguments(args))
        self.H_blocks = self._map(_memberships_of, results)
        return _float64(self.client.gather(self._tree_sum(results)))

    def assign(self, H):
        """Set the memberships from a full ``H`` (k × n_documents), split by block."""
        ends = self.starts[1:] + [self.shape[1]]
        self.H_blocks = [submit_data(self.client,
                                     np.array(H[:, a:b], dtype=self.dtype, order="C"),
                                     f"{self.name}-H")
                         for a, b in zip(self.starts, ends)]

    def memberships(self):
        """The memberships ``H`` (k × n_documents), gathered from the workers."""
        return np.hstack(self.client.gather(self.H_blocks))

    def release(self):
        """Drop the futures of the blocks (the cluster then forgets them and what they were
        computed from); the object is unusable after."""
        self.V_blocks, self.H_blocks = [], []

    def _arguments(self, args):
        return submit_data(self.client, tuple(args), f"{self.name}-arguments") if args else ()

    def _map(self, function, *columns, **same):
        """``function(*row, **same)`` for the rows of ``columns``: tasks sent in one message."""
        n = len(columns[0])
        keys = [f"{self.name}-{function.__name__}-{uuid.uuid4().hex}" for _ in range(n)]
        return self.client.map(function, *columns, key=keys, pure=False, **same)

    def _tree_sum(self, parts):
        """One future of the elementwise float64 sums of ``parts``' tuples (or of the parts
        of :class:`_Updated` results): pairs of neighbours, level by level."""
        while len(parts) > 1:
            pairs = self._map(_added, parts[0:-1:2], parts[1::2])
            parts = pairs + parts[len(parts) - len(parts) % 2:]
        return parts[0]


def _block_parts(V_b, H_b, start, fn, shared):
    return tuple(fn(V_b, H_b, start, *shared))


class _Updated(NamedTuple):
    """A block's new memberships and its parts to sum (one task's result: the memberships
    are picked out by a task of their own, the parts by the first sums)."""

    H: object
    parts: tuple


def _block_update(V_b, H_b, start, fn, shared):
    H_b, *parts = fn(V_b, H_b, start, *shared)
    return _Updated(H_b, tuple(parts))


def _memberships_of(result):
    return result.H


def _float64(parts):
    if isinstance(parts, _Updated):
        parts = parts.parts
    return tuple(np.asarray(p, dtype=np.float64) for p in parts)


def _added(a, b):
    return tuple(x + y for x, y in zip(_float64(a), _float64(b)))


def project_blocks(V, W, client, *, loss="frobenius", block_size=BLOCK_SIZE):
    """:func:`topicnmf.factor.projection.project` of ``V``'s columns on a fixed ``W``, one task
    per block of ``block_size`` documents: the same memberships as in memory (every column is
    solved on its own), computed on the workers (in this process when ``client`` is None).

    Returns
    -------
    H : ndarray of shape (k, n_documents)
    """
    if client is None:
        return project(V, W, loss=loss)
    V = sp.csc_matrix(V, dtype=np.float64)
    if V.shape[0] != W.shape[0] or V.shape[1] == 0:
        return project(V, W, loss=loss)              # its error, or the empty H
    gram = W.T @ W if loss == "frobenius" else None
    parts = run_tasks(_projected_block, [V[:, a:a + block_size]
                                         for a in range(0, V.shape[1], block_size)],
                      client, shared=(W, loss, gram), name="topicnmf-project")
    return np.hstack(list(parts))


def _projected_block(V_b, shared):
    W, loss, gram = shared
    return project(V_b, W, loss=loss, gram=gram)
