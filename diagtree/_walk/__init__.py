"""Stage 4, walk: a compiled tree walked with facts fetched lazily from the sources."""
