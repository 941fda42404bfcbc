"""What the commands share beyond their options: printing results and notes, progress bars,
loading a model and checking an output file before the work."""

from __future__ import annotations

import errno
import functools
import logging
import os
import sys

import click

STDOUT = "<stdout>"


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


def echo_rows(result, fmt):
    """Print a query's result as rows in the ``--format`` chosen (JSON keeps lists nested)."""
    from ..io.export import format_rows
    from ..present.rows import rows

    echo_out(format_rows(rows(result, nested=fmt in ("json", "jsonl")), fmt), nl=False)


def info(message):
    """A note on stderr, unless ``--quiet``."""
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(message, err=True)


def progress(iterable, *, total=None, desc=None, unit="doc"):
    """A progress bar on stderr when it is a terminal; the bare iterable otherwise."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=None, file=sys.stderr,
                leave=False)


fit_progress = functools.partial(progress, unit="fit")


def load_model(path):
    from ..model.estimator import TopicModel

    return TopicModel.load(path)


def check_output(path, source):
    """Refuse an output file before the work: a special file, a link, or a file of
    ``source`` (an input file, or a model folder's own files)."""
    from ..io.files import check_output_file
    from ..model.saved import ARRAYS_NPZ, MODEL_JSON

    source = os.fspath(source)
    inputs = [os.path.join(source, n) for n in (MODEL_JSON, ARRAYS_NPZ)] \
        if os.path.isdir(source) else [source]
    check_output_file(path, inputs=inputs)
