"""Stage 6, quality: coherence and diversity (measures), stability, the rule that recommends k
(recommend), the fits behind it (runner), and evaluate / choose_k (choose)."""
