"""Terminal behaviour shared by every `scaling` command: colour, width and progress.

- Colour only when stdout is a terminal; `NO_COLOR` (any value, https://no-color.org) and `TERM=dumb`
  turn it off, `FORCE_COLOR` turns it on. Piped output and CI logs are plain text.
- Width: the terminal's on a TTY; piped, `COLUMNS` when set, else PIPE_WIDTH so long reasons stay on
  one line in files and logs.
- Progress: a spinner with the current step on stderr, only when stderr is a terminal; stdout (the
  table, JSON or markdown) never carries it.
"""
from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

from rich.console import Console

PIPE_WIDTH = 200  # piped output: wide enough that a reason rarely folds


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_wanted(stream: TextIO | None = None) -> bool:
    """True when output to `stream` (default stdout) should carry colour."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream or sys.stdout)


def output_width(stream: TextIO | None = None) -> int | None:
    """Columns to render for: None (the terminal's own) on a TTY, else COLUMNS or PIPE_WIDTH."""
    if _isatty(stream or sys.stdout):
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 40 else PIPE_WIDTH


def render(draw: Callable[[Console], None], stream: TextIO | None = None) -> str:
    """Text of what `draw` prints on a console sized and coloured for `stream` (default stdout)."""
    buffer = io.StringIO()
    stream = stream or sys.stdout
    width = output_width(stream)
    color = color_wanted(stream)
    console = Console(file=buffer, width=width if width is not None else _terminal_width(stream),
                      force_terminal=color, color_system="auto" if color else None, no_color=not color,
                      highlight=False, soft_wrap=False)
    draw(console)
    return buffer.getvalue()


def _terminal_width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return Console().width


class Progress:
    """Steps of a long command on stderr (TTY only). `step(text)` replaces the current line."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = _isatty(self.stream) and not os.environ.get("CI")
        self._status = None
        if self.enabled:
            self._status = Console(file=self.stream, stderr=True).status("")

    def step(self, text: str) -> None:
        """Show `text` as what is being done now."""
        if self._status is not None:
            self._status.update(text)

    def __enter__(self) -> "Progress":
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


_CURRENT: list[Progress] = []


@contextmanager
def progress(stream: TextIO | None = None) -> Iterator[Progress]:
    """A Progress for the duration of a command; `step()` anywhere reports to it."""
    with Progress(stream) as bar:
        _CURRENT.append(bar)
        try:
            yield bar
        finally:
            _CURRENT.remove(bar)


def step(text: str) -> None:
    """Report the current step to the running command's progress (no-op without one)."""
    if _CURRENT:
        _CURRENT[-1].step(text)
