"""Tool: the scenario runner and branch coverage, the test runner as a product."""
