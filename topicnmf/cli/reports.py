"""Reports and measures of a model: ``report``, ``plot``, ``evaluate`` and ``choose-k``."""

from __future__ import annotations

import time

import click

from .common import (check_output, echo_out, echo_rows, fit_progress, info, load_model,
                     progress)
from .options import (BLOCK_SIZE, PLOT_KINDS, corpus_options, make_estimator, model_options,
                      output_options, picture_options, quality_options, random_state_option,
                      read_corpus, scheduler_option)


@click.command()
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
    from ..io.files import write_atomic
    from ..present.report import report as make_report

    start = time.perf_counter()
    check_output(output, model_path)
    model = load_model(model_path)
    html = make_report(model, top=top, documents=documents, similar=similar,
                       max_map_documents=max_map_documents, random_state=random_state,
                       title=title, images=images)
    write_atomic(output, html)
    info(f"wrote a report of {model.n_topics} topics ({len(html.encode('utf-8')) / 1e6:.1f} MB, "
         f"{time.perf_counter() - start:.1f} s) → {output}")


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--kind", type=click.Choice(PLOT_KINDS), default="terms", show_default=True,
              help="Top-term bars, topic map, document map, similarity heatmap, or topic "
                   "shares by month (needs dates).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Picture file to write (replaced atomically).")
@click.option("--image-format", "--format", "image_format", type=click.Choice(("png", "svg")),
              help="Picture format [default: from the -o suffix, else png].")
@click.option("--topic", type=click.IntRange(min=0), help="With --kind terms: only this topic.")
@picture_options
def plot(model_path, kind, output, image_format, topic, top, max_map_documents, random_state):
    """Draw one picture of a model as PNG or SVG, e.g. for slides.

    \b
    Example:
      topicnmf plot /tmp/m --kind map -o map.png
    """
    from ..io.files import write_atomic
    from ..present.plots import plot as make_plot

    image_format = image_format or ("svg" if str(output).lower().endswith(".svg") else "png")
    check_output(output, model_path)
    model = load_model(model_path)
    data = make_plot(model, kind, topic=topic, top=top, image_format=image_format,
                     max_map_documents=max_map_documents, random_state=random_state)
    write_atomic(output, data)
    info(f"wrote {kind} ({image_format}, {len(data) / 1e3:.0f} kB) → {output}")


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True))
@click.option("--runs", type=click.IntRange(min=0), default=3, show_default=True,
              help="Stability runs (refits on resampled documents); 0 skips stability.")
@random_state_option("Seed of the resampling (the refits use the model's own seed).")
@quality_options
@scheduler_option
@output_options
def evaluate(model_path, runs, random_state, top, sample_fraction, jobs, scheduler, fmt):
    """Score a model's topics: NPMI coherence, diversity, size and stability.

    Coherence: mean NPMI of each pair of a topic's top terms, from how often they occur in the
    same training documents (-1 never together, 0 independent, 1 always together).
    Diversity: how much of a topic's top 25 terms no other topic has (the overall row: the
    unique fraction of all topics' top 25 terms). Stability: how well the topic comes back
    when the model is refitted on --sample-fraction of the documents (1 = identical top
    terms), over --runs runs. Size: documents the topic dominates. The last row ('all')
    holds the overall scores and the relative reconstruction error |V - WH| / |V|.

    \b
    Example:
      topicnmf evaluate /tmp/m
      topicnmf evaluate /tmp/m --runs 5 --jobs 2 --format csv
      topicnmf evaluate /tmp/m --runs 5 --scheduler tcp://HOST:8786
    """
    from ..quality.choose import evaluate as run

    model = load_model(model_path)
    start = time.perf_counter()
    result = run(model, top=top, runs=runs, sample_fraction=sample_fraction,
                 random_state=random_state, jobs=jobs, progress=fit_progress,
                 scheduler=scheduler)
    echo_rows(result, fmt)
    stability = "not measured (--runs 0)" if result.stability is None else \
        f"{result.stability:.3f} over {runs} run(s)"
    info(f"{model.n_topics} topics: coherence {result.coherence:.4f}, diversity "
         f"{result.diversity:.3f}, stability {stability}, relative error {result.error:.4f} "
         f"({time.perf_counter() - start:.1f} s)")


@click.command("choose-k")
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
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Read V from the work folder of an out-of-core fit of this corpus ('fit "
                   "--work-dir DIR --keep-work-dir', same options) instead of reading the "
                   "corpus again; a folder without it gets it, and is kept.")
@click.option("--block-size", type=click.IntRange(min=1), default=BLOCK_SIZE, show_default=True,
              help="With --work-dir: the block size of that fit.")
@corpus_options
@model_options
@quality_options
@scheduler_option
@output_options
def choose_k(corpus, k_range, runs, plot_path, journal, work_dir, block_size, input_format,
             text_column, id_column, label_column, date_column, duplicate_ids, random_state,
             max_iter, top, sample_fraction, jobs, scheduler, fmt, **settings):
    """Fit a range of k, score each, and recommend a number of topics with the reason.

    For every k the topics are fitted on all documents (coherence, diversity, relative
    reconstruction error, as in 'topicnmf evaluate', and the share of documents left
    unexplained, i.e. unassigned by 'tag') and --runs times on --sample-fraction of them
    (stability of the top terms; agreement: how well the resampled fits keep each
    document's dominant topic, adjusted Rand index).
    The recommended k has the highest agreement among the k whose topics are diverse enough
    (diversity >= 0.5) and leave at most 5% more documents unexplained than the best k; the
    rule and its numbers are printed. Takes the same corpus and model options as 'topicnmf
    fit'; --random-state seeds both the fits and the resampling.

    Long scans: --journal FILE keeps each finished fit, so an interrupted run (Ctrl-C, a
    crash) started again with the same file only makes the missing fits. With --scheduler
    the fits are tasks on a Dask cluster (the results are the same).

    \b
    Example:
      topicnmf choose-k corpora/tickets.csv.gz --id-column id --k 5:40:5 --plot k.png
      topicnmf choose-k corpora/tickets.csv.gz --id-column id --k 8,12,16 --runs 3 --jobs 2
      topicnmf choose-k big.jsonl.gz --k 10:100:10 --scheduler tcp://HOST:8786
    """
    from ..quality.choose import choose_k as run, parse_k_range

    ks = parse_k_range(k_range)
    for path in (plot_path, journal):
        if path:
            check_output(path, corpus)
    estimator = make_estimator(ks[0], random_state=random_state, max_iter=max_iter, **settings)
    if work_dir:
        from ..model.outofcore import work_matrix

        docs, vectorizer = work_matrix(
            estimator, corpus, work_dir, input_format=input_format, text_column=text_column,
            id_column=id_column, label_column=label_column, date_column=date_column,
            duplicate_ids=duplicate_ids, block_size=block_size, jobs=jobs, progress=progress)
        lengths = vectorizer.document_lengths(docs)
    else:
        lengths = None
        docs = read_corpus(corpus, input_format, text_column, id_column, label_column,
                           date_column, duplicate_ids)
    info(f"fitting k = {', '.join(map(str, ks))} to {docs.shape[1] if work_dir else len(docs)} "
         f"documents, {runs} stability run(s) each…")
    start = time.perf_counter()
    try:
        result = run(docs, ks, estimator=estimator, top=top, runs=runs,
                     sample_fraction=sample_fraction, random_state=random_state, jobs=jobs,
                     progress=fit_progress, journal=journal, scheduler=scheduler,
                     lengths=lengths)
    except KeyboardInterrupt:
        if journal:
            info(f"the finished fits are kept in {journal}: run the same command to resume")
        raise
    echo_rows(result, fmt)
    if fmt == "table":
        echo_out(f"\nrecommended: {result.reason}")
    reused = f" ({result.reused} from {journal})" if journal else ""
    info(f"{len(ks) * (runs + 1)} fits{reused} in {time.perf_counter() - start:.1f} s")
    if plot_path:
        from ..io.files import write_atomic
        from ..present.plots import choose_k_figure, figure_bytes

        picture = "svg" if str(plot_path).lower().endswith(".svg") else "png"
        write_atomic(plot_path, figure_bytes(choose_k_figure(result), picture))
        info(f"wrote the plot → {plot_path}")

