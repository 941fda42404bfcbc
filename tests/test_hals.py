"""Block HALS (topicnmf.factor.hals): the updates against dense formulas, convergence to a KKT
point, independence of the block size, determinism, float32 against float64, the seeded and
masked paths through the one entry, errors, and topics on a real corpus."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from topicnmf import InputError, TopicModel
from topicnmf.factor import factorize
from topicnmf.factor.hals import (FLOOR, hals_nmf, hals_rows, update_document_block,
                                  update_topics)
from topicnmf.factor.masked import masked_loss, masked_nmf
from topicnmf.factor.projection import project, reconstruction_error


def low_rank(m=30, n=40, k=3, noise=0.05, seed=0, density=None):
    """A non-negative rank-``k`` matrix plus noise; sparse (CSC) when ``density`` is given."""
    rng = np.random.default_rng(seed)
    V = rng.random((m, k)) @ rng.random((k, n)) + noise * rng.random((m, n))
    if density is not None:
        V[rng.random(V.shape) > density] = 0.0
        return sp.csc_matrix(V)
    return V


def fit(V, k, **kwargs):
    """hals_nmf with ConvergenceWarning silenced (the tests set max_iter on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return hals_nmf(V, k, **kwargs)


def dense_objective(V, W, H):
    V = V.toarray() if sp.issparse(V) else V
    return float(np.sum((V - W @ H) ** 2))


@pytest.fixture(scope="module")
def tickets_V(tickets_model):
    return tickets_model.V_[:, :300]


# -- the updates against the textbook (dense, residual) form --------------------------------

def test_a_sweep_equals_dense_hals_on_the_residual():
    """One document-block update and one topic update, float64, against HALS written on the
    residual ``R = V − W H`` (Cichocki & Phan): h_t ← max(floor, h_t + w_tᵀR / ‖w_t‖²)."""
    V = low_rank()
    rng = np.random.default_rng(1)
    W, H = rng.random((30, 3)), rng.random((3, 40))
    H_new, VHt, HHt = update_document_block(V, W, W.T @ W, H, inner=1)
    ref_H = H.copy()
    for t in range(3):
        R = V - W @ ref_H
        ref_H[t] = np.maximum(FLOOR, ref_H[t] + W[:, t] @ R / (W[:, t] @ W[:, t]))
    np.testing.assert_allclose(H_new, ref_H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(VHt, V @ ref_H.T, rtol=1e-12)
    np.testing.assert_allclose(HHt, ref_H @ ref_H.T, rtol=1e-12)
    W_new, WtW, scale, objective = update_topics(W, VHt, HHt, float(np.sum(V * V)), inner=1)
    ref_W = W.copy()
    for t in range(3):
        R = V - ref_W @ ref_H
        ref_W[:, t] = np.maximum(FLOOR, ref_W[:, t] + R @ ref_H[t] / (ref_H[t] @ ref_H[t]))
    # the returned W is balanced: column t times scale[t], H's rows to be divided by it
    np.testing.assert_allclose(W_new, ref_W * scale, rtol=1e-12)
    np.testing.assert_allclose(WtW, W_new.T @ W_new, rtol=1e-12)
    assert objective == pytest.approx(dense_objective(V, ref_W, ref_H), rel=1e-10)
    H_balanced = ref_H / scale[:, None]
    np.testing.assert_allclose(np.linalg.norm(W_new, axis=0), np.linalg.norm(H_balanced, axis=1),
                               rtol=1e-12)


def test_the_row_update_solves_the_nonnegative_least_squares_problem():
    from scipy.optimize import nnls

    V = low_rank(seed=2)
    W = np.random.default_rng(3).random((30, 3))
    H = hals_rows(np.ones((3, 40)), W.T @ V, W.T @ W, inner=500, floor=0.0)
    for j in range(40):
        np.testing.assert_allclose(H[:, j], nnls(W, V[:, j])[0], atol=1e-8)


def test_float32_block_update_agrees_with_float64():
    V = low_rank(density=0.5, seed=4)
    rng = np.random.default_rng(5)
    W, H = rng.random((30, 3)), rng.random((3, 40))
    out64 = update_document_block(V, W, W.T @ W, H, inner=3)
    W32 = W.astype(np.float32)
    out32 = update_document_block(V.astype(np.float32), W32, W32.T @ W32, H, inner=3)
    for a, b in zip(out64, out32):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5 * np.abs(a).max())


# -- the solver -------------------------------------------------------------------------------

def test_the_objective_decreases_at_every_sweep():
    """Plain HALS: every sweep lowers ‖V − W H‖² (dense, against the solver's own figure)."""
    V = low_rank(density=0.6, seed=6)
    objectives, dense = [], []
    for sweeps in range(1, 16):
        W, H, _ = fit(V, 4, max_iter=sweeps, tol=0, random_state=0, block_size=9,
                      dtype=np.float64, extrapolate=False,
                      callback=lambda n, objective, W: objectives.append(objective))
        dense.append(dense_objective(V, W, H))
    assert all(b <= a * (1 + 1e-12) for a, b in zip(dense, dense[1:])), dense
    assert dense[-1] < dense[0]
    # the Gram-identity objective the solver stops on is the dense one (V scaled to unit size)
    size2 = float(np.sum(V.multiply(V))) / V.shape[1]
    assert objectives[-1] * size2 == pytest.approx(dense[-1], rel=1e-9)


def test_extrapolation_needs_fewer_sweeps(tickets_V):
    """W pushed along its last step (Ang & Gillis): the plain solver's objective after 30
    sweeps is reached sooner (measured: after 15), and the run ends at its best objective."""
    runs = {}
    for extrapolate in (False, True):
        objectives = []
        fit(tickets_V, 6, max_iter=30, tol=0, random_state=0, extrapolate=extrapolate,
            callback=lambda n, objective, W: objectives.append(objective))
        runs[extrapolate] = objectives
    target = runs[False][-1]
    sooner = next(n for n, objective in enumerate(runs[True], 1) if objective <= target)
    assert sooner < 25, (sooner, runs)
    best = np.minimum.accumulate(runs[True])
    assert runs[True][-1] <= best[-1] * (1 + 1e-6)


@pytest.mark.parametrize("dtype,tolerance", [(np.float64, 1e-8), (np.float32, 1e-4)])
def test_converges_to_a_kkt_point(dtype, tolerance):
    """W, H ≥ 0; gradient ≥ −tol; complementary slackness X∘∇X ≈ 0; in units of ‖V‖·‖other
    factor‖ (measured: 5e-10 in float64 at tol=1e-12, 5e-6 in float32, where the objective's
    float32 noise stops the solver)."""
    V = low_rank(seed=7)
    W, H, n_iter = hals_nmf(V, 3, tol=1e-12 if dtype == np.float64 else 1e-7, max_iter=5000,
                            random_state=0, dtype=dtype, block_size=16)
    assert n_iter < 5000 and (W >= 0).all() and (H >= 0).all()
    R = W @ H - V
    for X, grad, other in ((W, R @ H.T, H), (H, W.T @ R, W)):
        unit = np.linalg.norm(V) * np.linalg.norm(other)
        assert grad.min() >= -tolerance * unit
        assert np.abs(X * grad).max() <= tolerance * unit * X.max()


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_one_block_or_many_gives_the_same_factors(tickets_V, dtype, rtol):
    one = fit(tickets_V, 5, max_iter=25, tol=0, random_state=0, block_size=300, dtype=dtype)
    many = fit(tickets_V, 5, max_iter=25, tol=0, random_state=0, block_size=17, dtype=dtype)
    np.testing.assert_allclose(many[0], one[0], rtol=rtol, atol=rtol * one[0].max())
    np.testing.assert_allclose(many[1], one[1], rtol=rtol, atol=rtol * one[1].max())


def test_same_seed_same_factors(tickets_V):
    for init in ("nndsvda", "random"):
        a = hals_nmf(tickets_V, 4, init=init, random_state=3, block_size=50)
        b = hals_nmf(tickets_V, 4, init=init, random_state=3, block_size=50)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert a[2] == b[2]


def test_float32_fit_agrees_with_float64(tickets_V):
    W32, H32, _ = fit(tickets_V, 4, random_state=0, max_iter=60, tol=0)
    W64, H64, _ = fit(tickets_V, 4, random_state=0, max_iter=60, tol=0, dtype=np.float64)
    assert reconstruction_error(tickets_V, W32, H32) == pytest.approx(
        reconstruction_error(tickets_V, W64, H64), rel=1e-6)
    np.testing.assert_allclose(W32, W64, atol=1e-4)


def test_sparse_and_dense_input_agree_and_inits_work(tickets_V):
    W1, H1, n1 = hals_nmf(tickets_V, 4, random_state=0)
    W2, H2, n2 = hals_nmf(tickets_V.toarray(), 4, random_state=0)
    # the vectorizer's CSC columns keep their terms unsorted, a dense input's are sorted: the
    # sparse products add in another order, so the factors agree to rounding
    np.testing.assert_allclose(W1, W2, rtol=1e-5, atol=1e-9)
    assert n1 == n2
    for init in ("nndsvd", "nndsvdar", "random"):
        W, H, _ = hals_nmf(tickets_V, 4, init=init, random_state=0)
        assert np.isfinite(H).all() and np.allclose(W.sum(axis=0), 1.0)


def test_stops_on_tol_and_warns_at_max_iter(tickets_V):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, _, loose = hals_nmf(tickets_V, 4, random_state=0, tol=1e-3)
        _, _, tight = hals_nmf(tickets_V, 4, random_state=0, tol=1e-6)
    assert 10 < loose < tight < 400
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        hals_nmf(tickets_V, 4, random_state=0, max_iter=3)


def test_no_dead_topics_and_scale_does_not_matter():
    """More topics than the data has: every topic keeps a positive column and row; a start
    with a dead topic comes back to life; V × 1e6 gives the same topics."""
    V = low_rank(m=12, n=15, k=2, noise=0.0, seed=8)
    W, H, _ = fit(V, 5, random_state=0, max_iter=200)
    assert np.isfinite(W).all() and np.isfinite(H).all()
    assert np.allclose(W.sum(axis=0), 1.0) and (H.sum(axis=1) > 0).all()
    rng = np.random.default_rng(9)
    W0, H0 = rng.random((12, 3)), rng.random((3, 15))
    W0[:, 2], H0[2] = 0.0, 0.0
    W, H, _ = fit(V + 0.1 * rng.random(V.shape), 3, init="custom", W_init=W0, H_init=H0,
                  max_iter=200)
    assert H[2].max() > 1e-3 * H.max()
    big = fit(V * 1e6, 2, random_state=0, max_iter=50, tol=0)
    small = fit(V, 2, random_state=0, max_iter=50, tol=0)
    np.testing.assert_allclose(big[0], small[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(big[1], small[1] * 1e6, rtol=1e-4, atol=1e-6 * big[1].max())


# -- through the one entry: seeded, masked, errors --------------------------------------------

def test_the_entry_runs_hals(tickets_V):
    W, H, n_iter = factorize(tickets_V, 4, solver="hals", random_state=0)
    np.testing.assert_array_equal(W, hals_nmf(tickets_V, 4, random_state=0)[0])
    W2, H2, n2 = TopicModel(4, solver="hals", random_state=0).factorize_matrix(tickets_V)
    np.testing.assert_array_equal(W, W2)
    assert n_iter == n2


def test_seeded_hals_keeps_the_seed_words(tickets_model, tickets_V):
    from topicnmf.factor.seeding import resolve_seed_terms

    seeds = resolve_seed_terms({"Fonts": ["font", "glyph"], "Games": ["game", "player"]},
                               tickets_model.vectorizer_)
    W, H, n_iter = factorize(tickets_V, 5, seeds=seeds, solver="hals", random_state=0)
    assert W.shape == (tickets_V.shape[0], 5) and H.shape == (5, 300) and n_iter >= 1
    for z, (_, rows) in enumerate(seeds):
        assert set(rows) <= set(np.argsort(-W[:, z])[:10])
    assert reconstruction_error(tickets_V, W, H) < 1.01 * reconstruction_error(
        tickets_V, W, project(tickets_V, W))


def _ratings(seed, noise=0.0):
    """A rank-3 40 × 30 table (plus noise) and a mask hiding 30% of its cells."""
    rng = np.random.default_rng(seed)
    V = rng.random((40, 3)) @ rng.random((3, 30)) + noise * rng.random((40, 30))
    return V, (rng.random(V.shape) >= 0.3).astype(float)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_masked_hals_predicts_hidden_cells_and_beats_masked_mu(seed):
    V, mask = _ratings(seed)
    hidden = mask == 0
    W, H, _ = masked_nmf(V, mask, 3, solver="hals", max_iter=3000, tol=1e-8, random_state=0)
    assert np.sqrt(np.mean((W @ H - V)[hidden] ** 2)) < 0.05 * V.mean()
    # same start, same number of updates: measured loss ratios 0.21, 0.21, 0.007 at 200
    short = [masked_nmf(V, mask, 3, solver=solver, max_iter=200, tol=0, random_state=0)
             for solver in ("hals", "mu")]
    assert masked_loss(V, mask, *short[0][:2]) < 0.5 * masked_loss(V, mask, *short[1][:2])


def test_masked_hals_with_every_cell_observed_is_block_hals():
    V = low_rank(seed=10)
    rng = np.random.default_rng(11)
    W0, H0 = rng.random((30, 3)), rng.random((3, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Wm, Hm, _ = masked_nmf(V, np.ones_like(V), 3, solver="hals", init=(W0, H0),
                               max_iter=20, tol=0)
    Wb, Hb, _ = fit(V, 3, init="custom", W_init=W0, H_init=H0, max_iter=20, tol=0, inner=1,
                    dtype=np.float64, block_size=7, extrapolate=False)
    scale = Wm.sum(axis=0)                   # measured: 1e-16 apart (floor-level entries)
    np.testing.assert_allclose(Wm / scale, Wb, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(Hm * scale[:, None], Hb, rtol=1e-8, atol=1e-12 * Hb.max())


def test_masked_hals_through_the_entry_and_the_model(tmp_path):
    from topicnmf.model.items import fit_matrix
    from topicnmf.io.matrix import ItemMatrix

    V, mask = _ratings(2, noise=0.05)
    W, H, n_iter = factorize(V, 3, mask=mask.astype(bool), solver="hals", random_state=0,
                             tol=1e-6, max_iter=3000)
    assert n_iter < 3000                       # measured 1460 (masked mu: 5000+)
    assert np.allclose(W.sum(axis=0), 1.0)
    matrix = ItemMatrix(values=np.where(mask == 1, V, 0.0), mask=mask.astype(bool),
                        items=[f"i{i}" for i in range(40)], people=[f"p{j}" for j in range(30)])
    model = fit_matrix(matrix, 3, solver="hals", random_state=0)
    assert model.solver == "hals" and model.n_iter_ < 3000
    hidden = mask == 0
    assert np.sqrt(np.mean((model.W_ @ model.H_ - V)[hidden] ** 2)) < 0.1 * V.mean()
    model.save(tmp_path / "m")
    assert TopicModel.load(tmp_path / "m").solver == "hals"


@pytest.mark.parametrize("kwargs,message", [
    ({"solver": "hals", "loss": "kullback-leibler"},
     "solver='hals' does not support loss='kullback-leibler'; use solver='mu' or 'minibatch'"),
    ({"solver": "hals", "init": "svd"}, "init='svd' is unknown"),
])
def test_entry_errors(tickets_V, kwargs, message):
    with pytest.raises(InputError, match=message):
        factorize(tickets_V, 3, **kwargs)


@pytest.mark.parametrize("V,kwargs,message", [
    (None, {"block_size": 0}, "block_size=0"),
    (None, {"inner": 0}, "inner=0"),
    (None, {"max_iter": 0}, "max_iter=0"),
    (None, {"tol": -1.0}, "tol=-1.0"),
    (None, {"dtype": np.float16}, "dtype=.*float32 or numpy.float64"),
    (None, {"init": "custom"}, "init='custom' needs W_init and H_init"),
    (None, {"init": "custom", "W_init": np.ones((5, 2)), "H_init": np.ones((2, 6))},
     r"W_init \(5, 2\) and H_init \(2, 6\) do not fit"),
    (None, {"init": "custom", "W_init": -np.ones((6, 2)), "H_init": np.ones((2, 5))},
     "finite and non-negative"),
    (-np.ones((6, 5)), {}, "negative values"),
    (np.full((6, 5), np.nan), {}, "NaN or infinite"),
    (np.zeros((6, 5)), {}, "all zeros"),
    (None, {"k": 9}, "larger than the number of documents"),
])
def test_bad_parameters_are_input_errors(V, kwargs, message):
    V = np.random.default_rng(0).random((6, 5)) if V is None else V
    k = kwargs.pop("k", 2)
    with pytest.raises(InputError, match=message):
        hals_nmf(V, k, **kwargs)


def test_masked_solver_must_be_known():
    V, mask = _ratings(0)
    with pytest.raises(InputError, match="solver='cd' is not available with missing cells"):
        masked_nmf(V, mask, 2, solver="cd")


def test_scikit_learn_backend_refuses_hals(tickets_V):
    from topicnmf.factor.nmf import sklearn_nmf

    with pytest.raises(InputError, match="topicnmf's own solver"):
        sklearn_nmf(tickets_V, 3, solver="hals")


# -- real text --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hals_model(tickets):
    return TopicModel(8, solver="hals", random_state=0).fit(tickets)


def test_topics_are_as_coherent_as_cd_on_the_ticket_corpus(tickets, tickets_model, hals_model):
    """COHERENCE-PLACEHOLDER"""
    from topicnmf.quality.measures import npmi_coherence, top_term_indices

    V = tickets_model.V_

    def coherence(W):
        return npmi_coherence(top_term_indices(W, 10), V).mean()

    assert hals_model.n_iter_ < 100
    assert coherence(hals_model.W_) > coherence(tickets_model.W_) - 0.02
    assert hals_model.reconstruction_err_ < 1.002 * tickets_model.reconstruction_err_


def test_the_model_projects_memberships_after_a_hals_fit(tickets, hals_model, tmp_path):
    """H_ is the projection on the final W, so a training document transformed again gets
    exactly its column; the model saves and loads with solver 'hals'."""
    H = hals_model.transform(tickets.documents[:50])
    np.testing.assert_allclose(H, hals_model.H_[:, :50], rtol=0, atol=1e-10)
    hals_model.save(tmp_path / "m")
    again = TopicModel.load(tmp_path / "m")
    assert again.solver == "hals"
    np.testing.assert_array_equal(again.W_, hals_model.W_)


def test_cli_fits_with_hals_text_and_matrix(tickets_path, tmp_path):
    import json

    from test_cli import run

    result = run("fit", tickets_path, "--id-column", "id", "-k", 5, "-o", tmp_path / "t",
                 "--random-state", 0, "--solver", "hals")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "t" / "model.json").read_text())["params"]["solver"] == "hals"
    V, mask = _ratings(3, noise=0.05)
    rows = ["item," + ",".join(f"p{j}" for j in range(30))]
    rows += [f"i{i}," + ",".join(f"{x:.4f}" if mask[i, j] else "" for j, x in enumerate(row))
             for i, row in enumerate(V)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    result = run("fit", "--matrix", tmp_path / "r.csv", "--missing", "blank", "-k", 3,
                 "-o", tmp_path / "r", "--solver", "hals", "--random-state", 0)
    assert result.exit_code == 0, result.output
    model = TopicModel.load(tmp_path / "r")
    assert model.solver == "hals" and model.mask_ is not None and model.n_iter_ < 3000


def test_choose_k_and_evaluate_refit_with_hals(hals_model):
    from test_evaluate import separate_groups
    from topicnmf.quality.choose import choose_k, evaluate

    choice = choose_k(separate_groups(4), range(2, 7),
                      estimator=TopicModel(random_state=0, solver="hals"), runs=2)
    assert choice.k == 4
    result = evaluate(hals_model, runs=2, sample_fraction=1.0)
    assert result.stability == 1.0            # every run refits all documents with the seed
