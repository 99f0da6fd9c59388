"""Exit codes are a contract: 2 bad input, 3 internal error (one line + a trace file), 130 interrupted."""
from __future__ import annotations

import pytest

from infra.cli import main as cli
from tests.conftest import ROOT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_internal_error_during_a_plan_is_exit_3_with_one_line_and_a_trace_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SCALING_CRASH_DIR", str(tmp_path))

    def boom(args):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setitem(cli.COMMANDS, "plan", boom)
    code, out, err = run(capsys, "plan", "--stack", "prod", "--project-dir", str(ROOT))
    assert code == 3 and out == "" and err.count("\n") == 1
    [trace] = list(tmp_path.iterdir())
    assert err == (f"error: internal error (ZeroDivisionError: division by zero); please report it; the trace is in "
                   f"{trace}\n")
    assert "Traceback" in trace.read_text() and "boom" in trace.read_text()


def test_ctrl_c_during_a_plan_is_exit_130_with_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setitem(cli.COMMANDS, "plan", interrupted)
    assert run(capsys, "plan", "--stack", "prod") == (130, "", "error: interrupted (Ctrl-C); nothing more was written\n")


@pytest.mark.parametrize("flag", ["--out", "--config-file", "--history", "--project-dir"])
def test_path_arguments_the_os_refuses_are_exit_2(capsys, tmp_path, flag):
    long = str(tmp_path / ("x" * 300))
    code, out, err = run(capsys, "plan", "--stack", "prod", "--project-dir", str(ROOT), flag, long)
    shown = long[:30] + "..."
    assert (code, out) == (2, "")
    assert err == f"error: {flag} {shown}: a path component of 300 bytes; each name holds at most 255; pass a shorter path\n"
    assert not any(tmp_path.iterdir())


def test_a_bad_stack_name_is_exit_2_naming_it(capsys, tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text((ROOT / "Pulumi.prod.yaml").read_text())
    code, out, err = run(capsys, "plan", "--stack", "Team_Prod", "--config-file", str(path))
    assert (code, out) == (2, "")
    assert err == (f"error: {path}: stack name: 'Team_Prod' cannot name AWS resources (S3, RDS, ElastiCache, ALB); need "
                   "lowercase letters, digits and single hyphens, starting with a letter, e.g. prod or team-a-prod\n")


@pytest.mark.parametrize("argv", [
    ("plan", "--stack", "dev", "--out", ""),
    ("plan", "--stack", "dev", "--history", ""),
    ("plan", "--stack", "dev", "--config-file", ""),
    ("plan", "--stack", "dev", "--project-dir", ""),
    ("forecast", "--history", ""),
    ("diff", "--base", "", "--head", "plan.json"),
])
def test_an_empty_path_argument_is_exit_2_and_nothing_is_written_to_the_current_directory(
        capsys, monkeypatch, tmp_path, argv):
    # `--out "$OUT"` with OUT unset used to write the report into the current directory (exit 0),
    # and `--history ""` planned without the history the user meant to pass.
    monkeypatch.chdir(tmp_path)
    flag = argv[argv.index("") - 1]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == f"error: {flag}: an empty path; pass a file or directory path (an unset shell variable?)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [("plan",), ("status",), ("simulate", "--history", "h.csv")])
@pytest.mark.parametrize("stack", ["", "../prod", "Prod"])
def test_a_stack_name_that_cannot_be_one_is_named_before_looking_for_its_file(capsys, argv, stack):
    # It used to say "Pulumi..yaml: (file): file not found; pass an existing Pulumi.<stack>.yaml".
    code, out, err = run(capsys, *argv, "--stack", stack, "--project-dir", str(ROOT))
    assert (code, out) == (2, "")
    assert err == (f"error: --stack: stack name: {stack!r} cannot name AWS resources (S3, RDS, ElastiCache, ALB); "
                   "need lowercase letters, digits and single hyphens, starting with a letter, e.g. prod or "
                   "team-a-prod\n")


def test_scaling_without_a_command_names_the_commands(capsys):
    # It said "error: scaling : the following arguments are required: command".
    assert run(capsys) == (2, "", "error: scaling: a command is required: one of plan, forecast, simulate, status, "
                                  "emergency, diff (scaling --help)\n")
