"""``python -m topicnmf.cli``: the ``topicnmf`` command."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
