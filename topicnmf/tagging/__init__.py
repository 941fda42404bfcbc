"""Stage 6, tagging: tag folders of documents, assign a stream of records."""
