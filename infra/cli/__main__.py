"""`python -m infra.cli`: the same as the `scaling` console script."""
import sys

from infra.cli.main import entry

sys.exit(entry())
