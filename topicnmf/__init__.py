"""topicnmf: interpretable topics from text with non-negative matrix factorization."""

__version__ = "0.1.0"

from .corpus import Corpus, Document, load_corpus  # noqa: E402
from .errors import InputError, ModelFormatError, NotFittedError, TopicNMFError  # noqa: E402
from .model import Topic, TopicModel  # noqa: E402

__all__ = ["Corpus", "Document", "InputError", "ModelFormatError", "NotFittedError", "Topic",
           "TopicModel", "TopicNMFError", "load_corpus"]
