"""Dask clusters: what the ``scheduler`` keyword names, and pure tasks run there.

``TopicModel.fit``, :func:`topicnmf.model.on_cluster.fit_partitions`, ``tag``, ``choose_k`` and
``evaluate`` take ``scheduler`` (the command line's ``--scheduler``):

* ``None`` (the default): no Dask; the work runs in this process (and ``jobs`` processes);
* a ``dask.distributed.Client``: the work runs on its cluster; the client is left open;
* ``'default'``: the client made earlier in this process (``distributed.default_client()``),
  else one connected to the address in Dask's ``scheduler-address`` setting
  (``DASK_SCHEDULER_ADDRESS``) for the call;
* an address, ``'tcp://HOST:8786'`` (or ``'HOST:8786'``): a client connected for the call,
  closed after it;
* ``'local'``: a ``LocalCluster`` on this machine (one worker process per core, one thread
  each), started for the call and closed after it.

topicnmf starts a cluster only when asked to ('local'). Dask is an extra (``pip install
'topicnmf[dask]'``), imported only when a scheduler is given; the scheduler and the workers
need topicnmf installed too (they unpickle its task functions).

Tasks are pure: a task's result depends on its arguments only. The data a task needs travels
as an argument of a task (:func:`submit_data`), not as scattered data, so the scheduler can
recompute whatever a lost worker held, and a run that loses a worker gives the same result.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import deque
from contextlib import contextmanager

from .errors import ClusterError, InputError

__all__ = ["CONNECT_TIMEOUT", "connected", "run_tasks", "submit_data"]

CONNECT_TIMEOUT = 5         # seconds to reach a scheduler before giving up
NAMES = ("default", "local")


@contextmanager
def connected(scheduler):
    """The Dask client ``scheduler`` names (see the module docstring), or None for None.

    Clients and clusters made here are closed on leaving; a client passed in is not.

    Raises
    ------
    InputError
        ``scheduler`` is neither None, a Client nor a string naming one.
    ClusterError
        Dask is not installed, or no scheduler could be reached within ``CONNECT_TIMEOUT``.
    """
    if scheduler is None:
        yield None
        return
    distributed = _distributed(scheduler)
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InputError(f"scheduler={scheduler!r}: pass a dask.distributed.Client, a "
                         "scheduler address such as 'tcp://HOST:8786', 'default' or 'local'")
    if scheduler == "local":
        environ = dict(os.environ)        # the nannies set OMP_NUM_THREADS=1 etc. here
        try:
            with distributed.LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                                          processes=True, dashboard_address=":0") as cluster, \
                    distributed.Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            for name in set(os.environ) - set(environ):
                del os.environ[name]
            os.environ.update(environ)
        return
    if scheduler == "default":
        try:
            yield distributed.default_client()
            return
        except ValueError:
            import dask

            scheduler = dask.config.get("scheduler-address", None)
            if not scheduler:
                raise ClusterError("scheduler='default': there is no Dask client in this "
                                   "process; make one (distributed.Client(...)) or pass the "
                                   "scheduler's address") from None
    client = _connect(distributed, scheduler.strip())
    try:
        yield client
    finally:
        client.close()


def _distributed(scheduler):
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"scheduler={scheduler!r} needs Dask: pip install "
                           "'topicnmf[dask]'") from None
    return distributed


def _connect(distributed, address):
    from distributed.comm.registry import backends

    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme not in backends:
        raise InputError(f"scheduler={address!r}: unknown protocol {scheme!r}; give the "
                         "scheduler's address as tcp://HOST:8786")
    try:
        _handshake(address)
        return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT} s"
    except Exception:                          # e.g. garbage read as a huge frame length
        reason = "something answered, but not a Dask scheduler"
    raise ClusterError(f"cannot reach the Dask scheduler at {address} ({reason}); start one "
                       "with 'dask scheduler' or check the address")


def _handshake(address):
    """Open and close one Dask connection to ``address`` (on a loop of its own, so that a
    failed attempt leaves no half-made Client behind)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    async def attempt():
        comm = await connect(address, timeout=CONNECT_TIMEOUT)
        await comm.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, attempt()).result()


def submit_data(client, value, name="topicnmf-data"):
    """A future holding ``value``: a task whose argument is ``value``.

    Unlike ``client.scatter``, the scheduler keeps the task, so the value is recomputed
    (re-sent) if the workers holding it are lost. The large-graph warning is not shown:
    sending the data is the point.
    """
    import dask

    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 PiB"}):
        return client.submit(_value_of, _Data(value), key=f"{name}-{uuid.uuid4().hex}",
                             pure=False)


class _Data:
    """A value handed to a task as it is (Dask does not look into it for keys)."""

    def __init__(self, value):
        self.value = value


def _value_of(data):
    return data.value


def run_tasks(function, items, client, *, shared=None, ordered=True, name="topicnmf-task",
              window=None):
    """Yield ``function(item, shared)`` for every item, computed as tasks on ``client``.

    ``shared`` (what every task needs: a model, a matrix and settings) is sent once
    (:func:`submit_data`); items one per task. ``function`` must be pure and importable by
    name on the workers. ``ordered``: results in the order of ``items``; otherwise as they
    finish. At most ``window`` tasks (default: twice the cluster's threads, at least 4) are
    submitted and not yet read, so the items' data and the results waiting to be read stay
    bounded. Closing the generator early cancels the tasks not yet read.
    """
    from distributed import as_completed

    items = enumerate(items)
    window = window or max(4, 2 * sum(client.nthreads().values()))
    first = next(items, None)
    if first is None:
        return
    items = itertools.chain([first], items)
    state = submit_data(client, shared, f"{name}-shared")
    pending = deque()
    finished = None if ordered else as_completed([], loop=client.loop)

    def submit_next():
        for i, item in itertools.islice(items, 1):
            future = client.submit(function, item, state, pure=False,
                                   key=f"{name}-{i}-{uuid.uuid4().hex}")
            pending.append(future)
            if finished is not None:
                finished.add(future)

    try:
        for _ in range(window):
            submit_next()
        while pending:
            future = pending.popleft() if ordered else next(finished)
            if not ordered:
                pending.remove(future)
            result = future.result()
            submit_next()
            yield result
    finally:
        # Only the unread results: cancelling `state` would cancel its dependents as well.
        client.cancel(list(pending))
