"""topicnmf: interpretable topics from text with non-negative matrix factorization."""

__version__ = "0.1.0"

from .corpus import Corpus, Document, load_corpus  # noqa: E402
from .evaluate import choose_k, evaluate  # noqa: E402
from .errors import InputError, ModelFormatError, NotFittedError, TopicNMFError  # noqa: E402
from .matrix import ItemMatrix, fit_matrix, load_matrix  # noqa: E402
from .model import Topic, TopicModel  # noqa: E402
from .recommend import recommend, similar  # noqa: E402
from .segment import segments, term_topics  # noqa: E402
from .target import target  # noqa: E402

__all__ = ["Corpus", "Document", "InputError", "ItemMatrix", "ModelFormatError",
           "NotFittedError", "Topic", "TopicModel", "TopicNMFError", "choose_k", "evaluate",
           "fit_matrix", "load_corpus", "load_matrix", "recommend", "segments", "similar",
           "target", "term_topics"]
