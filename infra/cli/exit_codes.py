"""Exit codes are a contract (DESIGN.md): how anything that escapes a command becomes one line.

0 ok, 1 a mandatory policy violation (and nothing else), 2 bad input, 3 an internal error, 130
interrupted (the last two: infra/cli/crash.py). Here: the path arguments the OS would refuse, checked
before any disk access.
"""
from __future__ import annotations

import os

from infra.cli.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_POLICY  # noqa: F401

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


__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_POLICY", "path_problem"]
