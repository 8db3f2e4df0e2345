"""Vectorized replay: a compiled tree routed over a facts frame (docs/vector.md)."""
