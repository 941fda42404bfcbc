"""Using topicnmf leaves the process as it found it: csv's field limit, warnings, no model
kept in a module after a call returns."""

import csv
import warnings

from topicnmf import load_corpus
from topicnmf.tagging import batch as batchtag

from test_cli import run


def test_reading_a_long_csv_field_leaves_csvs_limit_alone(tmp_path):
    before = csv.field_size_limit(131072)               # csv's default
    long_text = "printer " * 40_000                     # 320 kB: above csv's default limit
    (tmp_path / "c.csv").write_text(f"id,text\na,{long_text}\nb,refund invoice\n")
    corpus = load_corpus(tmp_path / "c.csv", id_column="id")
    assert len(corpus.documents[0].text) == len(long_text)
    assert csv.field_size_limit(before) == 131072


def test_the_cli_restores_the_warning_hook(saved_model):
    hook = warnings.showwarning
    assert run("topics", saved_model).exit_code == 0
    assert warnings.showwarning is hook


def test_tag_keeps_no_model_after_it_returns(saved_model, tickets_path, tmp_path):
    from topicnmf import TopicModel

    batchtag.tag([tickets_path], TopicModel.load(saved_model), tmp_path / "t",
                 id_column="id")
    assert batchtag._TAGGER is None


def test_assign_reads_a_long_csv_field_and_leaves_the_limit_alone(saved_model):
    from topicnmf import TopicModel
    from topicnmf.tagging.tagger import assign

    before = csv.field_size_limit(131072)
    rows = list(assign(TopicModel.load(saved_model),
                       ["id,text\n", "a," + "printer driver " * 20_000 + "\n"]))
    assert [row["id"] for row in rows] == ["a"] and "invalid" not in rows[0]
    assert csv.field_size_limit(before) == 131072
