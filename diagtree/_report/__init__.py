"""Quality analytics over a results frame (`diagtree report`): tables, charts, one HTML page.

`frame` reads the columns a report needs from a results file (CSV, Parquet, JSON lines),
`tables` computes every table with pandas group-bys (the regulator's three classes, a mapping
of categories kept in a knowledge file, are read by `diagtree._check.regulator`), `paths`
counts the walks through each tree node (what `diagtree render --paths` lays over a tree),
`svg` draws the charts by hand and `page` writes the self-contained HTML page and the CSV
tables.
"""
