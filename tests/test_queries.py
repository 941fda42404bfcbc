"""segments, recommend, similar and target on the ticket model, checked against dense W @ H."""

import numpy as np
import pytest

from topicnmf import InputError, TopicModel
from topicnmf.reconstruction.scores import of_model
from topicnmf.reconstruction.similarity import lexical_index_of
from topicnmf.queries.recommend import recommend, similar
from topicnmf.queries.segment import segments, term_topics
from topicnmf.queries.target import target


@pytest.fixture(scope="module")
def small_model():
    """A model small enough for the dense W @ H (about 60 documents)."""
    texts = [f"printer paper jam tray toner {w}" for w in ("a", "b", "c", "d", "e")] * 4 + \
            [f"invoice refund charge card billing {w}" for w in ("f", "g", "h", "i")] * 5 + \
            [f"vpn network wifi slow connection {w}" for w in ("j", "k", "l")] * 6 + \
            ["printer invoice network"] * 2
    return TopicModel(3, random_state=0, min_df=1).fit(texts)


def test_reconstruction_is_built_once_per_model(small_model):
    assert of_model(small_model) is of_model(small_model)
    assert lexical_index_of(small_model) is lexical_index_of(small_model)


def test_segments_shares_dominant_and_threshold(small_model):
    rows = segments(small_model, threshold=0.2)
    # each topic's part of the document: the length of W[:, z] * H[z, j]
    C = np.linalg.norm(small_model.W_, axis=0)[:, None] * small_model.H_
    assert [r.doc_id for r in rows] == small_model.document_ids_
    for j, r in enumerate(rows):
        np.testing.assert_allclose(r.shares, C[:, j] / C[:, j].sum(), rtol=1e-12)
        assert r.dominant == int(np.argmax(C[:, j])) and r.share == max(r.shares)
        assert [z for z, _ in r.topics] == sorted((z for z, s in enumerate(r.shares) if s >= 0.2),
                                                  key=lambda z: -r.shares[z])
    assert any(len(r.topics) > 1 for r in rows)         # multi-label documents exist
    by_topic = segments(small_model, by="topic", top=3)
    assert [t.size for t in by_topic] == small_model.topic_sizes().tolist()
    shares = small_model.memberships()
    for t in by_topic:
        assert len(t.typical) == 3
        assert t.typical[0][1] == pytest.approx(shares[t.topic].max())


def test_memberships_do_not_depend_on_how_w_columns_are_scaled(small_model):
    """W[:, z]·H[z] is the same factorization at any scale of column z; so are the shares,
    the dominant topics and the sizes (argmax of H alone was not: it favoured topics whose
    column is spread thinly over many terms)."""
    import copy

    scaled = copy.copy(small_model)
    scale = np.array([10.0, 1.0, 0.1])
    scaled.W_, scaled.H_ = small_model.W_ * scale, small_model.H_ / scale[:, None]
    np.testing.assert_allclose(scaled.memberships(), small_model.memberships(), rtol=1e-12)
    assert (scaled.dominant_topics() == small_model.dominant_topics()).all()
    assert (scaled.topic_sizes() == small_model.topic_sizes()).all()


def test_term_topics_is_the_row_of_w(small_model):
    rows = term_topics(small_model, "printer")
    t = small_model.term_index("printer")
    w = small_model.W_[t]
    assert [r.topic for r in rows] == [z for z in np.argsort(-w) if w[z] > 0]
    assert sum(r.share for r in rows) == pytest.approx(1.0)
    assert rows[0].weight == pytest.approx(w.max())


def test_recommend_matches_dense_column_and_never_returns_seen(small_model):
    D = small_model.W_ @ small_model.H_
    terms = small_model.terms
    for doc in ("0", "25", "59"):
        j = small_model.document_index(doc)
        seen = small_model.observed_in_document(j)
        result = recommend(small_model, doc, top=5)
        assert result.seen_excluded == seen.sum() > 0
        assert not any(r.seen for r in result.items)
        assert not {r.term for r in result.items} & {terms[i] for i in np.flatnonzero(seen)}
        expected = [i for i in np.argsort(-D[:, j], kind="stable") if not seen[i]][:5]
        assert [r.term for r in result.items] == [terms[i] for i in expected]
        np.testing.assert_allclose([r.score for r in result.items], D[expected, j], atol=1e-10)
        kept = recommend(small_model, doc, top=len(terms), include_seen=True)
        assert kept.seen_excluded == 0 and sum(r.seen for r in kept.items) == seen.sum()


def test_recommend_on_tickets_never_returns_seen_terms(tickets_model):
    for doc in tickets_model.document_ids_[:50]:
        j = tickets_model.document_index(doc)
        has = {tickets_model.terms[i] for i in tickets_model.V_[:, j].nonzero()[0]}
        assert not has & {r.term for r in recommend(tickets_model, doc, top=20).items}


def test_target_term_matches_dense_row_and_prospects_lack_the_term(small_model):
    D = small_model.W_ @ small_model.H_
    t = small_model.term_index("invoice")
    rows = target(small_model, term="invoice", budget=20)
    np.testing.assert_allclose([r.score for r in rows],
                               np.sort(D[t])[::-1][:20], atol=1e-10)
    V = small_model.V_.toarray()
    for r in rows:
        j = small_model.document_index(r.doc_id)
        assert (r.status == "existing") == (V[t, j] > 0)
        assert sum(p for _, p in r.drivers) <= 1 + 1e-12
    prospects = target(small_model, term="invoice", budget=10, prospects_only=True)
    assert prospects and all(r.status == "prospect" for r in prospects)
    assert all(V[t, small_model.document_index(r.doc_id)] == 0 for r in prospects)


def test_target_prospects_on_tickets_do_not_contain_the_term(tickets_model):
    rows = target(tickets_model, term="game", budget=200)
    t = tickets_model.term_index("game")
    has = tickets_model.V_.tocsr()[t].toarray().ravel() > 0
    assert {r.status for r in rows} == {"existing", "prospect"}
    for r in rows:
        assert has[tickets_model.document_index(r.doc_id)] == (r.status == "existing")


def test_target_topic_ranks_memberships(small_model):
    rows = target(small_model, topic=1, budget=5)
    H = small_model.H_
    np.testing.assert_allclose([r.score for r in rows], np.sort(H[1])[::-1][:5])
    dominant = small_model.dominant_topics()
    for r in rows:
        assert (r.status == "existing") == (dominant[small_model.document_index(r.doc_id)] == 1)


def test_similar_matches_dense_and_ranks_a_near_duplicate_first(tickets):
    docs = list(tickets.documents[:300])
    twin = docs[17].text + " also"
    from topicnmf import Document
    docs.append(Document("twin-of-17", twin))
    model = TopicModel(6, random_state=0).fit(docs)
    query = docs[17].id
    rows = similar(model, query, top=5)
    assert rows[0].doc_id == "twin-of-17" and query not in [r.doc_id for r in rows]
    assert similar(model, query, top=1, blend=0.0)[0].doc_id == "twin-of-17"
    # latent only: documents lying wholly in one topic tie at cosine 1, so the twin is only
    # guaranteed to score as high as the best
    latent = similar(model, query, top=50, blend=1.0)
    twin_score = [r.score for r in latent if r.doc_id == "twin-of-17"]
    assert twin_score and twin_score[0] >= latent[0].score - 1e-9
    D = model.W_ @ model.H_
    Dn = D / np.linalg.norm(D, axis=0)
    j = model.document_index(query)
    for r in rows:
        i = model.document_index(r.doc_id)
        assert r.latent == pytest.approx(Dn[:, i] @ Dn[:, j], abs=1e-10)
        assert r.shared == sorted(r.shared, key=lambda p: -p[1])
    by_text = similar(model, text=docs[17].text, top=3)
    assert by_text[0].doc_id in (query, "twin-of-17")


@pytest.mark.parametrize("call, match", [
    (lambda m: recommend(m, "nope"), "document id 'nope' is not in the model"),
    (lambda m: similar(m, "nope"), "document id 'nope'"),
    (lambda m: similar(m, "0", text="printer"), "not both"),
    (lambda m: similar(m, text="   "), "empty"),
    (lambda m: similar(m, "0", blend=2.0), "blend"),
    (lambda m: target(m, term="printr"), "term 'printr' is not in the model's vocabulary.*"
                                          "did you mean 'printer'"),
    (lambda m: target(m, topic=3), "topic 3 does not exist"),
    (lambda m: target(m, term="printer", topic=1), "not both"),
    (lambda m: target(m, term="printer", budget=0), "budget=0: must be an integer >= 1"),
    (lambda m: term_topics(m, "invoyce"), "did you mean 'invoice'"),
    (lambda m: segments(m, threshold=0), "threshold=0"),
    (lambda m: segments(m, by="person"), "by='person'"),
])
def test_bad_queries_name_the_input(small_model, call, match):
    with pytest.raises(InputError, match=match):
        call(small_model)
