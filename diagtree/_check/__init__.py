"""Stage 2, check: read and check every knowledge file → a checked, not yet compiled, library."""
