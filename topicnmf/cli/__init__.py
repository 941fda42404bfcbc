"""The ``topicnmf`` command line: one command per library verb, a thin shell over the library.

This package is the only part of topicnmf that imports click or prints. Each command parses
its options, makes one library call and prints the result; the library is imported inside the
commands, so that ``topicnmf --help`` loads no scikit-learn, SciPy, NumPy or matplotlib.
Library errors (``TopicNMFError``) become one line on stderr and exit status 2.

The modules: this one (the group ``main``, ``--version``, ``--quiet`` and the error boundary),
:mod:`.options` (option types and shared options), :mod:`.common` (printing, progress, output
checks), and the commands by kind: :mod:`.fitting` (fit), :mod:`.queries` (topics, segments,
recommend, similar, target, label), :mod:`.batch` (tag, assign), :mod:`.reports` (report,
plot, evaluate, choose-k), :mod:`.evolve` (update, diff), :mod:`.analysis` (trends,
hierarchy, merge, split) and :mod:`.serving` (serve).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys
import warnings

import click

from .. import __version__
from ..errors import TopicNMFError
from .analysis import hierarchy, merge, split, trends
from .batch import assign, tag
from .common import STDOUT
from .evolve import ALIGN_THRESHOLD, diff, update
from .fitting import fit
from .options import (ALPHA, BATCH_SIZE, INITS, LOSSES, MAX_ERROR, MAX_TOP, MIN_DOCUMENTS,
                      MIN_SHARE, PERIODS, PLOT_KINDS, SOLVERS, SWEEPS, THRESHOLD, TOP_TERMS,
                      WEIGHTINGS)
from .queries import label, recommend, segments, similar, target, topics
from .reports import choose_k, evaluate, plot, report
from .serving import serve

#: The group; also the commands and the constants that tests compare with the library's.
__all__ = ["main", "fit", "topics", "segments", "recommend", "similar", "target", "label", "tag",
           "assign", "report", "plot", "evaluate", "choose_k", "update", "diff", "trends",
           "hierarchy", "merge", "split", "serve", "ALIGN_THRESHOLD", "ALPHA", "BATCH_SIZE",
           "INITS", "LOSSES", "MAX_ERROR", "MAX_TOP", "MIN_DOCUMENTS", "MIN_SHARE", "PERIODS",
           "PLOT_KINDS", "SOLVERS", "SWEEPS", "THRESHOLD", "TOP_TERMS", "WEIGHTINGS"]


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


class _WarningHandler(logging.Handler):
    def emit(self, record):
        click.echo(f"warning: {record.getMessage()}", err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Library warnings (e.g. non-convergence) as one ``warning:`` line, without source lines."""
    if logging.getLogger("topicnmf").level <= logging.WARNING:
        click.echo(f"warning: {message}", err=True)


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


for _command in (fit, topics, segments, recommend, similar, target, label, tag, assign, report,
                 plot, evaluate, choose_k, update, diff, trends, hierarchy, merge, split,
                 serve):
    main.add_command(_command)
