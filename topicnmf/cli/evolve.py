"""The verbs of a model that lives on: update (new documents, same ids) and diff (what
changed between two models). ``fit --align-to`` is in :mod:`.fitting`."""

from __future__ import annotations

import os

import click

from .common import echo_rows, info, load_model
from .options import SHARE, corpus_options, output_options, read_corpus

#: = topicnmf.evolve.align.THRESHOLD (not imported: the CLI starts without NumPy; a test
#: checks that they agree).
ALIGN_THRESHOLD = 0.5
ANCHOR_WEIGHT = 0.02        # = topicnmf.evolve.update.ANCHOR_WEIGHT, likewise


class NewTopics(click.ParamType):
    """``auto`` or a number of topics (0 or more)."""

    name = "auto|N"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        try:
            number = int(text)
        except ValueError:
            number = -1
        if number < 0:
            self.fail(f"{value!r} is neither 'auto' nor a number of topics (0 or more).",
                      param, ctx)
        return number


def threshold_option(func):
    return click.option("--threshold", type=SHARE, default=ALIGN_THRESHOLD, show_default=True,
                        help="Cosine of two topics' term weights below which they are not "
                             "the same topic (new or retired).")(func)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.argument("corpus", type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(), required=True,
              help="Folder to write the updated model to (a new or empty folder, or another "
                   "model folder); MODEL itself is never changed.")
@click.option("--new-topics", type=NewTopics(), default="auto", show_default=True,
              help="Topics to add for what the old ones leave unexplained: a number, or "
                   "auto (from the new documents' fit errors).")
@click.option("--keep-documents/--drop-documents", default=True, show_default=True,
              help="Keep the model's documents and fit them with the new ones, or keep only "
                   "the new ones (old topics they do not support are retired).")
@threshold_option
@click.option("--anchor-weight", type=SHARE, default=ANCHOR_WEIGHT,
              show_default=True, help="Pull of each old topic towards its old self (a fraction "
                                      "of the documents; 0: none).")
@click.option("--random-state", "--seed", "random_state", type=click.IntRange(0, 2**32 - 1),
              help="Seed of the added topics' start [default: the model's].")
@corpus_options
def update(model_path, corpus, output, new_topics, keep_documents, threshold, anchor_weight,
           random_state,
           input_format, text_column, id_column, label_column, date_column, duplicate_ids):
    """Update a model with new documents; topics keep their ids and names.

    The new documents are read like fit reads a corpus (give the same --date-column). New
    terms get new rows; the fit starts from the old topics; topics that still match their
    old selves keep their id and label, new topics get new ids (never one a topic had
    before: a retired topic's id stays unused). What was done is recorded in the new model
    (model.json "history"); see what changed with topicnmf diff.

    \b
    Example:
      topicnmf update /tmp/m later.jsonl -o /tmp/m2 --date-column date
      topicnmf update /tmp/m later.jsonl -o /tmp/m2 --new-topics 2 --drop-documents
    """
    from ..errors import InputError
    from ..evolve.update import update as run
    from ..model.persist import check_model_destination

    if os.path.exists(output) and os.path.samefile(output, model_path):
        raise InputError(f"{output}: is the model being updated; write the update to a new "
                         "folder (the old model is never changed)")
    check_model_destination(output)
    model = load_model(model_path)
    docs = read_corpus(corpus, input_format, text_column, id_column, label_column, date_column,
                       duplicate_ids)
    updated = run(model, docs, new_topics=new_topics, keep_documents=keep_documents,
                  threshold=threshold, anchor_weight=anchor_weight, random_state=random_state)
    updated.save(output)
    step = updated.history_[-1]
    info(f"updated {model.n_topics} topics with {len(docs)} documents: {step['matched']} kept "
         f"their id, {len(step['new_topics'])} new, {len(step['retired_topics'])} retired; "
         f"{updated.n_topics} topics, {updated.n_documents} documents, "
         f"{step['terms_added']} new terms → {output}")


@click.command()
@click.argument("old_path", metavar="OLD", type=click.Path(exists=True))
@click.argument("new_path", metavar="NEW", type=click.Path(exists=True))
@threshold_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Top terms compared for terms in and out.")
@output_options
def diff(old_path, new_path, threshold, top, fmt):
    """Compare two models topic by topic: matched, new or retired.

    Topics are matched one to one by the cosine of their term weights over the shared
    vocabulary. Per topic: its id in each model, the similarity, labels, sizes (documents it
    dominates) and their change, and the top terms that came in or went out.

    \b
    Example:
      topicnmf diff /tmp/m /tmp/m2
      topicnmf diff /tmp/m /tmp/m3 --format json
    """
    from ..evolve.diff import diff as run

    echo_rows(run(load_model(old_path), load_model(new_path), threshold=threshold, top=top),
              fmt)
