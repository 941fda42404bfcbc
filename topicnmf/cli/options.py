"""Option types and the option groups several commands share, with the functions that turn
their values into library calls (:func:`read_corpus`, :func:`make_estimator`).

An option is named after the library keyword it sets (``--random-state`` sets
``random_state``); an older spelling stays as an alias (``--seed``). ``tests/test_cli.py``
checks every command against the keywords of the library functions it calls.
"""

from __future__ import annotations

import functools
import math

import click

from ..errors import TopicNMFError

CORPUS_FORMATS = ("folder", "csv", "tsv", "jsonl", "lines")
PLOT_KINDS = ("terms", "map", "documents", "heatmap", "shares")  # = topicnmf.present.plots.KINDS
# = topicnmf.factor.nmf.SOLVERS, LOSSES, INITS and topicnmf.text.vectorize.WEIGHTINGS (not imported:
# the CLI starts without loading scikit-learn)
SOLVERS = ("cd", "mu", "minibatch", "hals", "rank2")
NEAR_DUPLICATES = 0.95   # = topicnmf.factor.weights.NEAR_DUPLICATES
PIVOT_SLOPE = 1.0        # = topicnmf.factor.weights.PIVOT_SLOPE
LOSSES = ("frobenius", "kullback-leibler")
INITS = ("nndsvda", "nndsvd", "nndsvdar", "random")
WEIGHTINGS = ("sublinear", "tfidf", "counts")
#: = topicnmf.text.clean.STEPS, in the order they are applied (likewise not imported)
CLEAN_STEPS = ("email", "quotes", "signatures", "template", "markup", "urls", "numbers")
#: = topicnmf.tagging.tagger.THRESHOLD, MIN_SHARE, MAX_ERROR, TOP_TERMS (not imported: the CLI
#: starts without loading NumPy and SciPy; a test checks that they agree).
THRESHOLD, MIN_SHARE, MAX_ERROR, TOP_TERMS = 0.15, 0.1, 0.999, 5
MAX_TOP = 100                           # = topicnmf.quality.choose.MAX_TOP, likewise
BATCH_SIZE = 1024                       # = topicnmf.tagging.batch.BATCH_SIZE, likewise
BLOCK_SIZE = 16384                      # = topicnmf.factor.blocks.BLOCK_SIZE, likewise
OUT_OF_CORE_MIB = 128                   # = topicnmf.model.outofcore.OUT_OF_CORE_BYTES / 2**20
#: = topicnmf.queries.trends.PERIODS, ALPHA, MIN_DOCUMENTS and topicnmf.evolve.reshape.SWEEPS
PERIODS, ALPHA, MIN_DOCUMENTS, SWEEPS = ("month", "quarter", "year"), 0.05, 5, 3


class FiniteFloat(click.FloatRange):
    """A float in a range that is also finite (click's FloatRange lets NaN through)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class CosineOrOff(FiniteFloat):
    """A cosine in (0, 1], or ``off`` (None)."""

    name = "cosine|off"

    def __init__(self):
        super().__init__(0, 1, min_open=True)

    def convert(self, value, param, ctx):
        if value is None or str(value).strip().lower() in ("off", "none"):
            return None
        return super().convert(value, param, ctx)


SEED = click.IntRange(0, 2**32 - 1)     # numpy's seed range
SHARE = FiniteFloat(0, 1)
FINITE = FiniteFloat()                  # the library checks the range and says why


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


def random_state_option(help):
    """``--random-state`` (alias ``--seed``): the seed, with what it seeds in ``help``."""
    return click.option("--random-state", "--seed", "random_state", type=SEED, default=0,
                        show_default=True, help=help)


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
        random_state_option("Seed of the document map's sample and layout."),
    ]
    return with_options(options, func)


def parse_ngrams(ctx, param, value):
    from ..text.preprocess import parse_ngram_range

    try:
        return parse_ngram_range(value)
    except TopicNMFError as exc:
        raise click.BadParameter(str(exc)) from None


def model_options(func):
    """Vectorizing and solver options shared by ``fit`` and ``choose-k``."""
    options = [
        random_state_option("Random seed: the same corpus and seed give the same topics."),
        click.option("--weighting", type=click.Choice(WEIGHTINGS), default="sublinear",
                     show_default=True, help="Term weights: (1 + log count) × idf, count × "
                                             "idf, or counts without idf."),
        click.option("--solver", type=click.Choice(SOLVERS), default="hals",
                     help="NMF solver: hals (topicnmf's block HALS in float32: the fastest, "
                          "topics as coherent as cd's), rank2 (topics as the leaves of a tree "
                          "of two-way splits: closer to known categories from about 20 "
                          "topics, in memory only), or scikit-learn's cd, mu or minibatch "
                          "(MiniBatchNMF). [default: hals; cd with --matrix]"),
        click.option("--loss", type=click.Choice(LOSSES), default="frobenius",
                     show_default=True,
                     help="Cost to minimize; kullback-leibler needs --solver mu or minibatch."),
        click.option("--init", type=click.Choice(INITS), default="nndsvda", show_default=True,
                     help="Initialization of W and H."),
        click.option("--max-iter", type=click.IntRange(min=1),
                     help="Solver iterations at most [default: 400 (sweeps with --solver hals); "
                          "passes over the corpus with --solver minibatch: 20; with --matrix: "
                          "3000]."),
        click.option("--tol", type=FiniteFloat(min=0, min_open=True), default=1e-4,
                     show_default=True,
                     help="Stopping tolerance of the solver (hals: relative decrease of the "
                          "cost over 10 sweeps)."),
        click.option("--clean", default="auto", show_default=True, metavar="STEPS",
                     help="Text cleaning before tokenizing: auto, none, or steps among "
                          f"{','.join(CLEAN_STEPS)} (comma-separated). auto cleans mail "
                          "(.eml files, texts that start with mail headers: headers, "
                          "addresses, quotes, signatures) and markup (.rst .md .html files). "
                          "Saved with the model for tag, assign and update."),
        click.option("--stem/--no-stem", default=False, show_default=True,
                     help="Snowball stemming (topics still show real words)."),
        click.option("--extra-stop-words", "--stop-words", "extra_stop_words",
                     type=click.Path(exists=True, dir_okay=False),
                     help="File of extra stop words, one per line (English stop words are "
                          "always left out)."),
        click.option("--ngram-range", "--ngrams", "ngram_range", default="1",
                     callback=parse_ngrams, show_default=True,
                     help="Term n-gram sizes, e.g. 1-2 for words and word pairs."),
        click.option("--min-df", type=FiniteFloat(min=0), default=2, show_default=True,
                     help="Drop terms in fewer documents (a count, or a fraction if < 1)."),
        click.option("--max-df", type=FiniteFloat(min=0, min_open=True), default=0.95,
                     show_default=True,
                     help="Drop terms in more documents (a fraction, or a count if > 1)."),
        click.option("--max-features", type=click.IntRange(min=1),
                     help="Keep the N most frequent terms."),
        click.option("--near-duplicates", type=CosineOrOff(), default=NEAR_DUPLICATES,
                     show_default=True,
                     help="Documents with at least this tf-idf cosine are near-duplicates and "
                          "count about once in the fit (each weighs 1 / its near-duplicates); "
                          "'off' weighs every document 1."),
        click.option("--pivot-slope", type=FiniteFloat(0, 1), default=PIVOT_SLOPE,
                     show_default=True,
                     help="Below 1, long documents weigh more in the fit, by pivoted tf-idf "
                          "length (0.5 suits one kind of document of varied length); 1 "
                          "weighs every document alike."),
    ]
    return with_options(options, func)


def quality_options(func):
    """Options shared by ``evaluate`` and ``choose-k``: top terms and stability runs."""
    options = [
        click.option("--top", type=click.IntRange(2, MAX_TOP), default=10, show_default=True,
                     help="Top terms per topic for coherence and stability (diversity "
                          f"always uses the top 25; at most {MAX_TOP})."),
        click.option("--sample-fraction", "--sample", "sample_fraction",
                     type=FiniteFloat(0, 1, min_open=True), default=0.8, show_default=True,
                     help="Fraction of the documents refitted in each stability run."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Worker processes for the fits (the output does not depend on it)."),
    ]
    return with_options(options, func)


def scheduler_option(func):
    """``--scheduler``: run the command's work on a Dask cluster (topicnmf.cluster)."""
    return click.option(
        "--scheduler", metavar="ADDRESS",
        help="Run on a Dask cluster: the scheduler's address (tcp://HOST:8786; start one with "
             "'dask scheduler' and 'dask worker'), 'default' for $DASK_SCHEDULER_ADDRESS, or "
             "'local' for a cluster of this machine's cores started for this command. Needs "
             "pip install 'topicnmf[dask]'.")(func)


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


def make_estimator(n_topics, *, weighting, max_iter, min_df, max_df, **params):
    """A TopicModel from the values of :func:`model_options` (and ``fit``'s seed options)."""
    from ..model.estimator import TopicModel
    from ..text.vectorize import WEIGHTINGS

    return TopicModel(n_topics, max_iter=max_iter, min_df=int(min_df) if min_df >= 1 else min_df,
                      max_df=max_df if max_df <= 1 else int(max_df), **WEIGHTINGS[weighting],
                      **params)


def read_corpus(path, input_format, text_column, id_column, label_column, date_column,
                duplicate_ids="error"):
    """The corpus at ``path``, read with the values of :func:`corpus_options`."""
    from ..io.corpus import detect_format, load_corpus

    fmt = input_format or detect_format(path)
    if fmt == "jsonl":      # an --id-column given must be in every record; else 'id' if present
        kwargs = dict(text_field=text_column, id_column=id_column)
    else:
        kwargs = dict(text_column=text_column, id_column=id_column)
    corpus = load_corpus(path, input_format=fmt, label_column=label_column, date_column=date_column,
                         duplicate_ids=duplicate_ids, **kwargs)
    if corpus.skipped:
        click.echo(f"warning: {len(corpus.skipped)} file(s)/row(s) skipped, "
                   f"{len(corpus)} documents read", err=True)
    return corpus
