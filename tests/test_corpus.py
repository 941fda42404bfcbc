import gzip
import json

import pytest

from topicnmf import InputError, load_corpus
from topicnmf.io.corpus import detect_format


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "docs"
    write(root / "a.txt", "Printer jams when printing duplex pages.")
    write(root / "sub" / "b.md", "# Refunds\nHow to request a refund for a duplicate charge.")
    write(root / "sub" / "deeper" / "c.rst", "Install guide\n=============\nRun the installer.")
    write(root / "d.html", "<html><head><title>T</title><script>var x = 'secret';</script>"
                           "</head><body><p>VPN disconnects <b>every hour</b></p></body></html>")
    write(root / "e.eml", "Subject: Password reset\nFrom: a@example.org\n"
                          "Content-Type: text/plain; charset=utf-8\n\n"
                          "I cannot reset my password.\n")
    with gzip.open(root / "f.txt.gz", "wt", encoding="utf-8") as f:
        f.write("Compressed ticket about a slow laptop.")
    write(root / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    write(root / "binary.txt", b"abc\x00\x01\x02 not text")
    write(root / "latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"))
    write(root / "empty.md", "   \n")
    return root


def test_folder_reads_recursively_with_relative_ids(folder):
    corpus = load_corpus(folder)
    assert corpus.ids == ["a.txt", "d.html", "e.eml", "f.txt.gz", "sub/b.md",
                          "sub/deeper/c.rst"]
    texts = dict(zip(corpus.ids, corpus.texts))
    assert "secret" not in texts["d.html"] and "VPN disconnects every hour" in texts["d.html"]
    assert texts["e.eml"].startswith("Password reset") and "reset my password" in texts["e.eml"]
    assert "a@example.org" not in texts["e.eml"]
    assert texts["f.txt.gz"] == "Compressed ticket about a slow laptop."


def test_folder_skips_unreadable_files_with_reasons(folder, caplog):
    corpus = load_corpus(folder)
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in corpus.skipped}
    assert reasons == {"binary.txt": "binary file", "empty.md": "empty",
                       "latin1.txt": "not valid utf-8 text (byte 3)"}
    assert "binary.txt" in caplog.text and "latin1.txt" in caplog.text


def test_folder_of_only_unreadable_files_is_an_error(tmp_path):
    write(tmp_path / "x.txt", b"\x00\x00")
    with pytest.raises(InputError, match=r"no readable documents found \(1 skipped\)"):
        load_corpus(tmp_path)


@pytest.mark.parametrize("delimiter,suffix", [(",", ".csv"), ("\t", ".tsv")])
def test_table_columns_and_ids(tmp_path, delimiter, suffix):
    rows = [["ticket", "body", "team"], ["T1", "Refund please, \"now\"", "billing"],
            ["T2", "Printer\nbroken", "it"], ["T3", "   ", "it"]]
    text = "\n".join(delimiter.join(f'"{c}"' if "\n" in c or "," in c else c for c in r)
                     for r in rows)
    path = write(tmp_path / f"t{suffix}", text.replace('"now"', '""now""') + "\n")
    corpus = load_corpus(path, text_column="body", id_column="ticket", label_column="team")
    assert corpus.ids == ["T1", "T2"]
    assert corpus.texts == ['Refund please, "now"', "Printer\nbroken"]
    assert corpus.documents[0].meta == {"label": "billing"}
    assert corpus.skipped == [(f"{path} line 5", "empty text")]


def test_table_without_id_column_uses_file_and_line(tmp_path):
    path = write(tmp_path / "t.csv", "text\nfirst\n\nsecond\n")
    assert load_corpus(path).ids == ["t.csv:2", "t.csv:4"]


def test_gzip_csv(tmp_path):
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("id,text\n1,hello world\n")
    assert load_corpus(path, id_column="id").texts == ["hello world"]


def test_unknown_column_names_the_columns(tmp_path):
    path = write(tmp_path / "t.csv", "id,body\n1,x\n")
    with pytest.raises(InputError, match=r"t.csv: no column 'text' \(--text-column\); "
                                         r"columns are: id, body"):
        load_corpus(path)


def test_malformed_csv_row_names_the_line(tmp_path):
    path = write(tmp_path / "t.csv", "id,text\n1,fine\n2,too,many,fields\n")
    with pytest.raises(InputError, match=r"t.csv line 3: expected 2 fields, found 4"):
        load_corpus(path)


def test_duplicate_ids_are_an_error_unless_a_policy_is_chosen(tmp_path):
    path = write(tmp_path / "t.csv", "id,text\n1,a\n1,b\n2,c\n1,d\n")
    with pytest.raises(InputError, match="duplicate document id '1'.*--duplicate-ids"):
        load_corpus(path, id_column="id")
    first = load_corpus(path, id_column="id", duplicate_ids="first")
    assert first.ids == ["1", "2"] and first.texts == ["a", "c"] and len(first.skipped) == 2
    numbered = load_corpus(path, id_column="id", duplicate_ids="number")
    assert numbered.ids == ["1", "1#2", "2", "1#3"]


def test_jsonl_fields_and_fallback_ids(tmp_path):
    lines = [{"key": "a", "body": "first text", "tag": "x"}, {"body": "second"}]
    path = write(tmp_path / "d.jsonl", "\n".join(json.dumps(o) for o in lines) + "\n\n")
    corpus = load_corpus(path, text_field="body", id_field="key", label_column="tag")
    assert corpus.ids == ["a", "d.jsonl:2"]
    assert corpus.documents[0].meta == {"label": "x"}


@pytest.mark.parametrize("line,message", [
    ('{"text": "ok"', r"d.jsonl line 2: not valid JSON"),
    ('["a list"]', r"d.jsonl line 2: expected a JSON object, found list"),
    ('{"body": "x"}', r"d.jsonl line 2: no field 'text' \(--text-column\); fields are: body"),
])
def test_malformed_jsonl_names_the_line(tmp_path, line, message):
    path = write(tmp_path / "d.jsonl", '{"text": "fine"}\n' + line + "\n")
    with pytest.raises(InputError, match=message):
        load_corpus(path)


def test_lines_file(tmp_path):
    path = write(tmp_path / "tickets.txt", "printer broken\n\n  vpn slow  \n")
    corpus = load_corpus(path)
    assert corpus.ids == ["tickets.txt:1", "tickets.txt:3"]
    assert corpus.texts == ["printer broken", "vpn slow"]


def test_format_detection_and_override(tmp_path):
    assert detect_format(tmp_path) == "folder"
    assert detect_format(tmp_path / "x.CSV.gz") == "csv"
    assert detect_format(tmp_path / "x.tsv") == "tsv"
    assert detect_format(tmp_path / "x.ndjson") == "jsonl"
    with pytest.raises(InputError, match="cannot tell the corpus format.*--input-format"):
        detect_format(tmp_path / "x.docx")
    path = write(tmp_path / "data.log", "one\ntwo\n")
    assert load_corpus(path, input_format="lines").ids == ["data.log:1", "data.log:2"]


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        load_corpus(tmp_path / "nope.csv")


def test_damaged_gzip_is_an_input_error(tmp_path):
    path = write(tmp_path / "t.csv.gz", b"not gzip at all")
    with pytest.raises(InputError, match="cannot read"):
        load_corpus(path)


def test_shipped_corpora_load(tickets):
    assert len(tickets) >= 1000
    assert len(set(tickets.ids)) == len(tickets)
    assert all(d.meta.get("label") is not None for d in tickets)


def test_files_and_assign_streams_share_one_record_reader(tmp_path):
    """load_corpus and assign's stdin read records with io.records: same ids and texts (ids
    named after the file or stdin; a CSV file's id column is named, stdin's is 'id' if
    present), a bad record stops the file and is one record of the stream."""
    from topicnmf.io.records import stream_records

    rows = [{"id": "a", "text": "printer jam"}, {"text": "refund please"}]
    jsonl = "".join(json.dumps(r) + "\n" for r in rows)
    csv_text = 'id,text\na,printer jam\n,"refund please"\n'
    for name, content, ids in (("d.jsonl", jsonl, {}), ("d.csv", csv_text, {"id_column": "id"})):
        corpus = load_corpus(write(tmp_path / name, content), **ids)
        stream = list(stream_records(content.splitlines(keepends=True)))
        assert [(d.id.replace(name, "stdin"), d.text) for d in corpus] == \
            [(r.id, r.text) for r in stream]
    bad = jsonl + "{oops\n"
    with pytest.raises(InputError, match=r"d2\.jsonl line 3: not valid JSON"):
        load_corpus(write(tmp_path / "d2.jsonl", bad))
    last = list(stream_records(bad.splitlines(keepends=True)))[-1]
    assert (last.line, last.id) == (3, None) and last.problem.startswith("not valid JSON")
