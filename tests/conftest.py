"""Shared fixtures: the shipped corpora and a model fitted on the ticket corpus."""

from pathlib import Path

import pytest

from topicnmf import TopicModel, load_corpus

REPO = Path(__file__).resolve().parent.parent
TICKETS = REPO / "corpora" / "tickets.csv.gz"


@pytest.fixture(scope="session")
def tickets_path():
    return TICKETS


@pytest.fixture(scope="session")
def tickets():
    return load_corpus(TICKETS, id_column="id", label_column="section")


@pytest.fixture(scope="session")
def tickets_model(tickets):
    return TopicModel(8, random_state=0).fit(tickets)


@pytest.fixture(scope="session")
def saved_model(tickets_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "tickets"
    tickets_model.save(path)
    return path
