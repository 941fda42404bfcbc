"""Stage 7, present: rows for tables, plots, the HTML report."""
