"""The outer guard of every `scaling` command: Ctrl-C is exit 130 (SIGTERM 143), an unexpected error is exit 3 with
one line on stderr and the traceback in a file (never on the terminal), and the package version.

The trace file goes to `SCALING_CRASH_DIR` when set, else the system temp directory, never into the
checkout or an `--out` directory.
"""
from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

from infra.cli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK

DISTRIBUTION = "scaling-platform"
INTERRUPTED = "error: interrupted (Ctrl-C); nothing more was written"
TERMINATED = "error: terminated (SIGTERM); nothing more was written"
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended
_SHOW_CURSOR = "\x1b[?25h"  # the progress spinner hides the cursor; os._exit skips its cleanup


def version() -> str:
    """The installed package version (pyproject `version`)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def write_trace(error: BaseException) -> Path:
    """Write the traceback of `error` to a new file; return its path."""
    directory = Path(os.environ.get("SCALING_CRASH_DIR") or tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    fd, name = tempfile.mkstemp(prefix=f"scaling-crash-{stamp}-", suffix=".txt", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"scaling {version()} {' '.join(sys.argv)}\n")
        out.write("".join(traceback.format_exception(error)))
    return Path(name)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job, `timeout`, `kill`): unwinds like Ctrl-C, so the `--out` staging
    directory and a `--base-ref` worktree are removed; the default action killed the process and left them."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Inside: SIGTERM raises Terminated (exit 143 through `guarded`). Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def guarded(command: Callable[[], int]) -> int:
    """Run `command`, mapping Ctrl-C to 130, SIGTERM to 143 and any unexpected exception to 3 (one line +
    trace file)."""
    try:
        with sigterm_unwinds():
            return command()
    except Terminated:
        print(TERMINATED, file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as stop:  # argparse --help / --version
        return stop.code if isinstance(stop.code, int) else EXIT_OK
    except BrokenPipeError:  # stdout closed early (`scaling plan | head`): not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the one place every unexpected error is reported
        try:
            where = f"; the trace is in {write_trace(error)}"
        except OSError as err:
            where = f"; the trace could not be written ({err.strerror})"
        message = " ".join(f"{error.__class__.__name__}: {error}".split())[:300]
        print(f"error: internal error ({message}); please report it{where}", file=sys.stderr)
        return EXIT_INTERNAL


def _exit_interrupted(signum: int, frame: object) -> None:
    term = signum == signal.SIGTERM
    try:
        tty = sys.stderr.isatty()
        sys.stderr.write((_SHOW_CURSOR if tty else "") + (TERMINATED if term else INTERRUPTED) + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_TERMINATED if term else EXIT_INTERRUPTED)


@contextmanager
def interrupt_exits_now() -> Iterator[None]:
    """Inside: Ctrl-C ends the process at once (one line, exit 130) instead of raising KeyboardInterrupt.

    For the run of the program under the SDK mocks only: a KeyboardInterrupt that lands inside the
    SDK's event loop leaves it waiting for the interrupted registration forever (the command hung
    until killed). Nothing is written to disk in that phase, so there is nothing to clean up.
    Signal handlers belong to the main thread; elsewhere (tests) this changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _exit_interrupted)
    previous_term = signal.signal(signal.SIGTERM, _exit_interrupted)  # sigterm_unwinds would hang it too
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
