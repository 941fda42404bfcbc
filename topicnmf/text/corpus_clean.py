"""Cleaning a corpus read in partitions (:mod:`topicnmf.io.partitions`) exactly as one read
whole: the two choices of :mod:`topicnmf.text.clean` that depend on every document.

* ``clean='auto'`` turns the mail steps on when any document is mail, and the markup step
  when any is a markup file. Each partition's documents choose its own steps
  (:func:`topicnmf.text.counting.count_partition` with ``auto=True``); the corpus's steps are
  their union (:func:`corpus_steps`), and a partition counted with other steps is counted
  again with them (only in a corpus whose partitions differ).
* The ``template`` step's lines occur in at least ``TEMPLATE_SHARE`` of the documents. Such a
  line reaches that share in at least one partition, so each partition names its candidates
  (:func:`template_survey`: lines in that share of its own documents) and a second read counts
  the candidates over every partition (:func:`line_frequencies`). :func:`learn_template_lines`
  runs both and gives the lines :meth:`Cleaner.fit <topicnmf.text.clean.Cleaner.fit>` learns
  from the whole corpus. Memory: one partition's distinct lines, and the candidates.

The functions that read a partition are pure (a partition and settings in, plain data out),
so they run in this process, in worker processes or as tasks on a cluster alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..io.streaming import read_partition, resolve_ids
from .clean import STEPS, TEMPLATE_SHARE, Cleaner, frequent_lines, line_keys


def corpus_steps(step_lists) -> tuple:
    """The union of the partitions' cleaning steps, in :data:`~topicnmf.text.clean.STEPS`
    order: what ``clean='auto'`` chooses for all their documents together.

    >>> corpus_steps([["markup"], [], ["email", "quotes", "signatures"]])
    ('email', 'quotes', 'signatures', 'markup')
    """
    used = set().union(*map(set, step_lists))
    return tuple(step for step in STEPS if step in used)


@dataclass
class TemplateSurvey:
    """What :func:`template_survey` learns from one partition: its documents' ids, and the
    lines in at least ``TEMPLATE_SHARE`` of its documents with the documents that have each."""

    ids: list
    candidates: dict

    @property
    def n_documents(self) -> int:
        return len(self.ids)


def template_survey(item, steps) -> TemplateSurvey:
    """The template candidates of one partition.

    Parameters
    ----------
    item : (Partition, iterable of int)
        The partition, and the positions of its documents to leave out (repeated ids).
    steps : tuple of str
        The cleaning steps, ``template`` among them: lines are read after the steps before it.
    """
    ids, df = [], Counter()
    for doc, text in _before_template(item, steps):
        ids.append(doc.id)
        df.update(line_keys(text))
    least = TEMPLATE_SHARE * len(ids)
    return TemplateSurvey(ids, {key: n for key, n in df.items() if n >= least})


def line_frequencies(item, steps, lines) -> dict:
    """``{line: documents of the partition that have it}`` for the given ``lines`` (item and
    steps as :func:`template_survey`)."""
    lines, df = frozenset(lines), Counter()
    for _, text in _before_template(item, steps):
        df.update(line_keys(text) & lines)
    return dict(df)


def _before_template(item, steps):
    partition, drop = item
    drop, before = frozenset(drop), Cleaner(steps[:list(steps).index("template")])
    for position, doc in enumerate(read_partition(partition, [])):
        if position not in drop:
            yield doc, before(doc.text)


def learn_template_lines(partitions, steps, run, *, source, duplicate_ids="error") -> tuple:
    """The template lines of a corpus read in ``partitions``, as
    :func:`topicnmf.text.clean.template_lines` finds them in all its documents at once
    (repeated ids resolved by ``duplicate_ids`` first, as reading the corpus does).

    Parameters
    ----------
    partitions : list of Partition
    steps : tuple of str
        The cleaning steps (with ``template``).
    run : callable
        ``run(function, items, desc, **same)`` returns ``[function(item, **same) for item in
        items]`` (in processes, as tasks on a cluster, ...; ``desc`` names the pass).
    source : str or Path
        The corpus, for messages.
    duplicate_ids : {'error', 'first', 'number'}

    Returns
    -------
    tuple of str
        Sorted (:func:`topicnmf.text.clean.line_key` form).
    """
    steps = tuple(steps)
    items = [(p, ()) for p in partitions]
    surveys = run(template_survey, items, "finding template lines", steps=steps)
    _, drops, _ = resolve_ids([s.ids for s in surveys], source, duplicate_ids)
    redo = [i for i, drop in enumerate(drops) if drop]
    items = [(p, drop) for p, drop in zip(partitions, drops)]
    for i, survey in zip(redo, run(template_survey, [items[i] for i in redo],
                                   "finding template lines", steps=steps) if redo else []):
        surveys[i] = survey
    n = sum(s.n_documents for s in surveys)
    candidates = sorted(set().union(*(s.candidates for s in surveys)))
    if len(surveys) == 1 or not candidates:      # one partition: its counts are the corpus's
        return frequent_lines(surveys[0].candidates if surveys else {}, n)
    totals = Counter()
    for counts in run(line_frequencies, items, "counting template lines", steps=steps,
                      lines=candidates):
        totals.update(counts)
    return frequent_lines(totals, n)
