"""Exit codes of every `scaling` command (DESIGN.md) and the errors that map to them.

0 ok; 1 a policy violation or a finding (drift, a refused or partly applied emergency); 2 bad input,
one line naming the file or flag, the key and what is allowed (missing AWS credentials included);
3 an unexpected error: one line plus a file with the traceback; 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

EXIT_OK, EXIT_POLICY, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class InputError(Exception):
    """Bad command-line input; `str()` is the one line printed before exiting 2."""


class CommandFailed(Exception):
    """A command that ran but must exit non-zero with one line on stderr, after printing `output`
    (e.g. an emergency apply that stopped part-way: the output says what was applied)."""

    def __init__(self, message: str, code: int, output: str = ""):
        super().__init__(message)
        self.code = code
        self.output = output
