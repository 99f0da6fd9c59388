"""PNG charts for `scaling plan --out`: one per region and tier, demand against planned capacity.

Each chart is in the tier's demand unit (api: requests/s, worker: jobs/s), y-axis from zero, legend
outside the plotting area: the demand history and forecast with its calibrated band (when a history
is configured), the scheduled minimum capacity (schedule floor x per-instance capacity) and the
planned desired capacity. A tier's share of the stack's demand is the region's traffic weight times
the tier's demand relative to the api tier's (the same ratio the capacity planner used).
Rendered with matplotlib's Agg backend (no display needed).
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen before pyplot loads

from infra.config import PlatformConfig  # noqa: E402
from infra.model.tiers import FRONT_TIER  # noqa: E402

HISTORY_HOURS_SHOWN = 4 * 168  # the last four weeks give the weekly pattern context
REFERENCE_TIER = FRONT_TIER  # the tier whose demand is the history's (requests)


def tier_names(cfg: PlatformConfig) -> list[str]:
    """The configured tiers, in plan order."""
    return cfg.tiers.names()


def chart_names(cfg: PlatformConfig) -> list[str]:
    """Relative paths of the charts, region by region, tier by tier (the markdown report embeds them)."""
    return [f"charts/{region.name}-{tier}.png" for region in cfg.regions for tier in tier_names(cfg)]


def per_instance(cfg: PlatformConfig, tier: str) -> tuple[float, str]:
    """(demand one instance serves, unit) of a tier: its role's capacity key and unit (infra/model/tiers.py)."""
    unit = cfg.tiers.role(tier).unit
    return float(cfg.tiers.get(tier).per_instance), "requests/s" if unit == "rps" else unit


def _per_second(cfg: PlatformConfig) -> float:
    return 1 / 3600 if cfg.demand.history_unit == "requests_per_hour" else 1.0


def _draw(ax: Any, cfg: PlatformConfig, tier_plan: Any, reference: Any, share: float, history: Any,
          forecast: Any, per: float, unit: str) -> None:
    schedule = tier_plan.scaling.schedule if tier_plan.scaling is not None else None
    ratio = tier_plan.demand / reference.demand if reference is not None and reference.demand else 1.0
    if forecast is not None and history is not None:
        scale = share * ratio * _per_second(cfg)
        stamps = history.timestamps[-HISTORY_HOURS_SHOWN:]
        ax.plot(stamps, history.values[-HISTORY_HOURS_SHOWN:] * scale, color="0.45", lw=0.8, label="history (share)")
        ax.plot(forecast.starts, forecast.point * scale, color="tab:blue", lw=1, label="forecast")
        ax.fill_between(forecast.starts, forecast.point * scale, forecast.upper * scale, color="tab:blue",
                        alpha=0.2, label="forecast band (calibrated upper)")
        if schedule is not None and schedule.curve:
            floor = [schedule.curve[t.weekday() * 24 + t.hour] * per for t in forecast.starts]
            ax.step(forecast.starts, floor, where="post", color="tab:green", lw=1.2, label="schedule floor (min)")
        start, end = forecast.starts[0], forecast.starts[-1] + timedelta(hours=1)
        ax.set_xlabel("time (UTC)")
    else:
        start, end = 0, 167
        if schedule is not None and schedule.curve:
            ax.step(list(range(168)), [v * per for v in schedule.curve], where="post", color="tab:green",
                    label=f"schedule floor (min, {schedule.time_zone})")
        ax.hlines(tier_plan.demand, start, end, colors="tab:blue", label="planned peak demand")
        ax.set_xlabel("hour of week (0 = Monday 00:00)")
    ax.hlines(tier_plan.desired * per, start, end, colors="tab:red", linestyles="--", lw=1,
              label=f"desired {tier_plan.desired} x {per:g} {unit}")
    ax.hlines(tier_plan.min * per, start, end, colors="tab:orange", linestyles=":", lw=1,
              label=f"min {tier_plan.min} x {per:g} {unit}")


def write_region_charts(directory: Path, cfg: PlatformConfig, plan: Any, history: Any, forecast: Any) -> list[str]:
    """Write one chart per region and tier into `directory/charts/`; return the relative paths written."""
    total_weight = sum(r.traffic_weight for r in cfg.regions)
    names = iter(chart_names(cfg))
    written = []
    for region_cfg in cfg.regions:
        region = plan.regions[region_cfg.name]
        share = region_cfg.traffic_weight / total_weight
        for tier in tier_names(cfg):
            name = next(names)
            tier_plan = region.tiers[tier]
            per, unit = per_instance(cfg, tier)
            fig, ax = plt.subplots(figsize=(12, 4.2), dpi=90)
            _draw(ax, cfg, tier_plan, region.tiers.get(REFERENCE_TIER), share, history, forecast, per, unit)
            ax.set_ylim(bottom=0)
            ax.set_ylabel(unit)
            ax.set_title(f"{region_cfg.name} {tier}: demand vs capacity ({unit})"
                         + (" (FAILED, weight 0)" if region.failed else ""))
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8)
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, bbox_inches="tight")
            plt.close(fig)
            written.append(name)
    return written
