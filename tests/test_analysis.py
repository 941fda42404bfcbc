"""Trends, merge, split and hierarchy on real text: the ticket corpus and the dated slice of
Debian changelog entries (corpora/changelogs.jsonl.gz)."""

import copy
import json

import numpy as np
import pytest

from test_cli import REPO, assert_clean_error, run
from topicnmf import InputError, ModelFormatError, Tagger, TopicModel, load_corpus
from topicnmf import hierarchy, label, merge, split, trends
from topicnmf.present.charts import dendrogram_figure, trends_figure
from topicnmf.present.plots import figure_bytes
from topicnmf.present.report import report
from topicnmf.queries.segment import segments, term_topics
from topicnmf.queries.target import target
from topicnmf.queries.trends import benjamini_hochberg, period_of

CHANGELOGS = REPO / "corpora" / "changelogs.jsonl.gz"


@pytest.fixture(scope="module")
def changelog_model():
    corpus = load_corpus(CHANGELOGS, date_column="date")
    return TopicModel(10, random_state=0).fit(corpus)


def redated(model, dates):
    out = copy.copy(model)
    out.document_meta_ = [{"date": d} for d in dates]
    return out


def top10(model, topic):
    return set(model.top_term_indices(topic, 10).tolist())


# -- merge and split ----------------------------------------------------------------------

def test_merge_then_split_round_trips_sizes_ids_and_labels(tickets_model):
    model = copy.deepcopy(tickets_model)
    model.set_label(0, "Command line").set_label(5, "Media")
    before_W, sizes = model.W_.copy(), model.topic_sizes()
    merged = merge(model, [3, 0])
    assert merged.topic_ids == [0, 1, 2, 4, 5, 6, 7] and merged.next_topic_id == 8
    assert np.array_equal(model.W_, before_W) and model.topic_ids == list(range(8))
    size = merged.topic_sizes()[merged.check_topic(0)]
    assert abs(size - (sizes[0] + sizes[3])) <= 0.1 * (sizes[0] + sizes[3])
    assert merged.label(0) == "Command line" and merged.label(5) == "Media"
    for z in (1, 2, 4, 5, 6, 7):                       # untouched: same id, same topic
        assert len(top10(model, z) & top10(merged, z)) >= 8, z
        # an automatic label is the topic's first three shown terms, which are ranked against
        # the other topics (relevance): a merge elsewhere may reorder them, not replace them
        if z != 5:
            assert set(merged.label(z).split(", ")) <= {model.terms[i] for i in top10(model, z)}
    with pytest.raises(InputError, match="topic 3 does not exist; topics are 0, 1, 2, 4"):
        merged.label(3)

    parts = split(merged, 0)
    assert parts.topic_ids == [0, 1, 2, 4, 5, 6, 7, 8]      # 3 is retired for good
    new_sizes = parts.topic_sizes()
    got = sorted([new_sizes[parts.check_topic(0)], new_sizes[parts.check_topic(8)]])
    want = sorted([sizes[0], sizes[3]])
    # within 20 %: sizes count dominant topics by their part of each document (‖w_z‖·h_z),
    # and the two parts of the merged topic share the borderline documents differently
    assert all(abs(g - w) <= 0.2 * w for g, w in zip(got, want)), (got, want)
    assert len(top10(parts, 0) & top10(model, 0)) >= 7      # closest part keeps the id
    assert len(top10(parts, 8) & top10(model, 3)) >= 7
    assert [parts.label(0), parts.label(8), parts.label(5)] == [
        "Command line (1)", "Command line (2)", "Media"]
    assert split(parts, 2).topic_ids[-1] == 9


def test_merge_keeps_the_reconstruction_about_as_well_as_a_refit(tickets, tickets_model):
    merged = merge(tickets_model, [0, 3])
    refit = TopicModel(7, random_state=0).fit(tickets)
    assert merged.reconstruction_err_ <= 1.01 * refit.reconstruction_err_
    assert merged.reconstruction_err_ >= tickets_model.reconstruction_err_ - 1e-9
    np.testing.assert_allclose(merged.W_.sum(axis=0), 1.0)
    np.testing.assert_allclose(merged.H_, merged.project_matrix(merged.V_), atol=1e-6)


def test_ids_are_saved_and_every_output_prints_them(tickets_model, tmp_path):
    parts = split(merge(tickets_model, [0, 3], label="Tools"), 0)
    ids = parts.topic_ids
    parts.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.topic_ids == ids and loaded.next_topic_id == 9
    assert label(tmp_path / "m", 8, "Mail servers").label(8) == "Mail servers"
    assert TopicModel.load(tmp_path / "m").label(8) == "Mail servers"
    assert [t.topic for t in loaded.topics()] == ids
    assert {r.dominant for r in segments(loaded)} <= set(ids) | {-1}
    assert [r.topic for r in segments(loaded, by="topic")] == ids
    assert {r.topic for r in term_topics(loaded, "server")} <= set(ids)
    assert {z for r in target(loaded, topic=8, budget=5) for z, _ in r.drivers} <= set(ids)
    tagger = Tagger(loaded)
    [(line, csv_lines, _)] = tagger.output_lines(["t1"], ["postfix mail server daemon smtp"])
    record = json.loads(line)
    assert record["topic"] == 8 and {r["topic"] for r in record["shares"]} <= set(ids)  # column 7
    assert record["label"] == loaded.label(record["topic"])
    assert csv_lines.startswith(f"t1,{record['topic']},")
    table = run("topics", tmp_path / "m", "--format", "json")
    assert [t["topic"] for t in json.loads(table.stdout)] == ids
    assert_clean_error(run("target", tmp_path / "m", "--topic", 3), "topic 3 does not exist")
    meta = json.loads((tmp_path / "m" / "model.json").read_text("utf-8"))
    meta["topic_ids"] = [0] * len(ids)
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(ModelFormatError, match="topic_ids should be 8 distinct integers"):
        TopicModel.load(tmp_path / "m")


def test_topics_appended_to_a_model_get_new_ids(tickets_model):
    """A copy of a model with topics added at the end (as an update adds them): the new
    columns get ids above every id the model had; the others keep theirs."""
    merged = merge(tickets_model, [0, 3])
    grown = copy.copy(merged)
    grown.W_ = np.hstack([merged.W_, merged.W_[:, :2]])
    grown.H_ = np.vstack([merged.H_, merged.H_[:2]])
    assert grown.topic_ids == [0, 1, 2, 4, 5, 6, 7, 8, 9] and grown.next_topic_id == 10
    plain = copy.copy(tickets_model)
    plain.W_ = np.hstack([tickets_model.W_, tickets_model.W_[:, :1]])
    assert plain.topic_ids == list(range(9))


def test_merge_and_split_on_the_command_line(saved_model, tmp_path):
    before = {p.name: p.read_bytes() for p in saved_model.iterdir()}
    result = run("merge", saved_model, 4, 1, "-o", tmp_path / "m4", "--label", "Libraries+")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].split()[:2] == ["1", "Libraries+"]
    assert "merged topics 1, 4 into topic 1: 7 topics" in result.stderr
    result = run("split", tmp_path / "m4", 1, "--into", 3, "-o", tmp_path / "m5",
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["1", "8", "9"]
    assert TopicModel.load(tmp_path / "m5").topic_ids == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert {p.name: p.read_bytes() for p in saved_model.iterdir()} == before


# -- trends ---------------------------------------------------------------------------------

def test_trends_finds_a_planted_trend_and_none_in_shuffled_dates(changelog_model):
    rng = np.random.default_rng(0)
    dates = [m["date"] for m in changelog_model.document_meta_]
    shuffled = list(rng.permutation(dates))
    for period in ("month", "quarter", "year"):
        result = trends(redated(changelog_model, shuffled), period=period)
        assert result.rising == [] and result.falling == [], period
        assert all(t.q_value >= 0.05 for t in result.topics)
    # plant: the documents of one topic come more and more often (density ∝ time², so that
    # 13 yearly points carry it too)
    sizes = changelog_model.topic_sizes()
    z = int(np.argsort(sizes)[len(sizes) // 2])              # a middle-sized topic
    planted = list(shuffled)
    days = np.array(sorted(dates), dtype="datetime64[D]")
    span = (days[-1] - days[0]).astype(int)
    for j in np.flatnonzero(changelog_model.dominant_topics() == z):
        planted[j] = str(days[0] + int(span * rng.random() ** (1 / 3)))
    topic = changelog_model.topic_ids[z]
    for period in ("quarter", "year"):
        result = trends(redated(changelog_model, planted), period=period)
        assert [t.topic for t in result.rising] == [topic], period
        assert result.rising[0].q_value < 0.05 and result.rising[0].slope > 0


def test_trends_counts_undated_documents_apart_and_checks_its_input(changelog_model,
                                                                    tickets_model):
    dates = [m["date"] for m in changelog_model.document_meta_]
    some = [None if j % 4 == 0 else d for j, d in enumerate(dates)]
    result = trends(redated(changelog_model, some), period="year")
    assert result.undated == sum(d is None for d in some)
    assert sum(result.counts) + result.undated == changelog_model.n_documents
    np.testing.assert_allclose(result.shares.sum(axis=1), 1.0)
    with pytest.raises(InputError, match="none of the model's 2500 documents has a date"):
        trends(tickets_model)
    with pytest.raises(InputError, match="period='week'"):
        trends(changelog_model, period="week")
    with pytest.raises(InputError, match="at least 5 years with at least 500"):
        trends(changelog_model, period="year", min_documents=500)
    assert [period_of("2024-11-30", p) for p in ("month", "quarter", "year")] == [
        "2024-11", "2024-Q4", "2024"]
    np.testing.assert_allclose(benjamini_hochberg([0.2, 0.01, 0.03]), [0.2, 0.03, 0.045])


def test_trends_on_the_command_line_with_a_deterministic_plot(changelog_model, tmp_path):
    changelog_model.save(tmp_path / "m")
    result = run("trends", tmp_path / "m", "--period", "year", "--plot", tmp_path / "a.png",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 10 and [r["slope"] for r in rows] == sorted(
        (r["slope"] for r in rows), reverse=True)
    assert "2138 dated documents in 13 years" in result.stderr
    run("trends", tmp_path / "m", "--period", "year", "--plot", tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    found = trends(changelog_model, period="quarter")
    assert figure_bytes(trends_figure(found), "svg") == figure_bytes(trends_figure(found), "svg")


# -- hierarchy -----------------------------------------------------------------------------

def leaves(node):
    return [node["topic"]] if "topic" in node else [t for c in node["children"]
                                                   for t in leaves(c)]


def test_hierarchy_json_covers_every_topic_once(tickets_model, tmp_path):
    model = split(merge(tickets_model, [2, 6]), 4)
    model.save(tmp_path / "m")
    result = run("hierarchy", tmp_path / "m", "--format", "json", "--plot", tmp_path / "t.svg")
    assert result.exit_code == 0, result.output
    [root] = json.loads(result.stdout)
    assert sorted(leaves(root)) == model.topic_ids and len(set(leaves(root))) == len(leaves(root))

    def check(node):
        if "topic" in node:
            assert set(node) == {"topic", "label", "size"}
            assert node["label"] == model.label(node["topic"])
            return 0.0
        assert node["topics"] == leaves(node) and len(node["children"]) == 2
        assert node["similarity"] == pytest.approx(1 - node["distance"], abs=2e-6)
        assert all(check(child) <= node["distance"] + 1e-9 for child in node["children"])
        return node["distance"]

    check(root)
    table = run("hierarchy", tmp_path / "m").stdout.splitlines()
    assert len(table) == 2 + 2 * model.n_topics - 1
    tree = hierarchy(model)
    assert figure_bytes(dendrogram_figure(tree), "png") == figure_bytes(
        dendrogram_figure(tree), "png")
    assert (tmp_path / "t.svg").read_bytes().startswith(b"<?xml")
    one = merge(merge(merge(tickets_model, [0, 1, 2]), [3, 4, 5]), [0, 3, 6, 7])
    assert hierarchy(one).root == {"topic": 0, "label": one.label(0), "size": 2500}


def test_the_report_shows_trends_and_the_hierarchy(changelog_model, tickets_model):
    html = report(changelog_model, max_map_documents=200)
    assert '<section id="hierarchy"' in html and '<section id="time"' in html
    assert '<table class="trends">' in html and "↑ rising" in html
    html = report(tickets_model, max_map_documents=200)
    assert '<section id="hierarchy"' in html and '<section id="time"' not in html


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("args,pattern", [
    (["merge", "{m}", 2, "-o", "{out}"], "give two or more different topics"),
    (["merge", "{m}", 2, 2, "-o", "{out}"], "give two or more different topics"),
    (["merge", "{m}", 2, 99, "-o", "{out}"], "topic 99 does not exist; topics are 0..7"),
    (["merge", "{m}", 1, 2, "-o", "{m}"], "is the input model"),
    (["split", "{m}", 12, "-o", "{out}"], "topic 12 does not exist"),
    (["split", "{m}", 1, "--into", 1, "-o", "{out}"], "1 is not in the range x>=2"),
    (["split", "{m}", 1, "--into", 5000, "-o", "{out}"], "splitting it into 5000 needs"),
    (["trends", "{m}"], "none of the model's 2500 documents has a date"),
    (["trends", "{m}", "--period", "week"], "'week' is not one of"),
    (["trends", "{m}", "--alpha", 1], "alpha=1"),
    (["hierarchy", "{m}", "--plot", "{m}/model.json"], "model.json"),
])
def test_bad_input_is_one_clean_line(saved_model, tmp_path, args, pattern):
    before = {p.name: p.read_bytes() for p in saved_model.iterdir()}
    names = {"m": saved_model, "out": tmp_path / "out"}
    result = run(*[str(a).format(**names) for a in args])
    assert_clean_error(result, pattern)
    assert not (tmp_path / "out").exists()
    assert {p.name: p.read_bytes() for p in saved_model.iterdir()} == before


def test_a_model_with_missing_cells_is_not_reshaped():
    from topicnmf import fit_matrix

    ratings = fit_matrix(REPO / "corpora" / "ratings.csv", 2, missing="blank")
    with pytest.raises(InputError, match="missing cells is not supported"):
        merge(ratings, [0, 1])
    purchases = fit_matrix(REPO / "corpora" / "purchases.csv", 3, random_state=0)
    assert merge(purchases, [1, 2]).topic_ids == [0, 1]
