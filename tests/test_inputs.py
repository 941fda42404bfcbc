"""Bad input files and parameters give one-line errors (or named skips), never tracebacks.

Damaged gzip data, parameters numpy or scikit-learn would refuse with a traceback, matrix cells
too large to fit, matrix models given to tag/assign, huge k ranges, byte-order marks, folders
that cannot be listed, JSONL ids, and option names in hints.
"""

import codecs
import csv
import fcntl  # noqa: F401  imported before any fork: a child without root cannot load it
import gzip
import io
import json
import logging
import os
import shutil
import stat
import tempfile
import traceback
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import topicnmf.tagging.batch as batchtag
from test_cli import assert_clean_error, run
from topicnmf import InputError, TopicModel, load_corpus
from topicnmf import validate
from topicnmf.cli import main
from topicnmf.io.corpus import detect_format
from topicnmf.quality.choose import MAX_K, MAX_K_CANDIDATES, choose_k, evaluate, parse_k_range
from topicnmf.io.matrix import MAX_CELL, load_matrix
from topicnmf.model.items import fit_matrix
from topicnmf.text.preprocess import read_stop_words
from topicnmf.factor.seeding import read_seed_topics
from topicnmf.tagging.tagger import assign
from topicnmf.tagging.state import list_inputs

REPO = Path(__file__).resolve().parent.parent
PURCHASES = REPO / "corpora" / "purchases.csv"
RATINGS = REPO / "corpora" / "ratings.csv"
BOM = codecs.BOM_UTF8
TEXTS = ["printer jams paper", "printer paper tray", "refund invoice charge",
         "invoice refund request", "printer paper jam", "refund charge invoice"]


@pytest.fixture(scope="module")
def ticket_text(tickets_path):
    return gzip.decompress(tickets_path.read_bytes())


@pytest.fixture(scope="module")
def matrix_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("matrix") / "purchases"
    result = run("fit", "--matrix", PURCHASES, "-k", 2, "-o", out)
    assert result.exit_code == 0, result.output
    return out


# -- 1. damaged gzip data --------------------------------------------------------------------

def damaged_gzip(path, data: bytes):
    """Write ``data`` gzip-compressed to ``path`` with 64 bytes of the deflate stream, from
    the middle on, overwritten so that reading fails with zlib.error (some places only
    fail the CRC check: the first offset past the middle that breaks the stream is used)."""
    packed = gzip.compress(data, mtime=0)
    for start in range(len(packed) // 2, len(packed) - 100, 64):
        damaged = packed[:start] + b"\xff" * 64 + packed[start + 64:]
        try:
            gzip.decompress(damaged)
        except zlib.error:
            path.write_bytes(damaged)
            return path
        except OSError:
            continue
    raise AssertionError("no offset gives a zlib.error")


def test_damaged_gzip_table_is_a_clean_cli_error(ticket_text, tmp_path):
    path = damaged_gzip(tmp_path / "tickets.csv.gz", ticket_text)
    result = run("fit", path, "--id-column", "id", "-k", 2, "-o", tmp_path / "m")
    assert_clean_error(result, r"tickets\.csv\.gz: cannot read it: the gzip data is damaged")
    assert not (tmp_path / "m").exists()


def test_damaged_gzip_jsonl_and_lines_files(tickets, tmp_path):
    jsonl = "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in tickets)
    lines = "".join(" ".join(d.text.split()) + "\n" for d in tickets)
    for name, text in (("t.jsonl.gz", jsonl), ("t.txt.gz", lines)):
        path = damaged_gzip(tmp_path / name, text.encode())
        with pytest.raises(InputError, match=rf"{name}: cannot read it: the gzip data is "
                                             "damaged or truncated"):
            load_corpus(path)


def test_damaged_gzip_in_a_folder_is_skipped_with_the_reason(ticket_text, tmp_path):
    (tmp_path / "ok.txt").write_text("printer paper jam", encoding="utf-8")
    damaged_gzip(tmp_path / "big.txt.gz", ticket_text)
    corpus = load_corpus(tmp_path)
    assert corpus.ids == ["ok.txt"]
    [(source, reason)] = corpus.skipped
    assert source.endswith("big.txt.gz") and "gzip data is damaged" in reason


def test_damaged_gzip_matrix(tmp_path):
    rows = ["item," + ",".join(f"p{j}" for j in range(20))]
    rows += [f"item{i}," + ",".join(str((i * j) % 7) for j in range(20)) for i in range(300)]
    path = damaged_gzip(tmp_path / "m.csv.gz", "\n".join(rows).encode())
    with pytest.raises(InputError, match=r"m\.csv\.gz: cannot read it: the gzip data is damaged"):
        load_matrix(path)
    result = run("fit", "--matrix", path, "-k", 2, "-o", tmp_path / "out")
    assert_clean_error(result, r"m\.csv\.gz: cannot read it: the gzip data is damaged")


# -- 2. parameters checked at fit time -------------------------------------------------------

@pytest.mark.parametrize("params,message", [
    ({"min_df": float("nan")}, r"min_df=nan: must be a fraction in \[0, 1\] or a count >= 1"),
    ({"max_df": float("nan")}, r"max_df=nan: must be a fraction in \(0, 1\] or a count >= 1"),
    ({"max_df": float("inf")}, r"max_df=inf: must be a fraction"),
    ({"max_df": 0.0}, r"max_df=0.0: must be a fraction"),
    ({"min_df": -1}, r"min_df=-1: must be a fraction"),
    ({"min_df": 1.5}, r"min_df=1.5: must be a fraction"),
    ({"random_state": -1}, r"random_state=-1: must be an integer between 0 and 4294967295"),
    ({"random_state": 2**32}, r"random_state=4294967296: must be an integer between 0 and"),
    ({"random_state": 1.0}, r"random_state=1.0: must be an integer"),
    ({"seed_weight": -0.1}, r"seed_weight=-0.1: must be a finite number >= 0"),
    ({"seed_weight": float("inf")}, r"seed_weight=inf: must be a finite number >= 0"),
    ({"tol": 0}, r"tol=0: must be a finite number > 0"),
    ({"tol": float("nan")}, r"tol=nan: must be a finite number > 0"),
    ({"max_iter": 0}, r"max_iter=0: must be an integer >= 1 or None"),
    ({"max_iter": 2.5}, r"max_iter=2.5: must be an integer >= 1 or None"),
    ({"n_topics": 0}, r"n_topics=0: must be an integer >= 1"),
    ({"n_topics": True}, r"n_topics=True: must be an integer >= 1"),
    ({"max_features": 0}, r"max_features=0: must be an integer >= 1 or None"),
])
def test_fit_refuses_unusable_parameters(params, message):
    model = TopicModel(**{"n_topics": 2, "min_df": 1, **params})
    with pytest.raises(InputError, match=message):
        model.fit(TEXTS)
    assert not hasattr(model, "W_")


def test_edge_values_of_the_parameters_are_accepted():
    model = TopicModel(2, min_df=0.0, max_df=1.0, random_state=2**32 - 1, tol=1e-3,
                       max_iter=np.int64(50), seed_weight=0.0).fit(TEXTS)
    assert model.W_.shape[1] == 2
    assert TopicModel(2, min_df=1, max_df=6, random_state=None).fit(TEXTS).H_.shape == (2, 6)


def test_min_df_above_max_df_is_explained():
    with pytest.raises(InputError, match="min_df=0.9 and max_df=0.1 remove every term"):
        TopicModel(2, min_df=0.9, max_df=0.1).fit(TEXTS)


def test_matrix_fit_and_choose_k_and_evaluate_check_the_seed(tickets_model):
    with pytest.raises(InputError, match="random_state=-1"):
        fit_matrix(PURCHASES, 2, random_state=-1)
    with pytest.raises(InputError, match="tol=nan"):
        fit_matrix(RATINGS, 2, missing="blank", tol=float("nan"))
    with pytest.raises(InputError, match="random_state=-1"):
        choose_k(TEXTS, [1, 2], estimator=TopicModel(min_df=1), runs=1, random_state=-1)
    with pytest.raises(InputError, match="random_state=99999999999"):
        choose_k(TEXTS, [1, 2], estimator=TopicModel(min_df=1, random_state=99999999999),
                 runs=1)
    with pytest.raises(InputError, match="random_state=-5"):
        evaluate(tickets_model, runs=1, random_state=-5)
    with pytest.raises(InputError, match="jobs=True"):
        evaluate(tickets_model, runs=1, jobs=True)


@pytest.mark.parametrize("seed", ["-1", "99999999999"])
def test_cli_seed_out_of_range(tickets_path, tmp_path, seed):
    result = run("fit", tickets_path, "--id-column", "id", "-k", 2, "-o", tmp_path / "m",
                 "--seed", seed)
    assert_clean_error(result, rf"'--seed': {seed} is not in the range 0<=x<=4294967295")
    result = run("fit", "--matrix", PURCHASES, "-k", 2, "-o", tmp_path / "p", "--seed", seed)
    assert_clean_error(result, rf"'--seed': {seed} is not in the range")


def test_cli_plot_seed_out_of_range(saved_model, tmp_path):
    result = run("plot", saved_model, "--kind", "documents", "-o", tmp_path / "d.png",
                 "--seed", -1)
    assert_clean_error(result, r"'--seed': -1 is not in the range")


def test_validate_helpers():
    assert validate.integer(np.int32(3), "n", 1) == 3 and validate.integer(None, "n", 1,
                                                                           optional=True) is None
    assert validate.real(np.float32(0.5), "x", 0, 1, low_open=True) == 0.5
    for bad in (True, np.bool_(True), 2.0, "3", None):
        with pytest.raises(InputError, match="n=.*: must be an integer >= 1"):
            validate.integer(bad, "n", 1)
    for bad in (0, float("nan"), float("-inf"), True, "0.5"):
        with pytest.raises(InputError, match="sample_fraction=.*: must be a finite number "
                                             "with 0 < sample_fraction <= 1"):
            validate.real(bad, "sample_fraction", 0, 1, low_open=True)
    assert validate.document_frequency(2, "min_df") == 2
    assert validate.document_frequency(1.0, "max_df") == 1.0


# -- 3. matrix cells too large to fit --------------------------------------------------------

def test_matrix_cell_above_the_bound_names_item_and_person(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("item,Ann,Ben\nMilk,1,2\nBread,3,1e308\n", encoding="utf-8")
    result = run("fit", "--matrix", path, "-k", 2, "-o", tmp_path / "out")
    assert_clean_error(result, r"m\.csv row 'Bread', column 'Ben': '1e308' is above 1e\+08")
    path.write_text(f"item,Ann,Ben\nMilk,1,2\nBread,3,{MAX_CELL * 1.000001!r}\n")
    with pytest.raises(InputError, match="row 'Bread', column 'Ben'"):
        load_matrix(path)


@pytest.mark.parametrize("source,missing,solver", [
    (PURCHASES, "zero", "cd"), (PURCHASES, "zero", "mu"), (RATINGS, "blank", "cd")])
def test_the_largest_allowed_cell_fits_without_numeric_warnings(tmp_path, source, missing,
                                                                solver):
    rows = list(csv.reader(source.read_text(encoding="utf-8").splitlines()))
    rows[1][1] = f"{MAX_CELL:.0f}"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    matrix = load_matrix(path, missing=missing)
    assert matrix.values.max() == MAX_CELL
    for k in (1, 2, 3):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = fit_matrix(matrix, k, random_state=0, solver=solver)
        numeric = [str(w.message) for w in caught
                   if not issubclass(w.category, ConvergenceWarning)
                   and "have no documents" not in str(w.message)]
        assert numeric == []
        assert np.isfinite(model.W_).all() and np.isfinite(model.H_).all()
        assert np.isfinite(model.reconstruction_err_)


# -- 4. tag and assign need a text model -----------------------------------------------------

def test_tag_refuses_a_matrix_model(matrix_model, tickets_path, tmp_path):
    result = run("tag", tickets_path, "--model", matrix_model, "-o", tmp_path / "tags")
    assert_clean_error(result, "tag and assign need a model fitted on texts")
    assert not (tmp_path / "tags" / "tags.jsonl").exists()


def test_assign_refuses_a_matrix_model(matrix_model):
    result = run("assign", "--model", matrix_model, input='{"text": "refund please"}\n')
    assert_clean_error(result, "tag and assign need a model fitted on texts")
    assert result.stdout == ""


# -- 5. k ranges ----------------------------------------------------------------------------

def test_a_k_range_of_millions_is_refused_before_it_is_built(tickets_path):
    result = run("choose-k", tickets_path, "--id-column", "id", "--k", "1:100000000")
    assert_clean_error(result, r"k range '1:100000000' gives 100000000 candidates, more than "
                               r"the 1000 allowed")
    with pytest.raises(InputError, match="gives 10{30} candidates"):
        parse_k_range("1:1" + "0" * 30)       # building this list would never finish


def test_k_range_bounds():
    assert parse_k_range(f"1:{MAX_K_CANDIDATES}") == list(range(1, MAX_K_CANDIDATES + 1))
    assert parse_k_range(f"{MAX_K - 10}:{MAX_K}:10") == [MAX_K - 10, MAX_K]
    with pytest.raises(InputError, match=f"gives {MAX_K_CANDIDATES + 1} candidates"):
        parse_k_range(f"1:{MAX_K_CANDIDATES + 1}")
    for text in (f"2,{MAX_K + 1}", f"{MAX_K}:{MAX_K + 100}:100"):
        with pytest.raises(InputError, match=f"goes up to k={MAX_K + 1}|choose k <= {MAX_K}"):
            parse_k_range(text)
    assert parse_k_range("5:60:5") == list(range(5, 61, 5))


# -- 6. UTF-8 byte-order marks ---------------------------------------------------------------

@pytest.mark.parametrize("name,content", [
    ("t.csv", "id,text\nA1,printer paper jam\nA2,refund invoice charge\n"),
    ("t.tsv", "id\ttext\nA1\tprinter paper jam\nA2\trefund invoice charge\n"),
    ("t.jsonl", '{"id": "A1", "text": "printer paper jam"}\n'
                '{"id": "A2", "text": "refund invoice charge"}\n'),
])
def test_tables_with_a_bom(tmp_path, name, content):
    for path in (tmp_path / name, tmp_path / (name + ".gz")):
        data = BOM + content.encode()
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
        corpus = load_corpus(path, id_column="id")
        assert corpus.ids == ["A1", "A2"] and corpus.texts[0] == "printer paper jam"


def test_cli_reads_a_csv_with_a_bom(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(BOM + ("id,text\n" + "".join(f"d{i},{t}\n" for i, t in enumerate(TEXTS)))
                     .encode())
    result = run("fit", path, "--id-column", "id", "-k", 2, "--min-df", 1, "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert TopicModel.load(tmp_path / "m").document_ids_ == [f"d{i}" for i in range(6)]


def test_lines_and_folder_files_with_a_bom(tmp_path):
    (tmp_path / "lines.txt").write_bytes(BOM + b"printer paper jam\nrefund\n")
    assert load_corpus(tmp_path / "lines.txt").texts == ["printer paper jam", "refund"]
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(BOM + b"printer paper jam")
    (folder / "b.eml").write_bytes(BOM + b"Subject: Refund\n\nPlease refund my invoice.\n")
    (folder / "c.txt.gz").write_bytes(gzip.compress(BOM + b"vpn slow"))
    texts = dict(zip(*[load_corpus(folder).ids, load_corpus(folder).texts]))
    assert texts["a.txt"] == "printer paper jam" and texts["c.txt.gz"] == "vpn slow"
    assert texts["b.eml"].startswith("Refund") and "refund my invoice" in texts["b.eml"]


def test_seed_topics_and_stop_words_with_a_bom(tmp_path):
    seeds = tmp_path / "seeds.json"
    seeds.write_bytes(BOM + b'{"Billing": ["refund", "invoice"]}')
    assert read_seed_topics(seeds) == {"Billing": ["refund", "invoice"]}
    toml = tmp_path / "seeds.toml"
    toml.write_bytes(BOM + b'Billing = ["refund"]\n')
    assert read_seed_topics(toml) == {"Billing": ["refund"]}
    stop = tmp_path / "stop.txt"
    stop.write_bytes(BOM + b"printer\npaper\n")
    assert read_stop_words(stop) == {"printer", "paper"}


@pytest.mark.parametrize("stdin", [
    '\ufeff{"id": "t1", "text": "refund for a double charge"}\n',
    "\ufeffid,text\nt1,refund for a double charge\n",
])
def test_assign_drops_a_bom_on_stdin(saved_model, stdin):
    result = run("assign", "--model", saved_model, input=stdin)
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "t1" and "invalid" not in row


# -- 7. folders that cannot be listed --------------------------------------------------------

def as_nobody(func):
    """``func()`` run in a forked child with uid and gid 65534 (not root: permissions count);
    returns its JSON-able result. The child only uses modules imported already."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user in a child process")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                    # pragma: no cover (child)
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                data = {"result": func()}
            except BaseException:
                data = {"error": traceback.format_exc()}
            with os.fdopen(write, "w") as out:
                json.dump(data, out)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = json.loads(f.read() or '{"error": "the child wrote nothing"}')
    os.waitpid(pid, 0)
    assert "error" not in data, data["error"]
    return data["result"]


@pytest.fixture
def locked_tree():
    """A world-traversable tree under /tmp with one subfolder nobody may list."""
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    base.chmod(0o755)
    docs = base / "docs"
    for rel in ("a.txt", "locked/b.txt", "open/c.txt"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(f"printer paper jam refund invoice {rel}", encoding="utf-8")
    for folder in (docs, docs / "open"):
        folder.chmod(0o755)
    (docs / "locked").chmod(0)
    yield docs
    (docs / "locked").chmod(stat.S_IRWXU)
    shutil.rmtree(base)


def test_an_unreadable_subfolder_is_skipped_with_a_reason(locked_tree):
    as_root = load_corpus(locked_tree)
    assert as_root.ids == ["a.txt", "locked/b.txt", "open/c.txt"]    # root reads it all

    def load():
        corpus = load_corpus(locked_tree)
        return corpus.ids, corpus.skipped

    ids, skipped = as_nobody(load)
    assert ids == ["a.txt", "open/c.txt"]
    assert skipped == [[str(locked_tree / "locked"), "cannot read folder (Permission denied)"]]


def test_tag_reports_an_unreadable_subfolder(locked_tree, tickets_model):
    out = locked_tree.parent / "tags"
    out.mkdir()
    out.chmod(0o777)

    def tag():
        warned = []
        handler = logging.Handler()
        handler.emit = lambda record: warned.append(record.getMessage())
        logging.getLogger("topicnmf").addHandler(handler)
        inputs = [i.doc_id for i in list_inputs([locked_tree])]
        summary = batchtag.tag([locked_tree], tickets_model, out)
        return inputs, summary.documents, warned, (out / "errors.csv").read_text("utf-8")

    inputs, documents, warned, errors = as_nobody(tag)
    assert inputs == ["a.txt", "open/c.txt"] and documents == 2
    locked = str(locked_tree / "locked")
    assert f"skipped {locked}: cannot read folder (Permission denied)" in warned
    assert list(csv.reader(io.StringIO(errors))) == [
        ["path", "reason"], [locked, "cannot read folder (Permission denied)"]]


# -- 8. JSONL ids follow the CSV rule --------------------------------------------------------

def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_jsonl_named_id_field_must_be_in_every_record(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"uid": "a", "text": "printer paper"},
                                              {"text": "refund invoice"}])
    with pytest.raises(InputError, match=r"d\.jsonl line 2: no field 'uid' \(--id-column\); "
                                         "fields are: text"):
        load_corpus(path, id_column="uid")
    result = run("fit", path, "--id-column", "uid", "-k", 1, "--min-df", 1,
                 "-o", tmp_path / "m")
    assert_clean_error(result, r"d\.jsonl line 2: no field 'uid' \(--id-column\)")


def test_jsonl_without_id_column_uses_id_when_present(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "printer paper jam"},
                                              {"text": "printer paper tray"}])
    assert load_corpus(path).ids == ["a", "d.jsonl:2"]
    result = run("fit", path, "-k", 1, "--min-df", 1, "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert TopicModel.load(tmp_path / "m").document_ids_ == ["a", "d.jsonl:2"]


def test_jsonl_label_field_no_record_has_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "printer paper", "tag": "x"},
                                              {"text": "refund invoice"}])
    assert [d.meta for d in load_corpus(path, label_column="tag")] == [{"label": "x"}, {}]
    with pytest.raises(InputError, match=r"no record has the field 'tga' \(--label-column\)"):
        load_corpus(path, label_column="tga")


def test_assign_named_id_column_missing_from_a_record(saved_model):
    lines = ['{"uid": "a", "text": "refund for a double charge"}\n',
             '{"id": "b", "text": "refund for a double charge"}\n']
    result = run("assign", "--model", saved_model, "--id-column", "uid", input="".join(lines))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["id"] == "a" and "invalid" not in rows[0]
    assert rows[1] == {"line": 2, "id": None, "invalid": "no id field 'uid' (--id-column)"}
    plain = [json.loads(line) for line in run("assign", "--model", saved_model,
                                              input="".join(lines)).stdout.splitlines()]
    assert [r["id"] for r in plain] == ["stdin:1", "b"]
    result = run("assign", "--model", saved_model, "--id-column", "uid",
                 input="id,text\nb,refund\n")
    assert_clean_error(result, "stdin: no column 'uid' in the CSV header")


# -- 9. hints name real options --------------------------------------------------------------

def test_format_hint_names_the_input_format_option(tmp_path):
    with pytest.raises(InputError, match="pass --input-format with one of"):
        detect_format(tmp_path / "notes.docx")


def test_every_option_named_in_a_message_exists():
    import re

    options = {opt for command in main.commands.values() for param in command.params
               for opt in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])}
    named = set()
    for path in (REPO / "topicnmf").rglob("*.py"):
        if path.parent != REPO / "topicnmf" / "cli":          # the options themselves
            named |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", path.read_text("utf-8")))
    assert named - options <= {"--weights"}          # an option of scripts/bench_seeding.py
    assert {"--input-format", "--duplicate-ids", "--min-df", "--missing"} <= named


# -- other reader failures -------------------------------------------------------------------

@pytest.mark.parametrize("line,message", [
    ('{"text": "x", "n": ' + "9" * 5000 + "}", "a number in it has more than 4300 digits"),
    ('{"text": "x", "n": ' + "[" * 100000 + "]" * 100000 + "}", "the JSON is nested too deeply"),
    ('{"text": "bad \\ud800 text"}', "a string holds an unpaired surrogate escape"),
])
def test_jsonl_lines_json_cannot_use(tmp_path, line, message):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"d\.jsonl line 2: {message}"):
        load_corpus(path)
    rows = list(assign(TopicModel(1, min_df=1).fit(TEXTS), [line + "\n"]))
    assert rows[0]["line"] == 1 and message in rows[0]["invalid"]


def test_a_surrogate_pair_is_fine(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "printer \\ud83d\\ude00"}\n', encoding="utf-8")
    assert load_corpus(path).texts == ["printer \U0001F600"]


def test_undecodable_stdin_for_assign(tickets_model):
    stream = io.TextIOWrapper(io.BytesIO(b'{"text": "refund"}\n{"text": "caf\xe9"}\n'),
                              encoding="utf-8")
    rows = assign(tickets_model, stream)
    with pytest.raises(InputError, match="not valid utf-8 text; convert it to UTF-8"):
        list(rows)


def test_seed_topics_json_that_cannot_be_used(tmp_path):
    path = tmp_path / "s.json"
    for text, message in (('{"A": [' + "9" * 5000 + "]}", "a number too long"),
                          ('{"A": ["\\udc00"]}', "unpaired surrogate escape")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=rf"s\.json: .*{message}"):
            read_seed_topics(path)


def test_unknown_encoding(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("printer\n", encoding="utf-8")
    with pytest.raises(InputError, match="encoding='klingon' is not a known text encoding"):
        load_corpus(path, encoding="klingon")


def test_a_nul_byte_in_a_csv_row_is_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,text\n1,printer\x00paper\n")
    assert load_corpus(path, id_column="id").texts == ["printer\x00paper"]
