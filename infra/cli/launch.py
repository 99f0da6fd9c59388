"""Console script `scaling` (and `python -m infra.cli`): the command's modules load behind a Ctrl-C guard.

Loading the SDKs takes about a second before `crash.guarded` is in place; a Ctrl-C then used to print
a Python traceback. Here it is exit 130 with the same one line as a Ctrl-C later (stdlib only, so
the guard is in place before anything heavy loads).
"""
from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # infra/cli/errors.py EXIT_INTERRUPTED (not imported: this module loads first)
INTERRUPTED_LOADING = "error: interrupted (Ctrl-C) while starting; nothing was written"


def entry() -> int:
    """Load `infra.cli.main` and run its `entry()`; a Ctrl-C while loading is exit 130, one line."""
    try:
        from infra.cli import main as cli  # the loading this guards (pulumi, boto3, numpy: ~1 s)
    except KeyboardInterrupt:
        print(INTERRUPTED_LOADING, file=sys.stderr)
        return EXIT_INTERRUPTED
    return cli.entry()


if __name__ == "__main__":
    sys.exit(entry())
