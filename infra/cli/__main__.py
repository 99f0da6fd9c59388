"""`python -m infra.cli`: the same as the `scaling` console script."""
import sys

from infra.cli.launch import entry

sys.exit(entry())
