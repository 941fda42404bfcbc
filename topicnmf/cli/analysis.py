"""How a model's topics change and group: ``trends`` and ``hierarchy`` read a model and print;
``merge`` and ``split`` write a changed model to a new folder (the input is left as it is)."""

from __future__ import annotations

import os

import click

from .common import check_output, echo_rows, info, load_model
from .options import ALPHA, MIN_DOCUMENTS, PERIODS, SEED, SWEEPS, SHARE, output_options

_PLOT = click.option("--plot", "plot_path", type=click.Path(dir_okay=False),
                     help="Also draw it to this PNG or SVG file (by the suffix).")
_MODEL = click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
_OUTPUT = click.option("-o", "--output", type=click.Path(), required=True,
                       help="New folder for the changed model (the input model stays as it "
                            "is).")
_SWEEPS = click.option("--sweeps", type=click.IntRange(min=0), default=SWEEPS,
                       show_default=True,
                       help="Refinement rounds of the whole factorization afterwards.")
_TOP = click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                    help="Terms shown per changed topic.")


@click.command()
@_MODEL
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True,
              help="Length of the periods the shares are computed over.")
@click.option("--alpha", type=SHARE, default=ALPHA, show_default=True,
              help="False discovery rate: a topic trends when its adjusted p-value (q) is "
                   "below it.")
@click.option("--min-documents", type=click.IntRange(min=1), default=MIN_DOCUMENTS,
              show_default=True, help="Periods with fewer dated documents are not tested.")
@_PLOT
@output_options
def trends(model_path, period, alpha, min_documents, plot_path, fmt):
    """Topic shares per period and the topics that rise or fall beyond chance.

    Needs a model fitted with dates (fit --date-column). Each topic's share per period gets a
    straight line weighted by the period's documents and the t-test of its slope (periods are
    the units: a burst of similar documents counts once); the p-values of all topics are
    adjusted by Benjamini-Hochberg (q). Rows: largest rise first, steepest fall last;
    documents without a date are counted apart (stderr).

    \b
    Example:
      topicnmf trends /tmp/m --period quarter --plot trends.png
    """
    from ..queries.trends import trends as run

    _check_picture(plot_path, model_path)
    model = load_model(model_path)
    result = run(model, period=period, alpha=alpha, min_documents=min_documents)
    echo_rows(result, fmt)
    tested = sum(result.tested)
    moving = [f"{name} " + ", ".join(f"{t.topic} {t.label} ({t.slope * 100:+.2f} pts)"
                                     for t in found)
              for name, found in (("rising:", result.rising), ("falling:", result.falling))
              if found]
    info(f"{sum(result.counts)} dated documents in {len(result.periods)} {period}s "
         f"({result.periods[0]} … {result.periods[-1]}, {tested} tested), {result.undated} "
         f"without a date; " + ("; ".join(moving) or "no topic rises or falls beyond chance"))
    if plot_path:
        from ..present.charts import trends_figure
        from ..present.plots import wording

        _write_picture(plot_path, trends_figure(result, what=wording(model)["topic"]))


@click.command()
@_MODEL
@_PLOT
@output_options
def hierarchy(model_path, plot_path, fmt):
    """How topics group: a tree by the cosine of their term weights (average linkage).

    --format json prints the tree as nested objects (topic id, label and size at the
    leaves; distance, similarity and the topic ids below every inner node); the other
    formats one row per node, indented.

    \b
    Example:
      topicnmf hierarchy /tmp/m --plot tree.png
      topicnmf hierarchy /tmp/m --format json
    """
    from ..queries.hierarchy import hierarchy as run

    _check_picture(plot_path, model_path)
    model = load_model(model_path)
    tree = run(model)
    echo_rows(tree, fmt)
    if plot_path:
        from ..present.charts import dendrogram_figure
        from ..present.plots import wording

        _write_picture(plot_path, dendrogram_figure(tree, what=wording(model)["topics"]))


@click.command()
@_MODEL
@click.argument("topics", nargs=-1, required=True, type=int)
@_OUTPUT
@click.option("--label", help="Name of the merged topic [default: the merged topics' names "
                              "joined by +, else automatic].")
@_SWEEPS
@_TOP
@output_options
def merge(model_path, topics, output, label, sweeps, top, fmt):
    """Merge two or more topics into one and save the model to a new folder.

    The merged topic takes the smallest of the ids; every other topic keeps its id and
    label. Prints the merged topic.

    \b
    Example:
      topicnmf merge /tmp/m 4 9 -o /tmp/m4
    """
    from ..evolve.reshape import merge as run

    _check_new_folder(output, model_path)
    model = run(load_model(model_path), topics, label=label, sweeps=sweeps)
    model.save(output)
    echo_rows([t for t in model.topics(top) if t.topic == min(topics)], fmt)
    info(f"merged topics {', '.join(map(str, sorted(set(topics))))} into topic "
         f"{min(topics)}: {model.n_topics} topics → {output}")


@click.command()
@_MODEL
@click.argument("topic", type=int)
@click.option("--into", type=click.IntRange(min=2), default=2, show_default=True,
              help="Number of topics the topic becomes.")
@_OUTPUT
@_SWEEPS
@click.option("--random-state", "--seed", "random_state", type=SEED, default=0,
              show_default=True, help="Seed of the NMF of the topic's documents.")
@_TOP
@output_options
def split(model_path, topic, into, output, sweeps, random_state, top, fmt):
    """Split a topic in two (or --into N) and save the model to a new folder.

    The topic's own documents are factorized again into N topics; the part closest to the
    old topic keeps its id, the others get new ids; every other topic keeps its id and
    label. Prints the parts.

    \b
    Example:
      topicnmf split /tmp/m 7 --into 2 -o /tmp/m5
    """
    from ..evolve.reshape import split as run

    _check_new_folder(output, model_path)
    old = load_model(model_path)
    model = run(old, topic, into=into, sweeps=sweeps, random_state=random_state)
    model.save(output)
    parts = [t for t in model.topics(top) if t.topic == topic or t.topic not in old.topic_ids]
    echo_rows(parts, fmt)
    info(f"split topic {topic} into {', '.join(str(t.topic) for t in parts)}: "
         f"{model.n_topics} topics → {output}")


def _check_new_folder(output, model_path):
    """Before the work: ``output`` can take a model and is not the input model's folder."""
    from ..errors import InputError
    from ..model.persist import check_model_destination

    if os.path.exists(output) and os.path.samefile(output, model_path):
        raise InputError(f"{output}: is the input model; write the changed model to a new "
                         "folder (-o), the input model stays as it is")
    check_model_destination(output)


def _check_picture(plot_path, model_path):
    if plot_path:
        check_output(plot_path, model_path)


def _write_picture(path, fig):
    from ..io.files import write_atomic
    from ..present.plots import figure_bytes

    image_format = "svg" if str(path).lower().endswith(".svg") else "png"
    write_atomic(path, figure_bytes(fig, image_format))
    info(f"wrote the plot → {path}")
