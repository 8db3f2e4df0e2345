# `diagtree_adapters.demo` for mypy (see ../__init__.pyi): exactly `adapters.demo.__all__`.
from adapters.demo import *  # noqa: F403 - the re-export is the point
