"""`scaling simulate` (DESIGN.md "More commands"): JSON contract, table, --out charts, backtest, bad input."""
from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest

from infra.cli import main as cli
from infra.cli.simulate import backtest_origins, load_source
from tests.conftest import ROOT

FIXTURE = str(ROOT / "tests" / "fixtures" / "nasa_3weeks_hourly.csv")
DEV = ("simulate", "--stack", "dev", "--project-dir", str(ROOT))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(capsys):
    code, out, err = run(capsys, *DEV, "--history", FIXTURE, "--unit", "requests_per_hour", "--peak-rps", "2000",
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["hours"] == 504 and doc["stack"] == "dev"
    assert [s["name"] for s in doc["strategies"]] == ["static", "schedule", "reactive", "runbook", "plan"]
    for s in doc["strategies"]:
        assert 0 <= s["short_pct"] <= 100 and s["capacity_ratio"] > 0 and s["cost_usd"] > 0
        assert isinstance(s["actions"], int)
    assert [g["group"] for g in doc["groups"]] == ["us-east-1/api", "us-east-1/worker"]
    assert "rescaled" in doc["history"]


def test_table_and_out_dir(capsys, tmp_path):
    out_dir = tmp_path / "sim"
    code, out, err = run(capsys, *DEV, "--history", FIXTURE, "--unit", "requests_per_hour", "--peak-rps", "2000",
                         "--out", str(out_dir))
    assert code == 0, err
    assert out.startswith("stack dev: 504 h of ") and "us-east-1/api (requests/s, 500/instance" in out
    assert sorted(p.name for p in (out_dir / "charts").iterdir()) == ["us-east-1-api.png", "us-east-1-worker.png"]
    assert (out_dir / "charts" / "us-east-1-api.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out_dir / "simulate.json").read_text())["hours"] == 504


def test_backtest_mode(capsys):
    code, out, err = run(capsys, *DEV, "--history", FIXTURE, "--peak-rps", "2000", "--backtest", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["hours"] == 168 and doc["mode"].startswith("backtest: 1 weekly origins")


def test_backtest_origins_are_weekly_from_the_end():
    assert backtest_origins(504) == [336]
    assert backtest_origins(1000) == [496, 664, 832]
    assert backtest_origins(1000, weeks=2) == [664, 832]
    assert backtest_origins(400) == []


@pytest.mark.parametrize("argv, message", [
    (("--history", "/nonexistent/h.csv"), "/nonexistent/h.csv"),
    (("--history", FIXTURE, "--peak-rps", "-5"), "argument --peak-rps: '-5' is out of range; allowed: a finite number > 0"),
    (("--history", FIXTURE, "--unit", "rph"), "argument --unit: invalid choice: 'rph'"),
    (("--history", FIXTURE, "--seed", "x"), "argument --seed: 'x' is not an integer; allowed: 0 or more"),
    (("--history", "cloudwatch:us-east-1"), "expected cloudwatch:<region>:<ALB dimension value>[:<days>]"),
    (("--history", "cloudwatch:us-east-1:app/web/1:9999"), "days '9999' must be a whole number 1..455"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *DEV, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_backtest_too_short_and_out_is_a_file(capsys, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("\n".join(Path(FIXTURE).read_text().splitlines()[:200]) + "\n")
    code, _, err = run(capsys, *DEV, "--history", str(short), "--backtest")
    assert code == 2 and "199 h is too short for --backtest; need at least 504 h" in err
    target = tmp_path / "file"
    target.write_text("keep")
    code, _, err = run(capsys, *DEV, "--history", FIXTURE, "--out", str(target))
    assert code == 2 and "exists and is not a directory" in err and target.read_text() == "keep"


def test_cloudwatch_source_reads_alb_request_count():
    from datetime import datetime, timedelta

    import boto3
    from moto import mock_aws

    with mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        end = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/1"}],
             "Timestamp": end - timedelta(hours=h), "Value": 3600.0 * h, "Unit": "Count"} for h in range(1, 49)])
        history, unit = load_source("cloudwatch:us-east-1:app/web/1:2", now=end)
    assert unit == "requests_per_hour" and len(history) == 48
    assert history.values[-1] == 3600.0 and history.values[0] == 3600.0 * 48
