"""`scaling forecast` (DESIGN.md contract), `scaling plan --history` and `--out` charts, history errors."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.cli import main as cli
from tests.conftest import ROOT

TRACES = ROOT.parent / "shared" / "traces"
WIKI = TRACES / "wiki_pagecounts_hourly_2008-10_2009-12.csv"


def synthetic_history(path: Path, weeks: int = 6, base: float = 360_000.0) -> Path:
    """Hourly requests with a daily cycle and quieter weekends (values in requests per hour)."""
    start = datetime(2026, 1, 5)
    rows = ["hour,requests"]
    for h in range(weeks * 168):
        ts = start + timedelta(hours=h)
        daily = 1.0 + 0.5 * (1 if 9 <= ts.hour <= 17 else 0)
        weekend = 0.7 if ts.weekday() >= 5 else 1.0
        rows.append(f"{ts:%Y-%m-%d %H:%M:%S},{base * daily * weekend + (h % 7) * 1000:.0f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_forecast_json_contract(capsys, tmp_path):
    history = synthetic_history(tmp_path / "h.csv")
    code, out, _ = run(capsys, "forecast", "--history", str(history), "--hours", "48", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and set(doc) >= {"hours", "method", "headroom"}
    assert len(doc["hours"]) == 48
    first = doc["hours"][0]
    assert first["start"] == "2026-02-16T00:00:00"  # the hour after the last history hour
    assert all(h["capacity"] >= h["forecast"] > 0 for h in doc["hours"])
    code, out, _ = run(capsys, "forecast", "--history", str(history), "--hours", "24")
    assert code == 0 and out.startswith("method: ") and "2026-02-16T00:00:00" in out


@pytest.mark.skipif(not WIKI.exists(), reason="shared traces not beside the repo")
def test_plan_with_history_schedules_the_forecast_curve(capsys, tmp_path):
    out_dir = tmp_path / "report"
    code, out, _ = run(capsys, "plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json",
                       "--history", str(WIKI), "--set", "tiers.api.requests_per_instance=100", "--out", str(out_dir))
    doc = json.loads(out)
    assert code == 0
    api = doc["capacity"]["regions"]["us-east-1"]["tiers"]["api"]
    assert api["reason"].startswith("ceil(forecast upper band peak ")
    schedule = api["schedule"]
    assert schedule["time_zone"] == "Etc/UTC" and schedule["reason"].startswith("hour-of-week min (UTC)")
    assert len(set(schedule["hour_of_week_min"])) > 3  # a real daily/weekly shape, not a constant
    assert 3 < len(schedule["actions"]) <= 125
    actions = [r for r in doc["resources"] if r["type"] == "aws:autoscaling/schedule:Schedule"
               and r["parent"] == "prod-us-east-1-api-schedule"]
    assert {(a["inputs"]["recurrence"], a["inputs"]["minSize"]) for a in actions} == {
        (a["recurrence"], a["min_size"]) for a in schedule["actions"]}
    assert all(a["inputs"]["timeZone"] == "Etc/UTC" and a["inputs"]["maxSize"] == -1 for a in actions)
    charts = sorted(p.name for p in (out_dir / "charts").iterdir())
    assert charts == sorted(f"{region}-{tier}.png" for region in ("ap-southeast-1", "eu-west-1", "us-east-1",
                                                                  "us-west-2") for tier in ("api", "worker"))
    assert (out_dir / "charts" / "us-east-1-worker.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![us-east-1-api](charts/us-east-1-api.png)" in (out_dir / "plan.md").read_text()
    shard_map = json.loads((out_dir / "shard_map.json").read_text())
    assert shard_map == doc["outputs"]["shard_map"]


@pytest.mark.parametrize("body, expected", [
    ("hour,requests\n2026-01-01 00:00:00,abc\n", "row 2"),
    ("", "empty"),
    ("hour,requests\nyesterday,5\n", "row 2"),
    ("hour,requests\n2026-01-01 00:00:00,-5\n", "row 2"),
])
def test_bad_history_exits_2_with_one_line(capsys, tmp_path, body, expected):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    for argv in (["forecast", "--history", str(path)],
                 ["plan", "--stack", "prod", "--project-dir", str(ROOT), "--history", str(path),
                  "--out", str(tmp_path / "out")]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and str(path) in err and expected in err.lower(), err
        assert not (tmp_path / "out").exists()


def test_missing_history_file_and_bad_hours(capsys, tmp_path):
    code, _, err = run(capsys, "forecast", "--history", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err and err.count("\n") == 1
    history = synthetic_history(tmp_path / "h.csv", weeks=3)
    code, _, err = run(capsys, "forecast", "--history", str(history), "--hours", "0")
    assert code == 2 and err == "error: --hours: 0 is out of range; allowed 1..8784\n"


CSV_LINES = st.lists(st.one_of(
    st.just("2026-01-01 00:00:00,5"), st.just("2026-01-01 00:00:00,5"), st.just("x,y"), st.just(",,,"),
    st.just("2026-13-01 00:00:00,1"), st.just("2026-01-01T01:00:00+02:00,7"), st.just("2026-01-01 02:00:00,nan"),
    st.just("2026-01-01 03:00:00,-1"), st.just("2026-01-01 04:00:00,1e400"), st.text(max_size=20)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=CSV_LINES)
def test_malformed_histories_never_traceback(lines, capsys, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    path.write_text("\n".join(lines))
    code, out, err = run(capsys, "forecast", "--history", str(path), "--hours", "24", "--format", "json")
    assert code in (0, 2)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    else:
        assert len(json.loads(out)["hours"]) == 24


@pytest.mark.skipif(not WIKI.exists(), reason="shared traces not beside the repo")
def test_history_adds_a_forecast_only_predictive_policy_for_comparison():
    from tests.conftest import by_name, run_stack

    run = run_stack("prod", (f"demand.history_csv={WIKI}",))
    policy = by_name(run, "prod-us-east-1-api-scaling-predictive")
    config = policy.inputs["predictiveScalingConfiguration"]
    assert policy.inputs["policyType"] == "PredictiveScaling" and config["mode"] == "ForecastOnly"
    spec = config["metricSpecification"]
    assert spec["targetValue"] == 1000 * 60
    assert spec["predefinedMetricPairSpecification"] == {
        "predefinedMetricType": "ALBRequestCount",
        "resourceLabel": "app/prod-us-east-1-alb/0123456789abcdef/targetgroup/prod-us-east-1-api-tg/0123456789abcdef"}
    assert not [r for r in run.resources if r.name == "prod-us-east-1-worker-scaling-predictive"]
    assert not [r for r in run_stack("prod").resources if r.name.endswith("-predictive")]
