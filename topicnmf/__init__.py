"""topicnmf: interpretable topics from text with non-negative matrix factorization.

The public names below are imported on first use (PEP 562), so that ``import topicnmf`` and
the command line start without loading scikit-learn, SciPy or matplotlib.
"""

import importlib
import sys
import types

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "Corpus": "corpus", "Document": "corpus", "load_corpus": "corpus",
    "choose_k": "evaluate", "evaluate": "evaluate",
    "InputError": "errors", "ModelFormatError": "errors", "NotFittedError": "errors",
    "TopicNMFError": "errors",
    "ItemMatrix": "matrix", "fit_matrix": "model", "load_matrix": "matrix",
    "Topic": "model", "TopicModel": "model",
    "label": "model",
    "recommend": "recommend", "similar": "recommend",
    "segments": "segment", "term_topics": "segment",
    "target": "target",
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


class _Package(types.ModuleType):
    """Keeps ``topicnmf.evaluate`` (``recommend``, ``target``) the function: importing the
    submodule of the same name would otherwise bind the module over it."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            return                           # __getattr__ returns the function
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
