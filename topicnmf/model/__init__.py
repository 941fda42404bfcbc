"""Stage 4, model: the TopicModel estimator, its checks and its saved form."""
