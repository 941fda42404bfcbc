"""Blocks of documents stored in files: the blocks protocol of :mod:`topicnmf.factor.blocks`
out of core.

Each block of ``V``'s columns is one uncompressed ``.npz`` file (a float32 CSC matrix: its
``data``, ``indices``, ``indptr`` and ``shape``), written once by the vectorizing pass
(:func:`write_block`) and read again at every pass of the solver, one block at a time: memory
holds one block of ``V`` and the memberships ``H`` (k × documents, float32), never all of
``V``. Block functions run in block order and their results are summed in float64, as
:class:`~topicnmf.factor.blocks.InMemoryBlocks` does, so the same blocks give the same
factors in memory and out of core.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..io.files import temp_file_for
from .blocks import summed


def write_block(path, V_block) -> Path:
    """Write a block of ``V`` (terms × n_b, made float32 CSC) to ``path`` atomically."""
    path = Path(path)
    V_block = sp.csc_matrix(V_block, dtype=np.float32)
    tmp = temp_file_for(path)
    try:
        with open(tmp, "wb") as f:
            np.savez(f, data=V_block.data, indices=V_block.indices, indptr=V_block.indptr,
                     shape=np.asarray(V_block.shape, dtype=np.int64))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_block(path) -> sp.csc_matrix:
    """The block stored at ``path`` by :func:`write_block`.

    Raises
    ------
    InputError
        The file is missing or damaged (a work folder removed or changed during a fit).
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            data, indices, indptr = npz["data"], npz["indices"], npz["indptr"]
            shape = tuple(int(n) for n in npz["shape"])
        return sp.csc_matrix((data, indices, indptr), shape=shape, copy=False)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise InputError(f"{path}: block of the work folder is missing or damaged "
                         f"({exc.__class__.__name__}); run again without it (the work "
                         "folder is rebuilt)") from None


CHUNK_BLOCKS = 8    # blocks summed together first: the order of the sums does not depend on jobs


class BlockStore:
    """Some blocks of ``V`` in files and their memberships in memory: what one process holds
    (the whole of :class:`FileBlocks` with one job, a share of it in each worker otherwise).

    :meth:`run` applies a block function to the blocks of one chunk (consecutive blocks, in
    order) and returns their float64 sum, keeping new memberships for ``'update'``.
    """

    def __init__(self, paths, starts, n_terms, column_scale=None):
        self.paths, self.starts, self.n_terms = paths, starts, n_terms
        self.column_scale = column_scale
        self.H = {}

    def block(self, b) -> sp.csc_matrix:
        V_b = read_block(self.paths[b])
        if V_b.shape[0] != self.n_terms:
            raise InputError(f"{self.paths[b]}: block has {V_b.shape[0]} terms, expected "
                             f"{self.n_terms}; the work folder is from another fit, remove it")
        if self.column_scale is not None:
            a = self.starts[b]
            scale = self.column_scale[a:a + V_b.shape[1]]
            V_b.data = (V_b.data * np.repeat(scale, np.diff(V_b.indptr))).astype(V_b.dtype)
        return V_b

    def run(self, op, chunk, fn, args):
        if op == "sum":
            return summed(fn(self.block(b), self.H.get(b), self.starts[b], *args)
                          for b in chunk)

        def updates():
            for b in chunk:
                H_b, *parts = fn(self.block(b), self.H.get(b), self.starts[b], *args)
                self.H[b] = np.asarray(H_b, dtype=np.float32)
                yield parts
        return summed(updates())


def _serve(connection, paths, starts, n_terms, column_scale):
    """A worker process of :class:`FileBlocks`: runs what the parent sends on its chunks."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    store = BlockStore(paths, starts, n_terms, column_scale)
    try:
        while True:
            op, chunks, payload = connection.recv()
            try:
                if op == "close":
                    return
                if op == "assign":
                    store.H.update(payload)
                    answer = None
                elif op == "memberships":
                    answer = {b: store.H[b] for chunk in chunks for b in chunk}
                else:
                    answer = [store.run(op, chunk, *payload) for chunk in chunks]
                connection.send(("ok", answer))
            except Exception as exc:          # noqa: BLE001 (sent to the parent, raised there)
                connection.send(("error", exc))
    except (KeyboardInterrupt, EOFError):
        return


class FileBlocks:
    """``V``'s columns as blocks stored in files (:func:`write_block`), read one at a time.

    Parameters
    ----------
    paths : list of str or Path
        The block files, in document order.
    shape : (int, int)
        ``(n_terms, n_documents)`` of all blocks side by side.
    starts : list of int, optional
        Index of each block's first document (by default from the blocks' widths, which
        reads each file once).
    jobs : int
        Processes that hold the blocks' memberships and run the block functions, each on its
        share of the chunks (groups of ``CHUNK_BLOCKS`` consecutive blocks). A chunk's blocks
        are summed in order, then the chunks in order, so the sums do not depend on ``jobs``.
        Use it as a context manager (or call :meth:`close`) to end the workers.
    column_scale : array of shape (n_documents,), optional
        Each document's column is multiplied by it as its block is read: the blocks of a
        weighted fit (:func:`topicnmf.factor.weights.for_weighted_fit`'s ``scale``), while the
        files keep ``V`` itself.

    The memberships ``H`` of each block are kept in memory (k × n_b float32: 200 MB for a
    million documents at k = 50), the blocks of ``V`` are read again at every pass.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> paths = [write_block(folder / f"{b}.npz", np.eye(3)[:, b:b + 2]) for b in (0, 2)]
    >>> blocks = FileBlocks(paths, (3, 3))
    >>> blocks.starts, [float(x) for x in blocks.sum(lambda V_b, H_b, start: (V_b.sum(),))]
    ([0, 2], [3.0])
    """

    dtype = np.dtype(np.float32)

    def __init__(self, paths, shape, starts=None, jobs=1, column_scale=None):
        self.paths = [Path(p) for p in paths]
        self.shape = tuple(int(n) for n in shape)
        if starts is None:
            widths = [read_block(p).shape[1] for p in self.paths]
            starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).tolist()
        self.starts = [int(a) for a in starts]
        n = len(self.paths)
        self.chunks = [range(a, min(a + CHUNK_BLOCKS, n)) for a in range(0, n, CHUNK_BLOCKS)]
        self.column_scale = (None if column_scale is None
                             else np.asarray(column_scale, dtype=np.float64))
        self._store = BlockStore(self.paths, self.starts, self.shape[0], self.column_scale)
        self._workers = self._start(min(int(jobs), len(self.chunks)))

    def _start(self, jobs):
        """``(process, connection, chunk numbers)`` of each worker (none for one job)."""
        if jobs <= 1:
            return []
        import multiprocessing

        # Spawned, not forked: a worker holds its blocks' memberships and nothing of this
        # process (after the first passes it holds the corpus's ids and terms).
        ctx = multiprocessing.get_context("spawn")
        workers = []
        for w in range(jobs):
            mine = list(range(len(self.chunks)))[w * len(self.chunks) // jobs:
                                                  (w + 1) * len(self.chunks) // jobs]
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(child, self.paths, self.starts,
                                                       self.shape[0], self.column_scale),
                                  daemon=True)
            process.start()
            child.close()
            workers.append((process, parent, mine))
        return workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End the worker processes (the memberships they held are gone)."""
        for process, connection, _ in self._workers:
            try:
                connection.send(("close", [], None))
            except OSError:
                pass
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
            connection.close()
        self._workers = []

    def _ask(self, op, payload, per_worker=None):
        """Send ``op`` to every worker; their answers, in worker order."""
        for w, (_, connection, mine) in enumerate(self._workers):
            data = payload if per_worker is None else per_worker[w]
            connection.send((op, [self.chunks[c] for c in mine], data))
        answers = []
        for process, connection, _ in self._workers:
            try:
                status, answer = connection.recv()
            except EOFError:
                raise RuntimeError(f"a worker of the blocks ended (exit code "
                                   f"{process.exitcode})") from None
            if status == "error":
                raise answer
            answers.append(answer)
        return answers

    @property
    def n_blocks(self):
        """Number of blocks."""
        return len(self.paths)

    def _run(self, op, fn, args):
        if not self._workers:
            parts = [self._store.run(op, chunk, fn, args) for chunk in self.chunks]
        else:
            parts = [p for answer in self._ask(op, (fn, args)) for p in answer]
        return summed(parts)

    def sum(self, fn, *args):
        """``Σ_b fn(V_b, H_b, start_b, *args)`` for a tuple of arrays, summed in float64 (the
        blocks of each chunk in order, then the chunks in order)."""
        return self._run("sum", fn, args)

    def update(self, fn, *args):
        """Run ``H_b, *parts = fn(V_b, H_b, start_b, *args)`` on every block, keep each new
        ``H_b`` and return the float64 sums of ``parts``."""
        return self._run("update", fn, args)

    def assign(self, H):
        """Set the memberships from a full ``H`` (k × n_documents), split by block."""
        ends = self.starts[1:] + [self.shape[1]]
        split = {b: np.array(H[:, a:e], dtype=self.dtype, order="C")
                 for b, (a, e) in enumerate(zip(self.starts, ends))}
        if not self._workers:
            self._store.H = split
            return
        self._ask("assign", None, [{b: split[b] for c in mine for b in self.chunks[c]}
                                   for _, _, mine in self._workers])

    def memberships(self):
        """The memberships ``H`` (k × n_documents), the blocks side by side."""
        held = self._store.H
        if self._workers:
            held = {b: H_b for answer in self._ask("memberships", None)
                    for b, H_b in answer.items()}
        return np.hstack([held[b] for b in range(self.n_blocks)])
