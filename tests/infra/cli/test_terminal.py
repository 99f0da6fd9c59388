"""The CLI as a terminal user meets it: --version, help with examples, exit codes 3 and 130, colour and
width only on a TTY (NO_COLOR honoured), progress on stderr only on a TTY."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from infra.cli import crash, terminal
from infra.cli import main as cli
from tests.conftest import ROOT


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_version_and_help_with_examples(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"scaling {crash.version()}\n"
    for command, example in (("plan", "scaling plan --stack prod --format json > plan.json"),
                             ("forecast", "scaling forecast --history"), ("status", "scaling status --stack prod"),
                             ("emergency", "scaling emergency up --target api --stack prod --apply")):
        assert cli.main([command, "--help"]) == 0
        assert example in capsys.readouterr().out


def test_unexpected_error_is_exit_3_one_line_and_a_trace_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SCALING_CRASH_DIR", str(tmp_path))

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(cli.COMMANDS, "forecast", boom)
    assert cli.main(["forecast", "--history", "x.csv"]) == 3
    out, err = capsys.readouterr()
    traces = list(tmp_path.iterdir())
    assert out == "" and len(traces) == 1 and err.count("\n") == 1
    assert err == (f"error: internal error (ZeroDivisionError: division by zero); please report it; the trace is in "
                   f"{traces[0]}\n")
    assert "Traceback (most recent call last)" in traces[0].read_text() and "boom" in traces[0].read_text()


def test_ctrl_c_is_exit_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "forecast", interrupted)
    assert cli.main(["forecast", "--history", "x.csv"]) == 130
    assert capsys.readouterr() == ("", "error: interrupted (Ctrl-C); nothing more was written\n")


def test_sigint_to_the_console_script_exits_130():
    # a real process: Python turns SIGINT into KeyboardInterrupt inside the command
    script = ("import signal, os, sys; from infra.cli import main as cli;"
              "cli.COMMANDS['forecast'] = lambda a: os.kill(os.getpid(), signal.SIGINT);"
              "sys.exit(cli.entry())")
    proc = subprocess.run([sys.executable, "-c", script, "forecast", "--history", "x.csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr


def _draw(console) -> None:
    console.print("[bold red]DRIFT[/] " + "x" * 150)


def test_colour_and_width_follow_the_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(terminal, "_terminal_width", lambda stream: 100)
    tty = terminal.render(_draw, Tty())
    assert "\x1b[1;31mDRIFT" in tty and max(len(line) for line in tty.splitlines()) < 130  # wrapped at 100
    piped = terminal.render(_draw, io.StringIO())
    assert "\x1b[" not in piped and piped == "DRIFT " + "x" * 150 + "\n"  # PIPE_WIDTH: one line
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in terminal.render(_draw, Tty())
    monkeypatch.setenv("COLUMNS", "60")
    assert max(len(line) for line in terminal.render(_draw, io.StringIO()).splitlines()) <= 60


def test_progress_only_on_a_terminal_and_never_on_stdout(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert terminal.Progress(io.StringIO()).enabled is False
    assert terminal.Progress(Tty()).enabled is True
    monkeypatch.setenv("CI", "true")
    assert terminal.Progress(Tty()).enabled is False


@pytest.mark.parametrize("argv", [["plan", "--stack", "dev", "--format", "json"]])
def test_json_stdout_is_clean_with_a_tty_stderr(capsys, monkeypatch, argv):
    monkeypatch.delenv("CI", raising=False)
    code = cli.main([*argv, "--project-dir", str(ROOT)])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith('{\n "project": "scaling-platform"')
