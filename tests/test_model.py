import json

import numpy as np
import pytest

from topicnmf import InputError, ModelFormatError, NotFittedError, TopicModel


def test_fitted_attributes_have_the_documented_shapes(tickets, tickets_model):
    m = tickets_model
    n_terms = len(m.vectorizer_.vocabulary_)
    assert m.W_.shape == (n_terms, 8) and m.H_.shape == (8, len(tickets))
    assert m.V_.shape == (n_terms, len(tickets))
    assert m.document_ids_ == tickets.ids
    assert m.reconstruction_err_ > 0 and m.n_iter_ >= 1


def test_topics_have_labels_sizes_and_weighted_terms(tickets_model):
    topics = tickets_model.topics(top=5)
    assert [t.topic for t in topics] == list(range(8))
    assert sum(t.size for t in topics) == tickets_model.n_documents
    W, terms = tickets_model.W_, tickets_model.terms
    for z, t in enumerate(topics):
        assert len(t.terms) == 5 and t.label == ", ".join(term for term, _ in t.terms[:3])
        assert [w for _, w in t.terms] == [W[terms.index(term), z] for term, _ in t.terms]
    by_weight = tickets_model.topics(top=5, relevance=1.0)
    for t in by_weight:
        weights = [w for _, w in t.terms]
        assert weights == sorted(weights, reverse=True)


def test_shown_terms_are_ranked_by_ldavis_relevance(tickets_model):
    """λ·log φ + (1 − λ)·log(φ / p), p the term's share of the whole reconstruction W·H."""
    W, H = tickets_model.W_, tickets_model.H_
    phi = W / W.sum(axis=0)
    p = (W @ H.sum(axis=1)) / (W @ H.sum(axis=1)).sum()
    terms = tickets_model.terms
    for lam in (0.3, 0.5, 0.8):
        for z, t in enumerate(tickets_model.topics(top=8, relevance=lam)):
            with np.errstate(divide="ignore"):
                score = lam * np.log(phi[:, z]) + (1 - lam) * np.log(phi[:, z] / p)
            expected = np.argsort(-score, kind="stable")[:8]
            assert [term for term, _ in t.terms] == [terms[i] for i in expected]


def test_relevance_shows_fewer_shared_terms_without_losing_coherence(tickets, tickets_model):
    """The point of relevance: top terms that are more the topic's own (diversity) and still
    occur together in the documents (NPMI), here on the shipped tickets."""
    from topicnmf.quality.measures import npmi_coherence, topic_diversity

    def shown(relevance, top):
        return np.array([tickets_model.top_term_indices(z, top, relevance=relevance)
                         for z in tickets_model.topic_ids])

    V = tickets_model.V_
    assert topic_diversity(shown(None, 25)) > topic_diversity(shown(1.0, 25))
    assert np.mean(npmi_coherence(shown(None, 10), V)) >= \
        np.mean(npmi_coherence(shown(1.0, 10), V)) - 0.01


def test_training_documents_transform_to_their_own_memberships(tickets, tickets_model):
    docs = tickets.documents[:300]
    H = tickets_model.transform(docs)
    assert np.allclose(H, tickets_model.H_[:, :300], atol=1e-10)
    assert (tickets_model.dominant_topics(H) == tickets_model.dominant_topics()[:300]).all()


def test_fit_transform_returns_h(tickets):
    model = TopicModel(3, random_state=0)
    H = model.fit_transform(tickets.texts[:200])
    assert H is model.H_ and H.shape == (3, 200)


def test_transform_of_new_text_prefers_the_matching_topic(tickets_model):
    z = 0
    words = " ".join(term for term, _ in tickets_model.topics(6)[z].terms)
    h = tickets_model.transform([words])[:, 0]
    assert h.argmax() == z


def test_same_seed_same_topics(tickets):
    texts = tickets.texts[:500]
    a = TopicModel(5, random_state=1, init="random").fit(texts)
    b = TopicModel(5, random_state=1, init="random").fit(texts)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.H_, b.H_)
    assert a.topics() == b.topics()


def test_save_load_round_trip(tickets_model, saved_model):
    loaded = TopicModel.load(saved_model)
    assert loaded.topics(10) == tickets_model.topics(10)
    assert np.array_equal(loaded.W_, tickets_model.W_)
    assert np.array_equal(loaded.H_, tickets_model.H_)
    assert abs(loaded.V_ - tickets_model.V_).max() == 0
    assert loaded.document_ids_ == tickets_model.document_ids_
    assert loaded.get_params() == tickets_model.get_params()
    text = ["printer driver crashes while printing"]
    assert np.array_equal(loaded.transform(text), tickets_model.transform(text))


def test_saving_twice_gives_identical_files(tickets_model, tmp_path):
    tickets_model.save(tmp_path / "a")
    tickets_model.save(tmp_path / "b")
    for name in ("model.json", "arrays.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_labels_survive_save_and_load(tickets_model, tmp_path):
    model = TopicModel.load(tickets_model.save(tmp_path / "m"))
    model.set_label(2, "Billing & refunds").save(tmp_path / "m")
    again = TopicModel.load(tmp_path / "m")
    assert again.label(2) == "Billing & refunds" and again.topics()[2].label == "Billing & refunds"
    assert again.label(1) == again.auto_label(1)


def test_save_refuses_to_replace_a_foreign_directory(tickets_model, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a topicnmf model; refusing to overwrite"):
        tickets_model.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def _copy(saved_model, tmp_path):
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(saved_model, target)
    return target


def test_load_rejects_missing_and_foreign_directories(tmp_path):
    with pytest.raises(ModelFormatError, match="no such model directory"):
        TopicModel.load(tmp_path / "nope")
    with pytest.raises(ModelFormatError, match=r"not a topicnmf model \(no model.json\)"):
        TopicModel.load(tmp_path)


@pytest.mark.parametrize("damage,message", [
    (lambda p: (p / "arrays.npz").unlink(), "arrays.npz is missing"),
    (lambda p: (p / "arrays.npz").write_bytes(b"garbage"), r"arrays.npz: damaged"),
    (lambda p: (p / "model.json").write_text("{not json"), r"model.json: damaged"),
    (lambda p: _edit_json(p, format_version=99), "format version 99 is not supported"),
    (lambda p: _edit_json(p, format="something-else"), "not a topicnmf model file"),
    (lambda p: _edit_json(p, n_topics=9), r"array W has shape \(\d+, 8\), expected \(\d+, 9\)"),
    (lambda p: _edit_arrays(p, H=lambda H: H[:, :-1]), r"array H has shape"),
    (lambda p: _edit_arrays(p, W=lambda W: -W), "not a finite non-negative"),
])
def test_load_rejects_damaged_models(saved_model, tmp_path, damage, message):
    path = _copy(saved_model, tmp_path)
    damage(path)
    with pytest.raises(ModelFormatError, match=message):
        TopicModel.load(path)


def test_load_never_unpickles(saved_model, tmp_path):
    path = _copy(saved_model, tmp_path)
    _edit_arrays(path, W=lambda W: np.array([object()], dtype=object))
    with pytest.raises(ModelFormatError, match="arrays.npz: damaged"):
        TopicModel.load(path)


def _edit_json(path, **changes):
    meta = json.loads((path / "model.json").read_text())
    meta.update(changes)
    (path / "model.json").write_text(json.dumps(meta))


def _edit_arrays(path, **changes):
    with np.load(path / "arrays.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for name, change in changes.items():
        arrays[name] = change(arrays[name])
    np.savez(path / "arrays.npz", **arrays)


def test_zip_of_a_model_loads(saved_model, tmp_path):
    import shutil

    archive = shutil.make_archive(str(tmp_path / "model"), "zip", saved_model.parent,
                                  saved_model.name)
    assert TopicModel.load(archive).topics() == TopicModel.load(saved_model).topics()


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TopicModel(3).topics()
    with pytest.raises(NotFittedError):
        TopicModel(3).transform(["x"])


def test_bad_topic_numbers_and_params(tickets_model):
    with pytest.raises(InputError, match=r"topic 8 does not exist; topics are 0..7"):
        tickets_model.label(8)
    with pytest.raises(InputError, match="no parameter 'k'"):
        TopicModel().set_params(k=3)
    with pytest.raises(InputError, match="single string"):
        TopicModel(2).fit("just one string")


def test_saved_model_has_ordinary_permissions(tickets_model, tmp_path):
    import os
    import stat

    path = tickets_model.save(tmp_path / "m")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask


# -- scikit-learn conventions without importing scikit-learn -------------------------------------

def test_clone_get_params_and_set_params_follow_scikit_learn():
    from sklearn.base import BaseEstimator, clone

    model = TopicModel(5, random_state=1, seed_topics={"Fonts": ["font"]}, ngram_range="1-2")
    copy = clone(model)
    assert type(copy) is TopicModel and copy is not model
    assert copy.get_params() == model.get_params() and copy.get_params()["n_topics"] == 5
    assert not isinstance(model, BaseEstimator)
    assert list(model.get_params(deep=False)) == list(TopicModel.param_names())
    assert model.set_params(n_topics=7, solver="mu") is model
    assert (model.n_topics, model.solver, copy.n_topics) == (7, "mu", 5)


def test_clone_of_a_fitted_model_is_unfitted(tickets_model):
    from sklearn.base import clone

    copy = clone(tickets_model)
    assert copy.get_params() == tickets_model.get_params() and not hasattr(copy, "W_")


def test_parameters_are_the_keyword_arguments_of_init():
    import inspect

    signature = list(inspect.signature(TopicModel.__init__).parameters)[1:]
    assert list(TopicModel.param_names()) == signature
    defaults = TopicModel().get_params()
    assert defaults == {name: p.default for name, p in
                        inspect.signature(TopicModel.__init__).parameters.items()
                        if name != "self"}


def test_importing_the_model_does_not_load_scikit_learn():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, topicnmf.model.estimator, topicnmf.factor\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
