"""Seeded (guided) topics: categories you already know, named, with words you choose.

``seed_topics = {"Billing": ["refund", "invoice"], ...}`` makes topic 0 "Billing", topic 1 the
next name, and so on in the order given; the remaining ``k - len(seed_topics)`` topics are
discovered freely. How:

1. Each seed word is analyzed like the corpus (lowercasing, stemming, n-grams), so "Game"
   finds the term ``game``, and with ``stem=True`` "Refunds" finds ``refund``. Words that
   match no vocabulary term are reported (a warning, not an error); a seed topic left with no
   known word becomes a free topic.
2. Custom initialization. ``W`` starts from NNDSVDA (the usual start) and each seeded topic
   takes the place of the NNDSVDA component most similar to it (so no free topic starts as a
   copy of a seeded one). A seeded topic's start column is the centroid of the documents that
   use its seed words (each weighted by its tf-idf mass on them), with the seed words raised to
   the column's largest weight. ``H`` starts as the exact projection of the documents on it.
3. Guidance by pseudo-documents. The solver factorizes ``[V | P]``: ``P`` has one column per
   seeded topic, its start column from step 2 (seed words at the top, then the words that
   co-occur with them), with squared norm ``seed_weight · n_documents`` (each real tf-idf
   column has norm 1, so the default 0.02 pulls like 2 % of the corpus). Started from step
   2, topic ``z`` is the one that explains pseudo-document ``z``: its seed words stay among its
   top terms, the rest of its words and all other topics come from the data, and documents
   that use the seed words belong to it. ``H`` is then computed for the real documents only.

Measured on the shipped ticket corpus with the default sublinear tf-idf
(``scripts/bench_seeding.py --weights 0 0.01 0.02 0.05 0.1 0.2``: k = 8, 12, 20; a set of three
and a set of four seeded topics, 22 seed words, 66 (word, k) pairs): with every weight from
0.01 to 0.2 all 66 seed words are among their topic's top 10 terms (custom initialization
alone: 39/66). Smaller weights let the seeded topics take in more of their category: mean F1
of "documents a seeded topic dominates" against the matching Debian section 0.573 at 0.01,
0.566 at 0.02, 0.563 at 0.1, 0.553 at 0.2, and at 0.1 a seeded topic centres more on its seed
words and leaves a free near-twin more often (mean largest cosine to a free topic 0.231 vs
0.186 at 0.02; e.g. a free "fonts, font, truetype" topic next to a seeded "Fonts" at k = 12).
The default 0.02 keeps a margin above the weakest weight tried. (With plain tf-idf, 0.02 kept
62/66 and 0.1 was the default.) Pseudo-documents made of the seed words alone (no co-occurring
words) kept the words but left the topics almost empty (1-9 documents).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .hals import hals_nmf
from .nmf import check_factorization_params, sklearn_nmf
from .projection import project
from .start import nndsvda

logger = logging.getLogger("topicnmf")

SEED_WEIGHT = 0.02  # pull of each seed pseudo-document, as a fraction of the corpus


def read_seed_topics(path) -> dict:
    """Read seed topics from a ``.json`` or ``.toml`` file: ``{name: [word, ...], ...}``.

    Examples
    --------
    >>> path = tmp / "seeds.json"
    >>> _ = path.write_text('{"Games": ["game", "player"], "Fonts": ["font", "glyph"]}')
    >>> read_seed_topics(path)
    {'Games': ['game', 'player'], 'Fonts': ['font', 'glyph']}
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")       # a byte-order mark is not part of the JSON
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read seed topics ({exc.__class__.__name__}); "
                         "expected a UTF-8 .json or .toml file") from None
    if path.suffix.lower() == ".toml":
        import tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); expected lines like "
                             'Billing = ["refund", "invoice"]') from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg}); expected "
                             '{"Billing": ["refund", "invoice"], ...}') from None
        except (ValueError, RecursionError):     # a number of 4300+ digits, absurd nesting
            raise InputError(f"{path}: not usable JSON (a number too long or nesting too "
                             'deep); expected {"Billing": ["refund", "invoice"], ...}') from None
        if "\\u" in text and not _encodable(data):
            raise InputError(f"{path}: a string holds an unpaired surrogate escape "
                             "(\\ud800-\\udfff); fix the words' encoding")
    return check_seed_topics(data, source=str(path))


def _encodable(data) -> bool:
    """Whether ``data`` can be written as UTF-8 JSON (not so with lone surrogates)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_seed_topics(seed_topics, n_topics=None, source="seed_topics") -> dict:
    """Validate ``{name: [word, ...]}`` (or a list of ``[name, words]`` pairs, as saved).

    A single string of words is split on commas. Returns a dict in the given order.
    """
    if (isinstance(seed_topics, (list, tuple))
            and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in seed_topics)):
        seed_topics = dict(seed_topics)
    if not isinstance(seed_topics, dict):
        raise InputError(f"{source}: expected an object mapping topic names to lists of words, "
                         f"found {type(seed_topics).__name__}")
    out = {}
    for name, words in seed_topics.items():
        if isinstance(words, str):
            words = words.split(",")
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            raise InputError(f"{source}: seed topic '{name}' must be a list of words")
        words = [w.strip() for w in words if w.strip()]
        if not str(name).strip():
            raise InputError(f"{source}: a seed topic has an empty name; give every topic a name")
        out[str(name).strip()] = words
    if n_topics is not None and len(out) > n_topics:
        raise InputError(f"{source}: {len(out)} seed topics but only k={n_topics} topics; "
                         f"raise k to at least {len(out)} or drop seed topics")
    return out


def resolve_seed_terms(seed_topics, vectorizer, *, warn=True) -> list:
    """Vocabulary rows of each seed topic's words, after the corpus's own preprocessing.

    Unknown words are named in one warning per topic; a topic without any known word is
    dropped (it becomes a free topic) with a warning. ``warn=False`` resolves silently
    (for a fitted model whose fit already warned).

    Returns
    -------
    list of (name, ndarray of int)
        Seed topics that kept at least one term, in the given order.
    """
    index = {t: i for i, t in enumerate(vectorizer.vocabulary_)}
    resolved = []
    for name, words in seed_topics.items():
        rows, unknown = [], []
        for word in words:
            found = [index[t] for t in vectorizer.preprocessor(word) if t in index]
            if not found and word.lower() in index:
                found = [index[word.lower()]]
            (rows.extend(found) if found else unknown.append(word))
        if unknown and warn:
            logger.warning("seed topic '%s': %s not in the vocabulary (after preprocessing); "
                           "ignored", name, ", ".join(f"'{w}'" for w in unknown))
        if not rows:
            if warn:
                logger.warning("seed topic '%s' has no known word; it becomes a free topic",
                               name)
            continue
        resolved.append((name, np.array(sorted(set(rows)), dtype=np.int64)))
    return resolved


def seed_column(V, rows):
    """Centroid of the documents using seed ``rows`` (weighted by their tf-idf on them), with
    the seed words raised to the largest weight; shape (n_terms,), summing to 1, no zeros."""
    weight = np.asarray(V[rows].sum(axis=0)).ravel()
    column = np.asarray(V @ weight).ravel()
    column[rows] = np.maximum(column[rows], column.max(initial=0.0))
    if not column.any():
        column[rows] = 1.0
    return column / column.sum() + 1e-6 / column.size            # no exact zeros (for 'mu')


def seeded_init(V, k, columns, random_state=None):
    """Initial ``W`` (terms × k): seed ``columns`` first, then the NNDSVDA components of ``V``
    that are not the closest twin of a seed column.

    Parameters
    ----------
    V : sparse matrix of shape (n_terms, n_documents)
    k : int
    columns : list of ndarray of shape (n_terms,)
        From :func:`seed_column`.
    """
    W0, _ = nndsvda(sp.csc_matrix(V), k, random_state)
    free = list(range(k))
    W = np.empty_like(W0)
    unit0 = W0 / np.maximum(np.linalg.norm(W0, axis=0), 1e-300)
    for z, column in enumerate(columns):
        W[:, z] = column * (W0.sum() / k)
        sims = unit0[:, free].T @ (column / np.linalg.norm(column))
        free.pop(int(np.argmax(sims)))                          # the NNDSVDA twin it replaces
    W[:, len(columns):] = W0[:, free]
    return W


def guided_nmf(V, k, seeds, *, solver="hals", loss="frobenius", max_iter=None, tol=1e-4,
               random_state=None, weight=SEED_WEIGHT, scheduler=None):
    """``V ≈ W H`` with seeded topics in columns ``0..len(seeds)-1``: the guided backend of
    :func:`topicnmf.factor.factorize`.

    Factorizes ``[V | P]``, ``P`` the seed pseudo-documents (terms × len(seeds)), started
    from :func:`seeded_init` with ``H`` the exact projection on that start.

    Parameters
    ----------
    V : sparse matrix of shape (n_terms, n_documents)
    k : int
    seeds : list of (name, ndarray of int)
        From :func:`resolve_seed_terms`.
    solver, loss, max_iter, tol, random_state
        As for :func:`topicnmf.factor.factorize` ('hals': :func:`topicnmf.factor.hals.hals_nmf`
        on ``[V | P]`` from the same start).
    weight : float
        Squared norm of each pseudo-document as a fraction of ``n_documents``.
    scheduler : distributed.Client or str, optional
        With 'hals': the sweeps on a Dask cluster (:func:`topicnmf.factor.hals.hals_nmf`).

    Returns
    -------
    W : ndarray of shape (n_terms, k), columns summing to 1
    H : ndarray of shape (k, n_documents)
        The solver's memberships of the real documents (the pseudo-documents' left out).
    n_iter : int
    """
    check_factorization_params(V, k, solver, loss, "custom")
    if not weight >= 0:
        raise InputError(f"seed_weight={weight}: must be 0 or more (default {SEED_WEIGHT})")
    V = sp.csc_matrix(V)
    columns = [seed_column(V, rows) for _, rows in seeds]
    W = seeded_init(V, k, columns, random_state)
    P = np.column_stack([c * np.sqrt(weight * V.shape[1]) / np.linalg.norm(c) for c in columns])
    Vaug = sp.hstack([V, sp.csc_matrix(P)], format="csc")
    H = project(Vaug, W, loss=loss, max_iter=50)
    fit = hals_nmf if solver == "hals" else sklearn_nmf
    solver_args = {"scheduler": scheduler} if solver == "hals" else {"solver": solver,
                                                                     "loss": loss}
    W, H, n_iter = fit(Vaug, k, init="custom", max_iter=max_iter, tol=tol,
                       random_state=random_state, W_init=W, H_init=H, **solver_args)
    return W, H[:, :V.shape[1]], n_iter
