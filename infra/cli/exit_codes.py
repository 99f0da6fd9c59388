"""Exit codes are a contract (DESIGN.md): how anything that escapes a command becomes one line.

0 ok, 1 a mandatory policy violation (and nothing else), 2 bad input, 3 an internal error, 130
interrupted. An internal error prints one line naming the exception and a file holding the full
trace; nothing reaches the terminal as a traceback. Numeric warnings (numpy's RuntimeWarning on an
edge case) are never printed: the plan and forecast say what they computed and why.
"""
from __future__ import annotations

import os
import sys
import tempfile
import traceback
import warnings
from typing import Callable

EXIT_OK, EXIT_POLICY, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Argument paths: Linux refuses a path component over 255 bytes or a path over 4096 (ENAMETOOLONG).
NAME_MAX, PATH_MAX = 255, 4096


def path_problem(text: str) -> str | None:
    """Why `text` cannot be a file path on this system, or None (checked before touching the disk)."""
    if "\x00" in text:
        return "contains a NUL character; pass a plain path"
    raw = os.fsencode(text) if text.isascii() else text.encode("utf-8", "surrogateescape")
    if len(raw) > PATH_MAX:
        return f"{len(raw)} bytes; a path holds at most {PATH_MAX}"
    longest = max((part for part in raw.split(b"/")), key=len, default=b"")
    if len(longest) > NAME_MAX:
        return f"a path component of {len(longest)} bytes; each name holds at most {NAME_MAX}"
    return None


def _trace_file(exc: BaseException) -> str:
    """Write the full trace to a fresh file in the temp directory; return its path ('' if that fails)."""
    try:
        fd, name = tempfile.mkstemp(prefix="scaling-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)))
        return name
    except OSError:
        return ""


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def run_guarded(command: Callable[[], int], bad_input: tuple[type[BaseException], ...]) -> int:
    """Run `command` (which prints its own output and returns its exit code) under the exit-code contract."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return command()
    except bad_input as err:
        print("error: " + _one_line(str(err)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # noqa: BLE001 - the contract: any unexpected error is exit 3, one line
        trace = _trace_file(err)
        where = f"; full trace in {trace}" if trace else ""
        detail = _one_line(str(err))[:200]
        print(f"error: internal error {err.__class__.__name__}: {detail}{where}", file=sys.stderr)
        return EXIT_INTERNAL


__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_POLICY", "path_problem",
           "run_guarded"]
