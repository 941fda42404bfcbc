import base64
import os
import re
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from chromium import Chromium, find_chromium
from topicnmf import Document, InputError, TopicModel
from topicnmf.cli import PLOT_KINDS, main
from topicnmf.quality.choose import evaluate
from topicnmf.present.layout import topic_map_layout
from topicnmf.queries.hierarchy import topic_similarity
from topicnmf.queries.trends import month_of, period_shares
from topicnmf.present.plots import KINDS
from topicnmf.present.report import build_report, report

# In CI the browser test must run: it is skipped only on a machine without chromium.
needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium)")

HOSTILE_ID = "<script>window.__pwned=1</script>\"'&</html>"
HOSTILE_LINE = "</html><img src=x onerror=\"window.__pwned=2\"> $5 & 'quotes' <script>alert(1)"
HOSTILE_LABEL = "<script>alert(1)</script> \"label\" </html>"
SMALL = dict(max_map_documents=300)   # keeps the t-SNE of the document map quick


def png_size(data: bytes):
    """(width, height) from a PNG's IHDR chunk; fails unless the bytes are a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    return struct.unpack(">II", data[16:24])


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def texts_model(ids, texts, *, dates=None, k=3):
    docs = [Document(i, t, {"date": d} if dates else {})
            for i, t, d in zip(ids, texts, dates or [None] * len(ids))]
    return TopicModel(k, random_state=0, min_df=1).fit(docs)


GROUPS = ["printer paper jam tray toner", "refund invoice charge card payment",
          "vpn network wifi slow disconnect"]


def hostile_model():
    texts = [f"{GROUPS[i % 3]} {'again ' * (i % 4)}" for i in range(30)]
    texts[0] = HOSTILE_LINE + "\n" + texts[0]
    ids = [HOSTILE_ID if i == 0 else f"doc-{i}" for i in range(30)]
    model = texts_model(ids, texts)
    model.set_label(int(model.dominant_topics()[0]), HOSTILE_LABEL)
    return model


def page_facts(browser, session):
    return browser.evaluate("""({
        topics: Array.from(document.querySelectorAll('article.topic')).map(a => a.id),
        visible: Array.from(document.querySelectorAll('article.topic'))
            .filter(a => a.offsetHeight > 0).length,
        images: Array.from(document.querySelectorAll('figure > svg, figure > img'))
            .map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; }),
        scripts: document.scripts.length,
        filterShown: !document.getElementById('filter-box').hidden,
        pwned: window.__pwned === undefined ? null : window.__pwned,
        ids: Array.from(document.querySelectorAll('td.id')).map(td => td.textContent),
        headings: Array.from(document.querySelectorAll('article.topic h3'))
            .map(h => h.textContent),
    })""", session)


@needs_chromium
def test_report_renders_in_headless_chromium(tickets_model, tmp_path):
    assert find_chromium(), "CI must install chromium: apt-get install -y chromium"
    path = tmp_path / "report.html"
    path.write_text(report(tickets_model, **SMALL), encoding="utf-8")
    k = tickets_model.n_topics
    with Chromium() as browser:
        tab = browser.open(path.as_uri(), width=1280, height=900)
        facts = page_facts(browser, tab)
        shot = browser.screenshot(tmp_path / "first-screen.png", tab)
        assert facts["topics"] == [f"topic-{z}" for z in range(k)]
        assert facts["visible"] == k and facts["filterShown"]
        assert len(facts["images"]) == k + 4   # topic map, document map, heatmap, tree, bars
        assert all(w > 50 and h > 50 for w, h in facts["images"]), facts["images"]
        label = tickets_model.label(2).split(", ")[0]
        shown = browser.evaluate(f"""(() => {{ const box = document.getElementById('filter');
            box.value = {label!r}; box.dispatchEvent(new Event('input'));
            return Array.from(document.querySelectorAll('article.topic'))
                .filter(a => !a.hidden).map(a => a.id); }})()""", tab)
        assert "topic-2" in shown and len(shown) < k
        assert browser.problems(tab) == []
        static = browser.open(path.as_uri(), javascript=False)
        facts = page_facts(browser, static)
        assert facts["visible"] == k and not facts["filterShown"]
        assert browser.problems(static) == []
    assert png_size(shot.read_bytes()) == (1280, 900) and shot.stat().st_size > 20_000


def test_hostile_text_is_escaped(tmp_path):
    html = report(hostile_model(), documents=10)
    for raw in (HOSTILE_ID, HOSTILE_LINE, HOSTILE_LABEL, "<script>alert(1)", "onerror=\""):
        assert raw not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;&#x27;&amp;&lt;/html&gt;" in html
    assert html.count("</html>") == 1 and html.rstrip().endswith("</html>")
    assert html.count("<script") == 1
    if find_chromium() is None and not os.environ.get("CI"):
        return
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")
    with Chromium() as browser:
        tab = browser.open(path.as_uri())
        facts = page_facts(browser, tab)
        assert facts["pwned"] is None and facts["scripts"] == 1
        assert HOSTILE_ID in facts["ids"]                  # shown as text, exactly once escaped
        assert any(HOSTILE_LABEL in h for h in facts["headings"])
        assert browser.problems(tab) == []


@pytest.mark.parametrize("images", ["svg", "png"])
def test_every_image_has_a_size(tickets_model, images):
    html = report(tickets_model, images=images, **SMALL)
    k = tickets_model.n_topics
    if images == "svg":
        sizes = re.findall(r'<svg [^>]*?width="([\d.]+)pt" height="([\d.]+)pt"', html)
        assert len(sizes) == k + 4            # the bars, the maps, heatmap and tree
        assert all(float(w) > 0 and float(h) > 0 for w, h in sizes)
        assert "<img" not in html
    else:
        data = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
        assert len(data) == k + 4 and "<svg" not in html
        assert all(min(png_size(base64.b64decode(d))) > 100 for d in data)
    for z in range(k):
        assert f'<article class="topic" id="topic-{z}"' in html


def test_report_is_deterministic_and_names_the_topics(saved_model, tmp_path):
    for name in ("a.html", "b.html"):
        result = run("report", saved_model, "-o", tmp_path / name, "--max-map-documents", 300,
                     "--title", "Tickets")
        assert result.exit_code == 0, result.output
        assert "wrote a report of 8 topics" in result.stderr
    html = (tmp_path / "a.html").read_bytes()
    assert html == (tmp_path / "b.html").read_bytes()
    model = TopicModel.load(saved_model)
    text = html.decode("utf-8")
    assert "<title>Tickets</title>" in text and "Most typical documents" in text
    for t in model.topics(3):
        assert f"Topic {t.topic} · {t.label}" in text
    assert "http://" not in text.replace("http://www.w3.org/", "")   # nothing to fetch
    assert "https://" not in text


@pytest.mark.parametrize("kind,extra", [("terms", []), ("terms", ["--topic", 1]), ("map", []),
                                        ("documents", ["--max-map-documents", 300]),
                                        ("heatmap", [])])
def test_plot_writes_a_png_for_each_kind(saved_model, tmp_path, kind, extra):
    out = tmp_path / f"{kind}.png"
    result = run("plot", saved_model, "--kind", kind, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    width, height = png_size(out.read_bytes())
    assert width > 300 and height > 200


def test_plot_svg_is_deterministic(saved_model, tmp_path):
    for name in ("a.svg", "b.svg"):
        assert run("plot", saved_model, "--kind", "heatmap", "-o", tmp_path / name).exit_code == 0
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<dc:date>" not in svg
    assert svg == (tmp_path / "b.svg").read_bytes()
    assert PLOT_KINDS == KINDS


def test_plot_bad_input_is_one_clean_line(saved_model, tmp_path):
    result = run("plot", saved_model, "--kind", "shares", "-o", tmp_path / "s.png")
    assert result.exit_code == 2 and "no dates; fit with --date-column" in result.stderr
    result = run("plot", saved_model, "--kind", "terms", "--topic", 99, "-o", tmp_path / "t.png")
    assert result.exit_code == 2 and "topic 99 does not exist" in result.stderr
    result = run("report", tmp_path, "-o", tmp_path / "r.html")
    assert result.exit_code == 2 and "not a topicnmf model" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_report_parameters_are_checked(tickets_model):
    with pytest.raises(InputError, match="top=0"):
        build_report(tickets_model, top=0)
    with pytest.raises(InputError, match="images='gif'"):
        report(tickets_model, images="gif")


def test_dates_give_shares_over_time(tmp_path):
    texts = [GROUPS[i % 3] for i in range(24)]
    dates = [f"2024-{1 + i // 8:02d}-{1 + i % 8:02d}" for i in range(24)]
    model = texts_model([f"d{i}" for i in range(24)], texts, dates=dates)
    html = report(model)
    assert re.search(r'<section id="time" class="panel"><h2>Over time</h2><div class="">'
                     r'<figure><svg', html)
    out = tmp_path / "shares.png"
    model.save(tmp_path / "m")
    assert run("plot", tmp_path / "m", "--kind", "shares", "-o", out).exit_code == 0
    assert min(png_size(out.read_bytes())) > 100
    assert '<section id="time"' not in report(texts_model([f"d{i}" for i in range(24)], texts))


def test_monthly_shares_by_hand():
    H = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 2.0, 3.0, 0.0]])
    months, shares, counts = period_shares(H, ["2024-02-05", "2024-02-20", "2024/1", None])
    assert months == ["2024-01", "2024-02"] and counts.tolist() == [1, 1 + 1]
    np.testing.assert_allclose(shares, [[0.25, 0.75], [0.5, 0.5]])
    assert [month_of(v) for v in ("2024-3-1", "2024/12", "2024-13-01", "March 2024", None,
                                  "20240301")] == ["2024-03", "2024-12", None, None, None, None]


def test_topic_map_puts_similar_topics_close():
    W = np.array([[1.0, 0.9, 0.0, 0.0], [0.1, 0.2, 0.0, 1.0], [0.0, 0.0, 1.0, 0.1],
                  [0.0, 0.1, 0.2, 0.5]])
    S = topic_similarity(W)
    assert np.allclose(np.diag(S), 1) and np.allclose(S, S.T)
    xy = topic_map_layout(W)
    dist = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    assert dist[0, 1] == dist[0, 1:].min() and dist[0, 1] < dist[0, 2]
    np.testing.assert_array_equal(xy, topic_map_layout(W.copy()))
    assert topic_map_layout(W[:, :1]).shape == (1, 2)


def test_matrix_mode_speaks_of_segments_items_and_people():
    from pathlib import Path

    from topicnmf.model.items import fit_matrix

    purchases = Path(__file__).resolve().parent.parent / "corpora" / "purchases.csv"
    model = fit_matrix(purchases, 3, random_state=0)
    data = build_report(model, documents=2)
    assert data.title == f"3 segments in {model.n_documents} people"
    names = set(model.document_ids_)
    assert all(len(t.documents) == 2 and t.documents[0][0] in names for t in data.topics)
    html = report(model)
    assert "Segment 0 · " in html and "Most typical people" in html and "Topic 0" not in html
    assert '<section id="memberships"' in html
    assert all(f'<td class="id">{name}</td>' in html for name in names)


def test_report_shows_the_quality_figures_of_evaluate(tickets_model):
    data = build_report(tickets_model, **SMALL)
    assert data.diversity is not None and 0 < data.diversity <= 1
    assert all(t.coherence is not None and -1 <= t.coherence <= 1 for t in data.topics)
    assert "Mean NPMI coherence" in report(tickets_model, **SMALL)
    evaluation = evaluate(tickets_model, runs=0)
    assert [t.coherence for t in data.topics] == [t.coherence for t in evaluation.topics]
    assert data.diversity == evaluation.diversity
