"""Stage 1, load: knowledge files → YAML data with the position of every node."""
