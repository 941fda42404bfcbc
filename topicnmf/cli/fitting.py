"""``fit``: a corpus (or an items × people table) in, a model folder out."""

from __future__ import annotations

import functools
import time

import click

from .common import echo_rows, info, load_model, progress
from .options import (BLOCK_SIZE, FiniteFloat, corpus_options, make_estimator, model_options,
                      read_corpus, scheduler_option)


@click.command()
@click.argument("corpus", type=click.Path(exists=True), required=False)
@click.option("--matrix", "matrix_path", type=click.Path(exists=True, dir_okay=False),
              help="Fit an items × people CSV (first column items, header people) instead "
                   "of a text corpus.")
@click.option("--missing", type=click.Choice(("zero", "blank")), default="zero",
              show_default=True, help="With --matrix: a blank cell is 0, or missing (left out "
                                      "of the fit; for ratings).")
@click.option("-k", "--n-topics", type=click.IntRange(min=1), default=10, show_default=True,
              help="Number of topics.")
@click.option("-o", "--output", type=click.Path(),
              help="Folder to write the model to: a new or empty folder, or a model folder "
                   "(only its model.json and arrays.npz are replaced). Required unless "
                   "--explain-cleaning.")
@corpus_options
@model_options
@click.option("--seed-topics", "seed_topics_file", type=click.Path(exists=True, dir_okay=False),
              help='JSON or TOML file of known categories, {"Billing": ["refund", "invoice"]}: '
                   "topics 0, 1, ... get those names and words; the rest are found freely.")
@click.option("--seed-weight", type=FiniteFloat(min=0), default=0.02, show_default=True,
              help="Pull of the seed words (a fraction of the corpus).")
@click.option("--align-to", "align_to_path", type=click.Path(exists=True), metavar="MODEL",
              help="Keep MODEL's topic ids: topics that match one of MODEL's take its id and "
                   "name, the others new ids (never one MODEL had); see topicnmf diff.")
@click.option("--explain-cleaning", is_flag=True,
              help="Print what --clean removes from CORPUS (counts per step, an example "
                   "each) and stop without fitting.")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Fit out of core (as a corpus of more than 128 MiB of text is) with this "
                   "folder for the passes' files (V in blocks), reused by a refit of the same "
                   "corpus and settings (e.g. another -k) and by an interrupted fit [default: "
                   "a temporary folder beside the output].")
@click.option("--keep-work-dir", is_flag=True,
              help="Out of core: keep the --work-dir folder after the fit (removed by "
                   "default).")
@click.option("--block-size", type=click.IntRange(min=1), default=BLOCK_SIZE, show_default=True,
              help="Out of core and with --scheduler: documents per block of V.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Out of core: processes that read the corpus and compute the memberships "
                   "(the model does not depend on it).")
@scheduler_option
def fit(corpus, matrix_path, missing, n_topics, output, input_format, text_column, id_column,
        label_column, date_column, duplicate_ids, seed_topics_file, seed_weight, align_to_path,
        explain_cleaning, random_state, max_iter, solver, work_dir, keep_work_dir, block_size,
        jobs, scheduler, **settings):
    """Fit topics to a corpus and save the model to a directory.

    CORPUS is a folder (read recursively: .txt .md .rst .html .eml), a CSV/TSV file, a JSONL
    file, or a .txt file with one document per line; any file may be gzip-compressed.

    A corpus of more than 128 MiB of text, or any corpus with --work-dir, is fitted out of
    core (with the default solver, hals, and no seed topics): the corpus is read in
    partitions and V kept in blocks on disk, so memory does not grow with the corpus.

    With --matrix, fit segments to a purchases/ratings table instead (no CORPUS); the same
    verbs then work on people and items.

    Text is cleaned first (--clean): by default mail headers, quoted replies and signatures
    of mail, and the markup of .rst, .md and .html files; --explain-cleaning shows what goes.

    With --scheduler the workers of a Dask cluster read the corpus in partitions (by its
    absolute path: they must see the same files), vectorize it and run the block HALS solver
    on the blocks (of --block-size documents) they hold; the solver is then hals, and the
    topics are those of the same fit on this machine.

    \b
    Example:
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --random-state 0
      topicnmf fit corpora/python-docs --explain-cleaning
      topicnmf fit --matrix corpora/purchases.csv -k 3 -o /tmp/p
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --seed-topics seeds.json
      topicnmf fit corpora/changelogs.jsonl.gz --date-column date -k 10 -o /tmp/m3 --align-to /tmp/m2
      topicnmf fit corpora/tickets.csv.gz --id-column id -k 12 -o /tmp/m --scheduler tcp://HOST:8786
    """
    from ..model.persist import check_model_destination
    from ..factor.seeding import read_seed_topics

    if (corpus is None) == (matrix_path is None):
        raise click.UsageError("give either CORPUS or --matrix FILE")
    if explain_cleaning:
        if corpus is None:
            raise click.UsageError("--explain-cleaning needs a CORPUS")
        docs = read_corpus(corpus, input_format, text_column, id_column, label_column,
                           date_column, duplicate_ids)
        _explain(docs, settings["clean"])
        return
    if output is None:
        raise click.UsageError("Missing option '-o' / '--output'.")
    if scheduler and matrix_path is not None:
        raise click.UsageError("--matrix tables are fitted in this process; leave out "
                               "--scheduler")
    check_model_destination(output)
    align_to = load_model(align_to_path) if align_to_path else None
    if matrix_path is not None:
        from ..model.items import fit_matrix

        # A table keeps fit_matrix's own default (cd) unless --solver is given.
        given = click.get_current_context().get_parameter_source("solver").name != "DEFAULT"
        model = fit_matrix(matrix_path, n_topics, missing=missing, random_state=random_state,
                           max_iter=max_iter or 3000,
                           solver=solver if given and solver in ("mu", "hals") else "cd")
        model = aligned(model, align_to)
        model.save(output)
        info(f"fitted {n_topics} segments: {model.W_.shape[0]} items × {model.n_documents} "
             f"people, {model.n_iter_} iterations → {output}")
        return
    seed_topics = read_seed_topics(seed_topics_file) if seed_topics_file else None
    model = make_estimator(n_topics, random_state=random_state, max_iter=max_iter,
                           solver=solver, seed_topics=seed_topics, seed_weight=seed_weight,
                           **settings)
    reading = dict(input_format=input_format, text_column=text_column, id_column=id_column,
                   label_column=label_column, date_column=date_column,
                   duplicate_ids=duplicate_ids)
    start = time.perf_counter()
    if scheduler:
        if (jobs, work_dir, keep_work_dir) != (1, None, False):
            raise click.UsageError("--jobs, --work-dir and --keep-work-dir are for a fit on "
                                   "this machine; with --scheduler the cluster's workers do "
                                   "the work")
        model = aligned(fit_on_cluster(model, corpus, scheduler, reading, block_size), align_to)
        model.save(output)
        done = f"{model.n_iter_} sweeps, {time.perf_counter() - start:.1f} s"
    else:
        from ..model.outofcore import fit_placement

        if not fit_placement(corpus, solver, seed_topics, work_dir):
            docs = read_corpus(corpus, input_format, text_column, id_column, label_column,
                               date_column, duplicate_ids)
            info(f"fitting {n_topics} topics to {len(docs)} documents…")
            start = time.perf_counter()
            model = aligned(model.fit(docs, progress=progress), align_to)
            model.save(output)
            done = f"{model.n_iter_} iterations, {time.perf_counter() - start:.1f} s"
        else:
            from ..model.outofcore import fit_out_of_core

            info(f"fitting {n_topics} topics to {corpus} out of core…")
            passes = {}
            model = fit_out_of_core(model, corpus, output, work_dir=work_dir,
                                    keep_work_dir=keep_work_dir, block_size=block_size,
                                    jobs=jobs, progress=functools.partial(timed, passes),
                                    **reading)
            if align_to is not None:
                aligned(model, align_to).save(output)
            times = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in passes.items())
            done = (f"{model.n_iter_} sweeps, {time.perf_counter() - start:.1f} s "
                    f"({times})")
    report_cleaning(model)
    info(f"fitted {n_topics} topics: {model.n_documents} documents × {model.W_.shape[0]} terms, "
         f"{done} → {output}")


def report_cleaning(model):
    """What the fit's cleaning steps removed (one line), when it had steps."""
    steps = model.vectorizer_.preprocessor.clean
    if steps:
        removed = ", ".join(f"{n:,} {unit}" for unit, n in model.cleaned_.items())
        info(f"cleaned ({', '.join(steps)}): {removed or 'nothing to remove'}")


def _explain(docs, clean):
    """``fit --explain-cleaning``: the counts of ``explain_cleaning`` as a table."""
    from ..text.explain import explain_cleaning

    report = explain_cleaning(docs, clean=clean)
    if report.steps:
        echo_rows(report, "table")
    info(f"cleaning steps: {', '.join(report.steps) or 'none'}; {report.changed} of "
         f"{report.n_documents} documents changed"
         + (f"; {len(report.template_lines)} template lines" if "template" in report.steps
            else ""))


def fit_on_cluster(model, corpus, scheduler, reading, block_size):
    """``model`` fitted to ``corpus`` read in partitions by the Dask cluster ``scheduler``."""
    from ..model.on_cluster import fit_partitions

    info(f"fitting {model.n_topics} topics on the Dask cluster at {scheduler}…")
    result = fit_partitions(model, corpus, scheduler=scheduler, block_size=block_size,
                            progress=progress, **reading)
    if result.skipped:
        click.echo(f"warning: {len(result.skipped)} file(s)/row(s) skipped, "
                   f"{result.model.n_documents} documents read", err=True)
    return result.model


def timed(passes, iterable, **bar):
    """:func:`progress`, recording in ``passes`` the seconds each bar (pass) took."""
    start = time.perf_counter()
    try:
        yield from progress(iterable, **bar)
    finally:
        passes[bar.get("desc")] = time.perf_counter() - start


def aligned(model, align_to):
    """``model`` with the ids of ``align_to`` (with a note of what matched), or as it is."""
    if align_to is None:
        return model
    from ..evolve.align import align

    model = align(model, align_to)
    step = model.history_[-1]
    info(f"aligned to {align_to.n_topics} topics: {step['matched']} matched, "
         f"{len(step['new_topics'])} new, {len(step['retired_topics'])} retired")
    return model
