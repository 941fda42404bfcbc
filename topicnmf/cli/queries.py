"""The verbs that read a model and print answers: topics, segments, recommend, similar,
target; and label, which names a topic."""

from __future__ import annotations

import click

from .common import echo_out, echo_rows, info, load_model
from .options import FINITE, SHARE, output_options


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Terms per topic.")
@click.option("--relevance", type=SHARE,
              help="Order of the terms, λ of LDAvis relevance: 1 = by weight, lower = terms "
                   "more this topic's own [default: 0.5; 1 for --matrix models].")
@click.option("--term", help="Instead: the topics a document containing TERM leans to "
                             "(the term's row of W, as shares).")
@output_options
def topics(model_path, top, relevance, term, fmt):
    """Show each topic's label, size (documents it dominates) and top terms with weights.

    Terms are ordered by relevance (λ·log weight + (1 − λ)·log(weight / the term's share of
    the whole corpus)), so that words every topic has ("package", "provides") do not fill
    every list; each keeps its weight. With --term, show the row view instead: which topics a
    document containing that term leans to.

    \b
    Example:
      topicnmf topics /tmp/m --top 8 --format csv
      topicnmf topics /tmp/m --term printer
    """
    model = load_model(model_path)
    if term is not None:
        from ..queries.segment import term_topics

        echo_rows(term_topics(model, term), fmt)
        return
    echo_rows(model.topics(top, relevance=relevance), fmt)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--threshold", type=FINITE, default=0.1, show_default=True,
              help="Smallest share of a topic that makes a document a member of it.")
@click.option("--by", type=click.Choice(("document", "topic")), default="document",
              show_default=True, help="One row per document (person), or per topic (segment).")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --by topic: most typical documents listed per topic.")
@output_options
def segments(model_path, threshold, by, top, fmt):
    """Memberships: each document's dominant topic and every topic above the threshold.

    A document's share of a topic is the topic's part of it, |W[:, z]|·H[z, j], of the parts
    of all topics (the same in topics, tag and assign). With --by topic: each topic's size
    (documents it dominates), members (share >= threshold) and most typical documents.

    \b
    Example:
      topicnmf segments /tmp/p --threshold 0.1
    """
    from ..queries.segment import segments as run

    rows = run(load_model(model_path), threshold=threshold, by=by, top=top)
    echo_rows(rows, fmt)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.argument("doc_id")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many terms (items) to recommend.")
@click.option("--include-seen", is_flag=True,
              help="Keep terms the document (person) already has, marked seen.")
@output_options
def recommend(model_path, doc_id, top, include_seen, fmt):
    """Terms (items) for a document (person), from its reconstructed column W·h.

    By default what DOC_ID already has is left out (a note on stderr says how many).

    \b
    Example:
      topicnmf recommend /tmp/p Mary --top 3
    """
    from ..queries.recommend import recommend as run

    result = run(load_model(model_path), doc_id, top=top, include_seen=include_seen)
    if result.seen_excluded:
        noun = "item" if result.kind == "matrix" else "term"
        info(f"left out {result.seen_excluded} {noun}(s) {result.doc_id} already has "
             "(--include-seen keeps them)")
    echo_rows(result, fmt)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.argument("doc_id", required=False)
@click.option("--text", help="Compare with this text instead of a document of the model.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many documents to list.")
@click.option("--blend", type=SHARE, default=None,
              help="Weight of the latent (topic) cosine; the rest is plain tf-idf cosine "
                   "[default: the measured best, see README].")
@click.option("--threshold", type=FINITE, default=0.1, show_default=True,
              help="Smallest share in both documents for a topic to count as shared.")
@output_options
def similar(model_path, doc_id, text, top, blend, threshold, fmt):
    """Documents closest to DOC_ID (or to --text), with score and shared topics.

    \b
    Example:
      topicnmf similar /tmp/m python3-numpy --top 5
      topicnmf similar /tmp/m --text "printer paper jam"
    """
    from ..queries.recommend import similar as run
    from ..reconstruction.similarity import DEFAULT_BLEND

    if (doc_id is None) == (text is None):
        raise click.UsageError("give either DOC_ID or --text")
    rows = run(load_model(model_path), doc_id, text=text, top=top,
               blend=DEFAULT_BLEND if blend is None else blend, threshold=threshold)
    echo_rows(rows, fmt)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--term", help="Target the documents (people) most prone to this term (item).")
@click.option("--topic", type=int, help="Target the documents most prone to this topic.")
@click.option("--budget", type=click.IntRange(min=1), default=50, show_default=True,
              help="How many documents (people) to pick.")
@click.option("--prospects-only", is_flag=True,
              help="Leave out documents that already contain the term (or are in the topic).")
@output_options
def target(model_path, term, topic, budget, prospects_only, fmt):
    """A ranked target group: existing holders of a term and the likeliest prospects.

    Scores come from the term's reconstructed row W[t]·H; each row says whether the
    document already has the term and which topics drove its score.

    \b
    Example:
      topicnmf target /tmp/p --term Coffee --budget 4
    """
    from ..queries.target import target as run

    if (term is None) == (topic is None):
        raise click.UsageError("give either --term or --topic")
    rows = run(load_model(model_path), term=term, topic=topic, budget=budget,
               prospects_only=prospects_only)
    echo_rows(rows, fmt)


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, file_okay=False))
@click.argument("topic", type=int)
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Remove the name: back to the automatic label.")
def label(model_path, topic, name, clear):
    """Name a topic (saved in the model); the name shows wherever the topic's label shows.

    \b
    Example:
      topicnmf label /tmp/m 3 "Billing & refunds"
      topicnmf label /tmp/m 3 --clear
    """
    from ..errors import InputError
    from ..model.estimator import label as set_label

    if clear == bool(name):
        raise InputError("give either a NAME for the topic or --clear (not both)")
    model = set_label(model_path, topic, None if clear else name)
    echo_out(f"topic {topic}: {model.label(topic)}")
