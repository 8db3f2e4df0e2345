"""The decision log: every diagnosis and session step as one JSON line, and its replay."""
