"""Stage 5, reconstruction: answers from ``V̂ = W · H`` without ever forming it.

``V`` is terms × documents, ``W`` terms × k, ``H`` k × documents; the dense ``W @ H`` is never
computed. A column costs O(terms·k), a row or a similarity query O(documents·k), the one-off
precomputation O(documents·k²). Inner products of reconstructed columns come from a k-dim
embedding: ``G = WᵀW = L Lᵀ``, ``Z = Lᵀ H`` gives ``Z[:, i]·Z[:, j] = V̂[:, i]·V̂[:, j]``; rows
work the same way with ``F = H Hᵀ``. An all-zero reconstruction has cosine 0, never NaN.
"""
