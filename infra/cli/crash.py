"""The outer guard of every `scaling` command: Ctrl-C is exit 130, an unexpected error is exit 3 with
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


def guarded(command: Callable[[], int]) -> int:
    """Run `command`, mapping Ctrl-C to 130 and any unexpected exception to 3 (one line + trace file)."""
    try:
        return command()
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
    try:
        tty = sys.stderr.isatty()
        sys.stderr.write((_SHOW_CURSOR if tty else "") + INTERRUPTED + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_INTERRUPTED)


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
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
