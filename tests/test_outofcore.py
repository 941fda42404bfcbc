"""Fits out of core (topicnmf.model.outofcore, factor.fileblocks, model.workfolder): the
shipped corpora in many partitions and blocks give the in-memory fit's vocabulary, topics and
memberships; the work folder is reused, resumed and cleaned up; bad input is one line."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from topicnmf import TopicModel, load_corpus
from topicnmf.cli import main
from topicnmf.errors import InputError
from topicnmf.factor.fileblocks import FileBlocks, write_block
from topicnmf.factor.hals import hals_nmf, solve_blocks
from topicnmf.model.outofcore import fit_out_of_core, fit_placement

from conftest import REPO, TICKETS

CHANGELOGS = REPO / "corpora" / "changelogs.jsonl.gz"
SMALL = {"block_size": 300, "partition_bytes": 150_000}      # 8 partitions, 15 blocks


def hals(k, **params):
    """Settings an out-of-core fit keeps: no near-duplicate weights (it warns and drops them)."""
    return TopicModel(k, solver="hals", random_state=0, **{"near_duplicates": None, **params})


@pytest.fixture(scope="module")
def in_memory():
    return hals(10).fit(load_corpus(TICKETS, id_column="id", label_column="section"))


@pytest.fixture(scope="module")
def out_of_core(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ooc")
    model = fit_out_of_core(hals(10), TICKETS, folder / "model", id_column="id",
                            label_column="section", work_dir=folder / "work",
                            keep_work_dir=True, **SMALL)
    return model, folder


def test_blocks_in_files_give_the_factors_of_blocks_in_memory(in_memory, tmp_path):
    V = in_memory.V_.astype(np.float32)
    paths = [write_block(tmp_path / f"{a}.npz", V[:, a:a + 100])
             for a in range(0, V.shape[1], 100)]                # 25 blocks: 4 chunks
    W, H, n_iter = solve_blocks(FileBlocks(paths, V.shape), 10, random_state=0)
    W_mem, H_mem, n_mem = hals_nmf(in_memory.V_, 10, random_state=0, block_size=100)
    assert n_iter == n_mem
    np.testing.assert_allclose(W, W_mem, atol=2e-6)
    np.testing.assert_allclose(H, H_mem, atol=2e-4 * H_mem.max())
    with FileBlocks(paths, V.shape, jobs=3) as blocks:        # the chunks in 3 processes
        W_3, H_3, _ = solve_blocks(blocks, 10, random_state=0)
    np.testing.assert_array_equal(W_3, W)
    np.testing.assert_array_equal(H_3, H)


def test_out_of_core_gives_the_in_memory_model(in_memory, out_of_core):
    model, _ = out_of_core
    assert model.vectorizer_.vocabulary_ == in_memory.vectorizer_.vocabulary_
    np.testing.assert_array_equal(model.vectorizer_.idf_, in_memory.vectorizer_.idf_)
    assert model.n_iter_ == in_memory.n_iter_
    np.testing.assert_allclose(model.W_, in_memory.W_, atol=3e-6)
    np.testing.assert_allclose(model.H_, in_memory.H_, atol=1e-4 * in_memory.H_.max())
    assert [[term for term, _ in t.terms] for t in model.topics(8)] == \
        [[term for term, _ in t.terms] for t in in_memory.topics(8)]
    assert model.reconstruction_err_ == pytest.approx(in_memory.reconstruction_err_, rel=1e-6)
    assert abs(model.V_ - in_memory.V_).max() < 1e-7
    assert model.document_ids_ == in_memory.document_ids_
    assert model.snippets_ == in_memory.snippets_
    assert model.document_meta_ == in_memory.document_meta_


def test_long_documents_weigh_out_of_core_as_in_memory(tmp_path):
    """Pivoted length weights: the lengths are read back from the blocks and each block is
    weighted as it is read, in the worker processes too (jobs=2)."""
    corpus = load_corpus(TICKETS, id_column="id")
    here = hals(8, pivot_slope=0.5).fit(corpus)
    there = fit_out_of_core(hals(8, pivot_slope=0.5), TICKETS, tmp_path / "m", id_column="id",
                            jobs=2, **SMALL)
    assert there.pivot_slope == 0.5 and there.n_iter_ == here.n_iter_
    np.testing.assert_allclose(there.W_, here.W_, atol=3e-6)
    assert [[term for term, _ in t.terms] for t in there.topics(8)] == \
        [[term for term, _ in t.terms] for t in here.topics(8)]
    assert np.abs(hals(8).fit(corpus).W_ - here.W_).max() > 1e-3     # the weights matter


def test_the_model_does_not_depend_on_the_processes(out_of_core, tmp_path):
    model, folder = out_of_core
    again = fit_out_of_core(hals(10), TICKETS, tmp_path / "m", id_column="id",
                            label_column="section", jobs=2, **SMALL)
    saved = json.loads((folder / "model" / "model.json").read_text())
    assert json.loads((tmp_path / "m" / "model.json").read_text())["save_id"] == \
        saved["save_id"]
    np.testing.assert_array_equal(again.H_, model.H_)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".topicnmf-work")]


def test_a_refit_with_another_k_reuses_the_blocks(out_of_core, tmp_path):
    _, folder = out_of_core
    work = folder / "work"
    blocks = sorted(work.glob("block-*.npz"))
    stamps = [p.stat().st_mtime_ns for p in blocks]
    refit = fit_out_of_core(hals(6), TICKETS, tmp_path / "m6", id_column="id",
                            label_column="section", work_dir=work, keep_work_dir=True, **SMALL)
    assert len(blocks) == 15 and [p.stat().st_mtime_ns for p in blocks] == stamps
    fresh = hals(6).fit(load_corpus(TICKETS, id_column="id", label_column="section"))
    np.testing.assert_allclose(refit.W_, fresh.W_, atol=3e-6)


def test_an_interrupted_fit_resumes_and_a_damaged_work_folder_is_rebuilt(out_of_core,
                                                                        tmp_path):
    model, _ = out_of_core
    work = tmp_path / "work"
    seen = []

    def stop_after_three(iterable, **bar):
        for item in iterable:
            yield item
            seen.append(bar["desc"])
            if seen.count("counting terms") == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit_out_of_core(hals(10), TICKETS, tmp_path / "m", id_column="id",
                        label_column="section", work_dir=work, progress=stop_after_three,
                        **SMALL)
    assert len(list(work.glob("counts-*.json"))) == 3       # kept: a given folder resumes
    counted = {p.name: p.stat().st_mtime_ns for p in work.glob("counts-*")}
    resumed = fit_out_of_core(hals(10), TICKETS, tmp_path / "m", id_column="id",
                              label_column="section", work_dir=work, keep_work_dir=True,
                              **SMALL)
    assert {p: (work / p).stat().st_mtime_ns for p in counted} == counted
    np.testing.assert_array_equal(resumed.W_, model.W_)
    (work / "block-000004.npz").unlink()
    rebuilt = fit_out_of_core(hals(10), TICKETS, tmp_path / "m", id_column="id",
                              label_column="section", work_dir=work, **SMALL)
    np.testing.assert_array_equal(rebuilt.W_, model.W_)
    assert not work.exists()                                 # removed once done


def test_a_block_lost_during_the_fit_is_a_one_line_error(tmp_path):
    work = tmp_path / "work"

    def remove_a_block(iterable, **bar):
        for n, item in enumerate(iterable):
            if bar["desc"] == "sweeps" and n == 2:
                (work / "block-000001.npz").unlink()
            yield item

    with pytest.raises(InputError, match=r"block-000001.npz: block of the work folder is "
                                         r"missing .* run again"):
        fit_out_of_core(hals(5), TICKETS, tmp_path / "m", work_dir=work,
                        progress=remove_a_block, **SMALL)
    assert not (tmp_path / "m").exists()


def test_duplicate_ids_and_metadata_fields_are_checked_over_all_partitions(tmp_path):
    texts = load_corpus(TICKETS).texts[:40]
    lines = [json.dumps({"id": "same", "text": text}) for text in texts]
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(lines) + "\n")
    options = dict(partition_bytes=3000, block_size=7)
    with pytest.raises(InputError, match="duplicate document id 'same'"):
        fit_out_of_core(hals(2, min_df=1), path, tmp_path / "m", **options)
    model = fit_out_of_core(hals(2, min_df=1), path, tmp_path / "m", duplicate_ids="number",
                            **options)
    assert model.document_ids_[:3] == ["same", "same#2", "same#3"]
    first = fit_out_of_core(hals(1, min_df=1, max_df=1.0), path, tmp_path / "f",
                            duplicate_ids="first",
                            **options)
    assert first.document_ids_ == ["same"] and first.V_.shape[1] == 1
    with pytest.raises(InputError, match="no record has the field 'team'"):
        fit_out_of_core(hals(2), CHANGELOGS, tmp_path / "c", label_column="team", **options)


@pytest.mark.parametrize("params, message", [
    ({"solver": "cd"}, "out-of-core fit runs the block solver"),
    ({"seed_topics": {"Billing": ["refund"]}}, "seed topics are fitted in memory"),
    ({"n_topics": 5000}, "k=5000 is larger than the number of documents"),
])
def test_settings_the_block_solver_cannot_fit_are_input_errors(tmp_path, params, message):
    estimator = hals(5).set_params(**params)
    with pytest.raises(InputError, match=message):
        fit_out_of_core(estimator, TICKETS, tmp_path / "m", **SMALL)


def test_a_work_folder_that_holds_other_files_is_refused(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a topicnmf work folder"):
        fit_out_of_core(hals(5), TICKETS, tmp_path / "m", work_dir=tmp_path / "work")
    assert (tmp_path / "work" / "notes.txt").read_text() == "mine"


def test_the_cli_fits_out_of_core_with_a_work_folder_and_keeps_it_if_asked(tmp_path):
    runner = CliRunner()
    args = ["fit", str(TICKETS), "--id-column", "id", "-k", "6", "--block-size", "500",
            "--work-dir", str(tmp_path / "work")]
    result = runner.invoke(main, args + ["-o", str(tmp_path / "m"), "--keep-work-dir"])
    assert result.exit_code == 0, result.output
    assert "out of core" in result.stderr and "sweeps" in result.stderr
    assert "warning: near-duplicate documents are not weighed out of core" in result.stderr
    assert TopicModel.load(tmp_path / "m").near_duplicates is None
    assert len(list((tmp_path / "work").glob("block-*.npz"))) == 5
    result = runner.invoke(main, args + ["-o", str(tmp_path / "m2")])
    assert result.exit_code == 0 and not (tmp_path / "work").exists()
    shown = runner.invoke(main, ["topics", str(tmp_path / "m2"), "--format", "json"])
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)) == 6
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    bad = runner.invoke(main, args[:-1] + [str(tmp_path / "other"), "-o", str(tmp_path / "m3")])
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1].startswith("Error: ")
    assert "not a topicnmf work folder" in bad.stderr.splitlines()[-1]


def test_the_placement_rule(tmp_path, monkeypatch):
    from topicnmf.model import outofcore

    assert not fit_placement(TICKETS) and not fit_placement(TICKETS, "hals")
    assert fit_placement(TICKETS, work_dir=tmp_path / "work")
    assert fit_placement(TICKETS, "cd", work_dir=tmp_path / "work")    # then refused, 1 line
    monkeypatch.setattr(outofcore, "OUT_OF_CORE_BYTES", 1000)           # as if it were large
    assert fit_placement(TICKETS) and fit_placement(TICKETS, "hals")
    assert not fit_placement(TICKETS, "cd")
    assert not fit_placement(TICKETS, "hals", {"Billing": ["refund"]})


def test_a_small_fit_without_a_work_folder_is_the_fit_in_memory(tmp_path):
    args = ["fit", str(TICKETS), "--id-column", "id", "-k", "4", "--random-state", "0"]
    result = CliRunner().invoke(main, args + ["-o", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "out of core" not in result.stderr and "iterations" in result.stderr
    here = TopicModel(4, random_state=0).fit(load_corpus(TICKETS, id_column="id"))
    model = TopicModel.load(tmp_path / "m")
    np.testing.assert_array_equal(model.W_, here.W_)
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_choose_k_reads_v_from_the_work_folder_of_a_fit(out_of_core, tmp_path):
    from topicnmf.model.outofcore import work_matrix

    model, folder = out_of_core
    work = folder / "work"
    stamps = {p.name: p.stat().st_mtime_ns for p in work.glob("block-*.npz")}
    V, vectorizer = work_matrix(hals(10), TICKETS, work, id_column="id",
                                label_column="section", **SMALL)
    assert vectorizer.vocabulary_ == model.vectorizer_.vocabulary_
    assert abs(V - model.V_).max() < 1e-7
    assert {p.name: p.stat().st_mtime_ns for p in work.glob("block-*.npz")} == stamps


def test_choose_k_on_the_cli_reuses_the_work_folder_of_fit(tmp_path):
    runner, work = CliRunner(), tmp_path / "work"
    options = ["--id-column", "id", "--block-size", "500", "--work-dir", str(work)]
    fitted = runner.invoke(main, ["fit", str(TICKETS), "-k", "6", "-o", str(tmp_path / "m"),
                                  "--keep-work-dir", *options])
    assert fitted.exit_code == 0, fitted.output
    stamps = {p.name: p.stat().st_mtime_ns for p in work.iterdir()}
    result = runner.invoke(main, ["choose-k", str(TICKETS), "--k", "4,6", "--runs", "1",
                                  "--format", "json", *options])
    assert result.exit_code == 0, result.output
    assert "to 2500 documents" in result.stderr
    assert [row["k"] for row in json.loads(result.stdout)] == [4, 6]
    assert {p.name: p.stat().st_mtime_ns for p in work.iterdir()} == stamps


def test_keeping_a_work_folder_needs_one(tmp_path):
    with pytest.raises(InputError, match="keep_work_dir needs a work_dir"):
        fit_out_of_core(hals(5), TICKETS, tmp_path / "m", keep_work_dir=True)


def test_a_large_model_keeps_h_and_v_in_mapped_files(tickets_model, tmp_path, monkeypatch):
    from topicnmf import label, recommend, similar, target
    from topicnmf.errors import ModelFormatError
    from topicnmf.model import persist

    tickets_model.save(tmp_path / "small")
    monkeypatch.setattr(persist, "MAPPED_BYTES", 1000)          # every H counts as large
    tickets_model.save(tmp_path / "large")
    meta = json.loads((tmp_path / "large" / "model.json").read_text())
    assert meta["format_version"] == 2
    assert sorted(meta["array_files"]) == ["H", "V_data", "V_indices", "V_indptr"]
    small, large = TopicModel.load(tmp_path / "small"), TopicModel.load(tmp_path / "large")
    assert isinstance(large.H_.base, np.memmap) and not large.H_.flags.writeable
    np.testing.assert_array_equal(large.H_, small.H_)
    doc = small.document_ids_[7]
    for query in (lambda m: similar(m, doc, top=5), lambda m: recommend(m, doc, top=5),
                  lambda m: target(m, term="game", budget=5),
                  lambda m: target(m, topic=2, budget=5, prospects_only=True)):
        assert query(large) == query(small)
    files = {p.name for p in (tmp_path / "large").iterdir()}
    label(tmp_path / "large", 0, "Files")                        # the arrays stay as they are
    assert {p.name for p in (tmp_path / "large").iterdir()} == files
    model = TopicModel.load(tmp_path / "large")
    model.H_ = np.asarray(model.H_) * 2
    model.save(tmp_path / "large")                               # new H: new files, old removed
    names = {p.name for p in (tmp_path / "large").iterdir()}
    assert len(names & files) == len(files) - 4 and len([n for n in names if ".npy" in n]) == 4
    next((tmp_path / "large").glob("H.*.npy")).unlink()
    with pytest.raises(ModelFormatError, match=r"H\.[0-9a-f]+\.npy is missing"):
        TopicModel.load(tmp_path / "large")


def test_a_bad_record_is_one_line_naming_it_and_exit_2(tmp_path):
    lines = [json.dumps({"id": str(i), "text": t})
             for i, t in enumerate(load_corpus(TICKETS).texts[:300])]
    lines[250] = '{"id": "250", "text": "unterminated'
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["fit", str(path), "-k", "4", "--work-dir",
                                       str(tmp_path / "work"), "-o", str(tmp_path / "m")])
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {path} line 251: not valid JSON (")
    assert last.endswith("); each line must be one JSON object")
    assert not (tmp_path / "m").exists()
    assert (tmp_path / "work" / "topicnmf-work.json").is_file()     # kept, to resume
    with pytest.raises(InputError, match="line 251: not valid JSON"):
        fit_out_of_core(hals(4), path, tmp_path / "m2")            # a temporary work folder
    assert not (tmp_path / "m2").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".topicnmf-work")]
