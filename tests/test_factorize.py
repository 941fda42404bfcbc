import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import InputError
from topicnmf.factor import factorize
from topicnmf.factor.nmf import sklearn_nmf
from topicnmf.factor.projection import project, reconstruction_error


@pytest.fixture(scope="module")
def V(tickets_model):
    return tickets_model.V_[:, :400]


@pytest.mark.parametrize("solver,loss", [("cd", "frobenius"), ("mu", "frobenius"),
                                         ("mu", "kullback-leibler"),
                                         ("minibatch", "frobenius")])
def test_orientation_and_non_negativity(V, solver, loss):
    W, H, n_iter = factorize(V, 5, solver=solver, loss=loss, random_state=0, max_iter=200)
    assert W.shape == (V.shape[0], 5) and H.shape == (5, V.shape[1])
    assert (W >= 0).all() and (H >= 0).all() and n_iter >= 1
    assert np.allclose(W.sum(axis=0), 1.0)


def test_orientation_matches_scikit_learn_transposed(V):
    from sklearn.decomposition import NMF

    W, H, _ = factorize(V, 4, solver="cd", random_state=0)
    sk = NMF(4, init="nndsvda", random_state=0, max_iter=400)
    W_sk = sk.fit_transform(V.T)
    assert np.allclose(W @ H, (W_sk @ sk.components_).T, atol=1e-8)


def test_sparse_equals_dense(V):
    W1, H1, _ = factorize(V, 4, random_state=0)
    W2, H2, _ = factorize(V.toarray(), 4, random_state=0)
    assert np.allclose(W1, W2, atol=1e-10) and np.allclose(H1, H2, atol=1e-10)
    assert np.allclose(project(V, W1), project(V.toarray(), W1), atol=1e-12)


def test_same_seed_same_factors(V):
    a = factorize(V, 4, init="random", random_state=3)
    b = factorize(V, 4, init="random", random_state=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize("loss", ["frobenius", "kullback-leibler"])
def test_projection_does_not_depend_on_the_batch(V, loss):
    W, _, _ = factorize(V, 4, solver="mu", loss=loss, random_state=0, max_iter=100)
    H_all = project(V, W, loss=loss)
    H_part = np.hstack([project(V[:, j:j + 7], W, loss=loss) for j in range(0, 70, 7)])
    assert np.allclose(H_all[:, :70], H_part, rtol=0, atol=1e-12)


def test_projection_is_the_nonnegative_least_squares_solution(V):
    from scipy.optimize import nnls

    W, _, _ = factorize(V, 5, random_state=0)
    H = project(V[:, :20], W, max_iter=2000, tol=1e-12)
    for j in range(20):
        h, _ = nnls(W, V[:, j].toarray().ravel())
        assert np.allclose(H[:, j], h, atol=1e-7)


def test_reconstruction_error_matches_dense(V):
    W, H, _ = factorize(V, 4, random_state=0)
    dense = np.linalg.norm(V.toarray() - W @ H)
    assert reconstruction_error(V, W, H) == pytest.approx(dense, rel=1e-10)


@pytest.mark.parametrize("k,kwargs,message", [
    (0, {}, "must be a positive integer"),
    (500, {}, r"larger than the number of documents \(400\)"),
    (3, {"solver": "cd", "loss": "kullback-leibler"}, "solver='cd' does not support"),
    (3, {"solver": "als"}, "solver='als' is unknown"),
])
def test_bad_parameters(V, k, kwargs, message):
    with pytest.raises(InputError, match=message):
        factorize(V, k, **kwargs)


def test_all_zero_matrix_is_an_error():
    with pytest.raises(InputError, match="all zeros"):
        factorize(sp.csc_matrix((5, 5)), 2)


def test_minibatch_topics_are_nearly_as_coherent_as_full_batch(tickets_model):
    from topicnmf.quality.measures import npmi_coherence, top_term_indices

    V = tickets_model.V_

    def coherence(W):
        return npmi_coherence(top_term_indices(W, 10), V).mean()

    W_cd, _, _ = factorize(V, 8, random_state=0)
    W_mb, H_mb, passes = sklearn_nmf(V, 8, solver="minibatch", random_state=0, batch_size=500)
    # scikit-learn's default early stop ends MiniBatchNMF after about one pass here, with
    # visibly worse topics; topicnmf runs its passes.
    assert passes > 1
    assert coherence(W_mb) > coherence(W_cd) - 0.06      # 0.04 measured; default stop: 0.08
    assert reconstruction_error(V, W_mb, H_mb) < 1.05 * reconstruction_error(
        V, W_cd, project(V, W_cd))


def test_project_with_a_given_gram_matrix_is_the_same(V):
    W, _, _ = factorize(V, 5, random_state=0)
    np.testing.assert_array_equal(project(V, W, gram=W.T @ W), project(V, W))


# -- the one entry: factorize dispatches to the backends ----------------------------------------

@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("params", [{"solver": "cd"}, {"solver": "cd", "init": "random"},
                                    {"solver": "mu", "max_iter": 50},
                                    {"solver": "mu", "loss": "kullback-leibler", "max_iter": 50},
                                    {"solver": "minibatch", "max_iter": 3}])
def test_the_entry_is_what_the_model_and_the_backend_fit(V, params):
    from topicnmf import TopicModel

    W, H, n_iter = factorize(V, 4, random_state=0, **params)
    assert np.allclose(W.sum(axis=0), 1.0) and H.shape == (4, V.shape[1])
    for other in (TopicModel(4, random_state=0, **params).factorize_matrix(V),
                  sklearn_nmf(V, 4, random_state=0, loss=params.pop("loss", "frobenius"),
                              **params)):
        np.testing.assert_array_equal(W, other[0])
        np.testing.assert_array_equal(H, other[1])
        assert n_iter == other[2]


@pytest.fixture(scope="module")
def seeds(tickets_model):
    from topicnmf.factor.seeding import resolve_seed_terms

    return resolve_seed_terms({"Fonts": ["font", "glyph"], "Games": ["game", "player"]},
                              tickets_model.vectorizer_)


def test_a_seeded_fit_returns_memberships_of_the_documents_only(V, seeds):
    from topicnmf import TopicModel

    W, H, n_iter = factorize(V, 5, seeds=seeds, random_state=0)
    assert W.shape == (V.shape[0], 5) and H.shape == (5, V.shape[1]) and n_iter >= 1
    assert np.allclose(W.sum(axis=0), 1.0) and (H >= 0).all()
    for z, (_, rows) in enumerate(seeds):               # seeded topics come first
        assert set(rows) <= set(np.argsort(-W[:, z])[:10])
    # the solver's H fits the documents about as well as the exact projection on W
    assert reconstruction_error(V, W, H) < 1.01 * reconstruction_error(V, W, project(V, W))
    model = TopicModel(5, random_state=0, seed_topics={"unused": ["x"]})
    W2, H2, n2 = model.factorize_matrix(V, seeds)
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(H, H2)
    assert n_iter == n2


def _ratings():
    rng = np.random.default_rng(0)
    V = rng.random((12, 3)) @ rng.random((3, 10))
    return V, rng.random(V.shape) >= 0.3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_mask_path_is_masked_nmf_with_topics_summing_to_one():
    from topicnmf import TopicModel
    from topicnmf.factor.masked import masked_nmf
    from topicnmf.factor.projection import normalize_columns

    V, mask = _ratings()
    W, H, n_iter = factorize(V, 3, mask=mask, solver="mu", tol=1e-6, random_state=0)
    W0, H0, n0 = masked_nmf(V, mask, 3, tol=1e-6, random_state=0)     # max_iter: its default
    W1, H1 = normalize_columns(W0, H0)
    np.testing.assert_array_equal(W, W1)
    np.testing.assert_array_equal(H, H1)
    assert n_iter == n0 and np.allclose(W.sum(axis=0), 1.0)
    # the model's policy: with a mask, a tolerance of at most 1e-6; solver settings unused
    model = TopicModel(3, random_state=0, tol=1e-3, solver="mu")
    W2, H2, n2 = model.factorize_matrix(sp.csc_matrix(V), mask=mask)
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(H, H2)


@pytest.mark.parametrize("kwargs,message", [
    ({"init": "svd"}, "init='svd' is unknown; use one of nndsvda, nndsvd, nndsvdar, random"),
    ({"loss": "itakura"}, "loss='itakura' is unknown"),
    ({"seeds": "SEEDS", "seed_weight": -1.0},
     r"seed_weight=-1.0: must be 0 or more \(default 0.02\)"),
    ({"seeds": "SEEDS", "loss": "kullback-leibler"}, "solver='hals' does not support"),
    ({"seeds": "SEEDS", "mask": "MASK"}, "seed topics and missing cells"),
    ({"mask": np.ones((3, 3))}, r"V has shape \(\d+, 400\) but mask has shape \(3, 3\)"),
])
def test_entry_errors_name_the_problem(V, seeds, kwargs, message):
    stand_ins = {"SEEDS": seeds, "MASK": np.ones(V.shape, dtype=bool)}
    kwargs = {name: stand_ins.get(value, value) if isinstance(value, str) else value
              for name, value in kwargs.items()}
    with pytest.raises(InputError, match=message):
        factorize(V, 3, **kwargs)
