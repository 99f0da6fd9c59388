"""History loaders: gaps, duplicates, offsets, bad rows (CSV) and CloudWatch via moto."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from infra.cli import main as cli
from infra.sources.metrics import (
    MIN_OBSERVED_HOURS,
    HistoryError,
    HourlyHistory,
    load_history_cloudwatch,
    load_history_csv,
)
from tests.conftest import ROOT

TRACES = Path("/work/shared/traces")
T0 = datetime(2024, 3, 4, 0, 0)  # a Monday


def write(tmp_path: Path, rows: list[str], header: str | None = "hour_start,requests") -> Path:
    p = tmp_path / "history.csv"
    p.write_text("\n".join(([header] if header else []) + rows) + "\n")
    return p


def hourly_rows(n: int, start: datetime = T0, skip: set[int] = frozenset(), fmt: str = "%Y-%m-%d %H:%M:%S") -> list[str]:
    return [f"{(start + timedelta(hours=i)).strftime(fmt)},{100 + i}" for i in range(n) if i not in skip]


def test_clean_file_with_and_without_header(tmp_path):
    for header in ("hour_start,requests", None):
        h = load_history_csv(write(tmp_path, hourly_rows(30), header))
        assert h.start == T0 and len(h) == 30 and h.observed_hours == 30
        assert h.values[0] == 100.0 and h.values[-1] == 129.0
        assert h.issues == ()
        assert h.timestamps[1] == T0 + timedelta(hours=1)
        assert h.end == T0 + timedelta(hours=30)


def test_gaps_are_nan_and_reported_not_interpolated(tmp_path):
    h = load_history_csv(write(tmp_path, hourly_rows(40, skip={5, 20, 21, 22})))
    assert len(h) == 40 and h.observed_hours == 36 and h.missing_hours == 4
    assert np.isnan(h.values[[5, 20, 21, 22]]).all()
    assert h.values[4] == 104.0 and h.values[6] == 106.0
    assert h.issues == (
        "2 gaps, 4 missing hours (left as NaN, not interpolated): "
        "2024-03-04T05:00..2024-03-04T05:00 (1 h), 2024-03-04T20:00..2024-03-04T22:00 (3 h)",
    )


def test_blank_value_is_missing_and_reported(tmp_path):
    rows = hourly_rows(30)
    rows[3] = rows[3].split(",")[0] + ","
    h = load_history_csv(write(tmp_path, rows))
    assert math.isnan(h.values[3])
    assert h.issues[0] == "1 row with a blank/NaN demand (treated as missing)"
    assert "1 gap, 1 missing hours" in h.issues[1]


def test_same_hour_same_value_is_kept_once_and_reported(tmp_path):
    rows = hourly_rows(30)
    rows.insert(10, rows[9])
    h = load_history_csv(write(tmp_path, rows))
    assert len(h) == 30 and h.values[9] == 109.0
    assert h.issues == ("1 duplicate hour (same value, kept once): 2024-03-04T09:00 (row 12)",)


def test_same_hour_with_two_values_is_refused(tmp_path):
    rows = hourly_rows(30)
    rows.insert(10, rows[9].split(",")[0] + ",999")
    path = write(tmp_path, rows)
    with pytest.raises(HistoryError) as info:
        load_history_csv(path)
    assert str(info.value) == (f"{path}: row 12 column 1: hour 2024-03-04T09:00 is given twice with different values "
                               "(109 at row 11, 999 here); expected one value per hour")


def test_out_of_order_rows_are_sorted_and_reported(tmp_path):
    rows = hourly_rows(30)
    rows[2], rows[3] = rows[3], rows[2]
    h = load_history_csv(write(tmp_path, rows))
    assert list(h.values[:5]) == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert h.issues == ("rows were not in time order; sorted by hour",)


def test_utc_offsets_are_converted_to_utc_naive(tmp_path):
    rows = hourly_rows(30, start=datetime(2024, 3, 4, 2, 0), fmt="%Y-%m-%dT%H:%M:%S+02:00")
    h = load_history_csv(write(tmp_path, rows))
    assert h.start == datetime(2024, 3, 4, 0, 0) and h.start.tzinfo is None
    assert h.issues == ("timestamps carry UTC offsets (+0200); converted to UTC",)
    z = hourly_rows(30, fmt="%Y-%m-%dT%H:%M:%SZ")
    assert load_history_csv(write(tmp_path, z)).start == T0


def test_dst_offset_change_lines_up_in_utc(tmp_path):
    # EDT -> EST: the local 01:00 hour repeats, but in UTC the grid stays contiguous.
    rows = [f"2024-11-03T0{h}:00:00-04:00,{h}" for h in range(0, 2)] + [
        f"2024-11-03T{h:02d}:00:00-05:00,{h}" for h in range(1, 24)
    ] + [f"2024-11-04T{h:02d}:00:00-05:00,{h}" for h in range(0, 10)]
    h = load_history_csv(write(tmp_path, rows))
    assert h.start == datetime(2024, 11, 3, 4, 0)
    assert h.missing_hours == 0 and len(h) == 35
    assert h.issues == ("timestamps carry UTC offsets (-0400, -0500); converted to UTC",)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.__setitem__(15, "2024-03-04 15:00:00,abc"),
         "history.csv: row 17 column 2: 'abc' is not a number (expected a non-negative request count)"),
        (lambda r: r.__setitem__(15, "2024-03-04 15:00:00,-5"),
         "history.csv: row 17 column 2: -5 is negative (expected a non-negative request count)"),
        (lambda r: r.__setitem__(15, "yesterday,5"),
         "history.csv: row 17 column 1: 'yesterday' is not a timestamp "
         "(expected an ISO hour start such as 2009-10-15 00:00:00)"),
        (lambda r: r.__setitem__(15, "2024-03-04 15:30:00,5"),
         "history.csv: row 17 column 1: '2024-03-04 15:30:00' is not an hour start "
         "(expected minutes and seconds of 00)"),
        (lambda r: r.__setitem__(15, "2024-03-04T15:00:00+00:00,5"),
         "history.csv: row 17 column 1: mixes timestamps with and without a UTC offset "
         "(rows 2 and 17; expected one convention for the whole file)"),
        (lambda r: r.__setitem__(15, "2024-03-04 15:00:00"),
         "history.csv: row 17: 1 column (expected 'hour start timestamp, demand')"),
    ],
)
def test_bad_rows_raise_one_line_error(tmp_path, mutate, message):
    rows = hourly_rows(30)
    mutate(rows)
    with pytest.raises(HistoryError) as exc:
        load_history_csv(write(tmp_path, rows))
    assert str(exc.value) == f"{tmp_path}/{message}"  # the path as the user gave it
    assert "\n" not in str(exc.value)


def test_empty_missing_short_and_all_nan_files(tmp_path):
    empty = tmp_path / "history.csv"
    empty.write_text("")
    with pytest.raises(HistoryError, match=r"/history.csv: file is empty \(expected rows of"):
        load_history_csv(empty)
    with pytest.raises(HistoryError, match=r"nope.csv: file not found \(expected an hourly demand CSV\)$"):
        load_history_csv(tmp_path / "nope.csv")
    with pytest.raises(HistoryError) as exc:
        load_history_csv(write(tmp_path, hourly_rows(MIN_OBSERVED_HOURS - 1)))
    assert str(exc.value) == (
        f"{tmp_path}/history.csv: only {MIN_OBSERVED_HOURS - 1} hours with a value "
        f"(expected at least {MIN_OBSERVED_HOURS} hourly rows of demand)"
    )
    nan_rows = [r.split(",")[0] + ",nan" for r in hourly_rows(30)]
    with pytest.raises(HistoryError, match=r"/history.csv: only 0 hours with a value"):
        load_history_csv(write(tmp_path, nan_rows))
    with pytest.raises(HistoryError, match=r"/history.csv: only a header row"):
        load_history_csv(write(tmp_path, []))


def test_shipped_nasa_trace_reports_the_hurricane_outage():
    h = load_history_csv(TRACES / "nasa_http_hourly_1995.csv")
    assert h.start == datetime(1995, 7, 1) and len(h) == 1488 and h.observed_hours == 1368
    gaps = [i for i in h.issues if "gaps" in i][0]
    assert "1995-07-28T14:00..1995-07-31T23:00 (82 h)" in gaps
    assert "1995-08-01T15:00..1995-08-03T04:00 (38 h)" in gaps


def test_history_values_are_read_only():
    h = HourlyHistory(T0, [1.0, 2.0], "x")
    with pytest.raises(ValueError):
        h.values[0] = 5.0


# ----------------------------------------------------------------------------- CloudWatch

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")
UTC0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def seed(cw, namespace, name, dim, value_of, hours, skip):
    data = []
    for i in range(hours):
        if i in skip:
            continue
        for minute in (5, 35):  # two datapoints in the hour: Sum adds them, Average averages
            data.append({"MetricName": name, "Dimensions": [dim],
                         "Timestamp": UTC0 + timedelta(hours=i, minutes=minute), "Value": value_of(i, minute)})
    for k in range(0, len(data), 20):
        cw.put_metric_data(Namespace=namespace, MetricData=data[k:k + 20])


class Pager:
    """moto ignores MaxDatapoints, so split its answer into NextToken pages like CloudWatch."""

    def __init__(self, client, size):
        self.client, self.size, self.calls = client, size, 0

    def get_metric_data(self, **kw):
        self.calls += 1
        token = int(kw.pop("NextToken", 0))
        kw.pop("MaxDatapoints", None)
        full = self.client.get_metric_data(**kw)["MetricDataResults"][0]
        page = slice(token, token + self.size)
        resp = {"MetricDataResults": [{"Id": full["Id"], "Timestamps": full["Timestamps"][page],
                                       "Values": full["Values"][page]}]}
        if token + self.size < len(full["Timestamps"]):
            resp["NextToken"] = str(token + self.size)
        return resp


def test_cloudwatch_alb_request_count_hourly_sum_with_gap_and_pages():
    with moto.mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        seed(cw, "AWS/ApplicationELB", "RequestCount", {"Name": "LoadBalancer", "Value": "app/web/abc"},
             lambda i, m: 100.0 + i if m == 5 else 1.0, 48, skip={10, 11, 12})
        pager = Pager(cw, 10)
        h = load_history_cloudwatch("us-east-1", load_balancer="app/web/abc", start=UTC0,
                                    end=UTC0 + timedelta(hours=48), client=pager, max_datapoints=10)
    assert pager.calls == 5  # 45 hourly datapoints in pages of 10
    assert h.start == datetime(2024, 1, 1) and len(h) == 48 and h.observed_hours == 45
    assert h.values[0] == 101.0 and h.values[47] == 148.0  # Sum of both datapoints in the hour
    assert np.isnan(h.values[10:13]).all()
    assert h.source == "cloudwatch:us-east-1:alb app/web/abc RequestCount Sum/h"
    assert h.issues == (
        "fetched in 5 pages",
        "1 gap, 3 missing hours (left as NaN, not interpolated): 2024-01-01T10:00..2024-01-01T12:00 (3 h)",
    )


def test_cloudwatch_asg_cpu_average_and_trailing_gap():
    with moto.mock_aws():
        cw = boto3.client("cloudwatch", region_name="eu-west-1")
        seed(cw, "AWS/EC2", "CPUUtilization", {"Name": "AutoScalingGroupName", "Value": "web-asg"},
             lambda i, m: 40.0 if m == 5 else 60.0, 30, skip=set())
        h = load_history_cloudwatch("eu-west-1", asg_name="web-asg", start=datetime(2024, 1, 1),
                                    end=datetime(2024, 1, 2, 8), client=cw)
    assert len(h) == 32 and h.observed_hours == 30
    assert set(h.values[:30]) == {50.0}
    assert "2024-01-02T06:00..2024-01-02T07:00 (2 h)" in h.issues[-1]


def test_cloudwatch_bad_arguments():
    with pytest.raises(HistoryError, match="give exactly one of load_balancer or asg_name"):
        load_history_cloudwatch("us-east-1", start=UTC0, end=UTC0 + timedelta(hours=5), client=object())
    with pytest.raises(HistoryError, match=r"end 2024-01-01T00:00 is not after start"):
        load_history_cloudwatch("us-east-1", asg_name="a", start=UTC0, end=UTC0, client=object())
    with moto.mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        with pytest.raises(HistoryError, match=r"^cloudwatch:us-east-1:asg empty CPUUtilization Average/h: only 0 hours"):
            load_history_cloudwatch("us-east-1", asg_name="empty", start=UTC0,
                                    end=UTC0 + timedelta(hours=30), client=cw)


@pytest.mark.parametrize("stamp", ["99999999999999999999", "999999999999"])
def test_out_of_range_unix_seconds_exit_2_naming_file_and_row(capsys, tmp_path, stamp):
    # Digits-only cells are Unix seconds; these overflow datetime (OverflowError / year out of range).
    rows = hourly_rows(30)
    rows[15] = f"{stamp},5"
    path = write(tmp_path, rows)
    for argv in (["forecast", "--history", str(path)],
                 ["plan", "--stack", "prod", "--project-dir", str(ROOT), "--history", str(path),
                  "--out", str(tmp_path / "out")]):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err == (f"error: {path}: row 17 column 1: {stamp!r} is not a timestamp "
                       "(expected an ISO hour start such as 2009-10-15 00:00:00)\n")
        assert not (tmp_path / "out").exists()
