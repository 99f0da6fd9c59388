"""Simulator inputs: the seeded within-hour demand model and MinSize per minute from scheduled actions."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import numpy as np
import pytest

from infra.model.scaling import ScheduledAction
from infra.planning.sim_inputs import hourly_sigma, min_size_series, minute_demand


def test_minute_model_keeps_every_hour_mean_and_is_seeded():
    hourly = np.array([100.0, 400.0, 250.0, 0.0, 80.0, 90.0] * 8)
    m, observed, sigma = minute_demand(hourly, seed=7)
    assert m.size == hourly.size * 60 and observed.all()
    assert m.reshape(-1, 60).mean(axis=1) == pytest.approx(hourly)
    assert (m[180:240] == 0).all()  # a zero hour stays zero
    again, _, _ = minute_demand(hourly, seed=7)
    other, _, _ = minute_demand(hourly, seed=8)
    assert np.array_equal(m, again) and not np.array_equal(m, other)
    assert sigma == hourly_sigma(hourly)


def test_minute_model_ramps_between_hours():
    m, _, _ = minute_demand(np.array([100.0, 200.0, 300.0, 400.0]), sigma=0.0)
    hour1 = m[60:120]
    assert (np.diff(hour1) > 0).all()  # climbs minute by minute inside a rising hour
    assert hour1.mean() == pytest.approx(200.0)


def test_unobserved_hours_are_interpolated_and_masked():
    hourly = np.array([100.0, np.nan, np.nan, 400.0])
    m, observed, _ = minute_demand(hourly, sigma=0.0)
    assert observed.tolist() == [True] * 60 + [False] * 120 + [True] * 60
    assert np.isfinite(m).all() and m[60:180].mean() == pytest.approx(250.0)


def test_sigma_is_the_robust_hour_to_hour_spread():
    rng = np.random.default_rng(0)
    hourly = 1000.0 * np.exp(0.1 * rng.standard_normal(5000))
    assert hourly_sigma(hourly) == pytest.approx(0.1, rel=0.05)
    assert hourly_sigma(np.full(100, 5.0)) == 0.0
    assert hourly_sigma(np.array([1.0, 2.0])) == 0.05  # too short: the documented default


def business_hours(zone: str) -> SimpleNamespace:
    return SimpleNamespace(time_zone=zone, actions=(
        ScheduledAction("mon-fri-0900", "0 9 * * MON-FRI", 20),
        ScheduledAction("mon-fri-1800", "0 18 * * MON-FRI", 5),
    ))


def test_scheduled_actions_in_their_time_zone_winter_and_summer():
    winter = min_size_series(business_hours("America/New_York"), datetime(2024, 1, 8), 2 * 1440, 3, 100)
    # Monday 2024-01-08 09:00 EST = 14:00 UTC; before it the Friday 18:00 value (5) is in force
    assert winter[839] == 5 and winter[840] == 20
    assert winter[1379] == 20 and winter[1380] == 5  # 18:00 EST = 23:00 UTC
    summer = min_size_series(business_hours("America/New_York"), datetime(2024, 7, 8), 1440, 3, 100)
    assert summer[779] == 5 and summer[780] == 20  # 09:00 EDT = 13:00 UTC


def test_weekend_keeps_the_friday_value_and_max_caps():
    sat = min_size_series(business_hours("Etc/UTC"), datetime(2024, 1, 13), 2 * 1440, 3, 100)
    assert set(sat.tolist()) == {5}
    capped = min_size_series(business_hours("Etc/UTC"), datetime(2024, 1, 8), 1440, 3, 12)
    assert capped[9 * 60] == 12


def test_no_schedule_is_the_group_minimum_and_one_time_actions_apply():
    assert set(min_size_series(None, datetime(2024, 1, 8), 100, 4, 10).tolist()) == {4}
    burst = SimpleNamespace(time_zone="Etc/UTC", actions=(
        ScheduledAction("prewarm", None, 30, start_time="2024-01-08T01:30:00Z"),))
    s = min_size_series(burst, datetime(2024, 1, 8), 180, 4, 50)
    assert s[89] == 4 and s[90] == 30 and s[179] == 30
