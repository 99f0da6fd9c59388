"""The one entry point from a validated config to a CapacityPlan, used by the Pulumi program and by
`scaling plan` alike. This is the only place the pipeline order is written:
demand history -> forecast -> network + change guard (what exists) -> compute (regions, tiers, failover,
weights, nodes) -> data (shards, replicas, caches) -> scaling (triggers, vertical, spot, schedule, rollout,
emergency) -> burst events.

No pulumi, no boto3: reads the configured history CSV (infra/sources/metrics.py) and calls the pure planners.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from infra.config import PlatformConfig
from infra.model.capacity import CapacityPlan
from infra.planning import burst, capacity
from infra.planning.alerts import alert_notes
from infra.planning.change_guard import check_changes
from infra.planning.data_plan import plan_cache, plan_database
from infra.planning.failover import plan_data_failover
from infra.planning.forecast import HISTORY_ISSUE, DemandForecast, forecast_demand
from infra.planning.network import plan_network
from infra.planning.overflow import apply_overflow
from infra.planning.scaling_policy import apply_scaling
from infra.sources.metrics import HourlyHistory, load_history_csv

PROJECT_DIR = Path(__file__).resolve().parents[2]


def history_path(cfg: PlatformConfig, base_dir: Path = PROJECT_DIR) -> Path | None:
    """The configured demand history, relative paths taken from the project directory."""
    if not cfg.demand.history_csv:
        return None
    path = Path(cfg.demand.history_csv)
    return path if path.is_absolute() else base_dir / path


def load_demand(cfg: PlatformConfig, base_dir: Path = PROJECT_DIR) -> tuple[HourlyHistory | None, DemandForecast | None]:
    """(history, forecast over the planning horizon of forecast_days x 24 h), or (None, None) without
    a configured history. Raises infra.sources.metrics.HistoryError (one line: file, row, what is allowed)."""
    path = history_path(cfg, base_dir)
    if path is None:
        return None, None
    history = load_history_csv(path)
    return history, forecast_for(cfg, history)


def forecast_for(cfg: PlatformConfig, history: HourlyHistory) -> DemandForecast:
    """The plan's forecast of `history` (CSV or CloudWatch): forecast_days x 24 h with the configured growth."""
    return forecast_demand(history, hours=cfg.demand.forecast_days * 24, growth_rate_monthly=cfg.demand.growth_rate_monthly)


def plan_capacity(cfg: PlatformConfig, forecast: DemandForecast | None = None) -> CapacityPlan:
    """Compute, data tier and scaling for one stack (no burst events); `forecast` (the configured
    history's DemandForecast) replaces `peak_rps x growth` as the demand the tiers are sized for."""
    network = plan_network(cfg)
    notes = check_changes(cfg, network)  # refuses what AWS cannot do to what exists, before any sizing
    notes = alert_notes(cfg) + notes  # first: the planners' own notes keep their place at the end
    plan = apply_overflow(cfg, capacity.plan_compute(cfg, forecast))  # capacity_exhausted -> overflow_to_secondary
    database = plan_data_failover(cfg, plan_database(cfg))  # the data follows a failed primary region
    plan = dataclasses.replace(plan, database=database, cache=plan_cache(cfg), network=network,
                               notes=plan.notes + notes)
    return apply_scaling(cfg, plan)


def plan_stack(cfg: PlatformConfig, base_dir: Path = PROJECT_DIR, now: datetime | None = None,
               forecast: DemandForecast | None = None) -> CapacityPlan:
    """Everything the program builds, decided up front."""
    forecast = forecast if forecast is not None else load_demand(cfg, base_dir)[1]
    plan = plan_capacity(cfg, forecast)
    if forecast is not None:  # what the loader accepted but the reviewer should know (gaps, duplicates)
        issues = tuple(r for r in forecast.reasons if r.startswith(HISTORY_ISSUE))
        plan = dataclasses.replace(plan, notes=tuple(plan.notes) + issues)
    return burst.apply_bursts(cfg, plan, now)
