"""Partitions of a corpus (topicnmf.io.partitions, topicnmf.io.streaming) and the passes over
them (topicnmf.text.counting): read in pieces, the shipped corpora give the documents, the
vocabulary, the idf and the columns of V that reading them whole gives."""

import csv
import gzip
import io

import numpy as np
import pytest
import scipy.sparse as sp

from topicnmf.errors import InputError
from topicnmf.io.corpus import load_corpus
from topicnmf.io.partitions import partitions
from topicnmf.io.streaming import read_partition, resolve_ids
from topicnmf.text.counting import (count_partition, fitted_vectorizer, merge_frequencies,
                                    term_rows, tfidf_columns)
from topicnmf.text.preprocess import Preprocessor
from topicnmf.text.vectorize import Vectorizer

from conftest import REPO, TICKETS

CHANGELOGS = REPO / "corpora" / "changelogs.jsonl.gz"
DOCS = REPO / "corpora" / "python-docs"


def read_all(path, **options):
    plan = partitions(path, **options)
    skipped = []
    docs = [d for p in plan.partitions for d in read_partition(p, skipped)]
    return plan, docs, skipped


def corpus_options(options):
    """``partitions`` options as ``load_corpus`` takes them."""
    options = {k: v for k, v in options.items() if k != "partition_bytes"}
    return options


@pytest.mark.parametrize("path, options", [
    (TICKETS, {"id_column": "id", "label_column": "section", "partition_bytes": 40_000}),
    (TICKETS, {"partition_bytes": 7_000}),                 # ids tickets.csv.gz:LINE
    (CHANGELOGS, {"date_column": "date", "partition_bytes": 20_000}),
    (CHANGELOGS, {"partition_bytes": 10**9}),
    (DOCS, {"partition_bytes": 50_000}),
])
def test_the_partitions_read_the_documents_of_the_whole_corpus(path, options):
    plan, docs, _ = read_all(path, **options)
    corpus = load_corpus(path, duplicate_ids="number", **corpus_options(options))
    assert [(d.id, d.text, d.meta) for d in docs] == \
        [(d.id, d.text, d.meta) for d in corpus.documents]
    if options["partition_bytes"] < 10**6:
        assert len(plan.partitions) > 5
        assert sum(p.size for p in plan.partitions) >= options["partition_bytes"]


def tickets_rows():
    with gzip.open(TICKETS, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_a_csv_with_quoted_line_breaks_and_crlf_is_split_between_records(tmp_path):
    header, *rows = tickets_rows()
    # real texts with their sentences on lines of their own, quotes, CRLF endings, a BOM
    rows = [[i, s, t.replace(". ", '.\r\n"quoted" ') if n % 3 else t]
            for n, (i, s, t) in enumerate(rows[:600])]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header] + rows)
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"))
    plan, docs, _ = read_all(path, partition_bytes=9_000)
    assert len(plan.partitions) > 10
    assert [(d.id, d.text) for d in docs] == \
        [(d.id, d.text) for d in load_corpus(path).documents]     # ids carry the line


@pytest.mark.parametrize("encoding, newline", [("utf-16", "\n"), ("utf-8", "\r")])
def test_files_that_cannot_be_split_by_bytes_are_one_partition(tmp_path, encoding, newline):
    texts = [row[2] for row in tickets_rows()[1:400]]
    path = tmp_path / "tickets.txt"
    path.write_bytes(newline.join(texts).encode(encoding))
    plan, docs, _ = read_all(path, encoding=encoding, partition_bytes=2_000)
    assert len(plan.partitions) == 1
    assert [(d.id, d.text) for d in docs] == \
        [(d.id, d.text) for d in load_corpus(path, encoding=encoding).documents]


def test_a_bad_record_in_a_later_partition_is_named_by_its_line(tmp_path):
    lines = gzip.open(CHANGELOGS, "rt", encoding="utf-8").read().splitlines()
    lines[1500] = lines[1500][:-5]                          # a truncated JSON object
    path = tmp_path / "changelogs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as whole:
        load_corpus(path)
    with pytest.raises(InputError) as parts:
        read_all(path, partition_bytes=20_000)
    assert str(parts.value) == str(whole.value)
    assert "line 1501" in str(parts.value)


def test_missing_paths_and_unknown_formats_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        partitions(tmp_path / "missing.jsonl")
    (tmp_path / "notes.xyz").write_text("a")
    with pytest.raises(InputError, match="--input-format"):
        partitions(tmp_path / "notes.xyz")


@pytest.mark.parametrize("policy", ["first", "number"])
def test_duplicate_ids_are_resolved_over_partitions_as_load_corpus_does(tmp_path, policy):
    header, *rows = tickets_rows()
    rows = rows[:300] + rows[100:200]                        # 100 repeated ids, later on
    text = io.StringIO()
    csv.writer(text).writerows([header] + rows)
    path = tmp_path / "tickets.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    plan, docs, _ = read_all(path, id_column="id", partition_bytes=30_000)
    by_part = [[d.id for d in read_partition(p, [])] for p in plan.partitions]
    ids, drops, skipped = resolve_ids(by_part, path, policy)
    expected = load_corpus(path, id_column="id", duplicate_ids=policy)
    assert [i for part in ids for i in part] == expected.ids
    assert len(skipped) == len([s for s in expected.skipped if "duplicate" in s[1]])
    assert sum(map(len, drops)) == (100 if policy == "first" else 0)
    with pytest.raises(InputError, match="duplicate document id"):
        resolve_ids(by_part, path, "error")


SETTINGS = [
    ({}, {}),
    ({"stem": True, "ngram_range": (1, 2)}, {"min_df": 3, "max_df": 0.5, "max_features": 700}),
    ({"stem": True}, {"min_df": 0.002, "max_df": 40, "sublinear_tf": False}),
    ({}, {"max_features": 1500, "use_idf": False}),
]


@pytest.mark.parametrize("preprocessing, vocabulary", SETTINGS)
def test_the_merged_counts_choose_the_vocabulary_and_idf_of_the_whole_corpus(preprocessing,
                                                                            vocabulary):
    plan = partitions(TICKETS, id_column="id", partition_bytes=60_000)
    prep = Preprocessor(**preprocessing).get_params()
    parts = [count_partition(p, prep) for p in plan.partitions]
    vectorizer = fitted_vectorizer(merge_frequencies(reversed(parts)), preprocessing=prep,
                                   **vocabulary)
    whole = Vectorizer(Preprocessor(**preprocessing), **vocabulary)
    V_whole = whole.fit_transform(load_corpus(TICKETS, id_column="id").texts)
    assert vectorizer.vocabulary_ == whole.vocabulary_
    assert vectorizer.display_ == whole.display_
    np.testing.assert_array_equal(vectorizer.idf_, whole.idf_)
    V = sp.hstack([tfidf_columns(p.counts, term_rows(vectorizer, p.terms), vectorizer,
                                 dtype=np.float64) for p in parts]).tocsc()
    assert abs(V - V_whole).max() < 1e-15
    assert V.nnz == V_whole.nnz


def test_documents_left_out_are_not_counted(tmp_path):
    plan = partitions(TICKETS, id_column="id")
    prep = Preprocessor(stem=True).get_params()
    kept = count_partition(plan.partitions[0], prep, drop=range(0, 2500, 2))
    texts = load_corpus(TICKETS, id_column="id").texts[1::2]
    whole = Vectorizer(Preprocessor(stem=True))
    whole.fit_transform(texts)
    vectorizer = fitted_vectorizer(merge_frequencies([kept]), preprocessing=prep)
    assert kept.n_documents == 1250
    assert (vectorizer.vocabulary_, vectorizer.display_) == (whole.vocabulary_, whole.display_)


def test_a_corpus_without_terms_is_an_input_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("the and of\n12 34\n")
    prep = Preprocessor().get_params()
    parts = [count_partition(p, prep) for p in partitions(path).partitions]
    with pytest.raises(InputError, match="no terms left"):
        fitted_vectorizer(merge_frequencies(parts), preprocessing=prep)
    path.write_text("printer jam\nrefund invoice\n")
    parts = [count_partition(p, prep) for p in partitions(path).partitions]
    with pytest.raises(InputError, match="min_df=2"):
        fitted_vectorizer(merge_frequencies(parts), preprocessing=prep)
