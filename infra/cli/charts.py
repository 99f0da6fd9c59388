"""PNG charts for `scaling plan --out`: per region, demand history, forecast, band and capacity.

Capacity is what the plan provisions for the api tier in requests/s: the scheduled hourly minimum
(forecast band or runbook schedule) x requests_per_instance, and the planned desired. Rendered with
matplotlib's Agg backend (no display needed).
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.config import PlatformConfig

HISTORY_HOURS_SHOWN = 4 * 168  # the last four weeks give the weekly pattern context


def chart_names(cfg: PlatformConfig) -> list[str]:
    """Relative paths of the charts, in region order (the markdown report embeds them)."""
    return [f"charts/{region.name}.png" for region in cfg.regions]


def _per_second(cfg: PlatformConfig) -> float:
    return 1 / 3600 if cfg.demand.history_unit == "requests_per_hour" else 1.0


def write_region_charts(directory: Path, cfg: PlatformConfig, plan: Any, history: Any, forecast: Any) -> list[str]:
    """Write one chart per region into `directory/charts/`; return the relative paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    total_weight = sum(r.traffic_weight for r in cfg.regions)
    rpi = cfg.tiers.api.per_instance
    written = []
    for region_cfg, name in zip(cfg.regions, chart_names(cfg)):
        region = plan.regions[region_cfg.name]
        api = region.tiers["api"]
        share = region_cfg.traffic_weight / total_weight
        schedule = api.scaling.schedule if api.scaling is not None else None
        fig, ax = plt.subplots(figsize=(11, 4.2), dpi=90)
        if forecast is not None and history is not None:
            scale = share * _per_second(cfg)
            stamps = history.timestamps[-HISTORY_HOURS_SHOWN:]
            ax.plot(stamps, history.values[-HISTORY_HOURS_SHOWN:] * scale, color="0.45", lw=0.8,
                    label="history (region share)")
            ax.plot(forecast.starts, forecast.point * scale, color="tab:blue", lw=1, label="forecast")
            ax.fill_between(forecast.starts, forecast.point * scale, forecast.upper * scale, color="tab:blue",
                            alpha=0.2, label="calibrated band")
            if schedule is not None and schedule.curve:
                capacity = [schedule.curve[t.weekday() * 24 + t.hour] * rpi for t in forecast.starts]
                ax.step(forecast.starts, capacity, where="post", color="tab:green", lw=1.2,
                        label="scheduled min capacity")
            end = forecast.starts[-1] + timedelta(hours=1)
            ax.hlines(api.desired * rpi, forecast.starts[0], end, colors="tab:red", linestyles="--", lw=1,
                      label=f"desired {api.desired} x {rpi:g} rps")
            ax.set_xlabel("time (UTC)")
        else:
            hours = list(range(168))
            if schedule is not None and schedule.curve:
                ax.step(hours, [v * rpi for v in schedule.curve], where="post", color="tab:green",
                        label=f"scheduled min capacity ({schedule.time_zone})")
            ax.hlines(api.demand, 0, 167, colors="tab:blue", label="planned peak demand")
            ax.hlines(api.desired * rpi, 0, 167, colors="tab:red", linestyles="--",
                      label=f"desired {api.desired} x {rpi:g} rps")
            ax.set_xlabel("hour of week (0 = Monday 00:00)")
        ax.set_ylabel("requests/s")
        ax.set_title(f"{region_cfg.name} api: demand vs capacity" + (" (FAILED, weight 0)" if region.failed else ""))
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
        written.append(name)
    return written
