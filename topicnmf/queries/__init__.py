"""Stage 6, queries: segments, recommendations, similar documents, target groups."""
