"""Independent tasks in worker processes: the one pool that ``choose_k``, ``evaluate`` and
``tag`` share.

A caller hands over a picklable function, the items and what every worker needs once (the
``initializer`` stores it in a module-level variable of the caller's module, which the
function reads). Each worker process runs with one BLAS thread: the processes are the
parallelism. With one job or one item nothing is started: the same initializer and function
run in this process, and ``cleanup`` then drops what the initializer stored, so no model or
matrix is kept in a module after the results have been read.

This module imports nothing else from topicnmf.
"""

from __future__ import annotations

import multiprocessing

__all__ = ["run_in_processes"]


def run_in_processes(function, items, *, jobs, initializer=None, initargs=(), cleanup=None,
                     ordered=True):
    """Yield ``function(item)`` for every item, in ``jobs`` worker processes when that helps.

    Parameters
    ----------
    function : callable
        ``function(item) -> result``; a module-level function (or a picklable object), as
        each worker receives it by pickling.
    items : iterable
        The work; it is read into a list at once. Items are sent to the workers one at a time.
    jobs : int
        Worker processes, at most one per item. With ``jobs == 1`` or a single item everything
        runs in this process.
    initializer : callable, optional
        Called as ``initializer(*initargs)`` once per worker before its first item (and once
        in this process for an in-process run), e.g. to keep a model the function reads.
    initargs : tuple
        Arguments of ``initializer``; sent to each worker once, not with every item.
    cleanup : callable, optional
        Called with no arguments after an in-process run, also when it fails or is closed
        early; it undoes what ``initializer`` kept. Worker processes end with the pool.
    ordered : bool
        True: results in the order of ``items``. False: in the order they finish (the same
        as ``items`` in process); return what identifies the item with the result then.

    Yields
    ------
    object
        The results. The pool is started on the first ``next`` and closed (the workers
        terminated) when the generator finishes or is closed.

    Notes
    -----
    Workers are forked where the platform allows it and spawned otherwise, so ``function``,
    ``initializer`` and ``cleanup`` must be importable by name for spawned workers. Each worker
    limits BLAS and OpenMP to one thread (threadpoolctl); an in-process run leaves this
    process's thread settings alone.

    Examples
    --------
    >>> list(run_in_processes(abs, [-2, 1, -3], jobs=1))
    [2, 1, 3]
    """
    items = list(items)
    if jobs == 1 or len(items) <= 1:
        if initializer is not None:
            initializer(*initargs)
        try:
            for item in items:
                yield function(item)
        finally:
            if cleanup is not None:
                cleanup()
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(min(jobs, len(items)), initializer=_start_worker,
                  initargs=(initializer, initargs)) as pool:
        yield from (pool.imap if ordered else pool.imap_unordered)(function, items)


def _start_worker(initializer, initargs):
    """In a new worker: the caller's initializer, then one BLAS thread."""
    from threadpoolctl import threadpool_limits

    if initializer is not None:
        initializer(*initargs)
    threadpool_limits(1)
