"""Tagging new documents with a fitted model: ``tag`` (files and folders, resumable) and
``assign`` (a stream on stdin)."""

from __future__ import annotations

import sys
import time

import click

from .common import echo_out, info, load_model, progress
from .options import BATCH_SIZE, scheduler_option, tag_options


@click.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True,
                type=click.Path(exists=True))
@click.option("--model", "model_path", required=True, type=click.Path(exists=True),
              help="A model written by 'topicnmf fit' (an option, not an argument: the "
                   "arguments are the files and folders to tag).")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for doc-topics.csv, topic-terms.csv, tags.jsonl, errors.csv.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (the output does not depend on it).")
@tag_options
@click.option("--batch-size", type=click.IntRange(min=1), default=BATCH_SIZE, show_default=True,
              help="Documents per batch (the unit of work and of saved progress).")
@click.option("--text-column", default="text", show_default=True,
              help="CSV/TSV column (or JSONL field) holding the text.")
@click.option("--id-column", help="CSV/TSV column (or JSONL field) holding document ids "
                                  "[default: JSONL 'id'; CSV file:line].")
@scheduler_option
def tag(paths, model_path, outdir, jobs, threshold, min_share, max_error, top_terms, batch_size,
        text_column, id_column, scheduler):
    """Tag folders and files with a fitted model (no refitting), resumably.

    PATH is a folder (read recursively: .txt .md .rst .html .eml), such a file, or a
    CSV/TSV/JSONL table (optionally .gz). Writes doc-topics.csv, topic-terms.csv, tags.jsonl
    and errors.csv to OUTDIR, replaced together (all or none); OUTDIR must be new, empty or
    a folder that tag wrote before. A document is 'unassigned' when its
    largest share is below --min-share or its fit error above --max-error. Progress is saved
    in OUTDIR/.tag-state.jsonl: a rerun after a crash resumes, a rerun after adding files tags
    only new or changed ones (size+mtime, then content hash).

    With --scheduler the batches are tasks on a Dask cluster (the workers read loose files
    by absolute path, so they must see the same file system); the outputs are the same.

    \b
    Example:
      topicnmf tag inbox/ corpora/tickets.csv.gz --model /tmp/m -o /tmp/tags --jobs 2
      topicnmf tag inbox/ --model /tmp/m -o /tmp/tags --scheduler tcp://HOST:8786
    """
    from ..tagging.batch import tag as tag_paths

    model = load_model(model_path)
    start = time.perf_counter()
    summary = tag_paths(paths, model, outdir, jobs=jobs, threshold=threshold,
                        min_share=min_share, max_error=max_error, top_terms=top_terms,
                        batch_size=batch_size, text_column=text_column, id_column=id_column,
                        progress=progress, scheduler=scheduler)
    seconds = time.perf_counter() - start
    info(f"tagged {summary.documents} documents from {summary.files} file(s) "
         f"({summary.tagged} new, {summary.documents - summary.tagged} from the previous run; "
         f"{summary.unassigned} unassigned, {summary.errors} error(s)) in {seconds:.1f} s "
         f"→ {outdir}")


@click.command()
@click.option("--model", "model_path", required=True, type=click.Path(exists=True),
              help="A model written by 'topicnmf fit' (an option, as for 'topicnmf tag'; the "
                   "records come on stdin).")
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
    from ..errors import InputError
    from ..io.export import json_line
    from ..tagging.tagger import TagSettings, assign as assign_stream

    if sys.stdin is None:
        raise InputError("stdin is closed; pipe JSONL or CSV records into 'topicnmf assign'")
    model = load_model(model_path)
    settings = TagSettings(threshold=threshold, min_share=min_share, max_error=max_error,
                           top_terms=top_terms)
    for row in assign_stream(model, sys.stdin, input_format=input_format,
                             text_column=text_column, id_column=id_column, settings=settings):
        echo_out(json_line(row), nl=False)

