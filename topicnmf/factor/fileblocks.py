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

    def __init__(self, paths, shape, starts=None):
        self.paths = [Path(p) for p in paths]
        self.shape = tuple(int(n) for n in shape)
        if starts is None:
            widths = [read_block(p).shape[1] for p in self.paths]
            starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).tolist()
        self.starts = [int(a) for a in starts]
        self.H_blocks = [None] * len(self.paths)

    @property
    def n_blocks(self):
        """Number of blocks."""
        return len(self.paths)

    def block(self, b) -> sp.csc_matrix:
        """Block ``b`` of ``V``, read from its file."""
        V_b = read_block(self.paths[b])
        if V_b.shape[0] != self.shape[0]:
            raise InputError(f"{self.paths[b]}: block has {V_b.shape[0]} terms, expected "
                             f"{self.shape[0]}; the work folder is from another fit, remove it")
        return V_b

    def sum(self, fn, *args):
        """``Σ_b fn(V_b, H_b, start_b, *args)`` for a tuple of arrays, summed in float64 in
        block order."""
        return summed(fn(self.block(b), H_b, start, *args)
                      for b, (H_b, start) in enumerate(zip(self.H_blocks, self.starts)))

    def update(self, fn, *args):
        """Run ``H_b, *parts = fn(V_b, H_b, start_b, *args)`` on every block, keep each new
        ``H_b`` and return the float64 sums of ``parts``."""
        def run():
            for b, (H_b, start) in enumerate(zip(self.H_blocks, self.starts)):
                H_b, *parts = fn(self.block(b), H_b, start, *args)
                self.H_blocks[b] = np.asarray(H_b, dtype=self.dtype)
                yield parts
        return summed(run())

    def assign(self, H):
        """Set the memberships from a full ``H`` (k × n_documents), split by block."""
        ends = self.starts[1:] + [self.shape[1]]
        self.H_blocks = [np.array(H[:, a:e], dtype=self.dtype, order="C")
                         for a, e in zip(self.starts, ends)]

    def memberships(self):
        """The memberships ``H`` (k × n_documents), the blocks side by side."""
        return np.hstack(self.H_blocks)
