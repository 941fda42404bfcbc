"""The same fits, tags and scans on a Dask cluster: a LocalCluster of two worker processes (one
thread each), and in one test a scheduler and workers started with the ``dask`` command."""

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import distributed
import numpy as np
import pytest

from topicnmf import ClusterError, InputError, TopicModel, choose_k, evaluate, load_corpus, tag
from topicnmf import cluster
from topicnmf.factor.hals import hals_nmf
from topicnmf.model.on_cluster import fit_partitions
from topicnmf.model.params import make_vectorizer
from topicnmf.present.rows import rows

from test_cli import REPO, assert_clean_error, run

OUTPUTS = ("doc-topics.csv", "topic-terms.csv", "tags.jsonl", "errors.csv")
# Seconds to wait for the workers of `dask worker` to start (each imports numpy, scipy and
# topicnmf: slow on a loaded 2-core machine).
WORKER_START = 300


def local_client():
    """A Client of a LocalCluster of two worker processes (one thread each)."""
    environ = dict(os.environ)               # starting the workers sets OMP_NUM_THREADS=1 here
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local, \
            distributed.Client(local, set_as_default=False) as client:
        yield client
    os.environ.clear()
    os.environ.update(environ)


client = pytest.fixture(scope="module")(local_client)
# A cluster of its own for each test that kills a worker: the fit must end on the worker that
# is left (Dask retries the lost tasks there), whether or not a replacement ever starts, and
# the other tests keep their two workers.
own_client = pytest.fixture(local_client)


@pytest.fixture(scope="module")
def tickets_V(tickets):
    return make_vectorizer(TopicModel().get_params()).fit_transform(
        [d.text for d in tickets.documents])


def test_block_hals_on_the_cluster_gives_the_topics_of_the_fit_in_memory(client, tickets_V):
    # 9 blocks: a tree of sums with an odd block carried up
    here = hals_nmf(tickets_V, 8, random_state=0, block_size=300)
    there = hals_nmf(tickets_V, 8, random_state=0, block_size=300, scheduler=client)
    assert there[2] == here[2]                                  # the same number of sweeps
    np.testing.assert_allclose(there[0], here[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(there[1], here[1], rtol=1e-4, atol=1e-6 * here[1].max())


def test_a_worker_killed_during_a_fit_does_not_change_it(own_client, tickets_V):
    client = own_client
    here = hals_nmf(tickets_V, 8, random_state=1, block_size=400)
    before = client.run(os.getpid)
    killed = []

    def kill_a_worker(sweep, objective, W):
        if sweep == 3:                      # the next sweeps need what that worker held
            pid = sorted(before.values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    there = hals_nmf(tickets_V, 8, random_state=1, block_size=400, scheduler=client,
                     callback=kill_a_worker)
    assert killed and killed[0] not in client.run(os.getpid).values()
    assert there[2] == here[2]
    np.testing.assert_allclose(there[0], here[0], rtol=0, atol=1e-6)


def unweighted(k):
    """Settings of a fit from partitions: no near-duplicate weights (it warns and drops them)."""
    return TopicModel(k, solver="hals", random_state=0, near_duplicates=None)


def test_a_worker_killed_while_the_workers_read_the_corpus_does_not_change_the_fit(own_client):
    client = own_client
    path = REPO / "corpora" / "changelogs.jsonl.gz"
    settings = dict(scheduler=client, partition_bytes=150_000, date_column="date")
    clean = fit_partitions(unweighted(6), path, **settings)
    pids = sorted(client.run(os.getpid).values())

    def kill_a_worker_when_counting(iterable, desc, **bar):
        if desc == "counting":               # the partitions' counts are being made
            os.kill(pids[-1], signal.SIGKILL)
        return iterable

    killed = fit_partitions(unweighted(6), path, progress=kill_a_worker_when_counting,
                            **settings)
    assert pids[-1] not in client.run(os.getpid).values()
    assert killed.model.vectorizer_.to_dict() == clean.model.vectorizer_.to_dict()
    np.testing.assert_allclose(killed.model.W_, clean.model.W_, rtol=0, atol=1e-6)
    assert killed.model.document_ids_ == clean.model.document_ids_


@pytest.mark.parametrize("seed_topics", [None, {"Fonts": ["font", "truetype"]}])
def test_a_model_fitted_on_the_cluster_is_the_model_fitted_here(client, tickets, seed_topics):
    settings = dict(solver="hals", random_state=0, seed_topics=seed_topics)
    here = TopicModel(8, **settings).fit(tickets)
    there = TopicModel(8, **settings).fit(tickets, scheduler=client)
    assert there.labels() == here.labels()
    np.testing.assert_allclose(there.W_, here.W_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(there.H_, here.H_, rtol=0, atol=1e-5 * here.H_.max())
    assert there.document_ids_ == here.document_ids_ and there.n_iter_ == here.n_iter_


@pytest.mark.parametrize("corpus, options, k, block_size", [
    ("changelogs.jsonl.gz", {"date_column": "date"}, 6, 250),        # blocks within partitions
    ("python-docs", {}, 6, 16384)])      # k=5 on the cleaned docs: W moves 1e-4 with the blocks
def test_a_corpus_read_by_the_workers_gives_the_model_fitted_here(client, corpus, options, k,
                                                                  block_size):
    path = REPO / "corpora" / corpus
    # near-duplicates are not weighed from partitions (fit_partitions warns and sets None)
    here = TopicModel(k, solver="hals", random_state=0, near_duplicates=None).fit(
        load_corpus(path, **options))
    with pytest.warns(UserWarning, match="near-duplicate documents are not weighed"):
        result = fit_partitions(TopicModel(k, solver="hals", random_state=0), path,
                                scheduler=client, partition_bytes=150_000,
                                block_size=block_size, **options)
    there = result.model
    assert there.near_duplicates is None
    assert result.partitions > 2 and result.skipped == []
    assert there.vectorizer_.to_dict() == here.vectorizer_.to_dict()
    assert (there.document_ids_, there.snippets_, there.document_meta_) == \
        (here.document_ids_, here.snippets_, here.document_meta_)
    assert abs(there.V_ - here.V_).max() < 1e-12
    np.testing.assert_allclose(there.W_, here.W_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(there.H_, here.H_, rtol=0, atol=1e-5 * here.H_.max())
    assert there.labels() == here.labels()


def mixed_folder(folder, tickets):
    """Plain ticket texts, one mail among them, then reStructuredText files: partitions of
    the plain texts choose no cleaning of their own, the corpus chooses mail and markup."""
    from test_clean import MAIL

    (folder / "a-plain").mkdir(parents=True)
    for doc in tickets.documents[:300]:
        (folder / "a-plain" / f"{doc.id}.txt").write_text(doc.text)
    (folder / "a-plain" / "zz-reply.txt").write_text(MAIL)
    (folder / "b-docs").mkdir()
    for path in sorted((REPO / "corpora" / "python-docs").rglob("*.rst"))[:40]:
        (folder / "b-docs" / path.name).write_bytes(path.read_bytes())
    return folder


def test_long_documents_weigh_on_the_cluster_as_here(client):
    """Pivoted length weights from partitions: the workers return the lengths and weight
    their own blocks."""
    path = REPO / "corpora" / "changelogs.jsonl.gz"
    settings = dict(solver="hals", random_state=0, near_duplicates=None, pivot_slope=0.5)
    here = TopicModel(6, **settings).fit(load_corpus(path, date_column="date"))
    there = fit_partitions(TopicModel(6, **settings), path, scheduler=client,
                           partition_bytes=150_000, block_size=250, date_column="date").model
    assert there.pivot_slope == 0.5 and there.n_iter_ == here.n_iter_
    np.testing.assert_allclose(there.W_, here.W_, rtol=0, atol=1e-6)
    assert there.labels() == here.labels()


@pytest.mark.parametrize("corpus, clean, options", [
    ("python-docs", "auto", {}),                                   # markup, chosen by auto
    ("changelogs.jsonl.gz", "template,urls,numbers", {"date_column": "date"}),
    ("mixed", "auto", {}),                                         # partitions that differ
])
def test_cleaning_is_the_same_in_memory_out_of_core_and_on_the_cluster(
        client, tickets, tmp_path, corpus, clean, options):
    from topicnmf.model.outofcore import fit_out_of_core

    path = mixed_folder(tmp_path / "mixed", tickets) if corpus == "mixed" else \
        REPO / "corpora" / corpus
    settings = dict(clean=clean, random_state=0, near_duplicates=None)
    here = TopicModel(6, **settings).fit(load_corpus(path, **options))
    steps = here.vectorizer_.preprocessor.clean
    assert steps and (corpus != "mixed" or steps == ("email", "quotes", "signatures", "markup"))
    pieces = dict(partition_bytes=60_000, block_size=250, **options)
    out_of_core = fit_out_of_core(TopicModel(6, **settings), path, tmp_path / "m",
                                  work_dir=tmp_path / "work", **pieces)
    on_cluster = fit_partitions(TopicModel(6, **settings), path, scheduler=client, **pieces)
    assert on_cluster.partitions > 2
    for there in (out_of_core, on_cluster.model):
        assert there.vectorizer_.to_dict() == here.vectorizer_.to_dict()   # steps, template
        assert there.cleaned_ == here.cleaned_ and there.snippets_ == here.snippets_
        np.testing.assert_allclose(there.W_, here.W_, rtol=0, atol=1e-6)
        assert [[t for t, _ in topic.terms] for topic in there.topics(8)] == \
            [[t for t, _ in topic.terms] for topic in here.topics(8)]
    assert TopicModel.load(tmp_path / "m").vectorizer_.to_dict() == here.vectorizer_.to_dict()


def test_tag_on_the_cluster_writes_the_bytes_of_one_job_and_resumes(
        client, saved_model, tickets_path, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "fonts.txt").write_text("TrueType fonts with Japanese glyphs.")
    (inbox / "sub" / "chess.md").write_text("A chess game engine for two players.")
    (inbox / "empty.txt").write_text("  ")
    (inbox / "binary.txt").write_bytes(b"\x00\x01")
    monkeypatch.chdir(tmp_path)             # relative paths: the workers open absolute ones
    model = TopicModel.load(saved_model)
    one = tag(["inbox", tickets_path], model, "one", id_column="id", batch_size=300)
    many = tag(["inbox", tickets_path], model, "many", id_column="id", batch_size=300,
               scheduler=client)
    for name in OUTPUTS:
        assert (tmp_path / "many" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert (many.documents, many.tagged, many.errors) == (one.documents, one.tagged, 2)
    (inbox / "new.txt").write_text("Please refund my invoice.")
    again = tag(["inbox", tickets_path], model, "many", id_column="id", batch_size=300,
                scheduler=client)
    assert (again.documents, again.tagged) == (one.documents + 1, 1)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_choose_k_and_evaluate_on_the_cluster_give_the_results_of_one_process(client, tickets):
    texts = [d.text for d in tickets.documents][:800]
    settings = dict(estimator=TopicModel(random_state=0), runs=2, top=5)
    there = choose_k(texts, [3, 5], scheduler=client, **settings)
    here = choose_k(texts, [3, 5], **settings)
    assert rows(there) == rows(here) and there.reason == here.reason
    model = TopicModel(4, random_state=0).fit(texts)
    assert evaluate(model, runs=2, scheduler=client) == evaluate(model, runs=2)


def test_a_local_cluster_started_for_one_call_leaves_the_process_as_it_was(tickets_model):
    environ = dict(os.environ)
    assert evaluate(tickets_model, runs=1, scheduler="local") == \
        evaluate(tickets_model, runs=1)
    assert dict(os.environ) == environ


def test_the_cli_runs_fit_tag_and_choose_k_on_a_scheduler_address(client, tickets_path,
                                                                  tmp_path):
    address = client.scheduler.address
    fit = ["fit", tickets_path, "--id-column", "id", "-k", 6, "--random-state", 0,
               "--near-duplicates", "off"]
    assert run(*fit, "-o", tmp_path / "here").exit_code == 0
    result = run(*fit, "-o", tmp_path / "there", "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert run("topics", tmp_path / "there").stdout == run("topics", tmp_path / "here").stdout
    tag_cmd = ["tag", tickets_path, "--model", tmp_path / "here", "--batch-size", 700]
    assert run(*tag_cmd, "-o", tmp_path / "t1", "--jobs", 1).exit_code == 0
    assert run(*tag_cmd, "-o", tmp_path / "t2", "--scheduler", address).exit_code == 0
    for name in OUTPUTS:
        assert (tmp_path / "t2" / name).read_bytes() == (tmp_path / "t1" / name).read_bytes()
    scan = ["choose-k", tickets_path, "--id-column", "id", "--k", "4,6", "--runs", 1,
            "--format", "csv"]
    assert run(*scan, "--scheduler", address).stdout == run(*scan).stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_and_workers_started_with_the_dask_command(tickets_path, tmp_path):
    dask = Path(sys.executable).parent / "dask"
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), os.environ.get("PYTHONPATH", "")])}
    log = open(tmp_path / "dask.log", "w")
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                                 address.rsplit(":", 1)[1], "--no-dashboard"], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)]
    try:
        started.append(subprocess.Popen([dask, "worker", address, "--nworkers", "2",
                                         "--nthreads", "1", "--no-dashboard"], env=env,
                                        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path))
        with distributed.Client(address, timeout=60, set_as_default=False) as watcher:
            watcher.wait_for_workers(2, timeout=WORKER_START)
        fit = ["fit", tickets_path, "--id-column", "id", "-k", 6, "--random-state", 0,
               "--near-duplicates", "off"]
        assert run(*fit, "-o", tmp_path / "here").exit_code == 0
        result = run(*fit, "-o", tmp_path / "there", "--scheduler", address)
        assert result.exit_code == 0, result.output
        here, there = TopicModel.load(tmp_path / "here"), TopicModel.load(tmp_path / "there")
        np.testing.assert_allclose(there.W_, here.W_, rtol=0, atol=1e-6)
        assert run("topics", tmp_path / "there").stdout == run("topics", tmp_path / "here").stdout
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tickets_path, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{free_port()}"               # nothing listens there
    result = run("fit", tickets_path, "--id-column", "id", "-k", 4, "-o", tmp_path / "m",
                 "--scheduler", address)
    assert_clean_error(result, f"cannot reach the Dask scheduler at {address}")
    assert not (tmp_path / "m" / "model.json").exists()
    model = TopicModel(2, min_df=1).fit(["printer paper", "refund invoice", "printer refund"])
    with pytest.raises(ClusterError, match="cannot reach.*no answer within 1 s"):
        evaluate(model, runs=1, scheduler=address)
    with socketserver.TCPServer(("127.0.0.1", 0), NotDask) as server:     # a web server, say
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with pytest.raises(ClusterError, match="something answered, but not a Dask sched"):
            evaluate(model, runs=1, scheduler="tcp://127.0.0.1:%d" % server.server_address[1])
        server.shutdown()


class NotDask(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n")


def test_what_does_not_run_on_dask_says_so(tickets):
    with pytest.raises(InputError, match="solver='cd' does not run on Dask; use solver='hals'"):
        TopicModel(4, solver="cd").fit(tickets, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InputError, match="jobs=2 and a scheduler"):
        choose_k(["a b"], [1], jobs=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InputError, match="unknown protocol 'http'"):
        hals_nmf(np.eye(3), 2, scheduler="http://127.0.0.1:1")
    result = run("fit", "--matrix", REPO / "corpora" / "purchases.csv", "-k", 2, "-o", "m",
                 "--scheduler", "local")
    assert result.exit_code == 2 and "--matrix tables are fitted in this process" in result.output
