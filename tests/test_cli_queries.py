"""The query verbs on the command line: segments, recommend, similar, target, topics --term."""

import json
from pathlib import Path

import pytest

from test_cli import assert_clean_error, run

PURCHASES = Path(__file__).resolve().parent.parent / "corpora" / "purchases.csv"


@pytest.fixture(scope="module")
def purchases_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("p") / "purchases"
    result = run("fit", "--matrix", PURCHASES, "-k", 3, "-o", out)
    assert result.exit_code == 0, result.output
    assert "fitted 3 segments: 5 items × 10 people" in result.stderr
    return out


def test_purchases_walkthrough_commands(purchases_model):
    mary = run("recommend", purchases_model, "Mary", "--top", 3)
    assert [line.split()[1] for line in mary.stdout.splitlines()[2:]] == \
        ["Bread", "Fruits", "Sweets"]
    assert "left out 1 item(s) Mary already has" in mary.stderr
    campaign = json.loads(run("target", purchases_model, "--term", "Coffee", "--budget", 4,
                              "--format", "json").stdout)
    assert [(r["doc_id"], r["status"]) for r in campaign] == [
        ("Peter", "existing"), ("Jennifer", "prospect"), ("Alice", "prospect"),
        ("Greg", "prospect")]
    rows = run("segments", purchases_model, "--format", "csv").stdout.splitlines()
    assert rows[0] == "doc_id,dominant,label,share,topics" and len(rows) == 11
    john = [r for r in rows if r.startswith("John,")][0]
    assert john.endswith(",1.0,0 (1.000)") or ",1.0," in john
    lines = run("segments", purchases_model, "--by", "topic", "--format", "jsonl").stdout
    assert sum(json.loads(line)["size"] for line in lines.splitlines()) == 10
    coffee = json.loads(run("topics", purchases_model, "--term", "coffee",
                            "--format", "json").stdout)
    assert len(coffee) == 1 and coffee[0]["share"] == 1.0


def test_query_verbs_on_a_text_model(saved_model):
    result = run("similar", saved_model, "--text", "fast regular expression library",
                 "--top", 3, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert list(rows[0]) == ["rank", "doc_id", "score", "latent", "lexical", "shared_topics",
                             "snippet"]
    doc = rows[0]["doc_id"]
    again = run("similar", saved_model, doc, "--top", 2, "--format", "csv").stdout
    assert doc not in [line.split(",")[1] for line in again.splitlines()[1:]]
    recs = run("recommend", saved_model, doc, "--include-seen", "--format", "json")
    assert any(r["seen"] for r in json.loads(recs.stdout)) and "left out" not in recs.stderr
    topic = run("target", saved_model, "--topic", 2, "--budget", 3, "--format", "csv")
    assert topic.stdout.splitlines()[0] == "rank,doc_id,score,status,drivers"
    assert len(topic.stdout.splitlines()) == 4


@pytest.mark.parametrize("args, pattern", [
    (["recommend", "{m}", "no-such-doc"], r"document id 'no-such-doc' is not in the model"),
    (["similar", "{m}", "no-such-doc"], r"document id 'no-such-doc'"),
    (["target", "{m}", "--term", "pythn"], r"term 'pythn' .*did you mean 'python'"),
    (["target", "{m}", "--topic", 99], r"topic 99 does not exist"),
    (["topics", "{m}", "--term", "pythn"], r"term 'pythn'"),
    (["segments", "{m}", "--threshold", 2],
     r"threshold=2.0: must be a finite number with 0 < threshold <= 1"),
])
def test_unknown_ids_terms_and_topics_are_one_clean_line(saved_model, args, pattern):
    result = run(*[saved_model if a == "{m}" else a for a in args])
    assert_clean_error(result, pattern)


def test_usage_errors(saved_model):
    assert run("similar", saved_model).exit_code == 2
    assert run("target", saved_model).exit_code == 2
    assert run("target", saved_model, "--term", "python", "--topic", 1).exit_code == 2
    assert run("fit", "-o", "/tmp/never-written", "-k", 2).exit_code == 2


def test_bad_matrix_file_is_one_clean_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("product,Ann,Bob\nBread,1,-3\n")
    result = run("fit", "--matrix", path, "-k", 1, "-o", tmp_path / "m")
    assert_clean_error(result, r"row 'Bread', column 'Bob': '-3' is not a non-negative number")
    assert not (tmp_path / "m").exists()
    path.write_text("product,Ann,Bob\nBread,1,\nMilk,,2\n")
    ok = run("fit", "--matrix", path, "--missing", "blank", "-k", 1, "-o", tmp_path / "m")
    assert ok.exit_code == 0, ok.output
    text = run("similar", tmp_path / "m", "--text", "bread")
    assert_clean_error(text, "not available for a matrix-mode model")
