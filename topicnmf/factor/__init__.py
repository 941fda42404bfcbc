"""Stage 3, factor: non-negative factorization V ≈ W·H and projection on a fixed W."""
