"""Divisive rank-2 NMF (``solver='rank2'``, topicnmf.factor.rank2) on the shipped corpora."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from sklearn.metrics import normalized_mutual_info_score

from topicnmf import InputError, TopicModel, load_corpus, update
from topicnmf.cli import main
from topicnmf.factor import factorize
from topicnmf.factor.projection import contributions
from topicnmf.factor.rank2 import rank2_nmf


@pytest.fixture(scope="module")
def tickets_matrix(tickets):
    return TopicModel(8).fit(tickets).V_


def test_the_first_split_separates_two_real_sources(tickets):
    """Tickets (package descriptions) and Debian changelog entries, mixed: at k = 2 the one
    split of the tree is the split between the sources."""
    changelogs = load_corpus("corpora/changelogs.jsonl.gz")
    texts = list(tickets.texts) + list(changelogs.texts)
    source = np.repeat([0, 1], [len(tickets.texts), len(changelogs.texts)])
    model = TopicModel(2, solver="rank2", random_state=0).fit(texts)
    dominant = model.dominant_topics()
    assert normalized_mutual_info_score(source, dominant) > 0.8
    shown = {model.terms[i] for z in range(2) for i in model.top_term_indices(z, 5)}
    assert shown & {"release", "upstream"}


def test_one_more_topic_splits_one_leaf_and_keeps_the_others(tickets_matrix):
    """The tree grows greedily: the k + 1 leaves are the k leaves with one of them replaced,
    in place, by its two children."""
    W5 = rank2_nmf(tickets_matrix, 5, random_state=0)[0]
    W6 = rank2_nmf(tickets_matrix, 6, random_state=0)[0]
    kept = [z for z in range(5) if any(np.array_equal(W5[:, z], W6[:, y]) for y in range(6))]
    assert len(kept) == 4
    split = ({*range(5)} - {*kept}).pop()
    np.testing.assert_array_equal(W6[:, :split], W5[:, :split])
    np.testing.assert_array_equal(W6[:, split + 2:], W5[:, split + 1:])
    children = W6[:, [split, split + 1]]
    assert not np.allclose(children[:, 0], W5[:, split])


def test_same_seed_same_topics_and_columns_summing_to_one(tickets_matrix):
    W, H, n_iter = factorize(tickets_matrix, 6, solver="rank2", random_state=3)
    again = factorize(tickets_matrix, 6, solver="rank2", random_state=3)
    assert W.tobytes() == again[0].tobytes() and H.tobytes() == again[1].tobytes()
    np.testing.assert_allclose(W.sum(axis=0), 1.0)
    assert n_iter > 0 and (W >= 0).all() and (H >= 0).all()
    assert len(set(contributions(W, H).argmax(axis=0))) == 6


def test_identical_and_empty_documents_still_give_k_topics():
    """Documents alike cannot be told apart by the rank-2 fit: they are cut in halves; an
    empty document stays out of the tree, and k above the documents with terms leaves empty
    topics."""
    V = sp.csc_matrix(np.array([[1.0, 1.0, 1.0, 0.0, 0.0],
                                [2.0, 2.0, 2.0, 0.0, 0.0],
                                [0.0, 0.0, 0.0, 0.0, 3.0]]))
    W, H, _ = rank2_nmf(V, 3, random_state=0)
    assert W.shape == (3, 3) and H.shape == (3, 5)
    np.testing.assert_allclose(W.sum(axis=0), 1.0)
    assert not H[:, 3].any()
    W, H, _ = rank2_nmf(V[:, [3, 4]], 2, random_state=0)
    assert W[:, 0].sum() == pytest.approx(1.0) and not W[:, 1].any()


@pytest.mark.parametrize("settings, message", [
    ({"loss": "kullback-leibler"}, "does not support loss"),
    ({"seeds": [("fonts", np.array([0]))]}, "seed topics use solver='hals'"),
])
def test_what_rank2_cannot_fit_is_refused(tickets_matrix, settings, message):
    with pytest.raises(InputError, match=message):
        factorize(tickets_matrix, 4, solver="rank2", **settings)


def test_fit_update_and_the_cli(tickets, tmp_path):
    runner = CliRunner()
    out = tmp_path / "m"
    result = runner.invoke(main, ["fit", "corpora/tickets.csv.gz", "--id-column", "id", "-k",
                                  "6", "--solver", "rank2", "--seed", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    model = TopicModel.load(out)
    assert model.solver == "rank2" and model.n_topics == 6
    direct = TopicModel(6, solver="rank2", random_state=0).fit(tickets)
    np.testing.assert_array_equal(model.W_, direct.W_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        updated = update(model, list(tickets.texts[:200]))   # continues with block HALS
    assert updated.n_topics >= 6
    refused = runner.invoke(main, ["fit", "corpora/tickets.csv.gz", "-k", "6", "--solver",
                                   "rank2", "--work-dir", str(tmp_path / "w"), "-o",
                                   str(tmp_path / "m2")])
    assert refused.exit_code == 2
    errors = [line for line in refused.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "use solver='hals'" in errors[0]
    assert "Traceback" not in refused.output
