"""Stage 6, quality: coherence, diversity, stability, and choosing k."""
