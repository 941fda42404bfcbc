"""The model a server worker answers from: loaded once, relabelled and reloaded in place.

A worker holds one :class:`Loaded` at a time: the :class:`~topicnmf.model.estimator.TopicModel`,
its :class:`~topicnmf.tagging.tagger.Tagger` and what the pages read on every request (topic
similarities, sizes, shares by month), built once. :class:`ModelHolder` keeps it current:

- a rename (``topicnmf.label``, by this worker or another process) rewrites ``model.json``
  only; before answering, a request compares the file's ``stat`` with the one last seen (a
  system call) and, when it changed and the save id is the same, takes the new labels from
  ``model.json`` alone (:func:`topicnmf.model.saved.read_labels`);
- a new fit written to the folder (another save id) is swapped in by :meth:`ModelHolder.reload`
  (``POST /reload``, SIGHUP): loaded in a thread while the old model goes on answering, then
  one assignment; requests under way finish with the model they started with.

``assign`` requests are tagged in micro-batches (:class:`Batcher`): records that arrive
together are tagged in one call of ``Tagger.tag_texts`` (one projection for all of them: 0.2
to 0.4 ms per record instead of 2 to 3 ms alone on a 64k-document model). A record gets the
same values alone or in a batch (projections are per column).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections import deque

from ..errors import InputError, ModelFormatError
from ..model.estimator import TopicModel
from ..model.saved import MODEL_JSON, read_labels
from ..queries.hierarchy import topic_similarity
from ..queries.trends import document_dates, period_shares
from ..queries.recommend import similar
from ..tagging.tagger import RowMaker, Tagger

log = logging.getLogger("topicnmf.serve")

#: Most records tagged in one call (a request with more is still tagged in one call).
BATCH_RECORDS = 256
#: How often a model that changes while it is read is read again before giving up.
LOAD_TRIES = 3


def signature(path):
    """What changes when ``model.json`` in the folder ``path`` is replaced: inode, size and
    modification time (None if it cannot be read)."""
    try:
        st = os.stat(os.path.join(path, MODEL_JSON))
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def settle():
    """Collect garbage, then keep every object alive now out of later collections
    (:func:`gc.freeze`): a loaded model is hundreds of thousands of objects, and a full
    collection walking them all stalls every request of the worker (77 ms on a
    64k-document model) every few thousand requests."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Batcher:
    """Tags queued records in batches, one batch at a time, in the event loop.

    A batch starts once the requests under way have all been read: the batcher yields to the
    event loop until its queue stops growing, then tags everything queued (up to
    ``batch_records``) in one call. The more requests arrive at once, the larger (and the
    cheaper per record) the batches; a request alone is tagged at once. Tagging in the event
    loop rather than in a thread spares the handing over of the GIL for every request.

    Parameters
    ----------
    tag : callable
        ``tag(ids, texts) -> list of records`` (``Tagger.tag_texts``).
    batch_records : int
        Most records per batch; a request with more is tagged in turns.
    """

    def __init__(self, tag, batch_records=BATCH_RECORDS):
        self.tag, self.batch_records = tag, batch_records
        self.queue = deque()
        self.running = False

    async def submit(self, ids, texts) -> list:
        """The records of ``texts``, tagged with whatever else is waiting."""
        n = self.batch_records
        if len(texts) > n:                            # a large request: in turns, with others
            out = []
            for i in range(0, len(texts), n):
                out += await self.submit(ids[i:i + n], texts[i:i + n])
            return out
        if not texts:
            return []
        future = asyncio.get_running_loop().create_future()
        self.queue.append((ids, texts, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self):
        try:
            while self.queue:
                waiting = -1
                while len(self.queue) != waiting:         # let the requests under way in
                    waiting = len(self.queue)
                    await asyncio.sleep(0)
                batch, size = [], 0
                while self.queue and (not batch or size + len(self.queue[0][1])
                                      <= self.batch_records):
                    batch.append(self.queue.popleft())
                    size += len(batch[-1][1])
                self._run([item for item in batch if not item[2].done()])
        finally:
            self.running = False

    def _run(self, batch):
        if not batch:                                 # all cancelled by the time limit
            return
        try:
            records = self.tag([i for item in batch for i in item[0]],
                               [t for item in batch for t in item[1]])
        except Exception as exc:                      # every waiting request gets it
            for _, _, future in batch:
                future.set_exception(exc)
            return
        start = 0
        for ids, _, future in batch:
            future.set_result(records[start:start + len(ids)])
            start += len(ids)


class Loaded:
    """One loaded model and what the server derives from it once.

    Attributes
    ----------
    model : TopicModel
    save_id : str or None
        The save it was read from (``model.json``'s ``save_id``).
    rows : RowMaker
        Records → ``assign`` rows, with the current labels.
    batcher : Batcher or None
        None for a matrix-mode model (nothing to assign).
    similarity : ndarray of shape (k, k)
        Cosine of the topics' term weights (:func:`topicnmf.queries.hierarchy.topic_similarity`).
    sizes : ndarray of shape (k,)
    months : list of str
        ``YYYY-MM`` of the documents' dates (empty without dates); ``month_shares`` (months × k).
    """

    def __init__(self, model, save_id, tag_settings=None, batch_records=BATCH_RECORDS):
        self.model, self.save_id = model, save_id
        self.rows = RowMaker(model)
        try:
            self.tagger, self.not_assignable = Tagger(model, tag_settings), None
        except InputError as exc:                     # matrix mode: nothing to assign
            self.tagger, self.not_assignable = None, str(exc)
        self.batcher = None if self.tagger is None else Batcher(self.tagger.tag_texts,
                                                                 batch_records)
        self.similarity = topic_similarity(model.W_)
        self.sizes = model.topic_sizes()
        self.months, self.month_shares, _ = period_shares(model.contributions(),
                                                          document_dates(model))
        self.k, self.n_documents = model.n_topics, model.n_documents

    def warm_up(self):
        """Build the caches of the first queries now (Gram matrices, embeddings, the lexical
        index: ~0.2 s on a 64k-document model) rather than in someone's first request."""
        if self.n_documents:
            similar(self.model, self.model.document_ids_[0], top=1)
        if self.tagger is not None:
            self.tagger.tag_texts(["warm-up"], ["warm up"])

    def relabel(self, labels):
        """Take topic names saved by a rename (same save: same topics)."""
        self.model.topic_labels_ = list(labels)
        self.rows = RowMaker(self.model)

    def summary(self) -> dict:
        return {"save_id": self.save_id, "topics": self.k, "documents": self.n_documents,
                "mode": self.model.mode}


def load(path, tag_settings=None, batch_records=BATCH_RECORDS):
    """``(Loaded, signature)`` of the model folder ``path``, read again if it changed while
    being read (a save under way)."""
    for _ in range(LOAD_TRIES):
        before = signature(path)
        save_id, _ = read_labels(path)
        model = TopicModel.load(path)
        if signature(path) == before:
            loaded = Loaded(model, save_id, tag_settings, batch_records)
            loaded.warm_up()
            return loaded, before
    raise ModelFormatError(f"{path}: the model kept changing while it was read; try again "
                           "when the fit or save writing it has finished")


class ModelHolder:
    """The current :class:`Loaded` of a worker; see the module docstring.

    Parameters
    ----------
    path : str or Path
        The model folder.
    tag_settings : TagSettings, optional
    batch_records : int
    """

    def __init__(self, path, tag_settings=None, batch_records=BATCH_RECORDS):
        self.path = os.fspath(path)
        self.tag_settings, self.batch_records = tag_settings, batch_records
        self.loaded, self.seen = None, None
        self._lock = None

    def load_now(self):
        """Load the model (at start-up, before the first request)."""
        self.loaded, self.seen = load(self.path, self.tag_settings, self.batch_records)
        settle()

    async def current(self) -> Loaded:
        """The model to answer a request with, relabelled first if ``model.json`` changed."""
        if signature(self.path) != self.seen:
            await self.refresh(full=False)
        return self.loaded

    async def refresh(self, full=False) -> dict:
        """Look at ``model.json`` again: take new labels of the same save; with ``full``, swap
        in a new save as well (``reload``). Returns what happened (see :meth:`reload`)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            seen = signature(self.path)
            old = self.loaded
            if seen is None or (seen == self.seen and not full):
                return {"reloaded": False, **old.summary()}
            save_id, labels = await asyncio.to_thread(read_labels, self.path)
            if save_id is not None and save_id == old.save_id:
                old.relabel(labels)
                self.seen = seen
                return {"reloaded": False, **old.summary()}
            if not full:                    # a new fit on disk: served after a reload only
                self.seen = seen
                return {"reloaded": False, **old.summary()}
            self.loaded, self.seen = await asyncio.to_thread(
                load, self.path, self.tag_settings, self.batch_records)
            del old
            settle()
            log.warning("reloaded %s: save %s, %d topics, %d documents", self.path,
                        (self.loaded.save_id or "?")[:12], self.loaded.k,
                        self.loaded.n_documents)
            return {"reloaded": True, **self.loaded.summary()}

    async def reload(self) -> dict:
        """Swap in the model saved in the folder now, if it is another save than the one
        served (labels are taken either way).

        Returns
        -------
        dict
            ``reloaded`` (bool), ``save_id``, ``topics``, ``documents``, ``mode``.
        """
        return await self.refresh(full=True)
