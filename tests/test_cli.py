import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from topicnmf.cli import main

REPO = Path(__file__).resolve().parent.parent


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def assert_clean_error(result, pattern):
    """Exit status 2, one line on stderr starting with Error:, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and re.search(pattern, lines[0]), result.stderr


def test_fit_then_topics_in_every_format(tickets_path, tmp_path):
    out = tmp_path / "m"
    result = run("fit", tickets_path, "--id-column", "id", "-k", 6, "-o", out, "--seed", 0)
    assert result.exit_code == 0, result.output
    assert "fitted 6 topics" in result.stderr and (out / "model.json").is_file()
    table = run("topics", out, "--top", 5)
    assert table.exit_code == 0
    header, rule, *rows = table.stdout.splitlines()
    assert header.split() == ["topic", "label", "size", "terms"] and len(rows) == 6
    csv_rows = run("topics", out, "--format", "csv").stdout.splitlines()
    assert csv_rows[0] == "topic,label,size,terms" and len(csv_rows) == 7
    data = json.loads(run("topics", out, "--format", "json", "--top", 3).stdout)
    assert [t["topic"] for t in data] == list(range(6))
    assert all(len(t["terms"]) == 3 and set(t["terms"][0]) == {"term", "weight"} for t in data)
    lines = run("topics", out, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["topic"] for line in lines] == list(range(6))


def test_fit_is_deterministic_byte_for_byte(tickets_path, tmp_path):
    outputs = []
    for name in ("a", "b"):
        run("fit", tickets_path, "--id-column", "id", "-k", 5, "-o", tmp_path / name,
            "--seed", 7, "--init", "random", "--stem")
        outputs.append(run("topics", tmp_path / name, "--format", "csv").stdout)
        outputs.append((tmp_path / name / "arrays.npz").read_bytes())
    assert outputs[0] == outputs[2] and outputs[1] == outputs[3]


def test_fit_folder_corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    texts = ["printer paper jam tray", "printer toner paper", "refund invoice charge",
             "invoice refund card", "vpn network slow", "network vpn disconnect"]
    for i, text in enumerate(texts):
        (folder / f"{i}.txt").write_text(text)
    (folder / "bad.txt").write_bytes(b"\x00\x01")
    result = run("fit", folder, "-k", 3, "-o", tmp_path / "m", "--min-df", 1)
    assert result.exit_code == 0, result.output
    assert "skipped" in result.stderr and "bad.txt" in result.stderr


@pytest.mark.parametrize("content,args,pattern", [
    ("id,text\n1,printer\n", ["-k", 5], r"k=5 is larger than the number of documents \(1\)"),
    ("id,body\n1,printer\n", ["-k", 1], r"no column 'text' \(--text-column\)"),
    ("id,text\n1,a b\n2,x,y\n", ["-k", 1], r"t.csv line 3: expected 2 fields, found 3"),
    ("id,text\n", ["-k", 1], r"no readable documents found"),
    ("id,text\n1,the and of\n2,is it the\n", ["-k", 1, "--min-df", 1], r"no terms left"),
])
def test_fit_bad_input_is_one_clean_line(tmp_path, content, args, pattern):
    path = tmp_path / "t.csv"
    path.write_text(content)
    result = run("fit", path, "-o", tmp_path / "m", *args)
    assert_clean_error(result, pattern)
    assert not (tmp_path / "m").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_fit_rejects_k_below_one_and_missing_path(tmp_path):
    result = run("fit", tmp_path / "none.csv", "-o", tmp_path / "m")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    path = tmp_path / "t.csv"
    path.write_text("text\nprinter\n")
    result = run("fit", path, "-o", tmp_path / "m", "-k", 0)
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.stderr


def test_malformed_jsonl_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "printer"}\n{oops\n')
    assert_clean_error(run("fit", path, "-o", tmp_path / "m", "-k", 1), r"t.jsonl line 2")


def test_topics_on_a_damaged_model(saved_model, tmp_path):
    assert_clean_error(run("topics", tmp_path), "not a topicnmf model")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("{")
    assert_clean_error(run("topics", broken), "model.json: damaged")


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example" in result.output, name
        assert f"topicnmf {name}" in readme, f"README does not show 'topicnmf {name}'"
