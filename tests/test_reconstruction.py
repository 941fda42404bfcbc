"""Every answer of Reconstruction must equal the same computation on the dense ``W @ H``."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf.errors import InputError
from topicnmf.reconstruction.ranking import top_n
from topicnmf.reconstruction.scores import Reconstruction
from topicnmf.reconstruction.similarity import (DEFAULT_BLEND, LexicalIndex, blended_similarity,
                                                lexical_similarity, similar_documents)

TOL = dict(rtol=1e-10, atol=1e-10)


def _factors(variant="plain"):
    rng = np.random.default_rng(0)
    W, H = rng.random((30, 4)), rng.random((4, 25))
    if variant == "duplicate":            # G singular: two identical topics
        W[:, 3] = W[:, 0]
    elif variant == "zero":               # G singular: an empty topic, and an empty document
        W[:, 3] = 0.0
        H[:, 7] = [0.0, 0.0, 0.0, 2.5]
    return W, H


def _corpus(fmt="csc"):
    V = sp.random(30, 25, density=0.3, random_state=1, format="csc")
    V = V.toarray()
    V[:, 11] = 0.0                          # an empty document
    return {"csc": sp.csc_matrix(V), "csr": sp.csr_matrix(V), "dense": V}[fmt]


def _unit_cols(A):
    n = np.linalg.norm(A, axis=0)
    return np.divide(A, n, out=np.zeros_like(A), where=n > 0)


@pytest.fixture(params=["plain", "duplicate", "zero"])
def case(request):
    W, H = _factors(request.param)
    return Reconstruction(W, H), W @ H


def test_column_and_row_match_dense(case):
    recon, D = case
    for j in (0, 7, 24):
        np.testing.assert_allclose(recon.column(j), D[:, j], **TOL)
        np.testing.assert_allclose(recon.column_for(recon.H[:, j]), D[:, j], **TOL)
    for t in (0, 13, 29):
        np.testing.assert_allclose(recon.row(t), D[t], **TOL)


def test_embeddings_reproduce_inner_products(case):
    recon, D = case
    Z, Y = recon.document_embedding(), recon.term_embedding()
    assert Z.shape == (4, 25) and Y.shape == (30, 4)
    np.testing.assert_allclose(Z.T @ Z, D.T @ D, **TOL)
    np.testing.assert_allclose(Y @ Y.T, D @ D.T, **TOL)
    Zn = recon.document_embedding(normalized=True)
    np.testing.assert_allclose(Zn.T @ Zn, _unit_cols(D).T @ _unit_cols(D), **TOL)


@pytest.mark.parametrize("j", [0, 7, 24])
def test_column_cosines_and_ranking_match_dense(case, j):
    recon, D = case
    Dn = _unit_cols(D)
    expected = Dn.T @ Dn[:, j]
    np.testing.assert_allclose(recon.column_similarity(j), expected, **TOL)
    assert not np.any(np.isnan(recon.column_similarity(j)))
    idx, scores = recon.similar_columns(j, top=5)
    dense_rank = [i for i in np.lexsort((np.arange(25), -np.round(expected, 12))) if i != j][:5]
    np.testing.assert_array_equal(idx, dense_rank)
    np.testing.assert_allclose(scores, expected[idx], **TOL)
    idx_h, scores_h = recon.similar_columns(recon.H[:, j], top=5)   # membership query
    np.testing.assert_allclose(scores_h, (Dn.T @ Dn[:, j])[idx_h], **TOL)


@pytest.mark.parametrize("t", [0, 13, 29])
def test_term_similarity_matches_dense(case, t):
    recon, D = case
    Dr = _unit_cols(D.T)
    expected = Dr.T @ Dr[:, t]
    np.testing.assert_allclose(recon.row_similarity(t), expected, **TOL)
    idx, scores = recon.similar_rows(t, top=4)
    assert t not in idx and len(idx) == 4
    np.testing.assert_allclose(scores, expected[idx], **TOL)
    assert np.all(np.diff(scores) <= 1e-12)
    np.testing.assert_allclose(recon.row_similarity(recon.W[t]), expected, **TOL)


def test_empty_reconstruction_has_zero_cosine():
    recon = Reconstruction(*_factors("zero"))
    sims = recon.column_similarity(7)
    assert np.all(sims == 0.0)
    assert recon.column_similarity(0)[7] == 0.0
    assert np.all(recon.column_similarity(np.zeros(4)) == 0.0)


@pytest.mark.parametrize("fmt", ["csc", "csr", "dense"])
def test_column_errors_match_dense(case, fmt):
    recon, D = case
    V = _corpus(fmt)
    Vd = _corpus("dense")
    expected = np.linalg.norm(Vd - D, axis=0) ** 2
    np.testing.assert_allclose(recon.column_errors(V), expected, **TOL)
    norms = np.linalg.norm(Vd, axis=0)
    rel = np.divide(np.sqrt(expected), norms, out=np.zeros(25), where=norms > 0)
    got = recon.column_errors(V, relative=True)
    np.testing.assert_allclose(got, rel, **TOL)
    assert got[11] == 0.0


def test_column_errors_clip_rounding_to_zero():
    W, H = _factors()
    recon = Reconstruction(W, H)
    errors = recon.column_errors(W @ H)
    assert np.all(errors >= 0) and np.all(errors < 1e-12)


@pytest.mark.parametrize("fmt", ["csc", "csr", "dense"])
@pytest.mark.parametrize("j", [0, 5, 11])
def test_lexical_cosine_matches_dense(fmt, j):
    Vd = _corpus("dense")
    Vn = _unit_cols(Vd)
    np.testing.assert_allclose(lexical_similarity(_corpus(fmt), j), Vn.T @ Vn[:, j], **TOL)
    v = Vd[:, j] * 3.0
    np.testing.assert_allclose(lexical_similarity(_corpus(fmt), v), Vn.T @ Vn[:, j], **TOL)
    if fmt != "dense":
        np.testing.assert_allclose(lexical_similarity(_corpus(fmt), sp.csr_matrix(v)),
                                   Vn.T @ Vn[:, j], **TOL)


@pytest.mark.parametrize("blend", [0.0, 0.4, DEFAULT_BLEND, 1.0])
def test_blended_similarity_matches_dense(case, blend):
    recon, D = case
    Vd = _corpus("dense")
    latent = _unit_cols(D).T @ _unit_cols(D)[:, 3]
    lexical = _unit_cols(Vd).T @ _unit_cols(Vd)[:, 3]
    b, lat, lex = blended_similarity(recon, _corpus(), 3, blend=blend)
    np.testing.assert_allclose(lat, latent, **TOL)
    np.testing.assert_allclose(lex, lexical, **TOL)
    np.testing.assert_allclose(b, blend * latent + (1 - blend) * lexical, **TOL)
    res = similar_documents(recon, LexicalIndex(_corpus()), 3, top=6, blend=blend)
    assert 3 not in res.indices and len(res.indices) == 6
    np.testing.assert_allclose(res.score, b[res.indices], **TOL)
    np.testing.assert_allclose(res.latent, latent[res.indices], **TOL)
    np.testing.assert_allclose(res.lexical, lexical[res.indices], **TOL)
    assert np.all(res.score[:-1] >= res.score[1:])


def test_blended_query_for_new_text_matches_index_query():
    recon = Reconstruction(*_factors())
    V = _corpus("dense")
    by_index = blended_similarity(recon, V, 4)
    by_vectors = blended_similarity(recon, V, (V[:, 4], recon.H[:, 4]))
    for a, b in zip(by_index, by_vectors):
        np.testing.assert_allclose(a, b, **TOL)


def test_sparse_and_dense_corpora_agree():
    recon = Reconstruction(*_factors())
    results = [similar_documents(recon, _corpus(fmt), 2, top=8) for fmt in ("csc", "csr", "dense")]
    for other in results[1:]:
        np.testing.assert_array_equal(other.indices, results[0].indices)
        for name in ("score", "latent", "lexical"):
            np.testing.assert_allclose(getattr(other, name), getattr(results[0], name),
                                       rtol=1e-13, atol=1e-13)


def test_near_duplicate_document_is_ranked_first():
    W, H = _factors()
    rng = np.random.default_rng(5)
    j = 9
    H2 = np.column_stack([H, H[:, j] * (1 + 1e-6 * rng.random(4))])
    idx, scores = Reconstruction(W, H2).similar_columns(j, top=3)
    assert idx[0] == H2.shape[1] - 1
    assert scores[0] > 1 - 1e-9


def test_top_n_ties_and_exclude():
    scores = np.array([0.5, 0.9, 0.5, 0.9, 0.1, 0.5, np.nan])
    np.testing.assert_array_equal(top_n(scores, 4), [1, 3, 0, 2])
    np.testing.assert_array_equal(top_n(scores, 3, exclude=[1, 0]), [3, 2, 5])
    mask = np.zeros(7, dtype=bool)
    mask[[3, 2]] = True
    np.testing.assert_array_equal(top_n(scores, 3, exclude=mask), [1, 0, 5])
    np.testing.assert_array_equal(top_n(scores, 10), [1, 3, 0, 2, 5, 4, 6])
    assert top_n(scores, 0).size == 0
    assert top_n(scores, 5, exclude=np.ones(7, dtype=bool)).size == 0
    assert np.isnan(scores[6])                              # the caller's array is untouched


def test_top_n_matches_full_sort_on_large_array():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 50, 5000).astype(float)      # many ties
    expected = np.lexsort((np.arange(5000), -scores))[:100]
    np.testing.assert_array_equal(top_n(scores, 100), expected)


def test_similar_columns_exclude_and_include_self():
    recon = Reconstruction(*_factors())
    idx, _ = recon.similar_columns(4, top=25, exclude=[0, 1])
    assert set(idx) == set(range(25)) - {0, 1, 4}
    idx, scores = recon.similar_columns(4, top=1, include_self=True)
    assert idx[0] == 4 and scores[0] == pytest.approx(1.0)


@pytest.mark.parametrize("call, match", [
    (lambda: Reconstruction(-np.ones((3, 2)), np.ones((2, 4))), "negative"),
    (lambda: Reconstruction(np.ones((3, 2)), np.ones((3, 4))), "terms × k"),
    (lambda: Reconstruction(np.full((3, 2), np.nan), np.ones((2, 4))), "finite"),
    (lambda: Reconstruction(np.ones(3), np.ones((1, 4))), "2-D"),
    (lambda: Reconstruction(*_factors()).column(25), "document index 25"),
    (lambda: Reconstruction(*_factors()).row(-1), "term index -1"),
    (lambda: Reconstruction(*_factors()).column(1.0), "document index"),
    (lambda: Reconstruction(*_factors()).column_for(np.ones(3)), "3 entries but 4"),
    (lambda: Reconstruction(*_factors()).similar_columns(np.ones(5)), "5 entries but 4"),
    (lambda: Reconstruction(*_factors()).column_errors(_corpus().T), "transpose"),
    (lambda: Reconstruction(*_factors()).similar_columns(0, exclude=[30]), "exclude"),
    (lambda: blended_similarity(Reconstruction(*_factors()), _corpus(), 0, blend=1.5), "blend"),
    (lambda: similar_documents(Reconstruction(*_factors()), _corpus().T, 0), "terms × documents"),
    (lambda: similar_documents(Reconstruction(*_factors()), _corpus(), "x"), "query"),
    (lambda: lexical_similarity(_corpus(), np.ones(29)), "29 entries but 30"),
    (lambda: top_n(np.ones(3), -1), "non-negative integer"),
    (lambda: top_n(np.ones(3), 2, exclude=np.ones(2, dtype=bool)), "length 3"),
])
def test_bad_inputs_raise_input_error(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_with_memberships_answers_like_a_new_reconstruction(case):
    recon, D = case
    W, H = recon.W, recon.H
    H2 = np.random.default_rng(3).random((W.shape[1], 6))
    H2[:, 2] = 0.0
    shared = recon.with_memberships(H2)
    fresh = Reconstruction(W, H2)
    V = _corpus()[:, :6]
    assert shared.W is recon.W and shared.gram is recon.gram and shared.n_documents == 6
    np.testing.assert_allclose(shared.column_errors(V, relative=True),
                               fresh.column_errors(V, relative=True), **TOL)
    np.testing.assert_allclose(shared.column_similarity(1), fresh.column_similarity(1), **TOL)
    np.testing.assert_allclose(shared.row(3), W[3] @ H2, **TOL)
    np.testing.assert_allclose(shared.term_embedding() @ shared.term_embedding().T,
                               (W @ H2) @ (W @ H2).T, **TOL)
    assert recon.n_documents == H.shape[1]                    # the original is unchanged
    np.testing.assert_allclose(recon.row(3), W[3] @ H, **TOL)
    with pytest.raises(InputError, match="H has 3 rows"):
        recon.with_memberships(H2[:3])
