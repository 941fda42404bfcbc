"""Nothing lost: saves that leave users' files alone, special files refused, operating-system
errors as one line, all-or-nothing outputs, locked updates, inert CSV cells.

The disk-full and read-only cases run on a small tmpfs mounted for the test (root only; skipped
with the reason where mounting is not possible).
"""

import csv
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from topicnmf import InputError, ModelFormatError, TopicModel
from topicnmf.io.files import clean_stale_temps, write_all, write_atomic
from topicnmf.model.saved import ARRAYS_NPZ, MODEL_JSON, PREVIOUS_NPZ

from test_cli import REPO, assert_clean_error, run
from test_inputs import as_nobody

CLI = [sys.executable, "-m", "topicnmf.cli"]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """The first 300 tickets: fits in a fraction of a second."""
    with gzip.open(REPO / "corpora" / "tickets.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    path = tmp_path_factory.mktemp("corpus") / "tickets.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows[:301])
    return path


def fit(corpus, out, k=3, *extra):
    return run("fit", corpus, "--id-column", "id", "-k", k, "-o", out, *extra)


def tree(folder):
    """Every file below ``folder`` with its SHA-256 (hidden files of topicnmf left out)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()
            and not p.name.startswith(".")}


def shell(script):
    """Run a bash script in which $TOPICNMF is this checkout's CLI."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TOPICNMF=" ".join(CLI))
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)


# -- 1. saving never deletes a user's files ------------------------------------------------

def test_a_foreign_model_json_is_never_replaced(small_corpus, tmp_path):
    folder = tmp_path / "x"
    (folder / "src").mkdir(parents=True)
    (folder / "model.json").write_text('{"name": "app"}')
    (folder / "src" / "main.py").write_text("y\n")
    before = tree(folder)
    assert_clean_error(fit(small_corpus, folder, 2), r"model.json: is not a topicnmf model file")
    assert tree(folder) == before


def test_refitting_and_labelling_keep_what_users_keep_beside_the_model(small_corpus, tmp_path):
    folder = tmp_path / "m"
    assert fit(small_corpus, folder, 2).exit_code == 0
    shutil.copy(small_corpus, folder / "corpus.csv")           # the input lives there too
    (folder / "NOTES.md").write_text("my notes\n")
    (folder / "exports").mkdir()
    (folder / "exports" / "a.csv").write_text("1,2\n")
    assert run("report", folder, "-o", folder / "report.html").exit_code == 0
    kept = {name: digest for name, digest in tree(folder).items()
            if name not in (MODEL_JSON, ARRAYS_NPZ)}

    result = fit(folder / "corpus.csv", folder, 3)
    assert result.exit_code == 0, result.output
    assert TopicModel.load(folder).n_topics == 3
    assert run("label", folder, 1, "Billing").exit_code == 0
    assert TopicModel.load(folder).label(1) == "Billing"
    after = tree(folder)
    assert {n: d for n, d in after.items() if n not in (MODEL_JSON, ARRAYS_NPZ)} == kept
    assert sorted(os.listdir(folder)) == sorted(
        ["corpus.csv", "NOTES.md", "exports", "report.html", MODEL_JSON, ARRAYS_NPZ,
         ".topicnmf.lock"])


def test_a_non_empty_folder_without_a_model_is_refused(small_corpus, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "arrays.npz").write_bytes(b"someone else's")
    before = tree(tmp_path / "docs")
    assert_clean_error(fit(small_corpus, tmp_path / "docs"), "not a topicnmf model; refusing")
    assert tree(tmp_path / "docs") == before


def test_the_destination_is_checked_before_the_fit(small_corpus, tmp_path):
    (tmp_path / "file").write_text("x")
    result = fit(small_corpus, tmp_path / "file" / "m")
    assert_clean_error(result, r"file: is a file, not a folder")
    assert "fitting" not in result.stderr


# -- 2. special files, links and inputs are never written --------------------------------

def test_devices_fifos_and_links_are_refused(saved_model, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "elsewhere.png"
    target.write_bytes(b"keep")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    for output, reason in ((Path("/dev/full"), "not a regular file"),
                           (fifo, "not a regular file"), (link, "symbolic link"),
                           (tmp_path, "is a directory")):
        assert_clean_error(run("plot", saved_model, "-o", output), reason)
    assert Path("/dev/full").is_char_device() and fifo.is_fifo()
    assert link.is_symlink() and target.read_bytes() == b"keep"


def test_an_output_may_not_replace_an_input(saved_model, small_corpus, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    before = tree(model)
    assert_clean_error(run("report", model, "-o", model / MODEL_JSON), "is an input")
    assert_clean_error(run("choose-k", small_corpus, "--id-column", "id", "--k", "2",
                           "--runs", 1, "--plot", small_corpus), "is an input")
    assert tree(model) == before


def test_write_atomic_refuses_special_files_in_the_library(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="not a regular file"):
        write_atomic(tmp_path / "fifo", "x")
    assert (tmp_path / "fifo").is_fifo() and os.listdir(tmp_path) == ["fifo"]


def test_a_tag_folder_with_someone_elses_output_names_is_refused(saved_model, small_corpus,
                                                                  tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "errors.csv").write_text("my own error list\n")
    assert_clean_error(run("tag", small_corpus, "--model", saved_model, "-o", out),
                       r"errors.csv: already exists and was not written by topicnmf")
    assert (out / "errors.csv").read_text() == "my own error list\n"
    assert run("tag", small_corpus, "--model", saved_model, "-o", tmp_path / "t").exit_code == 0
    assert run("tag", small_corpus, "--model", saved_model, "-o", tmp_path / "t").exit_code == 0


# -- 3. operating-system errors are one line, and nothing is half-written ------------------

@contextmanager
def tmpfs(folder, size):
    """A small tmpfs on ``folder`` (root can mount; others skip)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not root'})"
        if os.environ.get("CI"):                 # CI runs as root: these tests must run there
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk, leave):
    """Fill ``disk`` until about ``leave`` bytes are free."""
    st = os.statvfs(disk)
    (disk / "filler").write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))


def test_a_full_disk_during_fit_and_label_keeps_the_previous_model(saved_model, small_corpus,
                                                                  tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as disk:
        model = disk / "m"
        shutil.copytree(saved_model, model)
        before = tree(model)
        fill(disk, 64 * 1024)
        result = fit(small_corpus, model, 4)
        assert_clean_error(result, r"m/arrays.npz: No space left on device; free some space")
        assert tree(model) == before and TopicModel.load(model).n_topics == 8
        assert_clean_error(run("label", model, 0, "Billing"),
                           r"m/model.json: No space left on device")
        assert tree(model) == before and TopicModel.load(model).label(0) != "Billing"
        assert [n for n in os.listdir(model) if n.endswith(".tmp")] == []


def test_a_full_disk_during_tag_writes_no_output(saved_model, small_corpus, tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        fill(disk, 200 * 1024)                       # room for the journal, not the outputs
        result = run("tag", small_corpus, "--model", saved_model, "-o", disk / "t")
        assert_clean_error(result, r"t/\S+: No space left on device")
        names = os.listdir(disk / "t")
        assert sorted(names) == [".tag-state.jsonl", ".tag-state.lock"], names


def test_a_full_disk_during_report_and_choose_k(saved_model, small_corpus, tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        fill(disk, 8 * 1024)
        assert_clean_error(run("report", saved_model, "-o", disk / "r.html"),
                           r"r.html: No space left on device")
        assert_clean_error(run("choose-k", small_corpus, "--id-column", "id", "--k", "2:12",
                               "--runs", 1, "--journal", disk / "j.jsonl"),
                           r"j.jsonl: No space left on device")
        assert sorted(os.listdir(disk)) == ["filler", "j.jsonl", "j.jsonl.lock"]


def test_a_read_only_destination_is_found_before_the_work(small_corpus, tmp_path):
    with tmpfs(tmp_path / "ro", "64k") as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        result = fit(small_corpus, ro / "m")
        assert_clean_error(result, r"ro: cannot write there \(the file system is read-only\)")
        assert "fitting" not in result.stderr
        assert_clean_error(run("report", small_corpus, "-o", ro / "r.html"),
                           "cannot write there")


def test_a_folder_without_write_permission_is_found_before_the_work(small_corpus):
    import topicnmf.model.persist  # noqa: F401  (the child, not root, cannot import from /root)
    import topicnmf.factor.seeding  # noqa: F401

    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        base.chmod(0o755)                         # root's: others may enter, not write
        shutil.copy(small_corpus, base / "c.csv")
        (base / "c.csv").chmod(0o644)

        def fit_as_nobody():
            result = fit(base / "c.csv", base / "m")
            return [result.exit_code, result.stderr]

        status, stderr = as_nobody(fit_as_nobody)
        assert status == 2 and "fitting" not in stderr
        assert stderr.splitlines()[-1] == (f"Error: {base}: cannot write there (permission "
                                           "denied); choose another location")
        assert sorted(os.listdir(base)) == ["c.csv"]
    finally:
        shutil.rmtree(base)


def test_stdout_full_closed_or_cut_short(saved_model):
    full = shell(f"$TOPICNMF topics {saved_model} > /dev/full")
    assert full.returncode == 2
    assert full.stderr == ("Error: <stdout>: No space left on device; free some space and "
                           "run again\n")
    closed = shell(f"$TOPICNMF topics {saved_model} >&-")
    assert closed.returncode == 2
    assert closed.stderr == "Error: <stdout>: standard output is closed; nothing was printed\n"
    cut = shell(f"$TOPICNMF topics {saved_model} | head -c 10 > /dev/null; "
                "exit ${PIPESTATUS[0]}")
    assert cut.returncode == 0 and cut.stderr == ""


def test_assign_with_stdin_closed(saved_model):
    result = shell(f"$TOPICNMF assign --model {saved_model} <&-")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: stdin is closed") and result.stderr.count("\n") == 1


def test_write_all_is_all_or_nothing(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    os.mkfifo(tmp_path / "b.txt")
    with pytest.raises(InputError):
        write_all({tmp_path / "a.txt": "new a", tmp_path / "b.txt": "new b"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt"]


def test_temporary_files_of_killed_processes_are_cleaned(saved_model, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = model / f".{ARRAYS_NPZ}.{dead.pid}.x1y2.tmp"
    live = model / f".{ARRAYS_NPZ}.{os.getpid()}.a3b4.tmp"
    stale.write_bytes(b"half a save")
    live.write_bytes(b"a save under way")
    assert clean_stale_temps(model / ARRAYS_NPZ) == [stale]
    assert live.exists() and not stale.exists()


def test_a_save_killed_between_its_two_renames_still_loads_the_previous_model(
        saved_model, tickets, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    old = TopicModel.load(model)
    other = TopicModel(3, random_state=0).fit(tickets)
    other.save(tmp_path / "other")
    # what a save of `other` into `model` leaves if killed after replacing arrays.npz:
    os.link(model / ARRAYS_NPZ, model / PREVIOUS_NPZ)
    os.replace(tmp_path / "other" / ARRAYS_NPZ, model / ARRAYS_NPZ)
    loaded = TopicModel.load(model)
    np.testing.assert_array_equal(loaded.W_, old.W_)
    os.unlink(model / PREVIOUS_NPZ)                 # a model.json and arrays of two saves
    with pytest.raises(ModelFormatError, match="come from different saves"):
        TopicModel.load(model)
    old.save(model)                                  # saving again repairs the folder
    np.testing.assert_array_equal(TopicModel.load(model).W_, old.W_)


# -- 4. locks -----------------------------------------------------------------------------

def test_concurrent_labels_all_take_effect(saved_model, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen(CLI + ["label", str(model), str(z), f"Name {z}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for z in range(6)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    loaded = TopicModel.load(model)
    assert [loaded.label(z) for z in range(6)] == [f"Name {z}" for z in range(6)]


# -- 5. CSV cells and labels ---------------------------------------------------------------

def test_csv_outputs_make_formulas_inert(saved_model, tmp_path):
    table = tmp_path / "in.csv"
    table.write_text('id,text\n"=HYPERLINK(""x"")",printer driver crash\n+1,mail server\n'
                     "-2,font rendering\n@3,python module\nplain,library package\n")
    assert run("tag", table, "--model", saved_model, "-o", tmp_path / "t",
               "--id-column", "id").exit_code == 0
    with open(tmp_path / "t" / "doc-topics.csv", newline="") as f:
        ids = {row["doc_id"] for row in csv.DictReader(f)}
    assert ids == {"'=HYPERLINK(\"x\")", "'+1", "'-2", "'@3", "plain"}
    tags = [json.loads(line)["id"] for line in open(tmp_path / "t" / "tags.jsonl")]
    assert tags == ['=HYPERLINK("x")', "+1", "-2", "@3", "plain"]     # JSON is not escaped
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    assert run("label", model, 0, "=cmd|' /C calc'!A0").exit_code == 0
    rows = list(csv.reader(run("topics", model, "--format", "csv").stdout.splitlines()))
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][2].isdigit()


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "bell\x07", "x" * 201])
def test_labels_are_one_line_of_printable_text(saved_model, tmp_path, name):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    before = tree(model)
    assert_clean_error(run("label", model, 0, name), "not one line of printable text")
    assert tree(model) == before


def test_model_json_without_parameters_still_has_its_k(saved_model, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    meta = json.loads((model / MODEL_JSON).read_text())
    meta["params"] = {}                          # parameters take their defaults, k stays
    (model / MODEL_JSON).write_text(json.dumps(meta))
    assert TopicModel.load(model).n_topics == 8
    assert run("topics", model).exit_code == 0


@pytest.mark.parametrize("k", [2**63, 10**9, 0, -1, True, 8.0])
def test_a_wrong_n_topics_is_refused_without_allocating(saved_model, tmp_path, k):
    model = tmp_path / "m"
    shutil.copytree(saved_model, model)
    meta = json.loads((model / MODEL_JSON).read_text())
    meta["n_topics"] = k
    del meta["topic_labels"]
    (model / MODEL_JSON).write_text(json.dumps(meta))
    with pytest.raises(ModelFormatError, match="damaged or inconsistent model"):
        TopicModel.load(model)
