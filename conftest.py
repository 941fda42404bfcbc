"""What the docstring examples in ``topicnmf/`` use (pytest ``--doctest-modules``).

Every example sees these names (``doctest_namespace``), filled only when a doctest runs:

``model``
    ``TopicModel(8, random_state=0)`` fitted on ``corpora/tickets.csv.gz``.
``purchases``
    ``fit_matrix("corpora/purchases.csv", 3, random_state=0)``.
``tmp``
    A temporary folder (``pathlib.Path``) for examples that write files.

Doctests run with the repository root as the current directory, so ``"corpora/..."`` paths
work from anywhere. The fixtures of ``tests/`` are in ``tests/conftest.py``.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def doc_model():
    from topicnmf import TopicModel, load_corpus

    corpus = load_corpus(ROOT / "corpora" / "tickets.csv.gz", id_column="id")
    return TopicModel(8, random_state=0).fit(corpus)


@pytest.fixture(scope="session")
def doc_purchases():
    from topicnmf import fit_matrix

    return fit_matrix(ROOT / "corpora" / "purchases.csv", 3, random_state=0)


@pytest.fixture(scope="session")
def doc_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("doctest")


@pytest.fixture(autouse=True)
def _doctest_setup(request):
    """For doctests only: fill the namespace (fitting the models once per session) and run
    from the repository root. Other tests are left alone."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    namespace = request.getfixturevalue("doctest_namespace")
    namespace["model"] = request.getfixturevalue("doc_model")
    namespace["purchases"] = request.getfixturevalue("doc_purchases")
    namespace["tmp"] = request.getfixturevalue("doc_tmp")
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(ROOT)
    yield
