"""Near-duplicate and length weights of the fit (topicnmf.factor.weights), on the shipped
corpora."""

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import InputError, TopicModel, load_corpus
from topicnmf.factor.weights import (duplicate_weights, near_duplicate_counts,
                                     pivoted_length_weights, weighted_columns)


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
    assert options.PIVOT_SLOPE == weights.PIVOT_SLOPE == TopicModel().pivot_slope


def test_document_lengths_are_the_norms_before_normalization():
    """Recovered from V and idf: exact for every document with a term that occurs once."""
    corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")
    model = TopicModel(6, near_duplicates=None, pivot_slope=1.0).fit(corpus)
    vec, V = model.vectorizer_, model.V_
    exact, repeated_only = [], []
    for j, doc in enumerate(corpus.documents):
        rows, counts = np.unique([vec._index[t] for t in vec.preprocessor(doc.text)
                                  if t in vec._index], return_counts=True)
        exact.append(np.linalg.norm((1 + np.log(counts)) * vec.idf_[rows]))
        repeated_only.append(counts.size > 0 and counts.min() > 1)
    lengths, exact = vec.document_lengths(V), np.array(exact)
    once = ~np.array(repeated_only)
    assert once.mean() > 0.95
    np.testing.assert_allclose(lengths[once], exact[once], rtol=1e-12)
    assert (lengths[~once] < exact[~once]).all()
    assert np.ptp(lengths) > 5 * lengths.min() > 0       # tickets differ a lot in length


def test_pivoted_length_weights():
    lengths = np.array([1.0, 2.0, 4.0, 0.0, 5.0])          # mean of the filled ones: 3
    assert (pivoted_length_weights(lengths, 1.0) == 1.0).all()
    np.testing.assert_allclose(pivoted_length_weights(lengths, 0.0),
                               [1 / 9, 4 / 9, 16 / 9, 1.0, 25 / 9])
    half = pivoted_length_weights(lengths, 0.5)
    assert half[3] == 1.0 and (np.diff(half[[0, 1, 2, 4]]) > 0).all()
    np.testing.assert_allclose(half[[0, 2]], [(1 / 2) ** 2, (4 / 3.5) ** 2])


def test_with_slope_0_a_twice_longer_document_weighs_as_four_copies():
    """Slope 0 weighs document j by (n_j / n̄)²: the fit of a corpus where one document is
    twice as long (the same column, twice the length) is the fit where it has 4 copies."""
    corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")
    model = TopicModel(6, near_duplicates=None, pivot_slope=1.0).fit(corpus)
    V, lengths = model.V_, model.vectorizer_.document_lengths(model.V_)
    longer = lengths.copy()
    longer[3] *= 2
    copies = sp.hstack([V] + [V[:, [3]]] * 3, format="csc")
    by_length = TopicModel(6, random_state=0, near_duplicates=None, pivot_slope=0.0)
    W_longer = by_length.factorize_matrix(V, lengths=longer)[0]
    W_copies = by_length.factorize_matrix(copies,
                                          lengths=np.r_[lengths, [lengths[3]] * 3])[0]
    np.testing.assert_allclose(W_longer, W_copies, atol=1e-6)
    W_same = by_length.factorize_matrix(V, lengths=lengths)[0]
    assert np.abs(W_same - W_longer).max() > 1e-3
    alike = TopicModel(6, random_state=0, near_duplicates=None, pivot_slope=1.0)
    np.testing.assert_array_equal(alike.factorize_matrix(V, lengths=longer)[0],
                                  alike.factorize_matrix(V)[0])


def test_a_fit_of_texts_weighs_long_documents_and_saves_the_slope(tmp_path):
    import json

    corpus = load_corpus("corpora/tickets.csv.gz", id_column="id")
    by_length = TopicModel(6, random_state=0, pivot_slope=0.5).fit(corpus)
    alike = TopicModel(6, random_state=0).fit(corpus)
    assert alike.pivot_slope == 1.0                     # the default: documents weigh alike
    assert np.abs(by_length.W_ - alike.W_).max() > 1e-3
    by_length.save(tmp_path / "m")
    assert TopicModel.load(tmp_path / "m").pivot_slope == 0.5
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    del meta["params"]["pivot_slope"]                   # as models saved before it existed
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    assert TopicModel.load(tmp_path / "m").pivot_slope == 1.0


@pytest.mark.parametrize("slope", [-0.1, 1.5, float("nan")])
def test_a_slope_outside_0_1_is_refused(slope):
    with pytest.raises(InputError, match="pivot_slope"):
        TopicModel(3, pivot_slope=slope).fit(["a b c", "b c d", "c d e", "d e f"])
