"""The vocabulary below every stage: taxonomy, fact types, the complaint. No I/O."""
