import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from topicnmf import InputError, TopicModel
from topicnmf.tagging.batch import OUTPUTS, tag
from topicnmf.reconstruction.ranking import top_n
from topicnmf.reconstruction.scores import Reconstruction
from topicnmf.tagging.tagger import Tagger, TagSettings, _CandidateTerms, assign

from test_cli import assert_clean_error, run

REPO = Path(__file__).resolve().parent.parent
OFF_TOPIC = ("Preheat the oven to 180 degrees. Mix the flour, sugar, butter and eggs, then bake "
             "the cake for forty minutes until it is golden; serve it with cream.")


@pytest.fixture(scope="module")
def folder(tickets, tmp_path_factory):
    """300 ticket documents as files in nested folders, plus one off-topic text."""
    root = tmp_path_factory.mktemp("inbox")
    for i, doc in enumerate(tickets.documents[:300]):
        sub = root / f"q{i % 3}"
        sub.mkdir(exist_ok=True)
        (sub / f"{doc.id}.txt").write_text(doc.text)
    (root / "cake.md").write_text(OFF_TOPIC)
    return root


def outputs(outdir):
    return {name: (Path(outdir) / name).read_bytes() for name in OUTPUTS}


def snapshot(root):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in Path(root).rglob("*")
            if p.is_file()}


def test_tag_equals_a_transform_of_the_same_documents(folder, tickets_model, tmp_path):
    before = snapshot(folder)
    summary = tag([folder], tickets_model, tmp_path / "out", threshold=0.1)
    assert snapshot(folder) == before                        # sources are never modified
    assert summary.files == summary.documents == summary.tagged == 301 and summary.errors == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "tags.jsonl").open()]
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids) and ids[0] == "cake.md"
    texts = [(folder / i).read_text() for i in ids]
    # a topic's share is its part of the document, ‖W[:, z]‖·h_z, of the parts of all topics
    C = np.linalg.norm(tickets_model.W_, axis=0)[:, None] * tickets_model.transform(texts)
    shares = C / C.sum(axis=0)
    for row, col in zip(rows, shares.T):
        listed = {s["topic"]: s["share"] for s in row["shares"]}
        expected = {z: round(float(v), 6) for z, v in enumerate(col) if v >= 0.1}
        assert listed == expected
        assert row["share"] == round(float(col.max()), 6)
        if not row["unassigned"]:
            assert row["topic"] == int(col.argmax())
            assert row["label"] == tickets_model.label(row["topic"])
    doc_topics = (tmp_path / "out" / "doc-topics.csv").read_text().splitlines()
    assert doc_topics[0] == "doc_id,topic,label,share"
    assert len(doc_topics) - 1 == sum(max(len(r["shares"]), 1) if not r["unassigned"] else 1
                                      for r in rows)
    terms = (tmp_path / "out" / "topic-terms.csv").read_text().splitlines()
    assert terms[0] == "topic,label,rank,term,weight" and len(terms) == 1 + 8 * 10


def test_output_lines_are_what_export_writes(tickets, tickets_model, tmp_path):
    from topicnmf.io.export import csv_text, json_line

    model = TopicModel.load(_saved(tickets_model, tmp_path / "m"))
    for z in range(model.n_topics):
        model.set_label(z, f'Topic {z}, "quoted"')
    tagger = Tagger(model)
    ids = ["plain", 'with "quotes", and comma', "line\nbreak", "cake"]
    texts = [d.text for d in tickets.documents[:3]] + [OFF_TOPIC]
    for record, (line, csv_rows, unassigned) in zip(tagger.tag_texts(ids, texts),
                                                     tagger.output_lines(ids, texts)):
        assert line == json_line(tagger.rows.tag_row(record))
        assert unassigned == record["unassigned"]
        expected = csv_text(tagger.rows.doc_topic_rows(record), ["doc_id", "topic", "label",
                                                                  "share"])
        assert csv_rows == expected.split("\n", 1)[1]


def test_an_off_topic_document_is_unassigned(folder, tickets_model, tmp_path):
    tag([folder], tickets_model, tmp_path / "out")
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "tags.jsonl").open())}
    cake = rows["cake.md"]
    assert cake["unassigned"] and cake["topic"] is None and cake["label"] == "unassigned"
    assert cake["fit_error"] > 0.999
    assert sum(r["unassigned"] for r in rows.values()) < 15      # ordinary documents fit
    assert "cake.md,,unassigned,\n" in (tmp_path / "out" / "doc-topics.csv").read_text()
    # the thresholds are settable: with max_error 1 only the share test remains
    tag([folder], tickets_model, tmp_path / "loose", max_error=1.0, min_share=0.0)
    rows = list(map(json.loads, (tmp_path / "loose" / "tags.jsonl").open()))
    assert not any(r["unassigned"] for r in rows)


def test_recommended_terms_are_the_top_of_the_reconstructed_column(tickets, tickets_model):
    tagger = Tagger(tickets_model, TagSettings(top_terms=6))
    vec = tickets_model.vectorizer_
    docs = tickets.documents[:400]
    X = vec.tfidf_rows([vec.preprocessor(d.text) for d in docs]).tocsr()
    H = tickets_model.project_matrix(X.T)
    recon = Reconstruction(tickets_model.W_, H)
    for depth in (8, 50):                                   # 8 forces many fallbacks
        pruned = _CandidateTerms(tickets_model.W_, 6, depth=depth).recommend(recon, H, X)
        for j in range(len(docs)):
            mine = X.indices[X.indptr[j]:X.indptr[j + 1]]
            full = recon.column_for(H[:, j])
            best = top_n(full, 6, exclude=mine)
            assert pruned[j] == best[full[best] > 0].tolist()
    record = tagger.tag_texts([docs[0].id], [docs[0].text])[0]
    assert not set(record["terms"]) & set(X.indices[X.indptr[0]:X.indptr[1]].tolist())


def test_jobs_2_gives_the_same_bytes_as_jobs_1(folder, tickets_path, tickets_model, tmp_path):
    tag([folder, tickets_path], tickets_model, tmp_path / "one", jobs=1, batch_size=64,
        id_column="id")
    tag([folder, tickets_path], tickets_model, tmp_path / "two", jobs=2, batch_size=64,
        id_column="id")
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")
    rows = (tmp_path / "one" / "tags.jsonl").read_text().splitlines()
    assert len(rows) == 301 + 2500


def test_rerun_after_adding_a_file_tags_only_the_new_one(folder, tickets_model, tmp_path):
    work = tmp_path / "inbox"
    work.mkdir()
    for p in sorted(folder.rglob("*.txt"))[:40]:
        (work / p.name).write_text(p.read_text())
    assert tag([work], tickets_model, tmp_path / "out", batch_size=16).tagged == 40
    (work / "new.txt").write_text("a small puzzle game for two players")
    again = tag([work], tickets_model, tmp_path / "out", batch_size=16)
    assert (again.tagged, again.documents) == (1, 41)
    tag([work], tickets_model, tmp_path / "clean", batch_size=16)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")
    changed = sorted(work.glob("*.txt"))[3]
    changed.write_text(changed.read_text() + " python")
    assert tag([work], tickets_model, tmp_path / "out", batch_size=16).tagged == 1
    os.utime(sorted(work.glob("*.txt"))[5], ns=(1, 10**18))  # touched, same content
    assert tag([work], tickets_model, tmp_path / "out", batch_size=16).tagged == 0
    changed.unlink()
    gone = tag([work], tickets_model, tmp_path / "out", batch_size=16)
    assert (gone.tagged, gone.documents) == (0, 40)


def test_errors_csv_lists_binary_and_undecodable_files(tickets_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("a puzzle game for players")
    (src / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (src / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (src / "empty.md").write_text("  \n")
    bad_table = tmp_path / "bad.csv"
    bad_table.write_text("id,text\n1,fine\n2,a,b\n")
    summary = tag([src, bad_table], tickets_model, tmp_path / "out")
    assert summary.documents == 1 and summary.errors == 4
    errors = (tmp_path / "out" / "errors.csv").read_text().splitlines()
    assert errors[0] == "path,reason"
    reasons = dict(line.split(",", 1) for line in errors[1:])
    assert reasons[str(src / "image.txt")] == "binary file"
    assert reasons[str(src / "latin1.txt")].startswith("not valid utf-8 text (byte 3)")
    assert reasons[str(src / "empty.md")] == "empty"
    assert "bad.csv line 3: expected 2 fields, found 3" in reasons[str(bad_table)]


def _tag_cmd(folder, model, out):
    return [sys.executable, "-m", "topicnmf.cli", "tag", str(folder), "--model", str(model),
            "-o", str(out), "--batch-size", "2"]


def test_sigkill_mid_run_then_rerun_gives_the_bytes_of_a_clean_run(folder, saved_model,
                                                                    tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run(_tag_cmd(folder, saved_model, tmp_path / "clean"), env=env, check=True,
                   capture_output=True)
    state = tmp_path / "out" / ".tag-state.jsonl"
    for attempt in range(5):                      # kill once 20+ files are committed
        proc = subprocess.Popen(_tag_cmd(folder, saved_model, tmp_path / "out"), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = 0
        while proc.poll() is None:
            done = state.read_bytes().count(b"\n") if state.exists() else 0
            if done > 20:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            break
        for p in (tmp_path / "out").iterdir():    # finished before the kill: try again
            p.unlink()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "out" / "tags.jsonl").exists()
    partial = state.read_bytes().count(b"\n") - 1
    assert 0 < partial < 301
    rerun = subprocess.run(_tag_cmd(folder, saved_model, tmp_path / "out"), env=env,
                           check=True, capture_output=True, text=True)
    assert f"({301 - partial} new, {partial} from the previous run;" in rerun.stderr
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")


def test_a_torn_journal_line_is_dropped(folder, tickets_model, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    for p in sorted(folder.rglob("*.txt"))[:10]:
        (small / p.name).write_text(p.read_text())
    tag([small], tickets_model, tmp_path / "out")
    clean = outputs(tmp_path / "out")
    state = tmp_path / "out" / ".tag-state.jsonl"
    lines = state.read_bytes().splitlines(keepends=True)
    state.write_bytes(b"".join(lines[:5]) + lines[5][:30])   # as if killed mid-write
    assert tag([small], tickets_model, tmp_path / "out").tagged == 6
    assert outputs(tmp_path / "out") == clean


def test_assign_streams_one_result_per_record(saved_model, tickets):
    text = tickets.documents[5].text
    lines = [json.dumps({"id": "t1", "text": text}) + "\n",
             "{oops\n", "\n", json.dumps({"text": OFF_TOPIC}) + "\n"]
    result = run("assign", "--model", saved_model, "--top-terms", 3, input="".join(lines))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 4]
    assert rows[0]["id"] == "t1" and len(rows[0]["terms"]) == 3 and not rows[0]["unassigned"]
    assert rows[1] == {"line": 2, "id": None, "invalid": rows[1]["invalid"]}
    assert rows[2]["id"] == "stdin:4" and rows[2]["unassigned"]
    model = TopicModel.load(saved_model)
    expected = model.contributions(model.transform([text]))[:, 0]
    assert rows[0]["share"] == round(float(expected.max() / expected.sum()), 6)
    csv_in = 'id,text\nx1,"a puzzle game, for players"\nx2,too,many\n'
    rows = [json.loads(r) for r in run("assign", "--model", saved_model, input=csv_in)
            .stdout.splitlines()]
    assert [r["id"] for r in rows] == ["x1", None] and "expected 2 fields" in rows[1]["invalid"]


def test_assign_a_csv_row_csv_cannot_parse_is_one_invalid_record(tickets_model):
    """A carriage return inside an unquoted field (stdin keeps it) is one invalid record, and
    the stream goes on (it used to stop with csv's traceback)."""
    lines = ["id,text\n", "a,printer\rjam\n", "b,a puzzle game\n"]
    rows = list(assign(tickets_model, lines))
    assert [r["line"] for r in rows] == [2, 3]
    assert rows[0]["id"] is None and rows[0]["invalid"].startswith("malformed CSV row (")
    assert rows[1]["id"] == "b" and "invalid" not in rows[1]

def test_assign_is_lazy(tickets_model):
    def lines():
        yield '{"id": "a", "text": "a puzzle game"}\n'
        raise AssertionError("read past the first record before yielding it")

    assert next(assign(tickets_model, lines()))["id"] == "a"


@pytest.mark.parametrize("make,args,pattern", [
    (lambda d: d / "x.pdf", [], r"cannot tag a '.pdf' file"),
    (lambda d: d / "empty", [], r"no documents to tag"),
    (lambda d: d / "x.txt", ["--model", "{d}"], r"not a topicnmf model"),
])
def test_tag_bad_input_is_one_clean_line(saved_model, tmp_path, make, args, pattern):
    path = make(tmp_path)
    path.mkdir() if path.suffix == "" else path.write_text("words")
    model = ["--model", saved_model] if not args else [a.format(d=tmp_path) for a in args]
    result = run("tag", path, *model, "-o", tmp_path / "out")
    assert_clean_error(result, pattern)


def test_tag_refuses_a_file_as_outdir_and_bad_settings(folder, tickets_model, tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="exists and is not a folder"):
        tag([folder], tickets_model, tmp_path / "f")
    with pytest.raises(InputError, match="min_share=2"):
        tag([folder], tickets_model, tmp_path / "o", min_share=2)
    result = run("assign", "--model", tmp_path / "f", input="")
    assert_clean_error(result, "no such model|not a topicnmf model")


def test_changed_settings_retag_everything(folder, tickets_model, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    for p in sorted(folder.rglob("*.txt"))[:5]:
        (small / p.name).write_text(p.read_text())
    assert tag([small], tickets_model, tmp_path / "out").tagged == 5
    assert tag([small], tickets_model, tmp_path / "out", threshold=0.3).tagged == 5
    assert np.isclose(TagSettings().threshold, 0.15)


def test_topic_names_show_in_tag_outputs_and_relabelling_retags(folder, tickets_model,
                                                                 tmp_path):
    model = TopicModel.load(_saved(tickets_model, tmp_path / "m"))
    small = tmp_path / "small"
    small.mkdir()
    for p in sorted(folder.rglob("*.txt"))[:30]:
        (small / p.name).write_text(p.read_text())
    tag([small], model, tmp_path / "out")
    rows = list(map(json.loads, (tmp_path / "out" / "tags.jsonl").open()))
    z = next(r["topic"] for r in rows if not r["unassigned"])
    model.set_label(z, "Named topic")
    assert tag([small], model, tmp_path / "out").tagged == 30
    rows = list(map(json.loads, (tmp_path / "out" / "tags.jsonl").open()))
    assert any(r["label"] == "Named topic" for r in rows)
    assert ",Named topic," in (tmp_path / "out" / "doc-topics.csv").read_text()
    assert f"{z},Named topic,1," in (tmp_path / "out" / "topic-terms.csv").read_text()


def _saved(model, path):
    model.save(path)
    return path


def test_assign_bad_csv_header_and_empty_input(saved_model):
    assert_clean_error(run("assign", "--model", saved_model, input="id,body\n1,x\n"),
                       r"stdin: no column 'text' in the CSV header; columns are: id, body")
    result = run("assign", "--model", saved_model, input="")
    assert result.exit_code == 0 and result.stdout == ""


def test_tag_reads_html_eml_and_gzip_files(tickets_model, tmp_path):
    import gzip
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.html").write_text("<html><head><title>x</title><script>var a;</script></head>"
                                   "<body><p>A puzzle game for players</p></body></html>")
    (src / "mail.eml").write_text("Subject: fonts\n\nA typeface with glyphs for Greek.\n")
    with gzip.open(src / "notes.txt.gz", "wt") as f:
        f.write("python module for parsing data")
    tag([src], tickets_model, tmp_path / "out")
    ids = [json.loads(line)["id"] for line in (tmp_path / "out" / "tags.jsonl").open()]
    assert ids == ["mail.eml", "notes.txt.gz", "page.html"]


def test_a_table_resumes_chunk_by_chunk(tickets_path, tickets_model, tmp_path):
    args = dict(batch_size=300, id_column="id")
    assert tag([tickets_path], tickets_model, tmp_path / "out", **args).tagged == 2500
    clean = outputs(tmp_path / "out")
    state = tmp_path / "out" / ".tag-state.jsonl"
    lines = state.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1 + 9                                  # header + 9 chunks
    state.write_bytes(b"".join(lines[:4]) + lines[4][:100])      # killed after 3 chunks
    assert tag([tickets_path], tickets_model, tmp_path / "out", **args).tagged == 2500 - 900
    assert outputs(tmp_path / "out") == clean
    assert tag([tickets_path], tickets_model, tmp_path / "out", **args).tagged == 0


def test_two_runs_never_share_an_output_folder(folder, tickets_model, tmp_path):
    from topicnmf.tagging.state import open_journal

    (tmp_path / "out").mkdir()
    held = open_journal(tmp_path / "out", "another run")
    with pytest.raises(InputError, match="another 'topicnmf tag' is writing there"):
        tag([folder], tickets_model, tmp_path / "out")
    held.close()
    assert tag([folder], tickets_model, tmp_path / "out").documents == 301
