"""`python -m diagtree …` runs the `diagtree` command."""

import sys

from diagtree._cli import main

sys.exit(main())
