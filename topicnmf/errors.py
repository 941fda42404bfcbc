"""Exceptions raised by topicnmf.

Every error a user can cause is a :class:`TopicNMFError`; its message is one line that names
the input (file, line, column, parameter) and says what to do. The CLI prints the message and
exits with status 2; anything else escaping the library is a bug.
"""


class TopicNMFError(Exception):
    """Base class for all errors caused by user input or user-supplied files."""


class InputError(TopicNMFError, ValueError):
    """A corpus, matrix or parameter that cannot be used as given."""


class NotFoundError(InputError):
    """A document id, term, item or topic that the model does not have (the message names
    the closest ones it has); ``topicnmf serve`` answers it with 404."""


class ModelFormatError(TopicNMFError):
    """A saved model directory that is missing, damaged or of an unknown format version."""


class ClusterError(TopicNMFError):
    """A Dask scheduler that cannot be reached, Dask not installed, or a distributed run that
    failed on the cluster (the message names the scheduler)."""


class NotFittedError(TopicNMFError, AttributeError):
    """A method that needs a fitted model was called on an unfitted one."""
