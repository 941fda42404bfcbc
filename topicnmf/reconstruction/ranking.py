"""Checks of the factors and queries, and the top-n ranking every query shares."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InputError


def as_array(x, name, ndim, length=None, nonneg=False):
    """Validated float64 copy of a factor (ndim=2) or query vector (ndim=1, raveled); a
    read-only float64 array (e.g. memory-mapped from a saved model) is used as it is, since
    nobody can change it."""
    try:
        if isinstance(x, np.ndarray) and x.dtype == np.float64 and not x.flags.writeable:
            x = np.asarray(x)
        else:
            x = np.array(x.toarray() if sp.issparse(x) else x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not numeric; pass an array of numbers") from None
    x = x.ravel() if ndim == 1 else x
    if x.ndim != ndim:
        raise InputError(f"{name} has {x.ndim} dimension(s); pass a {ndim}-D array")
    if length is not None and x.size != length:
        raise InputError(f"{name} has {x.size} entries but {length} are needed; "
                         "check that it belongs to this model")
    if not np.all(np.isfinite(x)) or (nonneg and x.size and x.min() < 0):
        kind = "finite and non-negative" if nonneg else "finite"
        raise InputError(f"{name} has invalid entries; all values must be {kind}")
    return x


def is_index(q):
    return isinstance(q, (int, np.integer)) and not isinstance(q, (bool, np.bool_))


def check_index(i, n, what):
    if not is_index(i) or not 0 <= i < n:
        raise InputError(f"{what} index {i!r} is invalid; pass an integer 0 <= index < {n}")
    return int(i)


def data_matrix(V, shape=None):
    """V as CSR/CSC float64 or a dense float64 array, checked for shape and finiteness."""
    if sp.issparse(V):
        V = (V if V.format in ("csr", "csc") else V.tocsc()).astype(np.float64, copy=False)
        values = V.data
    else:
        V = values = as_array(V, "V", 2)
    if shape is not None and V.shape != shape:
        raise InputError(f"V has shape {V.shape} but the factors give {shape}; pass V as "
                         "terms × documents (transpose it if it is documents × terms)")
    if not np.all(np.isfinite(values)):
        raise InputError("V contains NaN or infinite values; pass finite numbers")
    return V


def squared_column_norms(V) -> np.ndarray:
    """``‖v_j‖²`` of every column of a sparse or dense ``V``, shape (n_columns,)."""
    if sp.issparse(V) and V.format == "csc":        # without a copy of V
        squares = np.zeros(V.nnz + 1)              # one 0 past the end: the empty last columns
        np.square(V.data, out=squares[:-1], dtype=np.float64)
        sums = np.add.reduceat(squares, V.indptr[:-1])
        sums[np.diff(V.indptr) == 0] = 0.0
        return sums
    if sp.issparse(V):
        return np.asarray(V.multiply(V).sum(axis=0)).ravel()
    return np.einsum("tj,tj->j", V, V)


def drop_mask(n, exclude=None, self_index=None):
    """Boolean mask of length ``n`` from an index array or mask, plus ``self_index``."""
    if exclude is None and self_index is None:
        return None
    arr = np.asarray([] if exclude is None else exclude)
    if arr.dtype == bool and arr.shape != (n,):
        raise InputError(f"exclude mask has shape {arr.shape}; pass a boolean mask of "
                         f"length {n} or an array of indices")
    if arr.dtype != bool and arr.size and (not np.issubdtype(arr.dtype, np.integer)
                                           or arr.min() < 0 or arr.max() >= n):
        raise InputError(f"exclude must hold integer indices in [0, {n}) or be a boolean "
                         "mask; fix the indices")
    if arr.dtype == bool:
        drop = arr.copy()
    else:
        drop = np.zeros(n, dtype=bool)
        drop[arr.ravel().astype(np.intp)] = True
    if self_index is not None:
        drop[self_index] = True
    return drop


def top_n(scores, n, exclude=None):
    """Indices of the ``n`` largest scores, best first, via ``np.argpartition``.

    Ties are deterministic: higher score first, then lower index. NaN ranks last.

    Parameters
    ----------
    scores : array_like of shape (n_items,)
    n : int
        How many to return (fewer if fewer items remain after ``exclude``).
    exclude : array_like of int, or bool mask of shape (n_items,), optional
        Items never to return (e.g. already seen).

    Returns
    -------
    indices : ndarray of int of shape (min(n, n_kept),)
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise InputError(f"scores has {scores.ndim} dimensions; pass a 1-D array")
    if not is_index(n) or n < 0:
        raise InputError(f"n={n!r} is not a non-negative integer; pass how many items to return")
    drop = drop_mask(scores.size, exclude)
    idx = np.arange(scores.size) if drop is None else np.flatnonzero(~drop)
    vals = scores[idx]
    vals[np.isnan(vals)] = -np.inf
    n = min(int(n), idx.size)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if n < idx.size:
        kth = vals[np.argpartition(vals, idx.size - n)[idx.size - n]]   # n-th largest value
        above = np.flatnonzero(vals > kth)
        keep = np.concatenate([above, np.flatnonzero(vals == kth)[: n - above.size]])
        idx, vals = idx[keep], vals[keep]                                # ties: lowest index
    return idx[np.lexsort((idx, -vals))]



def best(scores, query, top, exclude, include_self):
    me = None if include_self or not is_index(query) else int(query)
    idx = top_n(scores, top, drop_mask(scores.size, exclude, me))
    return idx, scores[idx]
