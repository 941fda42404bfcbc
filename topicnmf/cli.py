"""The ``topicnmf`` command line: one command per library verb, a thin shell over the library.

This is the only module that imports click or prints. Library errors (``TopicNMFError``)
become one line on stderr and exit status 2.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
import warnings

import click

from . import __version__
from .errors import TopicNMFError

CORPUS_FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
PLOT_KINDS = ("terms", "map", "documents", "heatmap", "shares")  # = topicnmf.plots.KINDS


class _Group(click.Group):
    """Turns library errors into ``Error: ...`` on stderr with exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TopicNMFError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(0)


class _WarningHandler(logging.Handler):
    def emit(self, record):
        click.echo(f"warning: {record.getMessage()}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.version_option(__version__, prog_name="topicnmf")
@click.option("-q", "--quiet", is_flag=True, help="Only print results and errors.")
def main(quiet):
    """Interpretable topics from text with non-negative matrix factorization.

    V (terms × documents, tf-idf) ≈ W · H: W defines the topics, H says how much each
    document belongs to each. Start with `topicnmf fit CORPUS -k 12 -o MODEL`, then
    `topicnmf topics MODEL`.
    """
    logger = logging.getLogger("topicnmf")
    logger.handlers[:] = [_WarningHandler()]
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False
    warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Library warnings (e.g. non-convergence) as one ``warning:`` line, without source lines."""
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(f"warning: {message}", err=True)


def output_options(func):
    """``--format`` for every command that prints rows."""

    @click.option("--format", "fmt", type=click.Choice(("table", "csv", "json", "jsonl")),
                  default="table", show_default=True, help="How to print the rows.")
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def corpus_options(func):
    """Options that say how to read a corpus (shared by every command that reads one)."""
    options = [
        click.option("--input-format", "input_format", type=click.Choice(CORPUS_FORMATS),
                     help="Corpus format; by default from the path (folder, .csv, .tsv, "
                          ".jsonl, .txt = one document per line; any may end in .gz)."),
        click.option("--text-column", default="text", show_default=True,
                     help="CSV/TSV column (or JSONL field) holding the text."),
        click.option("--id-column", help="CSV/TSV column (or JSONL field) holding document ids "
                                         "[default: JSONL 'id'; CSV file:line]."),
        click.option("--label-column", help="Column/field with a known label, kept as metadata."),
        click.option("--date-column", help="Column/field with a date, kept as metadata."),
        click.option("--duplicate-ids", type=click.Choice(("error", "first", "number")),
                     default="error", show_default=True,
                     help="A repeated id: stop, keep the first, or number repeats (id#2)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def picture_options(func):
    """Options shared by the commands that draw: bar-chart length and the document map."""
    options = [
        click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Terms per topic in the bar charts."),
        click.option("--max-map-documents", type=click.IntRange(min=1), default=2000,
                     show_default=True,
                     help="Documents drawn in the document map (a sample above)."),
        click.option("--seed", "random_state", type=int, default=0, show_default=True,
                     help="Seed of the document map's sample and layout."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_corpus(path, input_format, text_column, id_column, label_column, date_column,
                duplicate_ids="error"):
    from .corpus import detect_format, load_corpus

    fmt = input_format or detect_format(path)
    if fmt == "jsonl":
        kwargs = dict(text_field=text_column, id_field=id_column or "id")
    else:
        kwargs = dict(text_column=text_column, id_column=id_column)
    corpus = load_corpus(path, format=fmt, label_column=label_column, date_column=date_column,
                         duplicate_ids=duplicate_ids, **kwargs)
    if corpus.skipped:
        click.echo(f"warning: {len(corpus.skipped)} file(s)/row(s) skipped, "
                   f"{len(corpus)} documents read", err=True)
    return corpus


def echo_rows(rows, fmt):
    from .export import format_rows

    click.echo(format_rows(rows, fmt), nl=False)


def progress(iterable, *, total=None, desc=None):
    """A progress bar on stderr when it is a terminal; the bare iterable otherwise."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="doc", disable=None, file=sys.stderr,
                leave=False)


def info(message):
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(message, err=True)


def parse_ngrams(ctx, param, value):
    from .preprocess import parse_ngram_range

    try:
        return parse_ngram_range(value)
    except TopicNMFError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.option("-k", "--n-topics", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of topics.")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="Directory to write the model to (replaced atomically).")
@corpus_options
@click.option("--seed", "random_state", type=int, default=0, show_default=True,
              help="Random seed: the same corpus and seed give the same topics.")
@click.option("--solver", type=click.Choice(("cd", "mu", "minibatch")), default="cd",
              show_default=True, help="NMF solver (minibatch: MiniBatchNMF for large corpora).")
@click.option("--loss", type=click.Choice(("frobenius", "kullback-leibler")),
              default="frobenius", show_default=True,
              help="Cost to minimize; kullback-leibler needs --solver mu or minibatch.")
@click.option("--init", type=click.Choice(("nndsvda", "nndsvd", "nndsvdar", "random")),
              default="nndsvda", show_default=True, help="Initialization of W and H.")
@click.option("--max-iter", type=click.IntRange(min=1), default=400, show_default=True)
@click.option("--stem/--no-stem", default=False, show_default=True,
              help="Snowball stemming (topics still show real words).")
@click.option("--stop-words", "stop_words_file", type=click.Path(exists=True, dir_okay=False),
              help="File of extra stop words, one per line.")
@click.option("--ngrams", "ngram_range", default="1", callback=parse_ngrams, show_default=True,
              help="Term n-gram sizes, e.g. 1-2 for words and word pairs.")
@click.option("--min-df", type=float, default=2, show_default=True,
              help="Drop terms in fewer documents (a count, or a fraction if < 1).")
@click.option("--max-df", type=float, default=0.95, show_default=True,
              help="Drop terms in more documents (a fraction, or a count if > 1).")
@click.option("--max-features", type=click.IntRange(min=1), help="Keep the N most frequent terms.")
def fit(corpus, n_topics, output, input_format, text_column, id_column, label_column,
        date_column, duplicate_ids, random_state, solver, loss, init, max_iter, stem, stop_words_file,
        ngram_range, min_df, max_df, max_features):
    """Fit topics to a corpus and save the model to a directory.

    CORPUS is a folder (read recursively: .txt .md .rst .html .eml), a CSV/TSV file, a JSONL
    file, or a .txt file with one document per line; any file may be gzip-compressed.

    \b
    Example:
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --seed 0
    """
    from .model import TopicModel

    docs = read_corpus(corpus, input_format, text_column, id_column, label_column, date_column,
                       duplicate_ids)
    model = TopicModel(n_topics, solver=solver, loss=loss, init=init, max_iter=max_iter,
                       random_state=random_state, stem=stem, extra_stop_words=stop_words_file,
                       ngram_range=ngram_range, min_df=int(min_df) if min_df >= 1 else min_df,
                       max_df=max_df if max_df <= 1 else int(max_df),
                       max_features=max_features)
    info(f"fitting {n_topics} topics to {len(docs)} documents…")
    start = time.perf_counter()
    model.fit(docs, progress=progress)
    model.save(output)
    info(f"fitted {n_topics} topics: {model.n_documents} documents × {model.W_.shape[0]} terms, "
         f"{model.n_iter_} iterations, {time.perf_counter() - start:.1f} s → {output}")


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Terms per topic.")
@output_options
def topics(model_path, top, fmt):
    """Show each topic's label, size (documents it dominates) and top terms with weights.

    \b
    Example:
      topicnmf topics /tmp/m --top 8 --format csv
    """
    from .model import TopicModel

    model = TopicModel.load(model_path)
    nested = fmt in ("json", "jsonl")
    echo_rows([t.as_row(nested) for t in model.topics(top)], fmt)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="HTML file to write (replaced atomically).")
@click.option("--documents", type=click.IntRange(min=1), default=5, show_default=True,
              help="Most typical documents listed per topic.")
@click.option("--similar", type=click.IntRange(min=1), default=3, show_default=True,
              help="Most similar topics listed per topic.")
@click.option("--title", help="Title of the report [default: k topics in N documents].")
@click.option("--images", type=click.Choice(("svg", "png")), default="svg", show_default=True,
              help="Embed the pictures as inline SVG or as PNG.")
@picture_options
def report(model_path, output, top, documents, similar, max_map_documents, random_state, title,
           images):
    """Write one self-contained HTML report of a model: overview, maps, heatmap, every topic.

    The file opens offline in any browser (no CDN, no server, no network); the static parts
    need no JavaScript.

    \b
    Example:
      topicnmf report /tmp/m -o report.html
    """
    from .export import write_atomic
    from .model import TopicModel
    from .report import report as make_report

    start = time.perf_counter()
    model = TopicModel.load(model_path)
    html = make_report(model, top=top, documents=documents, similar=similar,
                       max_map_documents=max_map_documents, random_state=random_state,
                       title=title, images=images)
    write_atomic(output, html)
    info(f"wrote a report of {model.n_topics} topics ({len(html.encode('utf-8')) / 1e6:.1f} MB, "
         f"{time.perf_counter() - start:.1f} s) → {output}")


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--kind", type=click.Choice(PLOT_KINDS), default="terms", show_default=True,
              help="Top-term bars, topic map, document map, similarity heatmap, or topic "
                   "shares by month (needs dates).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Picture file to write (replaced atomically).")
@click.option("--format", "fmt", type=click.Choice(("png", "svg")),
              help="Picture format [default: from the -o suffix, else png].")
@click.option("--topic", type=click.IntRange(min=0), help="With --kind terms: only this topic.")
@picture_options
def plot(model_path, kind, output, fmt, topic, top, max_map_documents, random_state):
    """Draw one picture of a model as PNG or SVG, e.g. for slides.

    \b
    Example:
      topicnmf plot /tmp/m --kind map -o map.png
    """
    from .export import write_atomic
    from .model import TopicModel
    from .plots import plot as make_plot

    fmt = fmt or ("svg" if str(output).lower().endswith(".svg") else "png")
    model = TopicModel.load(model_path)
    data = make_plot(model, kind, topic=topic, top=top, format=fmt,
                     max_map_documents=max_map_documents, random_state=random_state)
    write_atomic(output, data)
    info(f"wrote {kind} ({fmt}, {len(data) / 1e3:.0f} kB) → {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
