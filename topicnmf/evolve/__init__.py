"""Stage 6, evolve: models that live on: update with new documents, align, diff.

A ticket queue fits once, names its topics and wires their ids into dashboards; then new
documents keep coming. This stage keeps a model's topic ids and names across that life:

* :mod:`~topicnmf.evolve.align`: topics of two models matched by the cosine of their ``W``
  columns over the shared vocabulary (Hungarian assignment, a threshold below which a topic is
  new or retired); :func:`~topicnmf.evolve.align.align` renumbers a model's topics to match
  another's and carries their labels;
* :mod:`~topicnmf.evolve.update`: a new model from an old one and new documents, started
  from the old topics, with topics added for what the old ones leave unexplained;
* :mod:`~topicnmf.evolve.diff`: per topic, matched/new/retired, similarity, size change and
  terms in and out.

Topic ids. A topic's id is its column in ``W`` (the model's topic order), as everywhere in
topicnmf, so ids are always ``0..k-1``. A topic matched to a topic of the reference keeps the
reference's id and label; every other topic takes the lowest free id, in its column order.
So new topics are appended after the reference's topics, except that the id of a retired
topic (one that matches nothing any more) is given to a new topic rather than left as a gap:
``diff`` then shows that id as ``retired`` (old label) and as ``new`` (automatic label), and
the old name is never carried over to a different topic.

It ranks with queries, quality and tagging (it uses the reconstruction's fit errors) and
imports none of them.
"""
