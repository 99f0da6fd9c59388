"""Pulumi entry point (`main: infra/` in Pulumi.yaml): runs the program in infra/program/main.py."""
import os
import sys

# Under the CLI the program directory is infra/; make the project root importable even when the
# editable install (`pip install -e .`, in requirements.txt) is missing.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from infra.program import batch_gc  # noqa: E402
from infra.program.main import main  # noqa: E402

batch_gc.pause_for_program()  # before the SDK's lazy submodule imports (see infra/program/batch_gc.py)
main()
