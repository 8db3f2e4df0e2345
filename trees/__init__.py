"""The knowledge that ships with diagtree: trees, sub-trees, the outcome catalog, scripts, the
policy and their scenarios (data files; installed as the `diagtree_trees` package)."""
