"""infra/program/batch_gc.py: the `scaling` process pauses the cyclic collector and restores it for callers."""
from __future__ import annotations

import gc
import sys

import pytest

from infra.cli import main as cli
from infra.program import batch_gc


@pytest.fixture(autouse=True)
def _collector_restored():
    was = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("enabled_before", [True, False])
def test_paused_while_running_and_restored_after(enabled_before):
    (gc.enable if enabled_before else gc.disable)()
    with batch_gc.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled_before


def test_restored_when_the_command_raises():
    gc.enable()
    with pytest.raises(RuntimeError), batch_gc.collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_in_process_main_leaves_the_collector_on(capsys):
    gc.enable()
    assert cli.main(["plan", "--stack", "nope"]) == cli.EXIT_BAD_INPUT
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert "Pulumi.nope.yaml" in capsys.readouterr().err


def test_console_entry_freezes_survivors_before_exit(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["scaling", "plan", "--stack", "nope"])
    assert cli.entry() == cli.EXIT_BAD_INPUT
    assert gc.get_freeze_count() > 0


def test_pulumi_entry_pauses_the_collector_then_runs_the_program(monkeypatch):
    import runpy

    from infra.program import main as program
    from tests.conftest import ROOT

    calls = []
    monkeypatch.setattr(program, "main", lambda: calls.append(gc.isenabled()))
    gc.enable()
    runpy.run_path(str(ROOT / "infra" / "__main__.py"), run_name="__main__")
    assert calls == [False] and not gc.isenabled()
