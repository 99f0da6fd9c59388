"""Smoke run of the typed-vs-plain SDK registration bench (two small fresh processes)."""
from __future__ import annotations

import json

from bench.sdk_typed_overhead import main

SCHEDULE = "aws:autoscaling/schedule:Schedule"


def test_bench_times_typed_and_plain_registrations_of_one_type(capsys):
    assert main(["--count", "5", "--type", SCHEDULE]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["count"] == 5 and list(out["types"]) == [SCHEDULE]
    row = out["types"][SCHEDULE]
    assert row["typed_ms"] > 0 and row["plain_ms"] > 0
    assert abs(row["typed_over_plain"] - row["typed_ms"] / row["plain_ms"]) < 0.02
