"""Topic quality measures on corpora small enough to check by hand."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf.errors import InputError
from topicnmf.quality.measures import npmi_coherence, top_term_indices, topic_diversity
from topicnmf.quality.kscore import DIVERSITY_FLOOR, KScore, recommend_k
from topicnmf.quality.stability import (average_jaccard, match_topics, stability_runs,
                                        topic_stability)

EXACT = dict(rtol=0, atol=1e-12)

# Terms × documents. Non-binary weights on purpose: only V > 0 matters. The stored 0.0 and the
# negative entry are "absent".
#            d0   d1   d2   d3
_V = np.array([
    [0.7, 2.0, 1.0, 0.0],   # t0: docs 0,1,2   p0 = 3/4
    [1.0, 0.3, 0.0, -1.0],  # t1: docs 0,1     p1 = 2/4
    [0.0, 0.0, 5.0, 1.0],   # t2: docs 2,3     p2 = 2/4
    [1.0, 1.0, 1.0, 1.0],   # t3: every doc    p3 = 1
    [2.0, 2.0, 2.0, 2.0],   # t4: every doc    p4 = 1
    [0.0, 0.0, 0.0, 0.0],   # t5: no doc       p5 = 0
])


def _V_sparse(fmt="csc"):
    r, c = np.nonzero(_V)
    r, c = np.append(r, 0), np.append(c, 3)      # plus an explicitly stored zero at (t0, d3)
    V = sp.csc_matrix((_V[r, c], (r, c)), shape=_V.shape)
    assert V.nnz == 17 and V[0, 3] == 0.0
    return V.asformat(fmt)


# Hand-computed NPMI = log(p_ij / (p_i p_j)) / -log(p_ij):
NPMI_01 = math.log(0.5 / (0.75 * 0.5)) / -math.log(0.5)      # t0,t1 both in d0,d1: p = 1/2
NPMI_02 = math.log(0.25 / (0.75 * 0.5)) / -math.log(0.25)    # t0,t2 both in d2:    p = 1/4
NPMI_12 = -1.0                                               # t1,t2 never together: limit -1
NPMI_03 = math.log(0.75 / (0.75 * 1.0)) / -math.log(0.75)    # t3 everywhere: log 1 = 0
NPMI_34 = 1.0                                                # p = 1: convention 1
NPMI_05 = -1.0                                               # t5 in no document


def test_hand_values_are_what_we_think():
    assert NPMI_01 == pytest.approx(math.log(4 / 3) / math.log(2), abs=1e-15)
    assert NPMI_02 == pytest.approx(math.log(2 / 3) / math.log(4), abs=1e-15)
    assert NPMI_03 == 0.0


@pytest.mark.parametrize("fmt", ["csc", "csr", "coo", "dense"])
def test_npmi_exact_values(fmt):
    V = _V if fmt == "dense" else _V_sparse(fmt)
    topics = [[0, 1, 2],   # mean of three pairs
              [0, 1, 3],
              [3, 4, 0],
              [0, 5, 3]]
    got = npmi_coherence(topics, V)
    want = [(NPMI_01 + NPMI_02 + NPMI_12) / 3,
            (NPMI_01 + NPMI_03 + 0.0) / 3,                   # (t1, t3): log(.5/.5) = 0
            (NPMI_34 + NPMI_03 + 0.0) / 3,                   # (t4, t0) like (t3, t0): 0
            (NPMI_05 + NPMI_03 + NPMI_05) / 3]               # (t5, t3): t5 never occurs
    assert got.shape == (4,) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, **EXACT)


def test_npmi_single_pairs_and_limits():
    V = _V_sparse()
    got = npmi_coherence([[0, 1], [0, 2], [1, 2], [3, 4], [5, 0], [5, 4], [1, 0]], V)
    np.testing.assert_allclose(got, [NPMI_01, NPMI_02, -1.0, 1.0, -1.0, -1.0, NPMI_01], **EXACT)
    assert got[2] == -1.0 and got[3] == 1.0 and got[4] == -1.0      # exact conventions


def test_npmi_does_not_modify_V():
    V = _V_sparse("csr")
    before = V.copy()
    npmi_coherence([[0, 1, 2]], V)
    assert (V != before).nnz == 0 and V.nnz == before.nnz


def test_npmi_eps_smoothing():
    V, eps = _V_sparse(), 1e-3                      # 4 documents: eps must be < 1/4
    got = npmi_coherence([[0, 1], [1, 2], [3, 4], [5, 0]], V, eps=eps)
    q01, q12 = 0.5 + eps, 0.0 + eps
    want = [math.log(q01 / (0.75 * 0.5)) / -math.log(q01),
            math.log(q12 / (0.5 * 0.5)) / -math.log(q12),     # finite instead of -1
            1.0,                                              # p = 1 keeps its convention
            -1.0]                                             # an absent term stays -1
    np.testing.assert_allclose(got, want, **EXACT)
    assert -1.0 < got[1] < -0.5


def _npmi_naive(topics, B):
    n = B.shape[1]
    out = []
    for topic in topics:
        vals = []
        for i, j in itertools.combinations(topic, 2):
            ci, cj, cij = B[i].sum(), B[j].sum(), (B[i] & B[j]).sum()
            if cij == 0:
                vals.append(-1.0)
            elif cij == n:
                vals.append(1.0)
            else:
                vals.append(math.log((cij / n) / ((ci / n) * (cj / n))) / -math.log(cij / n))
        out.append(sum(vals) / len(vals))
    return np.array(out)


@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_npmi_matches_pairwise_loop(fmt):
    rng = np.random.default_rng(3)
    B = rng.random((40, 60)) < 0.2
    B[7] = True                                      # a term in every document
    B[9] = False                                     # a term in none
    V = sp.csc_matrix(B * rng.random(B.shape)).asformat(fmt)
    topics = np.array([rng.permutation(40)[:6] for _ in range(8)])
    topics[0, :2] = [7, 9]
    np.testing.assert_allclose(npmi_coherence(topics, V), _npmi_naive(topics, B), **EXACT)


def test_npmi_rejects_bad_input():
    V = _V_sparse()
    with pytest.raises(InputError, match="term index 6 but V has only 6 terms.*terms × documents"):
        npmi_coherence([[0, 6]], V)
    with pytest.raises(InputError, match="at least 2 top term"):
        npmi_coherence([[0], [1]], V)
    with pytest.raises(InputError, match="row 1 repeats a term"):
        npmi_coherence([[0, 1], [2, 2]], V)
    with pytest.raises(InputError, match="dtype float64"):
        npmi_coherence([[0.0, 1.0]], V)
    with pytest.raises(InputError, match="negative"):
        npmi_coherence([[0, -1]], V)
    with pytest.raises(InputError, match="2-D array"):
        npmi_coherence([0, 1], V)
    with pytest.raises(InputError, match="2-D array"):
        npmi_coherence([[0, 1], [2]], V)
    with pytest.raises(InputError, match="eps=0.25 is out of range"):
        npmi_coherence([[0, 1]], V, eps=0.25)
    with pytest.raises(InputError, match="eps"):
        npmi_coherence([[0, 1]], V, eps=-1e-9)
    with pytest.raises(InputError, match="no documents"):
        npmi_coherence([[0, 1]], sp.csr_matrix((6, 0)))
    bad = _V_sparse("csr")
    bad.data[0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        npmi_coherence([[0, 1]], bad)


# -- top terms -------------------------------------------------------------------------------

def test_top_term_indices_order_and_ties():
    W = np.array([[0.1, 0.0, 1.0],
                  [0.5, 0.2, 1.0],
                  [0.5, 0.9, 1.0],
                  [0.0, 0.2, 1.0],
                  [0.7, 0.0, 1.0]])
    got = top_term_indices(W, top=3)
    np.testing.assert_array_equal(got, [[4, 1, 2], [2, 1, 3], [0, 1, 2]])
    assert got.dtype == np.int64 and got.shape == (3, 3)
    np.testing.assert_array_equal(top_term_indices(W, top=5)[2], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(top_term_indices(sp.csc_matrix(W), top=1), [[4], [2], [0]])


def test_top_term_indices_agrees_with_lexsort():
    rng = np.random.default_rng(0)
    W = rng.integers(0, 4, size=(50, 7)).astype(float)          # many ties
    got = top_term_indices(W, top=10)
    for z in range(7):
        want = np.lexsort((np.arange(50), -W[:, z]))[:10]
        np.testing.assert_array_equal(got[z], want)


def test_top_term_indices_rejects_bad_input():
    W = np.ones((4, 2))
    with pytest.raises(InputError, match="top=5 exceeds the 4 terms"):
        top_term_indices(W, top=5)
    with pytest.raises(InputError, match="top=0"):
        top_term_indices(W, top=0)
    with pytest.raises(InputError, match="top=True"):
        top_term_indices(W, top=True)
    with pytest.raises(InputError, match="2-D"):
        top_term_indices(np.ones(4), top=1)
    with pytest.raises(InputError, match="NaN"):
        top_term_indices(np.array([[np.nan], [1.0]]), top=1)


# -- diversity -------------------------------------------------------------------------------

def test_topic_diversity_exact():
    assert topic_diversity([[0, 1, 2], [2, 3, 4]]) == 5 / 6
    assert topic_diversity(np.array([[0, 1], [1, 0], [0, 1]])) == 2 / 6       # all the same
    assert topic_diversity([[0, 1], [2, 3]]) == 1.0
    with pytest.raises(InputError, match="repeats a term"):
        topic_diversity([[0, 0]])


# -- average Jaccard, matching, stability ----------------------------------------------------

def test_average_jaccard_by_hand():
    # d=1: {0} vs {1}            -> 0/2
    # d=2: {0,1} vs {1,0}        -> 2/2
    # d=3: {0,1,2} vs {1,0,4}    -> 2/4
    # d=4: {0,1,2,3} vs {1,0,4,2} -> 3/5
    want = (0 + 1 + Fraction(1, 2) + Fraction(3, 5)) / 4                    # = 21/40
    assert average_jaccard([0, 1, 2, 3], [1, 0, 4, 2]) == pytest.approx(float(want), abs=1e-15)
    assert average_jaccard(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert average_jaccard(np.array([1, 2]), np.array([3, 4])) == 0.0
    # d=1: 1/1, d=2: {x,y} vs {x,z} -> 1/3
    assert average_jaccard(["x", "y"], ["x", "z"]) == pytest.approx(2 / 3, abs=1e-15)


def test_average_jaccard_rejects_bad_input():
    with pytest.raises(InputError, match="lengths 2 and 3"):
        average_jaccard([0, 1], [0, 1, 2])
    with pytest.raises(InputError, match="lengths 0 and 0"):
        average_jaccard([], [])
    with pytest.raises(InputError, match="repeated item"):
        average_jaccard([0, 0], [0, 1])
    with pytest.raises(InputError, match="hashable"):
        average_jaccard([[0], [1]], [[0], [1]])


def test_match_topics_recovers_a_permutation():
    rng = np.random.default_rng(1)
    a = np.array([rng.permutation(100)[:10] for _ in range(12)])
    p = rng.permutation(12)
    b = a[p]
    perm, sim = match_topics(a, b)
    np.testing.assert_array_equal(perm, np.argsort(p))
    np.testing.assert_array_equal(b[perm], a)
    np.testing.assert_array_equal(sim, np.ones(12))


def test_match_topics_is_optimal_and_similarities_are_average_jaccard():
    rng = np.random.default_rng(2)
    a = np.array([rng.permutation(12)[:5] for _ in range(5)])          # heavy overlaps
    b = np.array([rng.permutation(12)[:5] for _ in range(5)])
    perm, sim = match_topics(a, b)
    S = np.array([[average_jaccard(x, y) for y in b] for x in a])
    np.testing.assert_allclose(sim, S[np.arange(5), perm], **EXACT)
    best = max(S[np.arange(5), list(q)].sum() for q in itertools.permutations(range(5)))
    assert sim.sum() == pytest.approx(best, abs=1e-12)
    assert sorted(perm) == list(range(5))


def test_match_topics_rejects_shape_mismatch():
    with pytest.raises(InputError, match=r"shape \(2, 2\) but top_terms_b \(2, 3\)"):
        match_topics([[0, 1], [2, 3]], [[0, 1, 4], [2, 3, 5]])


def test_topic_stability_identical_runs_is_exactly_one():
    rng = np.random.default_rng(4)
    ref = np.array([rng.permutation(500)[:25] for _ in range(30)])
    runs = [ref.copy(), ref[rng.permutation(30)], ref[::-1]]
    np.testing.assert_array_equal(topic_stability(ref, runs), np.ones(30))
    np.testing.assert_array_equal(topic_stability(ref, np.stack(runs)), np.ones(30))


def test_topic_stability_by_hand():
    ref = [[0, 1, 2], [3, 4, 5]]
    runs = [[[3, 4, 5], [0, 1, 2]],         # permuted copy: 1, 1
            [[0, 2, 1], [3, 4, 9]]]         # topic 0: (1 + 1/3 + 1)/3; topic 1: (1 + 1 + 1/2)/3
    got = topic_stability(ref, runs)
    want = [(1 + (1 + 1 / 3 + 1) / 3) / 2, (1 + (1 + 1 + 1 / 2) / 3) / 2]
    np.testing.assert_allclose(got, want, **EXACT)


def test_topic_stability_rejects_bad_input():
    with pytest.raises(InputError, match="empty"):
        topic_stability([[0, 1]], [])
    with pytest.raises(InputError, match=r"runs_top_terms\[1\] has shape \(1, 3\)"):
        topic_stability([[0, 1]], [[[0, 1]], [[0, 1, 2]]])


# -- stability under resampling --------------------------------------------------------------

def _block_matrix(n_blocks=3, terms=6, docs=20, seed=0):
    """Terms × documents: block b's terms occur only in block b's documents, each term with
    its own distinct typical weight so the ranking inside a topic is well defined."""
    rng = np.random.default_rng(seed)
    V = np.zeros((n_blocks * terms, n_blocks * docs))
    for b in range(n_blocks):
        weights = np.linspace(3.0, 1.0, terms)[:, None] * (1 + 0.05 * rng.random((terms, docs)))
        V[b * terms:(b + 1) * terms, b * docs:(b + 1) * docs] = weights
    return sp.csc_matrix(V)


def _nmf_top_terms(V, k=3, t=4):
    from sklearn.decomposition import NMF
    W = NMF(n_components=k, init="nndsvda", max_iter=2000).fit_transform(V)
    return top_term_indices(W, t)


def test_stability_runs_block_structure_is_stable():
    V = _block_matrix()
    ref = _nmf_top_terms(V)
    assert sorted(map(sorted, ref.tolist())) == [[0, 1, 2, 3], [6, 7, 8, 9], [12, 13, 14, 15]]
    stab = stability_runs(_nmf_top_terms, V, n_runs=4, sample_fraction=0.7, random_state=0)
    assert stab.shape == (3,)
    assert np.all(stab > 0.99)


def test_stability_runs_sampling_contract():
    n_docs = 10
    V = sp.csr_matrix(np.vstack([np.arange(1, n_docs + 1), np.ones(n_docs)]))  # row 0 = id+1
    seen = []

    def fit(X):
        seen.append(np.asarray(X[0].todense()).ravel().astype(int) - 1)
        return np.array([[0, 1]])

    out = stability_runs(fit, V, n_runs=3, sample_fraction=0.75, random_state=7)
    np.testing.assert_array_equal(out, [1.0])
    assert len(seen) == 4
    np.testing.assert_array_equal(seen[0], np.arange(n_docs))                 # reference: all
    for cols in seen[1:]:
        assert cols.size == 8                                               # round(7.5) = 8
        assert np.all(np.diff(cols) > 0)                                    # distinct, ordered
    rng = np.random.default_rng(7)
    for cols in seen[1:]:
        np.testing.assert_array_equal(cols, np.sort(rng.choice(n_docs, 8, replace=False)))
    first = [c.copy() for c in seen[1:]]
    seen.clear()
    stability_runs(fit, V, n_runs=3, sample_fraction=0.75, random_state=7)
    for a, b in zip(first, seen[1:]):
        np.testing.assert_array_equal(a, b)                                 # deterministic


def test_stability_runs_detects_unstable_topics():
    V = _block_matrix()
    calls = iter(range(100))

    def fit(X):        # the reference and every other run disagree on topic 1
        return np.array([[0, 1, 2], [3, 4, 5]]) if next(calls) % 2 == 0 else \
            np.array([[0, 1, 2], [6, 7, 8]])

    np.testing.assert_allclose(stability_runs(fit, V, n_runs=2), [1.0, 0.5], **EXACT)


def test_stability_runs_rejects_bad_input():
    V = _block_matrix()
    fit = lambda X: np.array([[0, 1]])     # noqa: E731
    with pytest.raises(InputError, match="not callable"):
        stability_runs("fit", V)
    with pytest.raises(InputError, match="n_runs=0"):
        stability_runs(fit, V, n_runs=0)
    with pytest.raises(InputError, match="sample_fraction=0"):
        stability_runs(fit, V, sample_fraction=0)
    with pytest.raises(InputError, match="sample_fraction=1.5"):
        stability_runs(fit, V, sample_fraction=1.5)
    with pytest.raises(InputError, match="random_state"):
        stability_runs(fit, V, random_state="seed")
    outputs = iter([np.array([[0, 1], [2, 3]]), np.array([[0, 1], [2, 3], [4, 5]])])
    with pytest.raises(InputError, match=r"shape \(3, 2\) in run 0 but \(2, 2\)"):
        stability_runs(lambda X: next(outputs), V)


# -- recommending k --------------------------------------------------------------------------

TABLE = [
    {"k": 5, "coherence": 0.05, "diversity": 0.90, "stability": 0.60, "error": 10.0},
    {"k": 10, "coherence": 0.12, "diversity": 0.85, "stability": 0.90, "error": 9.0},
    {"k": 15, "coherence": 0.08, "diversity": 0.70, "stability": 0.80, "error": 8.5},
    {"k": 20, "coherence": 0.20, "diversity": 0.30, "stability": 0.95, "error": 8.0},
]


def test_recommend_k_picks_the_best_row():
    k, reason = recommend_k(TABLE)
    assert k == 10                          # k=20 scores higher but its topics repeat terms
    assert "k=10" in reason and "min-max-normalised coherence and stability" in reason
    assert f"diversity >= {DIVERSITY_FLOOR}" in reason and "smaller k" in reason
    assert "score 1.000" in reason and "coherence 0.1200" in reason
    assert "stability 0.900" in reason and "diversity 0.850" in reason
    assert "runner-up k=15" in reason
    assert "\n" not in reason
    assert recommend_k(TABLE[::-1]) == (k, reason)                          # order-free
    assert recommend_k([KScore(**row) for row in TABLE]) == (k, reason)


def test_recommend_k_ties_go_to_the_smaller_k_and_arrays_are_averaged():
    rows = [KScore(k=12, coherence=0.1, diversity=0.8, stability=0.9),
            KScore(k=8, coherence=0.1, diversity=0.8, stability=0.9),
            {"k": 4, "coherence": [0.0, 0.1], "diversity": 0.8, "stability": [0.9, 0.7]}]
    assert recommend_k(rows)[0] == 8


def test_recommend_k_when_no_row_is_diverse_enough():
    rows = [dict(row, diversity=0.2) for row in TABLE]
    k, reason = recommend_k(rows)
    assert k == 20 and "none reached topic diversity" in reason


def test_recommend_k_rejects_bad_tables():
    with pytest.raises(InputError, match="empty"):
        recommend_k([])
    with pytest.raises(InputError, match="row 1 has no 'stability'"):
        recommend_k([TABLE[0], {"k": 3, "coherence": 0.1, "diversity": 0.9}])
    with pytest.raises(InputError, match="repeated k"):
        recommend_k([TABLE[0], TABLE[0]])
    with pytest.raises(InputError, match="k=0"):
        recommend_k([dict(TABLE[0], k=0)])
    with pytest.raises(InputError, match="coherence=nan"):
        recommend_k([dict(TABLE[0], coherence=float("nan"))])


def test_recommend_k_leaves_out_rows_that_leave_documents_unexplained():
    rows = [KScore(k=2, coherence=0.55, diversity=1.0, stability=0.96, unexplained=1 / 3),
            KScore(k=3, coherence=0.52, diversity=1.0, stability=0.93, unexplained=0.0),
            KScore(k=4, coherence=0.49, diversity=0.9, stability=0.86, unexplained=0.0),
            KScore(k=5, coherence=0.46, diversity=0.8, stability=0.79, unexplained=0.01)]
    k, reason = recommend_k(rows)
    assert k == 3
    assert "k=2 left out: their topics leave over 5% more of the documents unexplained" in reason
    # without the coverage column, k=2 wins on coherence and stability
    assert recommend_k([{**r.__dict__, "unexplained": 0.0} for r in rows])[0] == 2
    assert recommend_k([{f: getattr(r, f) for f in ("k", "coherence", "diversity",
                                                    "stability")} for r in rows])[0] == 2


def test_recommend_k_reads_agreement_when_every_row_has_it():
    rows = [dict(k=2, coherence=0.10, diversity=0.9, stability=0.90, agreement=0.80),
            dict(k=3, coherence=0.12, diversity=0.9, stability=0.70, agreement=0.97),
            dict(k=4, coherence=0.20, diversity=0.8, stability=0.85, agreement=0.90)]
    k, reason = recommend_k(rows)
    assert k == 3 and "highest agreement" in reason and "runner-up k=4" in reason
    # a table of your own without agreement (or with a row lacking it): coherence + stability
    assert recommend_k([{n: v for n, v in r.items() if n != "agreement"} for r in rows])[0] == 4
    assert recommend_k(rows[:2] + [{n: v for n, v in rows[2].items() if n != "agreement"}])[0] \
        == 4
    assert recommend_k([KScore(**r) for r in rows])[0] == 3


def test_assignment_agreement_ignores_topic_numbers_and_sees_splits():
    from topicnmf.quality.stability import assignment_agreement

    reference = np.repeat([0, 1, 2], 4)
    columns = [np.arange(12), np.arange(0, 12, 2)]
    same = [np.repeat([2, 0, 1], 4), np.repeat([1, 2, 0], 2)]
    assert assignment_agreement(reference, same, columns) == 1.0
    split = [np.array([0, 0, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2]), np.repeat([0, 1, 2], 2)]
    assert 0 < assignment_agreement(reference, split, columns) < 1
    with pytest.raises(InputError, match="one column set per run"):
        assignment_agreement(reference, same, columns[:1])
