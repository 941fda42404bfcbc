import json
import re
from pathlib import Path

import click
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


# -- option names: each is the keyword it sets -----------------------------------------------

#: The library functions behind each command: its options are named after their keywords.
CALLS = {
    "fit": ["model.estimator:TopicModel", "model.estimator:TopicModel.fit",
            "model.items:fit_matrix", "io.corpus:load_corpus", "evolve.align:align",
            "text.explain:explain_cleaning", "model.outofcore:fit_out_of_core",
            "model.on_cluster:fit_partitions"],
    "topics": ["model.estimator:TopicModel.topics", "queries.segment:term_topics"],
    "segments": ["queries.segment:segments"],
    "recommend": ["queries.recommend:recommend"],
    "similar": ["queries.recommend:similar"],
    "target": ["queries.target:target"],
    "label": ["model.estimator:label"],
    "tag": ["tagging.batch:tag"],
    "assign": ["tagging.tagger:assign", "tagging.tagger:TagSettings"],
    "report": ["present.report:report"],
    "plot": ["present.plots:plot"],
    "evaluate": ["quality.choose:evaluate"],
    "choose-k": ["quality.choose:choose_k", "model.estimator:TopicModel",
                 "io.corpus:load_corpus", "model.outofcore:work_matrix"],
    "update": ["evolve.update:update", "io.corpus:load_corpus"],
    "diff": ["evolve.diff:diff"],
    "serve": ["serve.app:serve", "tagging.tagger:TagSettings"],
    "trends": ["queries.trends:trends"],
    "hierarchy": ["queries.hierarchy:hierarchy"],
    "merge": ["evolve.reshape:merge", "model.estimator:TopicModel.topics"],
    "split": ["evolve.reshape:split", "model.estimator:TopicModel.topics"],
}
#: Options named otherwise, the commands where they are, and why.
NAMED_OTHERWISE = {
    # the printed rows' format, io.export.format_rows(rows, fmt): one name on every command
    "--format": ("topics", "segments", "recommend", "similar", "target", "evaluate", "choose-k",
                 "diff", "trends", "hierarchy", "merge", "split"),
    # where the command writes: TopicModel.save(path), io.files.write_atomic(path, ...)
    "--output": ("fit", "report", "plot", "update", "merge", "split"),
    # a named pair of sublinear_tf and use_idf (topicnmf.text.vectorize.WEIGHTINGS)
    "--weighting": ("fit", "choose-k"),
    # label(path, topic, name=None)
    "--clear": ("label",),
    # text such as 5:60:5 for quality.choose.parse_k_range, which gives choose_k's ks
    "--k": ("choose-k",),
    # instead of fitting: prints text.explain.explain_cleaning(corpus, clean=...) and stops
    "--explain-cleaning": ("fit",),
    # a second output file: the command draws present.plots.choose_k_figure(result) there
    # (present.charts.trends_figure, dendrogram_figure)
    "--plot": ("choose-k", "trends", "hierarchy"),
}
#: Options whose value is a file the command reads and passes on under the keyword (``--model
#: M`` is ``TopicModel.load(M)`` passed as ``model``): their values keep a name of their own.
#: Every other option's value is called like its keyword, ``--max-iter`` → ``max_iter``.
READ_FROM_FILE = {"--matrix": "matrix_path", "--seed-topics": "seed_topics_file",
                  "--model": "model_path", "--align-to": "align_to_path"}


def library_keywords(names):
    import importlib
    import inspect

    keywords = set()
    for name in names:
        module, qualname = name.split(":")
        obj = importlib.import_module(f"topicnmf.{module}")
        for part in qualname.split("."):
            obj = getattr(obj, part)
        keywords |= set(inspect.signature(obj).parameters)
    return keywords


def primary_name(option):
    return next((o for o in option.opts if o.startswith("--")), option.opts[0])


def test_every_option_is_named_after_the_keyword_it_sets():
    """The primary spelling of every option (the first long one; older spellings follow as
    aliases) is a keyword of a library function the command calls, or listed above."""
    assert set(CALLS) == set(main.commands), "say which library functions a new command calls"
    wrong, used = [], set()
    for command_name, command in main.commands.items():
        keywords = library_keywords(CALLS[command_name])
        for option in command.params:
            if not isinstance(option, click.Option):
                continue
            name = primary_name(option)
            if command_name in NAMED_OTHERWISE.get(name, ()):
                used.add((name, command_name))
            elif name[2:].replace("-", "_") not in keywords:
                wrong.append(f"{command_name} {name}")
            elif option.name != READ_FROM_FILE.get(name, name[2:].replace("-", "_")):
                wrong.append(f"{command_name} {name} sets {option.name}")
    assert wrong == []
    listed = {(name, command) for name, commands in NAMED_OTHERWISE.items()
              for command in commands}
    assert used == listed, "an exception no command needs any more"


def test_the_old_option_spellings_still_work(tickets_path, tmp_path):
    words = tmp_path / "stop.txt"
    words.write_text("printer\n")
    old = {"fit": ([tickets_path, "-o", tmp_path / "m", "--seed", 3, "--stop-words", words,
                    "--ngrams", "1-2"],
                   {"random_state": 3, "extra_stop_words": str(words), "ngram_range": (1, 2)}),
           "choose-k": ([tickets_path, "--sample", 0.5, "--seed", 4],
                        {"sample_fraction": 0.5, "random_state": 4}),
           "evaluate": ([tmp_path, "--sample", 0.5, "--seed", 5],
                        {"sample_fraction": 0.5, "random_state": 5}),
           "plot": ([tmp_path, "-o", tmp_path / "p.png", "--format", "svg", "--seed", 6],
                    {"image_format": "svg", "random_state": 6}),
           "report": ([tmp_path, "-o", tmp_path / "r.html", "--seed", 7], {"random_state": 7})}
    for name, (args, expected) in old.items():
        params = main.commands[name].make_context(name, [str(a) for a in args]).params
        assert {key: params[key] for key in expected} == expected, name
