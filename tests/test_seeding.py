import json
import logging

import pytest

from topicnmf import InputError, TopicModel
from topicnmf.factor.seeding import read_seed_topics

from test_cli import assert_clean_error, run

SEEDS = {"Games": ["games", "player", "puzzle"], "Fonts": ["font", "typeface", "glyph"],
         "Python": ["python", "module", "import"]}


def seed_rows(model, word):
    index = {t: i for i, t in enumerate(model.vectorizer_.vocabulary_)}
    return [index[t] for t in model.vectorizer_.preprocessor(word) if t in index]


@pytest.fixture(scope="module")
def seeded(tickets):
    return TopicModel(10, random_state=0, seed_topics=SEEDS, stem=True).fit(tickets)


def test_seeded_topics_have_their_names_and_seed_words(seeded, tickets):
    assert seeded.topic_labels_[:3] == ["Games", "Fonts", "Python"]
    assert all(label is None for label in seeded.topic_labels_[3:])
    for z, words in enumerate(SEEDS.values()):
        top = set(seeded.top_term_indices(z, 10).tolist())
        for word in words:
            rows = seed_rows(seeded, word)
            assert rows and all(r in top for r in rows), (word, seeded.topics(10)[z])
    # the named topics hold real documents: most "Games" documents are from the games section
    games = [d.meta["label"] for d, z in zip(tickets, seeded.dominant_topics()) if z == 0]
    assert len(games) >= 15 and games.count("games") > len(games) / 2


def test_seed_topics_survive_save_and_load(seeded, tmp_path):
    seeded.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["params"]["seed_topics"] == [[k, v] for k, v in SEEDS.items()]
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.seed_topics == meta["params"]["seed_topics"]
    assert [loaded.label(z) for z in range(3)] == list(SEEDS)


def test_unknown_seed_words_warn_and_empty_seed_topics_become_free(tickets, caplog):
    seeds = {"Fonts": ["font", "zzqxw"], "Nothing": ["qqqqz", "xxyyq"]}
    with caplog.at_level(logging.WARNING, logger="topicnmf"):
        model = TopicModel(6, random_state=0, seed_topics=seeds).fit(tickets)
    text = caplog.text
    assert "'Fonts': 'zzqxw' not in the vocabulary" in text
    assert "'Nothing': 'qqqqz', 'xxyyq' not in the vocabulary" in text
    assert "'Nothing' has no known word; it becomes a free topic" in text
    assert model.topic_labels_ == ["Fonts"] + [None] * 5
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="topicnmf"):   # the fit has warned already
        assert [name for name, _ in model.seed_terms()] == ["Fonts"]
    assert caplog.text == ""


def test_more_seed_topics_than_k_is_an_input_error(tickets):
    with pytest.raises(InputError, match="3 seed topics but only k=2"):
        TopicModel(2, seed_topics=SEEDS).fit(tickets)


def test_labels_survive_save_and_load(tickets_model, tmp_path):
    model = TopicModel.load(_copy(tickets_model, tmp_path / "m"))
    auto = model.label(3)
    model.set_label(3, "  Billing & refunds ")
    model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.label(3) == "Billing & refunds" and loaded.topics(3)[3].label == loaded.label(3)
    loaded.set_label(3, None)
    assert loaded.label(3) == auto


def _copy(model, path):
    model.save(path)
    return path


def test_label_command_names_and_clears(tickets_model, tmp_path):
    path = _copy(tickets_model, tmp_path / "m")
    result = run("label", path, 2, "Billing & refunds")
    assert result.exit_code == 0 and result.stdout == "topic 2: Billing & refunds\n"
    assert "Billing & refunds" in run("topics", path, "--format", "csv").stdout
    assert TopicModel.load(path).topic_labels_[2] == "Billing & refunds"
    assert run("label", path, 2, "--clear").exit_code == 0
    assert TopicModel.load(path).topic_labels_[2] is None
    assert_clean_error(run("label", path, 99, "x"), r"topic 99 does not exist; topics are 0..7")
    assert_clean_error(run("label", path, 1), r"give either a NAME")


def test_fit_with_seed_topics_file_json_and_toml(tickets_path, tmp_path):
    (tmp_path / "s.json").write_text('{"Games": ["game", "player"], "Fonts": ["font"]}')
    (tmp_path / "s.toml").write_text('Games = ["game", "player"]\nFonts = ["font"]\n')
    assert read_seed_topics(tmp_path / "s.toml") == read_seed_topics(tmp_path / "s.json")
    result = run("fit", tickets_path, "--id-column", "id", "-k", 6, "-o", tmp_path / "m",
                 "--seed-topics", tmp_path / "s.toml")
    assert result.exit_code == 0, result.output
    rows = run("topics", tmp_path / "m", "--format", "json", "--top", 10).stdout
    topics = json.loads(rows)
    assert [t["label"] for t in topics[:2]] == ["Games", "Fonts"]
    assert {"game", "player"} <= {t["term"] for t in topics[0]["terms"]}


@pytest.mark.parametrize("name,content,pattern", [
    ("s.json", '{"Games": ["game",}', r"s.json line 1: not valid JSON"),
    ("s.toml", 'Games = [game]', r"s.toml: not valid TOML"),
    ("s.json", '["game"]', r"expected an object mapping topic names to lists of words"),
    ("s.json", '{"Games": [1, 2]}', r"seed topic 'Games' must be a list of words"),
])
def test_bad_seed_files_are_one_clean_line(tickets_path, tmp_path, name, content, pattern):
    (tmp_path / name).write_text(content)
    result = run("fit", tickets_path, "--id-column", "id", "-k", 4, "-o", tmp_path / "m",
                 "--seed-topics", tmp_path / name)
    assert_clean_error(result, pattern)
    assert not (tmp_path / "m").exists()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver,loss", [("mu", "kullback-leibler"), ("minibatch", "frobenius")])
def test_seeding_works_with_other_solvers(tickets, solver, loss):
    model = TopicModel(6, solver=solver, loss=loss, random_state=0, max_iter=100,
                       seed_topics={"Fonts": ["font", "typeface"]}).fit(tickets)
    top = set(model.top_term_indices(0, 10).tolist())
    assert model.label(0) == "Fonts" and set(seed_rows(model, "font")) <= top


def test_cli_seed_weight_default_is_the_library_default():
    from topicnmf.cli import fit
    from topicnmf.factor.seeding import SEED_WEIGHT

    option = next(p for p in fit.params if p.name == "seed_weight")
    assert option.default == SEED_WEIGHT
