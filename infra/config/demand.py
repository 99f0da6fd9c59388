"""Demand (peak load, growth, history) and known traffic events (novacron "3. Capacity Planning").

Pure (no pulumi, no boto3).
"""
from __future__ import annotations

from typing import Annotated, Iterator, Literal

from pydantic import Field

from infra.config.base import Section, Text, Timestamp


class DemandConfig(Section):
    """Planning inputs: peak load and the growth over the planning horizon."""

    peak_rps: Annotated[float, Field(gt=0, le=1e9)]
    users: Annotated[float, Field(ge=0, le=1e12)] = 0
    tps: Annotated[float, Field(ge=0, le=1e9)] = 0
    storage_tb: Annotated[float, Field(ge=0, le=1e6)] = 0
    growth_rate_monthly: Annotated[float, Field(ge=-0.9, le=10)] = 0.0
    forecast_days: Annotated[int, Field(ge=1, le=365)] = 30
    # Worker demand in jobs/s; defaults to `tps` (each transaction queues one background job).
    jobs_per_second: Annotated[float | None, Field(ge=0, le=1e9)] = None
    # Hourly demand history (first column hour start, second column demand): the forecast replaces
    # `peak_rps x growth` when set. A relative path is relative to the project directory.
    history_csv: Text(4096, "a file path") | None = None  # type: ignore[valid-type]
    # Unit of the history's values: requests per hour (the shared traces) or requests per second.
    history_unit: Literal["requests_per_hour", "rps"] = "requests_per_hour"


class BurstEvent(Section):
    """A known traffic event (novacron "3. Capacity Planning" BurstCapacityPlanner)."""

    # Part of scheduled-action names (event-<name>-warm): unique, lowercase, hyphens.
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$",
                               description="an event name: 1-41 lowercase letters, digits and hyphens")]
    # ISO 8601; an unquoted YAML timestamp or a bare date works too; a value without offset is UTC.
    start: Timestamp
    # At least 15 minutes (the warm-up granularity), at most a month.
    duration_hours: Annotated[float, Field(ge=0.25, le=24 * 31)]
    peak_multiplier: Annotated[float, Field(ge=1, le=100)]
    warmup_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 15
    # Tier names (checked against `tiers`); None = every tier.
    tiers: Annotated[list[str], Field(min_length=1, max_length=16)] | None = None


def event_problems(events: list[BurstEvent]) -> Iterator[tuple[str, str]]:
    """Event names name scheduled actions: two events with one name would collide."""
    names = [event.name for event in events]
    for i, event in enumerate(events):
        if names.index(event.name) != i:
            yield f"events[{i}].name", f"{event.name!r} is used by events[{names.index(event.name)}]; event names must be unique"
        if event.tiers is not None and len(set(event.tiers)) != len(event.tiers):
            yield f"events[{i}].tiers", "a tier is listed twice; list each tier once"
