"""Blocks of documents (topicnmf.factor.blocks) and the start computed over them
(topicnmf.factor.start): the same sums and memberships however the documents are split, and the
NNDSVD start against scikit-learn's on the same matrix."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf.factor.blocks import InMemoryBlocks
from topicnmf.factor.blocks import squared_norm
from topicnmf.factor.hals import solve_blocks
from topicnmf.factor.start import initialize, leading_subspace, start_blocks


def column_sums(V_b, H_b, start):
    return (np.asarray(V_b.sum(axis=0)).ravel() @ np.ones(V_b.shape[1]), V_b @ np.ones(V_b.shape[1]))


def first_documents(V_b, H_b, start, k):
    """Memberships that say where each document is: k rows of its index."""
    H = np.tile(np.arange(start, start + V_b.shape[1], dtype=V_b.dtype), (k, 1))
    return H, np.asarray(V_b.shape[1])


@pytest.fixture(scope="module")
def V(tickets_model):
    return tickets_model.V_[:, :700].tocsc()


@pytest.mark.parametrize("block_size", [1, 64, 700, 5000])
def test_sums_and_memberships_do_not_depend_on_the_block_size(V, block_size):
    blocks = InMemoryBlocks(V, block_size=block_size)
    total, row_sums = blocks.sum(column_sums)
    assert total == pytest.approx(V.sum(), rel=1e-5)
    np.testing.assert_allclose(row_sums, np.asarray(V.sum(axis=1)).ravel(), rtol=1e-4)
    (count,) = blocks.update(first_documents, 3)
    assert count == V.shape[1]
    np.testing.assert_array_equal(blocks.memberships()[1], np.arange(V.shape[1]))
    assert blocks.n_blocks == -(-V.shape[1] // block_size)
    assert float(blocks.sum(squared_norm)[0]) == pytest.approx(V.multiply(V).sum(), rel=1e-5)


def test_assign_splits_a_full_membership_matrix(V):
    blocks = InMemoryBlocks(V, block_size=100)
    H = np.random.default_rng(0).random((4, V.shape[1]))
    blocks.assign(H)
    assert [h.shape[1] for h in blocks.H_blocks] == [100] * 7
    np.testing.assert_allclose(blocks.memberships(), H, rtol=1e-7)


def test_leading_subspace_finds_the_singular_values(V):
    """The randomized subspace over blocks against a dense SVD of the same matrix (tf-idf's
    singular values lie close together: 7 iterations give them to 0.5%, 60 to 1e-6)."""
    exact = np.linalg.svd(V.toarray(), compute_uv=False)[:5]
    blocks = InMemoryBlocks(V, block_size=128, dtype=np.float64)
    for n_iter, rtol in ((7, 5e-3), (60, 1e-6)):
        _, _, S = leading_subspace(blocks, 5, n_iter=n_iter, random_state=0)
        np.testing.assert_allclose(S, exact, rtol=rtol)


def test_nndsvd_start_is_scikit_learns_on_the_same_matrix():
    """NNDSVD (zeros kept) from the exact leading singular vectors is unique up to the sign
    choice, which both make the same way: scikit-learn's start of Vᵀ is the transpose of ours.
    (A matrix with separated singular values, so both randomized SVDs converge.)"""
    from sklearn.decomposition._nmf import _initialize_nmf

    rng = np.random.default_rng(0)
    V = rng.random((60, 5)) ** 4 @ rng.random((5, 80)) ** 4 + 0.01 * rng.random((60, 80))
    W, H = initialize(V, 5, "nndsvd", random_state=0)
    H_sk, W_sk = _initialize_nmf(V.T, 5, init="nndsvd", random_state=0)
    np.testing.assert_allclose(W, W_sk.T, atol=1e-6)
    np.testing.assert_allclose(H, H_sk.T, atol=1e-6)


@pytest.mark.parametrize("init", ["nndsvda", "nndsvd", "nndsvdar", "random"])
def test_start_is_the_same_for_any_block_size_and_seeded(V, init):
    one, many = (InMemoryBlocks(V, block_size=size, dtype=np.float64) for size in (700, 50))
    W1, W2 = (start_blocks(b, 6, init, random_state=3) for b in (one, many))
    if init in ("nndsvdar", "random"):      # the fill is drawn per block: seeded, not shared
        np.testing.assert_array_equal(W1 > 0, W2 > 0)
        again = InMemoryBlocks(V, block_size=50, dtype=np.float64)
        np.testing.assert_array_equal(start_blocks(again, 6, init, random_state=3), W2)
        np.testing.assert_array_equal(again.memberships(), many.memberships())
        return
    np.testing.assert_allclose(W1, W2, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(one.memberships(), many.memberships(), rtol=1e-7, atol=1e-12)
    assert (W1 >= 0).all() and (one.memberships() >= 0).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_solve_blocks_is_hals_on_any_blocks_object(V):
    """The solver loop only talks to the blocks object: a fit over blocks equals hals_nmf."""
    from topicnmf.factor.hals import hals_nmf

    W, H, n_iter = hals_nmf(V, 4, random_state=0, block_size=100, max_iter=30, tol=0)
    W2, H2, n2 = solve_blocks(InMemoryBlocks(sp.csc_matrix(V), block_size=100), 4,
                              random_state=0, max_iter=30, tol=0)
    assert n_iter == n2 == 30
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(H, H2)
