"""Stage 6, evolve: models that change: update with new documents, align topic ids, merge and split topics."""
