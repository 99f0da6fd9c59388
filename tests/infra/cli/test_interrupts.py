"""Ctrl-C is exit 130 with one line wherever it lands: while the modules load, and while the program
runs under the SDK mocks (a KeyboardInterrupt inside the SDK's event loop used to hang the process)."""
from __future__ import annotations

import builtins

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
