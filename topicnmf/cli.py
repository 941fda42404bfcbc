"""The ``topicnmf`` command line: one command per library verb, a thin shell over the library.

This is the only module that imports click or prints. Library errors (``TopicNMFError``)
become one line on stderr and exit status 2.
"""

from __future__ import annotations

import errno
import functools
import logging
import math
import os
import re
import sys
import time
import warnings

import click

from . import __version__
from .errors import TopicNMFError

CORPUS_FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
PLOT_KINDS = ("terms", "map", "documents", "heatmap", "shares")  # = topicnmf.present.plots.KINDS
# = topicnmf.factor.nmf.SOLVERS, LOSSES, INITS and topicnmf.text.vectorize.WEIGHTINGS (not imported:
# the CLI starts without loading scikit-learn)
SOLVERS = ("cd", "mu", "minibatch")
LOSSES = ("frobenius", "kullback-leibler")
INITS = ("nndsvda", "nndsvd", "nndsvdar", "random")
WEIGHTINGS = ("sublinear", "tfidf", "counts")


class _Group(click.Group):
    """The one error boundary: library errors and operating-system errors (permission, disk
    full, read-only, a closed stdout) become one ``Error: ...`` line on stderr and exit status
    2; a reader that stops reading stdout (``| head``) ends the command quietly."""

    def invoke(self, ctx):
        try:
            with warnings.catch_warnings():         # restores showwarning afterwards
                warnings.showwarning = _show_warning
                result = super().invoke(ctx)
            if sys.stdout is not None:
                sys.stdout.flush()
            return result
        except TopicNMFError as exc:
            click.echo(f"Error: {one_line(str(exc))}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _silence_stdout()
                ctx.exit(0)
            if exc.filename == STDOUT:
                _silence_stdout()
            click.echo(f"Error: {one_line(describe_os_error(exc))}", err=True)
            ctx.exit(2)


STDOUT = "<stdout>"
_OS_ERROR_HINTS = {errno.ENOSPC: "free some space and run again",
                   errno.EDQUOT: "free some space and run again",
                   errno.EACCES: "check its permissions or choose another location",
                   errno.EPERM: "check its permissions or choose another location",
                   errno.EROFS: "choose a location on a writable file system",
                   errno.EFBIG: "choose a location with room for larger files"}


_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(message: str) -> str:
    """``message`` with line breaks and control characters (from a user's data quoted in it)
    written as escapes, so that an error stays one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), message)


def describe_os_error(exc: OSError) -> str:
    """``<path>: <reason>; <what to do>`` for an operating-system error, on one line."""
    reason = (exc.strerror or str(exc) or exc.__class__.__name__).splitlines()[0]
    hint = _OS_ERROR_HINTS.get(exc.errno)
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{reason}" + (f"; {hint}" if hint else "")


def _silence_stdout():
    """Point stdout at /dev/null so that Python's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def echo_out(text: str, nl: bool = True):
    """Print results on stdout; a closed or failing stdout is an OSError naming it."""
    if sys.stdout is None:
        raise OSError(errno.EBADF, "standard output is closed; nothing was printed", STDOUT)
    try:
        click.echo(text, nl=nl)
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        raise OSError(exc.errno, exc.strerror, STDOUT) from None


class FiniteFloat(click.FloatRange):
    """A float in a range that is also finite (click's FloatRange lets NaN through)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


SEED = click.IntRange(0, 2**32 - 1)     # numpy's seed range
SHARE = FiniteFloat(0, 1)
FINITE = FiniteFloat()                  # the library checks the range and says why


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


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Library warnings (e.g. non-convergence) as one ``warning:`` line, without source lines."""
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(f"warning: {message}", err=True)


def with_options(options, func):
    """``func`` decorated with click ``options``, listed in ``--help`` in the given order."""
    for option in reversed(options):
        func = option(func)
    return func


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
    return with_options(options, func)


def picture_options(func):
    """Options shared by the commands that draw: bar-chart length and the document map."""
    options = [
        click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Terms per topic in the bar charts."),
        click.option("--max-map-documents", type=click.IntRange(min=1), default=2000,
                     show_default=True,
                     help="Documents drawn in the document map (a sample above)."),
        click.option("--seed", "random_state", type=SEED, default=0, show_default=True,
                     help="Seed of the document map's sample and layout."),
    ]
    return with_options(options, func)


def model_options(func):
    """Vectorizing and solver options shared by ``fit`` and ``choose-k``."""
    options = [
        click.option("--seed", "random_state", type=SEED, default=0, show_default=True,
                     help="Random seed: the same corpus and seed give the same topics."),
        click.option("--weighting", type=click.Choice(WEIGHTINGS), default="sublinear",
                     show_default=True, help="Term weights: (1 + log count) × idf, count × "
                                             "idf, or counts without idf."),
        click.option("--solver", type=click.Choice(SOLVERS), default="cd", show_default=True,
                     help="NMF solver (minibatch: MiniBatchNMF for large corpora)."),
        click.option("--loss", type=click.Choice(LOSSES), default="frobenius",
                     show_default=True,
                     help="Cost to minimize; kullback-leibler needs --solver mu or minibatch."),
        click.option("--init", type=click.Choice(INITS), default="nndsvda", show_default=True,
                     help="Initialization of W and H."),
        click.option("--max-iter", type=click.IntRange(min=1),
                     help="Solver iterations at most [default: 400; passes over the corpus "
                          "with --solver minibatch: 20; with --matrix: 3000]."),
        click.option("--stem/--no-stem", default=False, show_default=True,
                     help="Snowball stemming (topics still show real words)."),
        click.option("--stop-words", "stop_words_file",
                     type=click.Path(exists=True, dir_okay=False),
                     help="File of extra stop words, one per line."),
        click.option("--ngrams", "ngram_range", default="1", callback=parse_ngrams,
                     show_default=True,
                     help="Term n-gram sizes, e.g. 1-2 for words and word pairs."),
        click.option("--min-df", type=FiniteFloat(min=0), default=2, show_default=True,
                     help="Drop terms in fewer documents (a count, or a fraction if < 1)."),
        click.option("--max-df", type=FiniteFloat(min=0, min_open=True), default=0.95,
                     show_default=True,
                     help="Drop terms in more documents (a fraction, or a count if > 1)."),
        click.option("--max-features", type=click.IntRange(min=1),
                     help="Keep the N most frequent terms."),
    ]
    return with_options(options, func)


def make_estimator(n_topics, *, weighting, max_iter, min_df, max_df, stop_words_file,
                   **params):
    """A TopicModel from the values of :func:`model_options` (and ``fit``'s seed options)."""
    from .model.estimator import TopicModel
    from .text.vectorize import WEIGHTINGS

    return TopicModel(n_topics, max_iter=max_iter, extra_stop_words=stop_words_file,
                      min_df=int(min_df) if min_df >= 1 else min_df,
                      max_df=max_df if max_df <= 1 else int(max_df), **WEIGHTINGS[weighting],
                      **params)


def read_corpus(path, input_format, text_column, id_column, label_column, date_column,
                duplicate_ids="error"):
    from .io.corpus import detect_format, load_corpus

    fmt = input_format or detect_format(path)
    if fmt == "jsonl":      # an --id-column given must be in every record; else 'id' if present
        kwargs = dict(text_field=text_column, id_column=id_column)
    else:
        kwargs = dict(text_column=text_column, id_column=id_column)
    corpus = load_corpus(path, format=fmt, label_column=label_column, date_column=date_column,
                         duplicate_ids=duplicate_ids, **kwargs)
    if corpus.skipped:
        click.echo(f"warning: {len(corpus.skipped)} file(s)/row(s) skipped, "
                   f"{len(corpus)} documents read", err=True)
    return corpus


def echo_rows(rows, fmt):
    from .io.export import format_rows

    echo_out(format_rows(rows, fmt), nl=False)


def progress(iterable, *, total=None, desc=None, unit="doc"):
    """A progress bar on stderr when it is a terminal; the bare iterable otherwise."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=None, file=sys.stderr,
                leave=False)


fit_progress = functools.partial(progress, unit="fit")


def info(message):
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(message, err=True)


def parse_ngrams(ctx, param, value):
    from .text.preprocess import parse_ngram_range

    try:
        return parse_ngram_range(value)
    except TopicNMFError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.argument("corpus", type=click.Path(exists=True), required=False)
@click.option("--matrix", "matrix_path", type=click.Path(exists=True, dir_okay=False),
              help="Fit an items × people CSV (first column items, header people) instead "
                   "of a text corpus.")
@click.option("--missing", type=click.Choice(("zero", "blank")), default="zero",
              show_default=True, help="With --matrix: a blank cell is 0, or missing (left out "
                                      "of the fit; for ratings).")
@click.option("-k", "--n-topics", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of topics.")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="Folder to write the model to: a new or empty folder, or a model folder "
                   "(only its model.json and arrays.npz are replaced).")
@corpus_options
@model_options
@click.option("--seed-topics", "seed_topics_file", type=click.Path(exists=True, dir_okay=False),
              help='JSON or TOML file of known categories, {"Billing": ["refund", "invoice"]}: '
                   "topics 0, 1, ... get those names and words; the rest are found freely.")
@click.option("--seed-weight", type=FiniteFloat(min=0), default=0.02, show_default=True,
              help="Pull of the seed words (a fraction of the corpus).")
def fit(corpus, matrix_path, missing, n_topics, output, input_format, text_column, id_column,
        label_column, date_column, duplicate_ids, seed_topics_file, seed_weight, random_state,
        max_iter, solver, **settings):
    """Fit topics to a corpus and save the model to a directory.

    CORPUS is a folder (read recursively: .txt .md .rst .html .eml), a CSV/TSV file, a JSONL
    file, or a .txt file with one document per line; any file may be gzip-compressed.

    With --matrix, fit segments to a purchases/ratings table instead (no CORPUS); the same
    verbs then work on people and items.

    \b
    Example:
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --seed 0
      topicnmf fit --matrix corpora/purchases.csv -k 3 -o /tmp/p
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --seed-topics seeds.json
    """
    from .model.persist import check_model_destination
    from .factor.seeding import read_seed_topics

    if (corpus is None) == (matrix_path is None):
        raise click.UsageError("give either CORPUS or --matrix FILE")
    check_model_destination(output)
    if matrix_path is not None:
        from .model.estimator import fit_matrix

        model = fit_matrix(matrix_path, n_topics, missing=missing, random_state=random_state,
                           max_iter=max_iter or 3000, solver="mu" if solver == "mu" else "cd")
        model.save(output)
        info(f"fitted {n_topics} segments: {model.W_.shape[0]} items × {model.n_documents} "
             f"people, {model.n_iter_} iterations → {output}")
        return
    seed_topics = read_seed_topics(seed_topics_file) if seed_topics_file else None
    docs = read_corpus(corpus, input_format, text_column, id_column, label_column, date_column,
                       duplicate_ids)
    model = make_estimator(n_topics, random_state=random_state, max_iter=max_iter,
                           solver=solver, seed_topics=seed_topics, seed_weight=seed_weight,
                           **settings)
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
@click.option("--term", help="Instead: the topics a document containing TERM leans to "
                             "(the term's row of W, as shares).")
@output_options
def topics(model_path, top, term, fmt):
    """Show each topic's label, size (documents it dominates) and top terms with weights.

    With --term, show the row view instead: which topics a document containing that term
    leans to.

    \b
    Example:
      topicnmf topics /tmp/m --top 8 --format csv
      topicnmf topics /tmp/m --term printer
    """
    from .model.estimator import TopicModel

    model = TopicModel.load(model_path)
    nested = fmt in ("json", "jsonl")
    if term is not None:
        from .queries.segment import term_topics

        echo_rows([r.as_row(nested) for r in term_topics(model, term)], fmt)
        return
    echo_rows([t.as_row(nested) for t in model.topics(top)], fmt)


def load_model(path):
    from .model.estimator import TopicModel

    return TopicModel.load(path)


def check_output(path, source):
    """Refuse an output file before the work: a special file, a link, or a file of
    ``source`` (an input file, or a model folder's own files)."""
    from .io.files import check_output_file
    from .model.persist import ARRAYS_NPZ, MODEL_JSON

    source = os.fspath(source)
    inputs = [os.path.join(source, n) for n in (MODEL_JSON, ARRAYS_NPZ)] \
        if os.path.isdir(source) else [source]
    check_output_file(path, inputs=inputs)


@main.command()
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

    Shares are memberships normalized per document. With --by topic: each topic's size
    (documents it dominates), members (share >= threshold) and most typical documents.

    \b
    Example:
      topicnmf segments /tmp/p --threshold 0.1
    """
    from .queries.segment import segments as run

    nested = fmt in ("json", "jsonl")
    rows = run(load_model(model_path), threshold=threshold, by=by, top=top)
    echo_rows([r.as_row(nested) for r in rows], fmt)


@main.command()
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
    from .queries.recommend import recommend as run

    result = run(load_model(model_path), doc_id, top=top, include_seen=include_seen)
    if result.seen_excluded:
        noun = "item" if result.kind == "matrix" else "term"
        info(f"left out {result.seen_excluded} {noun}(s) {result.doc_id} already has "
             "(--include-seen keeps them)")
    echo_rows(result.rows(fmt in ("json", "jsonl")), fmt)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.argument("doc_id", required=False)
@click.option("--text", help="Compare with this text instead of a document of the model.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
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
    from .queries.recommend import similar as run
    from .reconstruction import DEFAULT_BLEND

    if (doc_id is None) == (text is None):
        raise click.UsageError("give either DOC_ID or --text")
    rows = run(load_model(model_path), doc_id, text=text, top=top,
               blend=DEFAULT_BLEND if blend is None else blend, threshold=threshold)
    echo_rows([r.as_row(fmt in ("json", "jsonl")) for r in rows], fmt)


@main.command()
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
    from .queries.target import target as run

    if (term is None) == (topic is None):
        raise click.UsageError("give either --term or --topic")
    rows = run(load_model(model_path), term=term, topic=topic, budget=budget,
               prospects_only=prospects_only)
    echo_rows([r.as_row(fmt in ("json", "jsonl")) for r in rows], fmt)
@main.command()
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
    from .errors import InputError
    from .model.estimator import label as set_label

    if clear == bool(name):
        raise InputError("give either a NAME for the topic or --clear (not both)")
    model = set_label(model_path, topic, None if clear else name)
    echo_out(f"topic {topic}: {model.label(topic)}")


#: = topicnmf.tagging.tagger.THRESHOLD, MIN_SHARE, MAX_ERROR, TOP_TERMS (not imported: the CLI starts
#: without loading NumPy and SciPy; a test checks that they agree).
THRESHOLD, MIN_SHARE, MAX_ERROR, TOP_TERMS = 0.15, 0.1, 0.999, 5
MAX_TOP = 100                           # = topicnmf.quality.choose.MAX_TOP, likewise


def tag_options(func):
    """Thresholds shared by ``tag`` and ``assign``."""
    options = [
        click.option("--threshold", type=SHARE, default=THRESHOLD,
                     show_default=True, help="List every topic with at least this share."),
        click.option("--min-share", type=SHARE, default=MIN_SHARE,
                     show_default=True,
                     help="Unassigned if the largest topic share is below this."),
        click.option("--max-error", type=FiniteFloat(min=0), default=MAX_ERROR,
                     show_default=True, help="Unassigned if the relative fit error "
                                             "|v - W h| / |v| is above this (1 = no fit)."),
        click.option("--top-terms", type=click.IntRange(min=0), default=TOP_TERMS,
                     show_default=True, help="Recommended terms per document."),
    ]
    return with_options(options, func)


@main.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True,
                type=click.Path(exists=True))
@click.option("--model", "model_path", required=True, type=click.Path(exists=True),
              help="A model written by 'topicnmf fit'.")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for doc-topics.csv, topic-terms.csv, tags.jsonl, errors.csv.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (the output does not depend on it).")
@tag_options
@click.option("--batch-size", type=click.IntRange(min=1), default=1024, show_default=True,
              help="Documents per batch (the unit of work and of saved progress).")
@click.option("--text-column", default="text", show_default=True,
              help="CSV/TSV column (or JSONL field) holding the text.")
@click.option("--id-column", help="CSV/TSV column (or JSONL field) holding document ids "
                                  "[default: JSONL 'id'; CSV file:line].")
def tag(paths, model_path, outdir, jobs, threshold, min_share, max_error, top_terms, batch_size,
        text_column, id_column):
    """Tag folders and files with a fitted model (no refitting), resumably.

    PATH is a folder (read recursively: .txt .md .rst .html .eml), such a file, or a
    CSV/TSV/JSONL table (optionally .gz). Writes doc-topics.csv, topic-terms.csv, tags.jsonl
    and errors.csv to OUTDIR, replaced together (all or none); OUTDIR must be new, empty or
    a folder that tag wrote before. A document is 'unassigned' when its
    largest share is below --min-share or its fit error above --max-error. Progress is saved
    in OUTDIR/.tag-state.jsonl: a rerun after a crash resumes, a rerun after adding files tags
    only new or changed ones (size+mtime, then content hash).

    \b
    Example:
      topicnmf tag inbox/ corpora/tickets.csv.gz --model /tmp/m -o /tmp/tags --jobs 2
    """
    from .tagging.batch import tag as tag_paths
    from .model.estimator import TopicModel

    model = TopicModel.load(model_path)
    start = time.perf_counter()
    summary = tag_paths(paths, model, outdir, jobs=jobs, threshold=threshold,
                        min_share=min_share, max_error=max_error, top_terms=top_terms,
                        batch_size=batch_size, text_column=text_column, id_column=id_column,
                        progress=progress)
    seconds = time.perf_counter() - start
    info(f"tagged {summary.documents} documents from {summary.files} file(s) "
         f"({summary.tagged} new, {summary.documents - summary.tagged} from the previous run; "
         f"{summary.unassigned} unassigned, {summary.errors} error(s)) in {seconds:.1f} s "
         f"→ {outdir}")


@main.command()
@click.option("--model", "model_path", required=True, type=click.Path(exists=True),
              help="A model written by 'topicnmf fit'.")
@click.option("--input-format", type=click.Choice(("jsonl", "csv")),
              help="Format of stdin [default: JSONL if the first line starts with '{'].")
@click.option("--text-column", default="text", show_default=True,
              help="CSV column (or JSONL field) holding the text.")
@click.option("--id-column", help="CSV column (or JSONL field) holding ids [default: 'id' if "
                                  "present, else stdin:LINE].")
@tag_options
def assign(model_path, input_format, text_column, id_column, threshold, min_share, max_error,
           top_terms):
    """Tag records streamed on stdin (JSONL or CSV): one JSON line out per record, flushed.

    Each output line holds line, id, topic, label, share, unassigned, fit_error, shares and
    recommended terms; a record that cannot be read gives {"line", "id", "invalid"} and the
    stream goes on.

    \b
    Example:
      topicnmf assign --model /tmp/m < new_tickets.jsonl > assigned.jsonl
    """
    from .errors import InputError
    from .io.export import json_line
    from .model.estimator import TopicModel
    from .tagging.tagger import TagSettings, assign as assign_stream

    if sys.stdin is None:
        raise InputError("stdin is closed; pipe JSONL or CSV records into 'topicnmf assign'")
    model = TopicModel.load(model_path)
    settings = TagSettings(threshold=threshold, min_share=min_share, max_error=max_error,
                           top_terms=top_terms)
    for row in assign_stream(model, sys.stdin, input_format=input_format,
                             text_column=text_column, id_column=id_column, settings=settings):
        echo_out(json_line(row), nl=False)


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
    from .io.files import write_atomic
    from .model.estimator import TopicModel
    from .present.report import report as make_report

    start = time.perf_counter()
    check_output(output, model_path)
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
    from .io.files import write_atomic
    from .model.estimator import TopicModel
    from .present.plots import plot as make_plot

    fmt = fmt or ("svg" if str(output).lower().endswith(".svg") else "png")
    check_output(output, model_path)
    model = TopicModel.load(model_path)
    data = make_plot(model, kind, topic=topic, top=top, format=fmt,
                     max_map_documents=max_map_documents, random_state=random_state)
    write_atomic(output, data)
    info(f"wrote {kind} ({fmt}, {len(data) / 1e3:.0f} kB) → {output}")


def quality_options(func):
    """Options shared by ``evaluate`` and ``choose-k``: top terms and stability runs."""
    options = [
        click.option("--top", type=click.IntRange(2, MAX_TOP), default=10, show_default=True,
                     help="Top terms per topic for coherence and stability (diversity "
                          f"always uses the top 25; at most {MAX_TOP})."),
        click.option("--sample", "sample_fraction", type=FiniteFloat(0, 1, min_open=True),
                     default=0.8, show_default=True,
                     help="Fraction of the documents refitted in each stability run."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Worker processes for the fits (the output does not depend on it)."),
    ]
    return with_options(options, func)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--runs", type=click.IntRange(min=0), default=3, show_default=True,
              help="Stability runs (refits on resampled documents); 0 skips stability.")
@click.option("--seed", "random_state", type=SEED, default=0, show_default=True,
              help="Seed of the resampling (the refits use the model's own seed).")
@quality_options
@output_options
def evaluate(model_path, runs, random_state, top, sample_fraction, jobs, fmt):
    """Score a model's topics: NPMI coherence, diversity, size and stability.

    Coherence: mean NPMI of each pair of a topic's top terms, from how often they occur in the
    same training documents (-1 never together, 0 independent, 1 always together).
    Diversity: how much of a topic's top 25 terms no other topic has (the overall row: the
    unique fraction of all topics' top 25 terms). Stability: how well the topic comes back
    when the model is refitted on --sample of the documents (1 = identical top terms), over
    --runs runs. Size: documents the topic dominates. The last row ('all') holds the overall
    scores and the relative reconstruction error |V - WH| / |V|.

    \b
    Example:
      topicnmf evaluate /tmp/m
      topicnmf evaluate /tmp/m --runs 5 --jobs 2 --format csv
    """
    from .quality.choose import evaluate as run

    model = load_model(model_path)
    start = time.perf_counter()
    result = run(model, top=top, runs=runs, sample_fraction=sample_fraction,
                 random_state=random_state, jobs=jobs, progress=fit_progress)
    echo_rows(result.rows(fmt in ("json", "jsonl")), fmt)
    stability = "not measured (--runs 0)" if result.stability is None else \
        f"{result.stability:.3f} over {runs} run(s)"
    info(f"{model.n_topics} topics: coherence {result.coherence:.4f}, diversity "
         f"{result.diversity:.3f}, stability {stability}, relative error {result.error:.4f} "
         f"({time.perf_counter() - start:.1f} s)")


@main.command("choose-k")
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--k", "k_range", default="5:60:5", show_default=True,
              help="Candidate numbers of topics: start:stop:step (stop included), a list "
                   "like 4,8,12, or one number.")
@click.option("--runs", type=click.IntRange(min=1), default=5, show_default=True,
              help="Stability runs per k (refits on resampled documents).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False),
              help="Also draw the measures against k to this PNG or SVG file.")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="Keep every finished fit in this file; rerun with it after an interruption "
                   "(or with more k or runs) and only the missing fits are made.")
@corpus_options
@model_options
@quality_options
@output_options
def choose_k(corpus, k_range, runs, plot_path, journal, input_format, text_column,
             id_column, label_column, date_column, duplicate_ids, random_state, max_iter, top,
             sample_fraction, jobs, fmt, **settings):
    """Fit a range of k, score each, and recommend a number of topics with the reason.

    For every k the topics are fitted on all documents (coherence, diversity, relative
    reconstruction error, as in 'topicnmf evaluate', and the share of documents left
    unexplained, i.e. unassigned by 'tag') and --runs times on --sample of them (stability).
    The recommended k has the best mean of coherence and stability, each scaled to 0..1 over
    the candidates, among the k whose topics are diverse enough (diversity >= 0.5) and leave
    at most 5% more documents unexplained than the best k; the rule and its numbers are
    printed. Takes the same corpus and model options as 'topicnmf fit'; the --seed seeds both
    the fits and the resampling.

    Long scans: --journal FILE keeps each finished fit, so an interrupted run (Ctrl-C, a
    crash) started again with the same file only makes the missing fits.

    \b
    Example:
      topicnmf choose-k corpora/tickets.csv.gz --id-column id --k 5:40:5 --plot k.png
      topicnmf choose-k corpora/tickets.csv.gz --id-column id --k 8,12,16 --runs 3 --jobs 2
    """
    from .quality.choose import choose_k as run, parse_k_range

    ks = parse_k_range(k_range)
    for path in (plot_path, journal):
        if path:
            check_output(path, corpus)
    docs = read_corpus(corpus, input_format, text_column, id_column, label_column,
                       date_column, duplicate_ids)
    estimator = make_estimator(ks[0], random_state=random_state, max_iter=max_iter, **settings)
    info(f"fitting k = {', '.join(map(str, ks))} to {len(docs)} documents, "
         f"{runs} stability run(s) each…")
    start = time.perf_counter()
    try:
        result = run(docs, ks, estimator=estimator, top=top, runs=runs,
                     sample_fraction=sample_fraction, random_state=random_state, jobs=jobs,
                     progress=fit_progress, journal=journal)
    except KeyboardInterrupt:
        if journal:
            info(f"the finished fits are kept in {journal}: run the same command to resume")
        raise
    echo_rows(result.rows(), fmt)
    if fmt == "table":
        echo_out(f"\nrecommended: {result.reason}")
    reused = f" ({result.reused} from {journal})" if journal else ""
    info(f"{len(ks) * (runs + 1)} fits{reused} in {time.perf_counter() - start:.1f} s")
    if plot_path:
        from .io.files import write_atomic
        from .present.plots import choose_k_figure, figure_bytes

        picture = "svg" if str(plot_path).lower().endswith(".svg") else "png"
        write_atomic(plot_path, figure_bytes(choose_k_figure(result), picture))
        info(f"wrote the plot → {plot_path}")


if __name__ == "__main__":  # pragma: no cover
    main()
