"""masked_nmf: fit on observed cells only, predict the hidden ones."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from topicnmf.errors import InputError
from topicnmf.factor.masked import masked_loss, masked_nmf

FIT = dict(max_iter=3000, tol=1e-8, random_state=0)


def _ratings(seed):
    """A rank-3 non-negative 40 × 30 matrix and a mask hiding 30% of its cells."""
    rng = np.random.default_rng(seed)
    V = rng.random((40, 3)) @ rng.random((3, 30))
    mask = (rng.random(V.shape) >= 0.3).astype(float)
    return V, mask


def _fit_quietly(V, mask, k=3, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return masked_nmf(V, mask, k, **{**FIT, **kwargs})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hidden_cells_are_predicted_better_than_zero_filling(seed):
    V, mask = _ratings(seed)
    hidden = mask == 0
    W, H, _ = _fit_quietly(V, mask)
    rmse_masked = np.sqrt(np.mean((W @ H - V)[hidden] ** 2))
    W0, H0, _ = _fit_quietly(np.where(hidden, 0.0, V), np.ones_like(mask))
    rmse_zero = np.sqrt(np.mean((W0 @ H0 - V)[hidden] ** 2))
    assert rmse_masked < rmse_zero / 10
    assert rmse_masked < 0.05 * V.mean()


def test_same_seed_same_result():
    V, mask = _ratings(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = masked_nmf(V, mask, 3, max_iter=200, random_state=7)
        b = masked_nmf(V, mask, 3, max_iter=200, random_state=7)
        c = masked_nmf(V, mask, 3, max_iter=200, random_state=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    assert not np.array_equal(a[0], c[0])


def test_factors_are_non_negative_and_loss_decreases():
    V, mask = _ratings(1)
    W, H, n_iter = _fit_quietly(V, mask, max_iter=300)
    assert W.shape == (40, 3) and H.shape == (3, 30) and 1 <= n_iter <= 300
    assert W.min() >= 0 and H.min() >= 0
    W1, H1, _ = _fit_quietly(V, mask, max_iter=10)
    assert masked_loss(V, mask, W, H) < masked_loss(V, mask, W1, H1)


def test_hidden_values_do_not_matter():
    V, mask = _ratings(2)
    hidden = mask == 0
    other = V.copy()
    other[hidden] = np.random.default_rng(9).random(hidden.sum()) * 100
    with_nan = np.where(hidden, np.nan, V)
    results = [_fit_quietly(X, mask, max_iter=200) for X in (V, other, with_nan)]
    for W, H, n_iter in results[1:]:
        np.testing.assert_array_equal(W, results[0][0])
        np.testing.assert_array_equal(H, results[0][1])
        assert n_iter == results[0][2]
    W, H, _ = results[0]
    assert masked_loss(V, mask, W, H) == masked_loss(other, mask, W, H)


def test_masked_loss_counts_only_observed_cells():
    V = np.array([[1.0, 2.0], [3.0, 4.0]])
    mask = np.array([[1, 0], [1, 1]])
    W, H = np.ones((2, 1)), np.ones((1, 2))
    assert masked_loss(V, mask, W, H) == pytest.approx(0 + 4 + 9)


def test_stops_early_when_converged_and_warns_otherwise():
    V, mask = _ratings(0)
    V = V + 0.05 * np.random.default_rng(4).random(V.shape)   # noisy: loss settles above 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, _, n_iter = masked_nmf(V, mask, 3, max_iter=5000, tol=1e-3, random_state=0)
    assert n_iter < 5000 and n_iter % 10 == 0
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        masked_nmf(V, mask, 3, max_iter=5, random_state=0)


def test_explicit_init_is_used():
    V, mask = _ratings(0)
    rng = np.random.default_rng(1)
    start = (rng.random((40, 3)), rng.random((3, 30)))
    a = _fit_quietly(V, mask, init=start, max_iter=50)
    b = _fit_quietly(V, mask, init=start, max_iter=50, random_state=123)
    np.testing.assert_array_equal(a[0], b[0])


def _bad(V=None, mask=None, k=2, **kwargs):
    V = np.ones((4, 5)) if V is None else V
    mask = np.ones((4, 5)) if mask is None else mask
    return lambda: masked_nmf(V, mask, k, **kwargs)


def _with(value, i, j, base=None):
    A = np.ones((4, 5)) if base is None else base.copy()
    A[i, j] = value
    return A


def _mask_without(row=None, col=None):
    M = np.ones((4, 5))
    if row is not None:
        M[row] = 0
    if col is not None:
        M[:, col] = 0
    return M


@pytest.mark.parametrize("call, match", [
    (_bad(mask=np.ones((5, 4))), "shape"),
    (_bad(V=_with(-1.0, 2, 3)), r"row 2, column 3.*negative"),
    (_bad(V=_with(np.nan, 1, 4)), r"row 1, column 4"),
    (_bad(V=_with(np.inf, 0, 0)), r"row 0, column 0"),
    (_bad(mask=_mask_without(row=3)), "row 3 has no observed cell"),
    (_bad(mask=_mask_without(col=1)), "column 1 has no observed cell"),
    (_bad(mask=_with(2, 1, 2)), r"mask\[1, 2\]"),
    (_bad(k=0), "k"),
    (_bad(k=1.5), "k"),
    (_bad(max_iter=0), "max_iter"),
    (_bad(tol=-1.0), "tol"),
    (_bad(init="nndsvd"), "init"),
    (_bad(init=(np.ones((4, 3)), np.ones((2, 5)))), "W_init"),
    (lambda: masked_loss(np.ones((4, 5)), np.ones((4, 5)), np.ones((5, 2)), np.ones((2, 5))),
     "do not multiply"),
])
def test_bad_inputs_raise_input_error(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_negative_value_on_hidden_cell_is_allowed():
    V = _with(-5.0, 0, 0, base=np.random.default_rng(0).random((4, 5)) + 0.1)
    mask = _with(0, 0, 0)
    W, H, _ = _fit_quietly(V, mask, k=2, max_iter=50)
    assert np.all(np.isfinite(W @ H))
