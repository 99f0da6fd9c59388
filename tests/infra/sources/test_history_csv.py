"""History CSV robustness (issue 15): one exact line per bad file; a grammar fuzz never crashes the loader
or the forecaster, and never prints a numeric warning."""
from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from infra.cli import main as cli
from infra.planning.forecast import forecast_demand
from infra.sources.metrics import HistoryError, load_history_csv
from tests.infra.config.schema_fuzz import history_csvs

T0 = datetime(2024, 3, 4)


def rows(n: int, step_h: int = 1, start: datetime = T0, value=lambda i: str(100 + i)) -> str:
    return "hour_start,requests\n" + "".join(f"{(start + timedelta(hours=i * step_h)):%Y-%m-%d %H:%M:%S},{value(i)}\n"
                                             for i in range(n))


CASES = [
    (rows(30, value=lambda i: "1,000,000" if i == 3 else "5"),
     "row 5 column 2: 1,000,000 looks like a number with thousands separators split into columns (expected a plain "
     "number such as 1000000)"),
    (rows(30, value=lambda i: '"1,000,000"' if i == 3 else "5"),
     "row 5 column 2: '1,000,000' has thousands separators (expected a plain number such as 1000000)"),
    (rows(40, step_h=24), "rows are 24 hours apart (daily data); expected one row per hour (aggregate or resample to "
                          "hourly first)"),
    (rows(30).replace("2024-03-04 03:00:00", "2024-03-04 03:30:00"),
     "row 5 column 1: '2024-03-04 03:30:00' is not an hour start (expected minutes and seconds of 00)"),
    (rows(30, start=datetime(9999, 12, 30)), "row 2 column 1: year 9999 is out of range (expected years 1970..2199)"),
    (rows(30, value=lambda i: "x" * 200_000 if i == 2 else "5"),
     "row 4: a cell over 131,072 characters (expected a timestamp or a number, at most 64 characters)"),
    (rows(30, value=lambda i: "x" * 2_000 if i == 2 else "5"),
     "row 4 column 2: a cell of 2,000 characters (expected a timestamp or a number, at most 64 characters)"),
    (rows(30, value=lambda i: "inf" if i == 2 else "5"),
     "row 4 column 2: 'inf' is not a number (expected a non-negative request count)"),
    (rows(30, value=lambda i: "1e300" if i == 2 else "5"), "row 4 column 2: 1e300 is above 1e+12 (expected a request count)"),
    (rows(30, value=lambda i: "1_000" if i == 2 else "5"),
     "row 4 column 2: '1_000' is not a number (expected a non-negative request count)"),
    ("hour_start,requests\n1970-01-01 00:00:00,1\n" + rows(30, start=datetime(2024, 1, 1)).split("\n", 1)[1],
     "spans 1970-01-01T00:00..2024-01-02T05:00, more than 20 years (expected at most 175,680 hours)"),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_history_is_one_exact_line(tmp_path, text, expected):
    path = tmp_path / "history.csv"
    path.write_text(text)
    with pytest.raises(HistoryError) as info:
        load_history_csv(path)
    assert str(info.value) == f"{path}: {expected}"


def test_unbounded_history_files_are_refused(tmp_path):
    with pytest.raises(HistoryError, match=r"^/dev/zero: is not a regular file \(expected an hourly demand CSV\)$"):
        load_history_csv("/dev/zero")


def test_forecast_cli_reports_what_the_loader_accepted(tmp_path, capsys):
    text = rows(200)
    lines = text.splitlines()
    lines.insert(20, lines[19])  # the same hour twice, same value: kept once and reported
    del lines[50:53]             # a gap
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    assert cli.main(["forecast", "--history", str(path), "--hours", "3", "--format", "json"]) == 0
    issues = __import__("json").loads(capsys.readouterr().out)["history_issues"]
    assert issues == ["1 duplicate hour (same value, kept once): 2024-03-04T18:00 (row 21)",
                      "1 gap, 3 missing hours (left as NaN, not interpolated): 2024-03-06T00:00..2024-03-06T02:00 (3 h)"]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=history_csvs())
def test_csv_grammar_fuzz_is_a_one_line_error_or_a_finite_forecast(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "history.csv"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            history = load_history_csv(path)
        except HistoryError as err:
            assert "\n" not in str(err) and str(err).startswith(f"{path}: ")
            return
        forecast = forecast_demand(history, hours=24)
    assert np.isfinite(forecast.upper).all() and (forecast.upper >= 0).all()


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=history_csvs())
def test_csv_fuzz_through_the_cli_exits_0_or_2_with_one_line(text, tmp_path_factory, capsys):
    path = tmp_path_factory.mktemp("csv") / "history.csv"
    path.write_text(text)
    code = cli.main(["forecast", "--history", str(path), "--hours", "24", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    else:
        assert err == ""


def test_a_fractional_utc_offset_names_the_utc_time_not_the_minutes(tmp_path):
    # '2024-03-04T00:00:00+05:30' was "not an hour start (expected minutes and seconds of 00)": its
    # minutes are 00; it is 18:30 UTC.
    path = tmp_path / "ist.csv"
    path.write_text("hour_start,requests\n" + "".join(
        f"{(T0 + timedelta(hours=i)):%Y-%m-%dT%H:%M:%S}+05:30,100\n" for i in range(30)))
    with pytest.raises(HistoryError) as info:
        load_history_csv(path)
    assert str(info.value) == (f"{path}: row 2 column 1: '2024-03-04T00:00:00+05:30' is 18:30 UTC, not a UTC hour "
                               "start (a UTC offset of a fraction of an hour; expected hourly rows whose UTC time "
                               "is on the hour: export them in UTC)")
