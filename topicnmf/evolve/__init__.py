"""Stage 6, evolve: models that live on: update with new documents, align, diff.

A ticket queue fits once, names its topics and wires their ids into dashboards; then new
documents keep coming. This stage keeps a model's topic ids and names across that life:

* :mod:`~topicnmf.evolve.align`: topics of two models matched by the cosine of their ``W``
  columns over the shared vocabulary (Hungarian assignment, a threshold below which a topic is
  new or retired); :func:`~topicnmf.evolve.align.align` gives a model's topics the ids and
  labels of the topics of another that they match;
* :mod:`~topicnmf.evolve.update`: a new model from an old one and new documents, started
  from the old topics, with topics added for what the old ones leave unexplained;
* :mod:`~topicnmf.evolve.diff`: per topic, matched/new/retired, similarity, size change and
  terms in and out;
* :mod:`~topicnmf.evolve.reshape`: merge and split topics.

Topic ids. One rule everywhere, the persistent-id rule of :mod:`topicnmf.model.fitted`: a
topic's id is its name for good (``model.topic_ids``; column ``z`` of ``W`` is topic
``topic_ids[z]``), and an id is never given to another topic. After :func:`~.align.align`,
``fit --align-to`` or :func:`~.update.update`, a topic matched to a reference topic takes the
reference's id and its name (a name given with ``label``); every other topic is new and takes a
fresh id from the reference's ``next_topic_id`` on, in column order; the reference's topics
that nothing matched are retired, and their ids stay unused (as do those a merge retired
before, :mod:`~.reshape`). The result's ``next_topic_id`` is above every id of the reference
and of the new topics. Columns are ordered by id, so the matched topics come first and the new
ones after them, as in every model topicnmf makes (a merge drops a column, a split appends
its new parts). A dashboard wired to an id therefore either finds its
topic or, if the topic was retired, an error naming the ids there are; never another topic.
:func:`~.diff.diff` prints the ids of both models: a matched topic with the same id on both
sides, a new topic with its new id, a retired one with its old id.

It ranks with queries, quality and tagging (it uses the reconstruction's fit errors) and
imports none of them.
"""
