"""Stage 3, compile: checked trees → linked steps (closures) → a generated walker."""
