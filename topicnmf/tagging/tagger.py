"""Tag documents with a fitted model: memberships, labels, fit error, recommended terms.

A document's memberships ``h`` are its projection on the fixed ``W`` (``TopicModel.transform``:
per document, so a document gets the same tags alone, in a batch or in another process).
Shares are the topics' parts of the document, ``‖W[:, z]‖ h_z``, scaled to sum to 1
(``TopicModel.memberships``, the same as ``segments``). The fit error is ``‖v − W h‖ / ‖v‖``
(``Reconstruction.column_errors``).
Recommended terms are the top of the reconstructed column ``W h`` that the document does not
contain yet (the collaborative-filtering reading of NMF).

A document is **unassigned** (instead of being forced into a topic) when its largest share is
below ``min_share`` or its fit error is above ``max_error``; a document with no known term has
no memberships at all and is unassigned too. ``tag`` (batch, resumable, parallel) lives in
:mod:`topicnmf.tagging.batch`; this module tags texts and streams ``assign``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..io.export import FLOAT_DIGITS, FORMULA_STARTS, csv_text
from ..io.records import stream_records
from ..reconstruction.ranking import top_n
from ..reconstruction.scores import MAX_ERROR, of_model

#: Defaults, measured on the shipped ticket corpus (k=8) and the 64k Debian descriptions (k=50).
#: Largest shares (topics' parts of each document, ``TopicModel.memberships``): k=8, 99 % above
#: 0.24; k=50 (block HALS), 99 % above 0.12, 0.2 % below 0.1 (many packages mix two or three
#: topics). ``MAX_ERROR`` (shared with choose-k's "unexplained") lives with the fit errors in
#: :mod:`topicnmf.reconstruction`.
THRESHOLD = 0.15
MIN_SHARE = 0.1
TOP_TERMS = 5
DOC_TOPIC_COLUMNS = ["doc_id", "topic", "label", "share"]
_CSV_SPECIAL = (",", '"', "\n", "\r")


@dataclass(frozen=True)
class TagSettings:
    """How documents are tagged.

    Parameters
    ----------
    threshold : float
        Topics with at least this share are listed for a document (multi-label).
    min_share : float
        A document whose largest share is below this is unassigned.
    max_error : float
        A document whose relative fit error ``‖v − W h‖ / ‖v‖`` is above this is unassigned.
    top_terms : int
        Recommended terms per document.
    """

    threshold: float = THRESHOLD
    min_share: float = MIN_SHARE
    max_error: float = MAX_ERROR
    top_terms: int = TOP_TERMS

    def __post_init__(self):
        for name in ("threshold", "min_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(f"{name}={getattr(self, name)}: must be between 0 and 1")
        if not self.max_error >= 0.0:
            raise InputError(f"max_error={self.max_error}: must be 0 or more (1 = no fit at all)")
        if not isinstance(self.top_terms, int) or self.top_terms < 0:
            raise InputError(f"top_terms={self.top_terms}: must be a non-negative integer")


class Tagger:
    """Tags texts with a fitted model (the per-document work of ``tag`` and ``assign``).

    Parameters
    ----------
    model : TopicModel
    settings : TagSettings, optional

    Examples
    --------
    >>> tagger = Tagger(model)
    >>> tagger.tag_texts(["a1"], ["a chess game for two players"])  # doctest: +ELLIPSIS
    [{'id': 'a1', 'topic': 6, 'share': 1.0, ...}]
    """

    def __init__(self, model, settings=None):
        model.check_fitted()
        if model.mode != "text":
            raise InputError("tag and assign need a model fitted on texts; this one was fitted "
                             "on an items × people matrix (fit --matrix): use segments, "
                             "recommend or target with it")
        self.model = model
        self.settings = settings or TagSettings()
        self.W = model.W_
        self.rows = RowMaker(model)
        self._pruned = _CandidateTerms(self.W, self.settings.top_terms)

    def tag_texts(self, ids, texts) -> list:
        """One record per text: ``id``, ``topic`` (dominant, None if none), ``share``,
        ``shares`` (``[topic, share]`` above the threshold, largest first), ``fit_error``,
        ``unassigned`` and ``terms`` (recommended term indices). Floats are rounded to
        ``export.FLOAT_DIGITS`` (the unassigned test uses the exact values)."""
        vec = self.model.vectorizer_
        X = vec.tfidf_rows([vec.preprocessor(t) for t in texts])
        return self.tag_rows(ids, X)

    def tag_rows(self, ids, X) -> list:
        """Records for already-vectorized documents ``X`` (documents × terms, CSR)."""
        s = self.settings
        V = sp.csc_matrix(X.T)
        H = self.model.project_matrix(V)                      # k × docs
        recon = of_model(self.model).with_memberships(H)
        errors = recon.column_errors(V, relative=True).tolist()
        shares = self.model.memberships(H)
        order = np.argsort(-shares, axis=0, kind="stable")   # largest first, ties: lower topic
        ranked = np.take_along_axis(shares, order, axis=0)
        listed = ((ranked >= s.threshold) & (ranked > 0)).sum(axis=0).tolist()
        terms = self._pruned.recommend(recon, H, X.tocsr())
        topic_ids = np.asarray(self.model.topic_ids)
        out = []
        for doc_id, topics, values, count, error, recommended in zip(
                ids, topic_ids[order].T.tolist(), ranked.T.tolist(), listed, errors, terms):
            top = values[0]
            out.append({"id": doc_id, "topic": topics[0] if top > 0 else None,
                        "share": round(top, FLOAT_DIGITS),
                        "shares": [[z, round(v, FLOAT_DIGITS)]
                                   for z, v in zip(topics[:count], values[:count])],
                        "fit_error": round(error, FLOAT_DIGITS),
                        "unassigned": top < s.min_share or error > s.max_error or top == 0,
                        "terms": recommended})
        return out

    def output_lines(self, ids, texts) -> list:
        """Per text: its ``tags.jsonl`` line, its ``doc-topics.csv`` lines, and whether it is
        unassigned (what ``tag`` stores, so that workers do the formatting too)."""
        return [[self.rows.json_line(r), self.rows.doc_topic_csv(r), r["unassigned"]]
                for r in self.tag_texts(ids, texts)]


class _CandidateTerms:
    """Exact top-n of ``W h`` (minus the document's terms) without scoring every term.

    Only terms in some topic's top ``depth`` rows are scored. Any other term ``t`` has
    ``W[t, z] <= W[r_z, z]`` (``r_z`` the topic's row at rank ``depth``) for every ``z``, so its
    score is at most ``bound = h · W[r, :]``; when the n-th candidate beats the bound strictly
    (and is not tied with the next one) the candidates' top-n is the exact top-n. Otherwise that
    document falls back to the full column ``Reconstruction.column_for(h)`` and ``top_n``.
    """

    def __init__(self, W, n, depth=None):
        self.n = n
        n_terms, k = W.shape
        depth = min(depth or max(50, 4 * n), n_terms - 1)
        order = np.argsort(-W, axis=0, kind="stable")
        self.rows = np.unique(order[:depth].ravel())            # ascending term indices
        self.WcT = np.ascontiguousarray(W[self.rows].T)         # k × candidates
        self.bound_w = W[order[depth], np.arange(k)] if depth < n_terms else np.zeros(k)
        self.position = np.full(n_terms, -1)
        self.position[self.rows] = np.arange(self.rows.size)

    def recommend(self, recon, H, X) -> list:
        """Recommended term indices (lists of int) for each column of ``H`` / row of ``X``."""
        n, m, c = self.n, H.shape[1], self.rows.size
        if n == 0:
            return [[] for _ in range(m)]
        if c <= n:
            return [self._full(recon, H, X, j) for j in range(m)]
        S = H.T @ self.WcT                                       # docs × candidates
        doc_of = np.repeat(np.arange(m), np.diff(X.indptr))
        pos = self.position[X.indices]
        S[doc_of[pos >= 0], pos[pos >= 0]] = -np.inf             # already in the document
        idx = np.argpartition(S, c - n - 1, axis=1)[:, c - n - 1:]   # best n + 1, unordered
        vals = np.take_along_axis(S, idx, axis=1)
        order = np.lexsort((idx, -vals), axis=1)                 # best first, ties: lower term
        idx, vals = np.take_along_axis(idx, order, 1), np.take_along_axis(vals, order, 1)
        cut, after, bound = vals[:, n - 1], vals[:, n], self.bound_w @ H
        exact = (((cut > after) | (cut <= 0))                    # no tie across the cut
                 & ((cut > bound) | (bound <= 0)))               # no outsider can beat it
        picked = self.rows[idx[:, :n]]
        keep = vals[:, :n] > 0
        whole = (exact & keep.all(axis=1)).tolist()              # the common case
        lists = picked.tolist()
        return [lists[j] if whole[j] else picked[j][keep[j]].tolist() if exact[j]
                else self._full(recon, H, X, j) for j in range(m)]

    def _full(self, recon, H, X, j):
        full = recon.column_for(H[:, j])
        picked = top_n(full, self.n, exclude=X.indices[X.indptr[j]:X.indptr[j + 1]])
        return picked[full[picked] > 0].tolist()

# -- rows for output -----------------------------------------------------------------------

class RowMaker:
    """Records → output rows, with the topic labels and term display forms looked up once.

    Parameters
    ----------
    model : TopicModel
    """

    def __init__(self, model):
        self.labels = dict(zip(model.topic_ids, model.labels()))     # topic id -> label
        self.terms = model.terms
        self._label_cells = {z: csv_text([{"l": label}]).split("\n")[1]
                             for z, label in self.labels.items()}

    def tag_row(self, record) -> dict:
        """A ``tags.jsonl``/``assign`` row: topics with labels, terms as words."""
        labels = self.labels
        topic = None if record["unassigned"] else record["topic"]
        return {"id": record["id"], "topic": topic,
                "label": "unassigned" if topic is None else labels[topic],
                "share": record["share"], "unassigned": record["unassigned"],
                "fit_error": record["fit_error"],
                "shares": [{"topic": z, "label": labels[z], "share": s}
                           for z, s in record["shares"]],
                "terms": [self.terms[t] for t in record["terms"]]}

    def doc_topic_rows(self, record) -> list:
        """``doc-topics.csv`` rows: one per topic above the threshold, or one 'unassigned'."""
        if record["unassigned"]:
            return [{"doc_id": record["id"], "topic": None, "label": "unassigned",
                     "share": None}]
        return [{"doc_id": record["id"], "topic": z, "label": self.labels[z], "share": s}
                for z, s in record["shares"]]

    def doc_topic_csv(self, record) -> str:
        """The ``doc-topics.csv`` lines of a record (no header), as ``export.csv_text`` writes
        them; plain cells skip the csv module (this runs once per tagged document), ids that
        need quoting or formula escaping go through it."""
        doc_id = record["id"]
        if any(c in doc_id for c in _CSV_SPECIAL) or doc_id.startswith(FORMULA_STARTS):
            return csv_text(self.doc_topic_rows(record), DOC_TOPIC_COLUMNS).split("\n", 1)[1]
        if record["unassigned"]:
            return f"{doc_id},,unassigned,\n"
        return "".join(f"{doc_id},{z},{self._label_cells[z]},{s}\n" for z, s in record["shares"])

    def json_line(self, record) -> str:
        """The ``tags.jsonl`` line of a record (its floats are already rounded)."""
        return json.dumps(self.tag_row(record), ensure_ascii=False) + "\n"


def topic_term_rows(model, top=10) -> list:
    """``topic-terms.csv`` rows: topic, label, rank, term, weight."""
    return [{"topic": t.topic, "label": t.label, "rank": rank, "term": term, "weight": weight}
            for t in model.topics(top) for rank, (term, weight) in enumerate(t.terms, start=1)]


# -- streaming -----------------------------------------------------------------------------

def assign(model, lines, *, input_format=None, text_column="text", id_column=None,
           settings=None):
    """Tag a stream of JSONL or CSV records, yielding one row per record as soon as it is read.

    Parameters
    ----------
    model : TopicModel
    lines : iterable of str
        E.g. ``sys.stdin``. JSONL: one object per line with a ``text_column`` field (and an
        ``id`` field/column, or ``id_column``). CSV: a header row, then one record per row.
        A byte-order mark at the start is dropped. Read one record at a time by
        :func:`topicnmf.io.records.stream_records`, the reader of corpus files too.
    id_column : str, optional
        The id field/column every record must have (a JSONL record without it is invalid;
        a CSV header without it is an error). By default ``id`` where present, else
        ``stdin:LINE``.
    input_format : {'jsonl', 'csv'}, optional
        By default JSONL if the first non-blank line starts with ``{``, else CSV.
    settings : TagSettings, optional

    Yields
    ------
    dict
        As in ``tags.jsonl`` (see :meth:`RowMaker.tag_row`), plus ``line``. A record that cannot be
        read gives ``{"line": n, "id": null, "invalid": reason}`` and the stream goes on.

    Examples
    --------
    >>> lines = ['{"id": "t1", "text": "a chess game for two players"}',
    ...          '{"id": "t2", "text": "refund my invoice"}']
    >>> for row in assign(model, lines):
    ...     print(row["id"], row["label"])
    t1 game, games, board
    t2 unassigned
    """
    tagger = Tagger(model, settings)
    for record in stream_records(lines, input_format=input_format, text_column=text_column,
                                 id_column=id_column):
        if record.problem is not None:
            yield {"line": record.line, "id": None, "invalid": record.problem}
            continue
        tagged = tagger.tag_texts([record.id], [record.text])[0]
        yield {"line": record.line, **tagger.rows.tag_row(tagged)}
