# The installed name of adapters/ (pyproject's package-dir maps diagtree_adapters → adapters),
# for mypy: the editable install provides it through an import hook mypy cannot follow, so the
# CLI's `import diagtree_adapters` would otherwise be unchecked (Any). `import *` re-exports
# exactly `adapters.__all__`, so this stub cannot drift from the package; mypy checks adapters/
# itself under the name `adapters` (pyproject: files).
from adapters import *  # noqa: F403 - the re-export is the point
from adapters import demo as demo
