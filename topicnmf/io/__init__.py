"""Stage 1, io: reading records and item matrices, writing files safely."""
