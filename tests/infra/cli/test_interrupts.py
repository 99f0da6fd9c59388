"""Ctrl-C is exit 130 with one line wherever it lands: while the modules load, and while the program
runs under the SDK mocks (a KeyboardInterrupt inside the SDK's event loop used to hang the process)."""
from __future__ import annotations

import builtins
import subprocess
import sys
import textwrap

from infra.cli import launch
from tests.conftest import ROOT


def test_ctrl_c_while_the_modules_load_is_exit_130_with_one_line_not_a_traceback(capsys, monkeypatch):
    real_import = builtins.__import__

    def interrupted(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "infra.cli" and fromlist and "main" in fromlist:
            raise KeyboardInterrupt  # what a Ctrl-C during `import pulumi` looks like to the launcher
        return real_import(name, globals, locals, fromlist, level)
    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert launch.entry() == 130
    out, err = capsys.readouterr()
    assert (out, err) == ("", "error: interrupted (Ctrl-C) while starting; nothing was written\n")


def test_the_console_script_and_python_m_use_the_guarded_launcher():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'scaling = "infra.cli.launch:entry"' in pyproject
    assert "from infra.cli.launch import entry" in (ROOT / "infra/cli/__main__.py").read_text()


# The program run is replaced by one that gets a SIGINT while its event loop waits on a future that
# nobody resolves: the shape of the hang (the interrupted registration never completes).
HANGING_RUN = textwrap.dedent("""
    import asyncio, os, signal, sys
    from infra.offline import runner
    from infra.cli import main as cli

    def hanging_run_program(*args, **kwargs):
        loop = asyncio.new_event_loop()
        waiting = loop.create_future()
        loop.call_soon(os.kill, os.getpid(), signal.SIGINT)
        try:
            loop.run_until_complete(waiting)
        except KeyboardInterrupt:  # what the SDK did: the interrupt is swallowed and the wait resumes
            loop.run_until_complete(waiting)

    runner.run_program = hanging_run_program
    sys.exit(cli.main(["plan", "--stack", "dev", "--project-dir", sys.argv[1]]))
""")


def test_ctrl_c_while_the_program_runs_under_the_mocks_exits_130_at_once(tmp_path):
    done = subprocess.run([sys.executable, "-c", HANGING_RUN, str(ROOT)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    assert (done.returncode, done.stdout) == (130, "")
    assert done.stderr == "error: interrupted (Ctrl-C); nothing more was written\n"
    assert list(tmp_path.iterdir()) == []


# SIGTERM (a cancelled CI job) while the charts are drawn into the staging directory of --out.
TERMINATED_WRITE = textwrap.dedent("""
    import os, signal, sys, time
    from infra.cli import charts
    from infra.cli import main as cli

    def terminated(directory, *args):
        (directory / "charts").mkdir()
        (directory / "charts" / "half.png").write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # the signal arrives first

    charts.write_region_charts = terminated
    sys.exit(cli.main(["plan", "--stack", "dev", "--project-dir", sys.argv[1], "--out", sys.argv[2]]))
""")


def test_sigterm_while_writing_out_exits_143_and_leaves_no_staging_directory(tmp_path):
    # The default SIGTERM action ended the process with the .scaling-report-tmp-* directory left in DIR.
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    done = subprocess.run([sys.executable, "-c", TERMINATED_WRITE, str(ROOT), str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (143, "")
    assert done.stderr == "error: terminated (SIGTERM); nothing more was written\n"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
