import numpy as np
import pytest

from topicnmf import InputError
from topicnmf.text.preprocess import Preprocessor, english_stop_words, parse_ngram_range
from topicnmf.text.vectorize import Vectorizer


def test_tokens_lowercase_and_drop_stop_words_numbers_and_short_tokens():
    prep = Preprocessor()
    assert prep("The VPN doesn't connect to server 10.0.0.1 on Windows 11, x11 & ipv6!") == \
        ["vpn", "connect", "server", "windows", "x11", "ipv6"]


def test_extra_stop_words_and_no_stop_words():
    assert Preprocessor(extra_stop_words={"vpn"})("the vpn server") == ["server"]
    assert Preprocessor(stop_words=None)("the vpn") == ["the", "vpn"]


def test_stop_words_ship_with_the_package():
    words = english_stop_words()
    assert {"the", "and", "doesn", "yourselves"} <= words and "printer" not in words


def test_stemming_displays_the_most_frequent_surface_word():
    vec = Vectorizer(Preprocessor(stem=True), min_df=1, max_df=1.0)
    vec.fit_transform(["printing printer printers printers", "printing services",
                       "service printing"])
    display = dict(zip(vec.vocabulary_, vec.display_))
    assert display == {"print": "printing", "printer": "printers", "servic": "service"}


def test_stem_ties_break_alphabetically():
    vec = Vectorizer(Preprocessor(stem=True), min_df=1, max_df=1.0)
    vec.fit_transform(["connection connected"])
    assert vec.display_ == ["connected"]


def test_ngrams_are_built_after_stop_words():
    prep = Preprocessor(ngram_range=(1, 2))
    assert prep("reset the password now") == ["reset", "password", "reset password"]
    assert Preprocessor(ngram_range="2-2")("reset the password now") == ["reset password"]


def test_stemmed_ngram_display():
    vec = Vectorizer(Preprocessor(stem=True, ngram_range=(2, 2)), min_df=1, max_df=1.0)
    vec.fit_transform(["printers printing jobs"])
    assert vec.vocabulary_ == ["print job", "printer print"]
    assert vec.display_ == ["printing jobs", "printers printing"]


@pytest.mark.parametrize("value", ["0-1", "2-1", "a-b", "1-2-3", (3, 9)])
def test_bad_ngram_ranges(value):
    with pytest.raises(InputError, match="ngrams"):
        parse_ngram_range(value)


def test_needs_no_nltk_data(monkeypatch):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [])
    assert Preprocessor(stem=True)("Printers were printing") == ["printer", "print"]


def test_transform_equals_fit_transform_on_training_texts(tickets):
    texts = tickets.texts[:300]
    for prep in (Preprocessor(), Preprocessor(stem=True, ngram_range=(1, 2))):
        for sublinear in (False, True):
            vec = Vectorizer(prep, sublinear_tf=sublinear)
            V = vec.fit_transform(texts)
            assert V.shape == (len(vec.vocabulary_), len(texts))
            assert abs(vec.transform(texts) - V).max() < 1e-12
            assert np.allclose(np.sqrt(V.multiply(V).sum(axis=0)), 1.0)


def test_vocabulary_errors_say_what_to_change():
    with pytest.raises(InputError, match="no terms left in 2 documents"):
        Vectorizer(min_df=1).fit_transform(["the and of", "is it"])
    with pytest.raises(InputError, match="lower --min-df"):
        Vectorizer(min_df=5).fit_transform(["printer jam", "vpn slow"])
