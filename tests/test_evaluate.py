"""evaluate and choose-k: the library functions and their commands."""

import json

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf import TopicModel
from topicnmf.errors import InputError
from topicnmf.quality.choose import choose_k, evaluate, parse_k_range
from topicnmf.model.items import fit_matrix
from topicnmf.present.rows import rows
from topicnmf.quality.measures import (npmi_coherence, top_term_indices, topic_diversity,
                                       topic_uniqueness)
from topicnmf.quality.stability import resample_columns

from test_cli import REPO, assert_clean_error, run

EXACT = dict(rtol=0, atol=1e-12)
# A few of the many small fits may stop at max_iter; that summary warning has its own test.
pytestmark = pytest.mark.filterwarnings("ignore:.*fits stopped at the iteration limit")


# -- a corpus of clearly separate groups ------------------------------------------------------

def pseudo_words(n_groups, size, seed=0):
    """``n_groups`` disjoint lists of ``size`` made-up words (three syllables each)."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    rng = np.random.default_rng(seed)
    seen, groups = set(), []
    for _ in range(n_groups):
        group = []
        while len(group) < size:
            word = "".join(rng.choice(syllables, size=3))
            if word not in seen:
                seen.add(word)
                group.append(word)
        groups.append(group)
    return groups


def separate_groups(n_groups, per_group=60, size=50, length=20, seed=0):
    """Documents that each draw ``length`` words (Zipf-weighted) from their group's own
    vocabulary: the groups share no word, so there are exactly ``n_groups`` topics."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, size + 1)
    weights /= weights.sum()
    return [" ".join(rng.choice(words, size=length, p=weights))
            for words in pseudo_words(n_groups, size, seed) for _ in range(per_group)]


@pytest.mark.parametrize("n_groups", [3, 5])
def test_choose_k_recommends_the_number_of_separate_groups(n_groups):
    choice = choose_k(separate_groups(n_groups), range(2, 9),
                      estimator=TopicModel(random_state=0), runs=3)
    assert choice.k == n_groups, rows(choice)
    assert [s.k for s in choice.scores] == list(range(2, 9))
    assert f"k={n_groups}:" in choice.reason
    best = choice.scores[n_groups - 2]
    # The right k: every topic is one group, so no top term is shared and the topics come back.
    assert best.diversity == 1.0
    assert best.stability == max(s.stability for s in choice.scores)
    # ... and every resample puts the documents in the same groups (the rule's measure)
    assert best.agreement == 1.0 == max(s.agreement for s in choice.scores)
    assert "highest agreement of the documents' dominant topics" in choice.reason
    errors = [s.error for s in choice.scores]
    assert errors == sorted(errors, reverse=True)          # more topics, smaller error
    assert [r["recommended"] for r in rows(choice)].count(True) == 1


@pytest.mark.parametrize("n_groups,seed", [(3, 4), (4, 3)])
def test_choose_k_does_not_pick_a_k_that_leaves_a_group_unexplained(n_groups, seed):
    # Smaller groups: with k = n_groups - 1 the topics cover all but one group and look as
    # coherent and stable as the right k; only the documents left unexplained show it.
    texts = separate_groups(n_groups, per_group=40, seed=seed)
    choice = choose_k(texts, range(2, 9), estimator=TopicModel(random_state=seed), runs=3,
                      random_state=seed)
    too_few = choice.scores[n_groups - 3]
    assert too_few.k == n_groups - 1
    assert too_few.unexplained == pytest.approx(1 / n_groups)
    assert choice.scores[n_groups - 2].unexplained == 0.0
    assert choice.k == n_groups, rows(choice)
    assert "left out: their topics leave over 5% more of the documents unexplained" in \
        choice.reason


def test_choose_k_does_not_depend_on_jobs():
    texts = separate_groups(3, per_group=20)
    one = choose_k(texts, "2:4", estimator=TopicModel(random_state=1), runs=2, jobs=1)
    two = choose_k(texts, "2:4", estimator=TopicModel(random_state=1), runs=2, jobs=2)
    assert rows(one) == rows(two) and one.reason == two.reason


def test_choose_k_rejects_bad_arguments():
    texts = separate_groups(2, per_group=5)
    with pytest.raises(InputError, match="runs=0"):
        choose_k(texts, [2], runs=0)
    with pytest.raises(InputError, match="keep k <= 10"):
        choose_k(texts, [2, 11], runs=1)
    with pytest.raises(InputError, match="seed topics"):
        choose_k(texts, [2], estimator=TopicModel(seed_topics={"a": ["b"]}), runs=1)


def test_parse_k_range():
    assert parse_k_range("5:60:5") == list(range(5, 61, 5))
    assert parse_k_range("2:4") == [2, 3, 4]
    assert parse_k_range(" 12, 4,8,8 ") == [4, 8, 12]
    assert parse_k_range("7") == [7]
    for bad in ("5:x", "1:2:3:4", "5:10:0", "", "0:3", "10:5"):
        with pytest.raises(InputError):
            parse_k_range(bad)


# -- evaluate on the shipped ticket corpus -----------------------------------------------------

def test_evaluate_identical_runs_are_perfectly_stable(tickets_model):
    # sample 1.0: every run refits all documents with the model's seed, so it finds the
    # model's own topics again.
    result = evaluate(tickets_model, runs=2, sample_fraction=1.0)
    assert [t.stability for t in result.topics] == [1.0] * tickets_model.n_topics
    assert result.stability == 1.0


def test_evaluate_scores_are_the_quality_measures_of_the_model(tickets_model):
    model = tickets_model
    result = evaluate(model, runs=0)
    V = model.V_
    np.testing.assert_allclose([t.coherence for t in result.topics],
                               npmi_coherence(top_term_indices(model.W_, 10), V), **EXACT)
    np.testing.assert_allclose([t.diversity for t in result.topics],
                               topic_uniqueness(top_term_indices(model.W_, 25)), **EXACT)
    assert result.diversity == pytest.approx(topic_diversity(top_term_indices(model.W_, 25)),
                                             abs=1e-12)
    assert [t.size for t in result.topics] == model.topic_sizes().tolist()
    assert sum(t.size for t in result.topics) == model.n_documents
    assert result.error == pytest.approx(model.reconstruction_err_ / sp.linalg.norm(V))
    # evaluate scores the top terms by weight (those the coherence is computed on)
    assert [t.terms[:3] for t in result.topics] == \
        [[term for term, _ in t.terms] for t in model.topics(3, relevance=1.0)]
    assert result.stability is None and all(t.stability is None for t in result.topics)
    table = rows(result)
    assert table[-1]["topic"] == "all" and table[-1]["error"] == result.error
    assert {tuple(r) for r in table} == {tuple(table[0])}


def test_real_topics_are_more_coherent_than_random_term_sets(tickets_model):
    model = tickets_model
    coherence = evaluate(model, runs=0).coherence
    rng = np.random.default_rng(0)
    random_terms = np.stack([rng.choice(model.W_.shape[0], 10, replace=False)
                             for _ in range(model.n_topics)])
    assert coherence > 0.1
    assert npmi_coherence(random_terms, model.V_).mean() < coherence - 0.1


def test_evaluate_resampled_runs_match_the_topics(tickets_model):
    result = evaluate(tickets_model, runs=2, sample_fraction=0.8, random_state=0)
    stabilities = np.array([t.stability for t in result.topics])
    assert np.all((stabilities > 0) & (stabilities <= 1))
    assert result.stability == pytest.approx(stabilities.mean())
    assert stabilities.max() > 0.5     # real topics come back on 80% of the documents
    again = evaluate(tickets_model, runs=2, sample_fraction=0.8, random_state=0, jobs=2)
    assert again == result


def test_evaluate_a_ratings_model_with_missing_cells():
    model = fit_matrix(REPO / "corpora" / "ratings.csv", 2, missing="blank", random_state=0)
    result = evaluate(model, top=3, runs=2, sample_fraction=1.0)
    assert [t.stability for t in result.topics] == [1.0, 1.0]
    assert len(result.topics) == 2 and len(result.topics[0].terms) == 3


def test_evaluate_rejects_bad_arguments(tickets_model):
    for kwargs, pattern in (({"top": 1}, "top=1"), ({"runs": -1}, "runs=-1"),
                            ({"sample_fraction": 0}, "sample_fraction=0"),
                            ({"jobs": 0}, "jobs=0")):
        with pytest.raises(InputError, match=pattern):
            evaluate(tickets_model, **kwargs)


# -- measures added for evaluate ---------------------------------------------------------------

def test_topic_uniqueness_by_hand_and_its_mean_is_the_diversity():
    top = [[0, 1, 2], [2, 3, 4], [2, 4, 5]]
    # counts: 0:1 1:1 2:3 3:1 4:2 5:1
    np.testing.assert_allclose(topic_uniqueness(top),
                               [(1 + 1 + 1 / 3) / 3, (1 / 3 + 1 + 1 / 2) / 3,
                                (1 / 3 + 1 / 2 + 1) / 3], **EXACT)
    assert topic_uniqueness(top).mean() == pytest.approx(topic_diversity(top), abs=1e-15)
    assert topic_uniqueness([[0, 1], [0, 1]]).tolist() == [0.5, 0.5]


def test_resample_columns_contract():
    runs = resample_columns(10, 3, 0.75, random_state=4)
    assert len(runs) == 3
    for columns in runs:
        assert columns.tolist() == sorted(set(columns.tolist())) and len(columns) == 8
        assert columns.min() >= 0 and columns.max() < 10
    assert [c.tolist() for c in resample_columns(10, 3, 0.75, random_state=4)] == \
        [c.tolist() for c in runs]
    assert [c.tolist() for c in resample_columns(5, 2, 1.0)] == [[0, 1, 2, 3, 4]] * 2


# -- the commands ------------------------------------------------------------------------------

def test_evaluate_command(saved_model):
    result = run("evaluate", saved_model, "--runs", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 9 and rows[-1]["topic"] == "all"
    assert all(0 <= r["stability"] <= 1 for r in rows)
    assert all(len(r["terms"]) == 10 for r in rows[:-1])
    assert "coherence" in result.stderr and "relative error" in result.stderr
    table = run("evaluate", saved_model, "--runs", "0")
    assert table.exit_code == 0 and table.stdout.splitlines()[0].split()[:4] == \
        ["topic", "label", "size", "coherence"]


def test_evaluate_command_errors(tmp_path):
    (tmp_path / "notamodel").mkdir()
    assert_clean_error(run("evaluate", tmp_path / "notamodel"), "model")


def test_choose_k_command_table_plot_and_determinism(tmp_path):
    corpus = tmp_path / "groups.txt"
    corpus.write_text("\n".join(separate_groups(3)) + "\n")
    plot = tmp_path / "k.png"
    args = ["choose-k", corpus, "--k", "2:5", "--runs", "3"]
    result = run(*args, "--plot", plot)
    assert result.exit_code == 0, result.output
    assert "recommended: k=3:" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = run(*args, "--format", "csv", "--plot", tmp_path / "a.svg")
    again = run(*args, "--format", "csv", "--jobs", "2", "--plot", tmp_path / "b.svg")
    assert first.stdout == again.stdout
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert b"<svg" in (tmp_path / "a.svg").read_bytes()
    lines = first.stdout.splitlines()
    assert lines[0] == ("k,coherence,diversity,stability,agreement,error,unexplained,"
                        "recommended")
    assert [line.split(",")[0] for line in lines[1:]] == ["2", "3", "4", "5"]
    assert [line.split(",")[-1] for line in lines[1:]] == ["false", "true", "false", "false"]


def test_choose_k_command_errors(tmp_path):
    corpus = tmp_path / "groups.txt"
    corpus.write_text("\n".join(separate_groups(2, per_group=5)) + "\n")
    assert_clean_error(run("choose-k", corpus, "--k", "5:x"), "k range '5:x'")
    assert_clean_error(run("choose-k", corpus, "--k", "2,50"), "keep k <= 10")


def test_fit_weighting_option(tickets_path, tmp_path):
    result = run("fit", tickets_path, "--id-column", "id", "-k", "3", "--weighting", "counts",
                 "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    model = TopicModel.load(tmp_path / "m")
    assert model.use_idf is False and model.sublinear_tf is False
    assert np.allclose(model.vectorizer_.idf_, 1.0)


def test_cli_choices_are_the_library_choices():
    from topicnmf import cli
    from topicnmf import factor
    from topicnmf.text import vectorize

    assert cli.SOLVERS == factor.SOLVERS and cli.LOSSES == factor.LOSSES
    assert cli.INITS == factor.INITS
    assert cli.WEIGHTINGS == tuple(vectorize.WEIGHTINGS)


# -- resuming a long choose-k ------------------------------------------------------------------

def _interrupt_after(n):
    """A progress wrapper that lets ``n`` fits finish, then raises KeyboardInterrupt."""
    def progress(iterable, **kwargs):
        for i, item in enumerate(iterable):
            if i == n:
                raise KeyboardInterrupt
            yield item
    return progress


@pytest.mark.parametrize("jobs", [1, 2])
def test_choose_k_resumes_from_its_journal_after_an_interruption(tmp_path, jobs):
    texts = separate_groups(3, per_group=20)
    journal = tmp_path / "fits.jsonl"
    settings = dict(estimator=TopicModel(random_state=0), runs=2)
    uninterrupted = choose_k(texts, "2:4", **settings)
    with pytest.raises(KeyboardInterrupt):
        choose_k(texts, "2:4", journal=journal, jobs=jobs, progress=_interrupt_after(4),
                 **settings)
    resumed = choose_k(texts, "2:4", journal=journal, jobs=jobs, **settings)
    assert resumed.reused == 4
    assert rows(resumed) == rows(uninterrupted) and resumed.reason == uninterrupted.reason
    again = choose_k(texts, "2:4", journal=journal, **settings)
    assert again.reused == 9 and rows(again) == rows(uninterrupted)


def test_choose_k_journal_grows_with_more_k_and_survives_a_torn_line(tmp_path):
    texts = separate_groups(3, per_group=20)
    journal = tmp_path / "fits.jsonl"
    settings = dict(estimator=TopicModel(random_state=0))
    choose_k(texts, "2:3", runs=1, journal=journal, **settings)          # 4 fits
    with open(journal, "a") as f:
        f.write('{"key": "k=4", "chunk": -1, "top_ter')                  # killed mid-write
    wider = choose_k(texts, "2:4", runs=2, journal=journal, **settings)
    assert wider.reused == 4
    assert rows(wider) == rows(choose_k(texts, "2:4", runs=2, **settings))


def test_choose_k_journal_of_other_settings_is_refused(tmp_path):
    texts = separate_groups(3, per_group=20)
    journal = tmp_path / "fits.jsonl"
    choose_k(texts, [2], runs=1, journal=journal, estimator=TopicModel(random_state=0))
    before = journal.read_bytes()
    with pytest.raises(InputError, match="holds fits of another corpus or other settings"):
        choose_k(texts, [2], runs=1, journal=journal, estimator=TopicModel(random_state=1))
    with pytest.raises(InputError, match="holds fits of another corpus"):
        choose_k(texts[:-5], [2], runs=1, journal=journal, estimator=TopicModel(random_state=0))
    assert journal.read_bytes() == before
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    with pytest.raises(InputError, match="notes.txt holds fits of another"):
        choose_k(texts, [2], runs=1, journal=other)
    assert other.read_text() == "my notes\n"


def test_choose_k_command_journal(tmp_path):
    corpus = tmp_path / "groups.txt"
    corpus.write_text("\n".join(separate_groups(3, per_group=20)) + "\n")
    args = ["choose-k", corpus, "--k", "2:3", "--runs", "1", "--journal", tmp_path / "j.jsonl",
            "--format", "csv"]
    first, second = run(*args), run(*args)
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert first.stdout == second.stdout
    assert "(0 from" in first.stderr and "(4 from" in second.stderr


def test_evaluate_refits_a_seeded_model_with_its_seeds(tickets):
    seeds = {"Games": ["game", "player", "puzzle"], "Fonts": ["font", "typeface", "glyph"]}
    model = TopicModel(6, random_state=0, seed_topics=seeds).fit(tickets)
    result = evaluate(model, runs=1, sample_fraction=1.0)
    # the refit of all documents with the same seeds finds the same topics, names included
    assert [t.stability for t in result.topics] == [1.0] * 6
    assert [t.label for t in result.topics[:2]] == ["Games", "Fonts"]
    assert {"game", "player", "puzzle"} <= set(result.topics[0].terms)


def test_unconverged_fits_are_summed_up_in_one_warning():
    from sklearn.exceptions import ConvergenceWarning

    texts = separate_groups(3, per_group=20)
    with pytest.warns(ConvergenceWarning) as caught:
        choose_k(texts, [2, 3], estimator=TopicModel(random_state=0, max_iter=1), runs=1)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert messages == ["4 of 4 fits stopped at the iteration limit before converging; their "
                        "topics may be a little less stable (raise max_iter / --max-iter)"]


# -- the worker pool behind evaluate, choose_k and tag ---------------------------------------

_OFFSET = None


def _keep_offset(offset):
    global _OFFSET
    _OFFSET = offset


def _forget_offset():
    _keep_offset(None)


def _add_offset(item):
    if item == "boom":
        raise ValueError("boom")
    return item + _OFFSET


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_in_processes_yields_every_result_and_keeps_no_state(jobs):
    from topicnmf.parallel import run_in_processes

    pool = dict(jobs=jobs, initializer=_keep_offset, initargs=(10,), cleanup=_forget_offset)
    assert list(run_in_processes(_add_offset, range(6), **pool)) == list(range(10, 16))
    unordered = list(run_in_processes(_add_offset, range(6), ordered=False, **pool))
    assert sorted(unordered) == list(range(10, 16))
    assert list(run_in_processes(_add_offset, [], **pool)) == []
    assert _OFFSET is None                       # workers kept it; this process did not
    with pytest.raises(ValueError, match="boom"):
        list(run_in_processes(_add_offset, [1, "boom", 2], **pool))
    assert _OFFSET is None


def test_evaluate_and_choose_k_keep_no_matrix_after_they_return(tickets_model):
    from topicnmf.quality import runner

    evaluate(tickets_model, top=3, runs=1)
    choose_k(separate_groups(2, per_group=10), [2], runs=1)
    assert runner._SETUP is None


def test_choose_k_reads_dominant_topics_as_the_model_does(tickets_model):
    """The agreement of choose-k compares dominant topics read by contribution, the rule of
    topics, segments, tag and assign (not argmax H: W's columns sum to 1, so argmax H favours
    diffuse topics)."""
    from topicnmf.quality.runner import dominant_topics

    W, H = tickets_model.W_, tickets_model.H_
    ours = dominant_topics(W, H)
    np.testing.assert_array_equal(ours, tickets_model.dominant_topics())
    assert (ours != H.argmax(axis=0)).any()
