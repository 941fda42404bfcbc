"""topicnmf: interpretable topics from text with non-negative matrix factorization.

The public names below are imported on first use (PEP 562), so that ``import topicnmf`` and
the command line start without loading scikit-learn, SciPy or matplotlib.
"""

import importlib

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "Corpus": "io.corpus", "Document": "io.readers", "load_corpus": "io.corpus",
    "ItemMatrix": "io.matrix", "load_matrix": "io.matrix",
    "ClusterError": "errors", "InputError": "errors", "ModelFormatError": "errors",
    "NotFittedError": "errors", "NotFoundError": "errors",
    "TopicNMFError": "errors",
    "Topic": "model.fitted", "TopicModel": "model.estimator",
    "fit_matrix": "model.items", "label": "model.estimator",
    "fit_out_of_core": "model.outofcore", "fit_placement": "model.outofcore",
    "fit_partitions": "model.on_cluster",
    "work_matrix": "model.outofcore", "partitions": "io.partitions",
    "segments": "queries.segment", "term_topics": "queries.segment",
    "recommend": "queries.recommend", "similar": "queries.recommend",
    "target": "queries.target",
    "choose_k": "quality.choose", "evaluate": "quality.choose",
    "Tagger": "tagging.tagger", "assign": "tagging.tagger", "tag": "tagging.batch",
    "plot": "present.plots", "report": "present.report",
    "update": "evolve.update", "align": "evolve.align", "match_topics": "evolve.align",
    "diff": "evolve.diff", "TopicChange": "evolve.diff",
    "trends": "queries.trends", "hierarchy": "queries.hierarchy",
    "merge": "evolve.reshape", "split": "evolve.reshape",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'topicnmf' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value                  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
