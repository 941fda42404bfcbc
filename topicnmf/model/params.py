"""TopicModel's settings: scikit-learn's parameter protocol (without importing scikit-learn),
the checks of the numeric settings, and the vectorizer the text settings describe."""

from __future__ import annotations

import inspect
import warnings

from .. import validate
from ..errors import InputError
from ..text.clean import parse_clean, resolve_clean
from ..text.preprocess import Preprocessor, parse_ngram_range, read_stop_words
from ..text.vectorize import Vectorizer

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


class Parameters:
    """Mixin: scikit-learn's ``get_params`` / ``set_params`` over the keyword arguments of
    ``__init__``, each kept as an attribute of the same name.

    That is all ``sklearn.base.clone`` and grid searches need, so an estimator gets them
    without inheriting ``sklearn.base.BaseEstimator`` (whose import loads scikit-learn).
    """

    @classmethod
    def param_names(cls) -> tuple:
        """Names of the parameters, in the order of ``__init__``'s signature."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return tuple(p.name for p in parameters if p.name != "self" and p.kind not in _VARIADIC)

    def get_params(self, deep=True) -> dict:
        """The parameters as ``{name: value}`` (``deep`` is accepted for scikit-learn; no
        parameter is itself an estimator)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self, **params):
        """Set parameters by name; InputError for a name that is not a parameter. Returns self."""
        names = self.param_names()
        for name, value in params.items():
            if name not in names:
                raise InputError(f"{type(self).__name__} has no parameter '{name}'")
            setattr(self, name, value)
        return self


def check_params(params) -> dict:
    """Check the numeric settings of a TopicModel (its :meth:`~TopicModel.get_params`).

    Returns ``params`` unchanged; raises InputError naming the first unusable one, e.g.
    ``tol=nan: must be a finite number > 0``. The other settings (solver, loss, init, seed
    topics, n-grams) are checked where they are used.
    """
    validate.integer(params["n_topics"], "n_topics", 1)
    validate.integer(params["max_iter"], "max_iter", 1, optional=True)
    validate.real(params["tol"], "tol", 0, low_open=True)
    validate.seed(params["random_state"])
    validate.document_frequency(params["min_df"], "min_df", zero=True)
    validate.document_frequency(params["max_df"], "max_df")
    validate.integer(params["max_features"], "max_features", 1, optional=True)
    validate.real(params["seed_weight"], "seed_weight", 0)
    parse_clean(params["clean"])
    if params.get("near_duplicates") is not None:
        validate.real(params["near_duplicates"], "near_duplicates", 0, 1, low_open=True)
    validate.real(params.get("pivot_slope", 1), "pivot_slope", 0, 1)
    return params


def make_vectorizer(params, documents=()) -> Vectorizer:
    """The unfitted :class:`~topicnmf.text.vectorize.Vectorizer` of a TopicModel's text
    settings (cleaning, stop words, stemming, n-grams, vocabulary limits, weighting).

    ``clean='auto'`` is resolved for ``documents`` (the corpus about to be fitted), see
    :func:`topicnmf.text.clean.resolve_clean`.
    """
    extra = params["extra_stop_words"] or ()
    if isinstance(extra, (str, bytes)) or hasattr(extra, "__fspath__"):
        extra = read_stop_words(extra)
    prep = Preprocessor(stop_words=params["stop_words"], extra_stop_words=extra,
                        stem=params["stem"], ngram_range=parse_ngram_range(params["ngram_range"]),
                        clean=resolve_clean(params["clean"], documents))
    return Vectorizer(prep, min_df=params["min_df"], max_df=params["max_df"],
                      max_features=params["max_features"], sublinear_tf=params["sublinear_tf"],
                      use_idf=params["use_idf"])


def without_near_duplicates(params: dict, placement: str) -> dict:
    """``params`` for a fit that cannot weigh near-duplicate documents: ``near_duplicates``
    set to None, with a warning when it was set (the exact search compares every document
    with every other, so it needs them all in one process's memory)."""
    if params.get("near_duplicates") is None:
        return params
    warnings.warn(f"near-duplicate documents are not weighed {placement} (their search "
                  "needs every document in memory): fitted with near_duplicates=None",
                  stacklevel=3)
    return {**params, "near_duplicates": None}
