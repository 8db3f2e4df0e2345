"""Tools for tree authors on the checked model: fmt, diff, JSON Schema, problem codes."""
