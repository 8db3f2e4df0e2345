"""The lint rules, one module each (see `diagtree._lint._rule` for what a rule module holds)."""
