"""Stage 2, text: preprocessing and the terms × documents tf-idf matrix."""
