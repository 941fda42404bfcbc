"""`topicnmf serve`: the real server (uvicorn in a subprocess, see server.py) over HTTP.

Every endpoint against the command line's JSON, every error status, the token, the limits,
renames from many threads at once, and reloads (POST /reload and SIGHUP) under load.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time

import pytest
from click.testing import CliRunner

from chromium import Chromium, find_chromium
from server import Server
from topicnmf import Document, TopicModel
from topicnmf.cli import main
from topicnmf.model.saved import read_labels

TICKET = {"id": "T-1", "text": "a chess game for two players on a board"}


def cli_json(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def model_copy(saved_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "m"
    shutil.copytree(saved_model, path)
    return path


@pytest.fixture(scope="module")
def server(model_copy):
    with Server(model_copy) as running:
        yield running


def test_assign_answers_as_topicnmf_assign(server, model_copy):
    status, head, one = server.request("POST", "/assign", TICKET)
    assert status == 200 and head["content-type"] == "application/json"
    records = [TICKET, {"id": "T-2", "text": "refund my invoice"}, 7, {"id": "T-4"},
               {"text": "the mail server rejects messages"}]
    lines = "".join(json.dumps(r) + "\n" for r in records)
    expected = [json.loads(line) for line in cli_json("assign", "--model", model_copy,
                                                      input=lines).splitlines()]
    assert one == expected[0] and one["label"] and not one["unassigned"]
    status, _, many = server.request("POST", "/assign", records)
    assert status == 200 and many == expected
    assert many[2] == {"line": 3, "id": None, "invalid": "expected a JSON object, found int"}
    assert many[4]["id"] == "stdin:5"


@pytest.mark.parametrize("path,args", [
    ("/topics?top=4", ["topics", "{m}", "--top", 4]),
    ("/topics?term=mail", ["topics", "{m}", "--term", "mail"]),
    ("/similar?text=printer+paper+jam&top=5", ["similar", "{m}", "--text", "printer paper jam",
                                                "--top", 5]),
    ("/similar?doc_id=3dchess&top=3&blend=0.7", ["similar", "{m}", "3dchess", "--top", 3,
                                                  "--blend", 0.7]),
    ("/recommend/3dchess?top=4", ["recommend", "{m}", "3dchess", "--top", 4]),
    ("/recommend/3dchess?top=4&include_seen=true", ["recommend", "{m}", "3dchess", "--top", 4,
                                                    "--include-seen"]),
    ("/target?term=font&budget=5", ["target", "{m}", "--term", "font", "--budget", 5]),
    ("/target?topic=2&budget=3&prospects_only=true", ["target", "{m}", "--topic", 2,
                                                      "--budget", 3, "--prospects-only"]),
])
def test_queries_answer_as_the_command_line(server, model_copy, path, args):
    status, head, body = server.get(path)
    assert status == 200, body
    cli = [model_copy if a == "{m}" else a for a in args]
    assert body == json.loads(cli_json(*cli, "--format", "json"))
    if path.startswith("/recommend") and "include_seen" not in path:
        assert int(head["x-seen-excluded"]) > 0


def test_one_topic_with_typical_documents_and_similar_topics(server):
    status, _, topics = server.get("/topics")
    status, _, one = server.get("/topics/2?top=5&documents=3&similar=2")
    assert status == 200
    assert {k: one[k] for k in ("topic", "label", "size")} == {
        k: topics[2][k] for k in ("topic", "label", "size")}
    assert one["terms"] == topics[2]["terms"][:5]
    assert len(one["typical"]) == 3 and all(0 < d["share"] <= 1 for d in one["typical"])
    assert set(one["typical"][0]) == {"doc_id", "share", "snippet"}
    assert len(one["similar_topics"]) == 2 and 2 not in [s["topic"] for s in
                                                         one["similar_topics"]]
    assert one["shares_by_month"] == []                      # no dates in this corpus


@pytest.mark.parametrize("method,path,body,status,pattern", [
    ("POST", "/assign", b"{not json", 400, "not JSON"),
    ("POST", "/assign", b'"text"', 400, "expected a JSON object or an array"),
    ("POST", "/assign", {"id": "x"}, 400, "no text field 'text'"),
    ("GET", "/topics?top=0", None, 400, "top=0"),
    ("GET", "/topics?top=many", None, 400, "bad parameter: query.top"),
    ("GET", "/similar?top=3", None, 400, "either a document id or a text"),
    ("GET", "/similar?doc_id=3dchess&text=chess", None, 400, "not both"),
    ("GET", "/target?budget=3", None, 400, "either a term or a topic"),
    ("PUT", "/topics/1/label", {"name": "x"}, 400, "send {\"label\""),
    ("PUT", "/topics/1/label", {"label": "two\nlines"}, 400, "one line of printable text"),
    ("GET", "/similar?doc_id=3dchesss", None, 404, "did you mean '3dchess'"),
    ("GET", "/recommend/no-such-doc", None, 404, "is not in the model"),
    ("GET", "/topics?term=pythn", None, 404, "did you mean 'python'"),
    ("GET", "/target?term=fnt", None, 404, "not in the model's vocabulary"),
    ("GET", "/topics/99", None, 404, "topic 99 does not exist; topics are 0..7"),
    ("PUT", "/topics/99/label", {"label": "x"}, 404, "topic 99 does not exist"),
    ("GET", "/no/such/page", None, 404, "Not Found"),
])
def test_errors_are_json_with_their_status(server, method, path, body, status, pattern):
    got, head, answer = server.request(method, path, body)
    assert got == status and head["content-type"] == "application/json", answer
    assert pattern in answer["error"]


def test_a_body_over_the_limit_is_413(server):
    big = json.dumps({"id": "x", "text": "word " * 300_000}).encode()
    status, _, answer = server.request("POST", "/assign", big)
    assert status == 413 and "larger than 1,048,576 bytes" in answer["error"]
    conn_chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))   # no Content-Length
    status, _, answer = server.request("POST", "/assign", conn_chunks)  # sent chunked
    assert status == 413
    assert server.request("POST", "/assign", TICKET)[0] == 200


def test_hosts_and_origins_that_are_not_this_server_are_refused(server):
    status, _, answer = server.get("/topics", headers={"Host": "attacker.example"})
    assert status == 400 and "not served here" in answer["error"]
    status, _, answer = server.request("PUT", "/topics/1/label", {"label": "x"},
                                       headers={"Origin": "http://attacker.example"})
    assert status == 403
    status, _, _ = server.request("POST", "/topics/1/label", b"label=x",
                                  headers={"Origin": "null"})
    assert status == 403
    assert read_labels(server.model)[1][1] is None                     # nothing was renamed


def test_every_answer_carries_the_security_headers(server):
    for path in ("/", "/topics", "/no/such/page", "/static/serve.js"):
        head = server.get(path, raw=True)[1]
        assert "default-src 'none'" in head["content-security-policy"], path
        assert head["x-content-type-options"] == "nosniff"


def test_the_time_limit_answers_503(model_copy):
    with Server(model_copy, "--time-limit", "0.001") as slow:
        status, head, answer = slow.get("/similar?text=printer+paper+jam&top=2000")
        assert status == 503 and head["retry-after"] == "1"
        assert "time limit of 0.001 s" in answer["error"]
        assert slow.get("/healthz")[0] == 200


def test_the_token(model_copy, tmp_path):
    token_file = tmp_path / "token.txt"
    token_file.write_text("s3cret-token-for-tests\n")
    with Server(model_copy, "--token-file", token_file) as locked:
        status, head, answer = locked.get("/topics")
        assert status == 401 and head["www-authenticate"].startswith("Bearer")
        assert "token is needed" in answer["error"]
        assert locked.get("/topics", headers={"Authorization": "Bearer wrong"})[0] == 401
        good = {"Authorization": "Bearer s3cret-token-for-tests"}
        assert locked.get("/topics", headers=good)[0] == 200
        assert locked.request("POST", "/assign", TICKET, headers=good)[0] == 200
        assert locked.get("/healthz")[0] == 200                      # health needs no token
        status, head, _ = locked.get("/", headers={"Accept": "text/html"})
        assert status == 303 and head["location"] == "/login"
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert locked.request("POST", "/login", b"token=nope", headers=form)[0] == 401
        status, head, _ = locked.request("POST", "/login", b"token=s3cret-token-for-tests",
                                         headers=form)
        assert status == 303 and "httponly" in head["set-cookie"].lower()
        cookie = head["set-cookie"].split(";")[0]
        assert "s3cret" not in cookie
        status, _, page = locked.get("/", headers={"Cookie": cookie}, raw=True)
        assert status == 200 and b'class="topic"' in page


def test_pages_read_without_javascript(server):
    status, head, page = server.get("/", raw=True)
    assert status == 200 and head["content-type"].startswith("text/html")
    html = page.decode()
    assert html.count('<article class="topic"') == 8 and "<script src=\"/static/serve.js\"" in html
    assert "<script>" not in html and "style=" not in html                 # CSP-clean
    status, _, page = server.get("/view/topics/3", raw=True)
    assert status == 200 and b"Most typical documents" in page and b"<svg" in page
    status, _, page = server.get("/view/search?q=chess+game+board", raw=True)
    assert status == 200 and b"Closest topics" in page and b"3dchess" in page
    status, _, page = server.get("/view/search?doc_id=3dchess", raw=True)
    assert status == 200 and b"Documents like 3dchess" in page
    status, _, page = server.get("/docs", raw=True)
    assert status == 200 and b"POST /assign" in page and b"PUT /topics/{topic}/label" in page
    status, _, schema = server.get("/openapi.json")
    assert status == 200 and "/assign" in schema["paths"]


def test_the_rename_form_works_without_javascript(model_copy, tmp_path):
    path = tmp_path / "m"
    shutil.copytree(model_copy, path)
    with Server(path) as running:
        status, head, _ = running.request(
            "POST", "/topics/4/label", "label=Editors+%26+text&next=/view/topics/4".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303 and head["location"] == "/view/topics/4"
        page = running.get("/view/topics/4", raw=True)[2].decode()
        assert "Editors &amp; text" in page
    assert TopicModel.load(path).label(4) == "Editors & text"


def test_sparklines_when_documents_have_dates(tmp_path):
    groups = ["printer paper jam tray toner", "refund invoice charge card payment",
              "vpn network wifi slow disconnect"]
    docs = [Document(f"d{i}", f"{groups[i % 3]} {'again ' * (i % 4)}",
                     {"date": f"2024-{1 + i // 8:02d}-01"})
            for i in range(24)]
    TopicModel(3, random_state=0, min_df=1).fit(docs).save(tmp_path / "m")
    with Server(tmp_path / "m") as running:
        html = running.get("/", raw=True)[2].decode()
        assert html.count('<svg class="spark"') == 3 and "2024-01 to 2024-03" in html
        detail = running.get("/topics/0")[2]
        assert [m["month"] for m in detail["shares_by_month"]] == ["2024-01", "2024-02",
                                                                    "2024-03"]


def test_a_matrix_model_answers_what_it_can(tmp_path):
    from topicnmf import fit_matrix

    fit_matrix("corpora/purchases.csv", 3, random_state=0).save(tmp_path / "p")
    with Server(tmp_path / "p") as running:
        status, _, answer = running.request("POST", "/assign", TICKET)
        assert status == 400 and "fitted on an items × people matrix" in answer["error"]
        status, _, items = running.get("/recommend/Mary?top=3")
        assert [r["term"] for r in items] == ["Bread", "Fruits", "Sweets"]


def test_concurrent_renames_all_take_effect(model_copy, tmp_path):
    path = tmp_path / "m"
    shutil.copytree(model_copy, path)
    with Server(path, workers=2) as running:
        results = [None] * 8

        def rename(z):
            results[z] = running.request("PUT", f"/topics/{z}/label", {"label": f"Name {z}"})

        threads = [threading.Thread(target=rename, args=(z,)) for z in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert [r[0] for r in results] == [200] * 8, results
        assert [r[2] for r in results] == [{"topic": z, "label": f"Name {z}"} for z in range(8)]
        for _ in range(6):                             # each answer, from either worker
            labels = [t["label"] for t in running.get("/topics")[2]]
            assert labels == [f"Name {z}" for z in range(8)]
        status, _, back = running.request("PUT", "/topics/3/label", {"label": None})
        assert status == 200 and back["label"] != "Name 3"
    assert read_labels(path)[1] == [f"Name {z}" for z in range(3)] + [None] + [
        f"Name {z}" for z in range(4, 8)]


def test_reload_and_sighup_under_load_fail_no_request(tickets, model_copy, tmp_path):
    path = tmp_path / "m"
    shutil.copytree(model_copy, path)
    other = TopicModel(5, random_state=1).fit(tickets)
    with Server(path, workers=2) as running:
        first = read_labels(path)[0]
        stop, failures, done = threading.Event(), [], [0]

        def load():
            while not stop.is_set():
                for method, url, body in (("POST", "/assign", TICKET), ("GET", "/topics", None),
                                          ("GET", "/similar?text=mail+server", None)):
                    try:
                        status, _, answer = running.request(method, url, body)
                    except OSError as exc:
                        failures.append(repr(exc))
                        continue
                    if status != 200:
                        failures.append((status, answer))
                    done[0] += 1

        clients = [threading.Thread(target=load) for _ in range(4)]
        for c in clients:
            c.start()
        try:
            time.sleep(0.5)
            other.save(path)                                    # a new fit lands on disk
            second = read_labels(path)[0]
            assert len(running.get("/topics")[2]) == 8          # served after a reload only
            status, _, answer = running.request("POST", "/reload")
            assert status == 200 and answer["reloaded"] and answer["topics"] == 5
            running.wait_for_workers(second)                    # every worker swapped
            assert len(running.get("/topics")[2]) == 5
            TopicModel.load(model_copy).save(path)              # and back, by SIGHUP
            os.kill(running.process.pid, signal.SIGHUP)
            running.wait_for_workers(read_labels(path)[0])
            assert len(running.get("/topics")[2]) == 8
            time.sleep(0.5)
        finally:
            stop.set()
            for c in clients:
                c.join(60)
        assert failures == [] and done[0] > 20
        assert first != second
        status, _, answer = running.request("POST", "/reload")
        assert status == 200 and not answer["reloaded"]


# -- the page in a browser -------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium)")


def wait_until(browser, tab, condition, seconds=20):
    """The value of the JavaScript expression ``condition`` once truthy (polled)."""
    return browser.evaluate(
        f"""new Promise(resolve => {{ const t0 = Date.now(); (function poll() {{
            let v; try {{ v = ({condition}); }} catch (e) {{ v = null; }}
            if (v || Date.now() - t0 > {seconds * 1000}) resolve(v); else setTimeout(poll, 50);
        }})(); }})""", tab)


@needs_chromium
def test_the_page_searches_renames_and_shows_the_new_name_after_a_reload(model_copy, tmp_path):
    assert find_chromium(), "CI must install chromium: apt-get install -y chromium"
    path = tmp_path / "m"
    shutil.copytree(model_copy, path)
    with Server(path, workers=2) as running, Chromium() as browser:
        tab = browser.open(running.url + "/")
        assert browser.evaluate("document.querySelectorAll('article.topic').length", tab) == 8
        browser.evaluate("""(() => { const form = document.getElementById('search');
            form.elements.q.value = 'a chess game for two players'; form.requestSubmit();
            })()""", tab)
        found = wait_until(browser, tab, """document.querySelector('#search-results') && {
            topics: Array.from(document.querySelectorAll('#search-results ul.shares a'))
                .map(a => a.textContent),
            documents: Array.from(document.querySelectorAll('#search-results td.id'))
                .map(td => td.textContent)}""")
        assert found and found["topics"] and "3dchess" in found["documents"], found
        assert browser.evaluate("location.pathname", tab) == "/"        # answered in place
        browser.evaluate("""(() => { const form = document.querySelector(
            'form.rename[data-topic="2"]'); form.elements.label.value = 'Fonts & glyphs';
            form.requestSubmit(); })()""", tab)
        assert wait_until(browser, tab, """document.querySelector(
            'form.rename[data-topic="2"] .status').textContent === 'Saved'""")
        assert browser.evaluate("""Array.from(document.querySelectorAll(
            '[data-topic-label="2"]')).map(n => n.textContent)""", tab)[0] == "Fonts & glyphs"
        assert browser.problems(tab) == []
        for _ in range(3):                      # the page again, from either worker
            again = browser.open(running.url + "/")
            assert browser.evaluate("""document.querySelector('#topic-2 h2').textContent""",
                                    again) == "2 · Fonts & glyphs"
            assert browser.problems(again) == []
        static = browser.open(running.url + "/view/topics/2", javascript=False)
        assert browser.evaluate("document.querySelector('h1').textContent", static) == \
            "Topic 2 · Fonts & glyphs"
        assert browser.evaluate("document.querySelectorAll('table.docs tbody tr').length",
                                static) == 10
        assert browser.problems(static) == []
    assert TopicModel.load(path).label(2) == "Fonts & glyphs"


def test_serve_refuses_what_it_cannot_serve_before_listening(tmp_path, model_copy):
    (tmp_path / "notes").mkdir()
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "notes")])
    assert result.exit_code == 2 and "not a topicnmf model" in result.stderr
    (tmp_path / "token").write_text("short\n")
    result = CliRunner().invoke(main, ["serve", str(model_copy), "--token-file",
                                       str(tmp_path / "token")])
    assert result.exit_code == 2 and "at least 8 printable characters" in result.stderr
    result = CliRunner().invoke(main, ["serve", str(model_copy), "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.stderr


def test_read_labels_reads_model_json_alone(model_copy, tmp_path):
    from topicnmf import ModelFormatError, NotFoundError, label

    path = tmp_path / "m"
    shutil.copytree(model_copy, path)
    save_id, labels = read_labels(path)
    assert labels == [None] * 8 and len(save_id) == 64
    label(path, 5, "Mail")
    assert read_labels(path) == (save_id, [None] * 5 + ["Mail", None, None])
    (path / "arrays.npz").unlink()                     # model.json alone is enough
    assert read_labels(path)[1][5] == "Mail"
    meta = json.loads((path / "model.json").read_text())
    meta["topic_labels"] = ["x\ny"] + [None] * 7
    (path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFormatError, match="one line"):
        read_labels(path)
    with pytest.raises(NotFoundError):                 # an InputError the server answers 404
        TopicModel.load(model_copy).document_index("nope")


def test_a_large_array_is_tagged_in_turns_with_the_same_rows(server):
    texts = ["printer paper jam", "mail server rejects messages", "a chess game"] * 200
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]
    status, _, rows = server.request("POST", "/assign", records)
    assert status == 200 and [r["line"] for r in rows] == list(range(1, 601))
    alone = [server.request("POST", "/assign", records[i])[2] for i in range(3)]
    assert [{**r, "line": 1} for r in rows[:3]] == alone
    assert rows[3]["topic"] == rows[0]["topic"] and rows[3]["fit_error"] == rows[0]["fit_error"]
