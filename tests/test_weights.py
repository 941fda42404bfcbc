"""Near-duplicate weights of the fit (topicnmf.factor.weights), on the shipped corpora."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import InputError, TopicModel, load_corpus
from topicnmf.factor.weights import (duplicate_weights, near_duplicate_counts,
                                     weighted_columns)


@pytest.fixture(scope="module")
def changelog_matrix():
    """tf-idf of the shipped changelog entries: many near-identical ones ("New upstream
    release.")."""
    corpus = load_corpus("corpora/changelogs.jsonl.gz")
    return TopicModel(5, near_duplicates=None).fit(corpus).V_


def brute_force_counts(V, threshold):
    X = V.T.tocsr().astype(np.float64)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ X
    S = (X @ X.T).toarray()
    np.fill_diagonal(S, 0.0)
    return 1 + (S >= threshold - 1e-9).sum(axis=1)


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.95, 1.0])
def test_prefix_filtering_finds_every_pair_the_brute_force_finds(changelog_matrix, threshold):
    counts = near_duplicate_counts(changelog_matrix, threshold)
    np.testing.assert_array_equal(counts, brute_force_counts(changelog_matrix, threshold))
    assert counts.max() > 10                          # the corpus does have families


def test_the_input_is_left_as_it_was(changelog_matrix):
    V = changelog_matrix.copy()
    near_duplicate_counts(V, 0.9)
    assert (V != changelog_matrix).nnz == 0 and (V.indices == changelog_matrix.indices).all()


def test_identical_and_empty_documents():
    V = sp.csc_matrix(np.array([[1.0, 2.0, 0.0, 0.0, 1.0],
                                [1.0, 2.0, 0.0, 0.0, 0.0],
                                [0.0, 0.0, 3.0, 0.0, 0.0]]))
    assert near_duplicate_counts(V, 1.0).tolist() == [2, 2, 1, 1, 1]
    assert duplicate_weights(V, 1.0).tolist() == [0.5, 0.5, 1.0, 1.0, 1.0]
    with pytest.raises(InputError, match="threshold"):
        near_duplicate_counts(V, 0.0)


def test_a_weighted_fit_counts_copies_of_a_document_once():
    """Σ_j c_j‖v_j − W h_j‖² with c = 1/copies is the cost of the corpus without the copies:
    40 extra copies of two tickets leave the topics where they were; unweighted they move."""
    corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")
    V = TopicModel(6, near_duplicates=None).fit(corpus).V_
    more = sp.hstack([V] + [V[:, [3]]] * 30 + [V[:, [7]]] * 10, format="csc")
    for solver in ("hals", "cd"):
        weighted = TopicModel(6, random_state=0, solver=solver)
        plain = TopicModel(6, random_state=0, solver=solver, near_duplicates=None)
        W = weighted.factorize_matrix(V)[0]
        assert np.abs(weighted.factorize_matrix(more)[0] - W).max() < 1e-3
        assert np.abs(plain.factorize_matrix(more)[0] - W).max() > 0.05


def test_weighted_columns_scale_by_the_square_root():
    V = sp.csc_matrix(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(weighted_columns(V, [0.25, 1.0]).toarray(),
                               [[0.5, 2.0], [1.5, 4.0]])


def test_memberships_of_every_document_are_its_own_projection():
    """Weights change the topics, not how a document's memberships are read."""
    corpus = load_corpus("corpora/changelogs.jsonl.gz")
    model = TopicModel(6, random_state=0, solver="hals").fit(corpus)
    docs = corpus.documents[:200]
    np.testing.assert_allclose(model.transform(docs), model.H_[:, :200], atol=1e-10)


def test_the_cli_default_is_the_library_default():
    """The CLI repeats the default instead of importing the solver stage at start-up."""
    from topicnmf.cli import options
    from topicnmf.factor import weights

    assert options.NEAR_DUPLICATES == weights.NEAR_DUPLICATES == TopicModel().near_duplicates
