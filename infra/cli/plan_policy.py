"""The plan's policy inputs shared by `scaling plan` and `scaling emergency`: the stack's policy-pack
config with this config's budget, emergency state and edge traffic, and the plan's `cost` section.
"""
from __future__ import annotations

from typing import Any

from infra.config import PlatformConfig
from infra.cost.prices import PRICE_SOURCE
from infra.planning.edge_plan import edge_traffic
from policies import engine, rules


def policy_config_for(stack: str, cfg: PlatformConfig) -> dict[str, Any]:
    """The stack's `--policy-pack-config` file with the budget, environment, emergency state and
    edge traffic of this config, so the offline verdicts match what `pulumi preview --policy-pack`
    would say. Edge traffic is the stack's `edge.expected_*` split by provider weight
    (`edge_plan.edge_traffic`); the file's values are only the fallback for `pulumi preview`."""
    base = engine.load_policy_config(stack)
    emergency = cfg.emergency.mode == "up"
    traffic = edge_traffic(cfg)["by_provider"]
    extra: dict[str, Any] = {
        "emergency": emergency,
        # None = the rule's default, emergency_ceiling_factor × budget (policies/rules.py)
        "emergency_ceiling_usd": cfg.emergency.budget_ceiling_usd_month or 0,
        "edge_gb_month": traffic.get("aws", {}).get("gb_month", 0.0),
        "edge_requests_month": traffic.get("aws", {}).get("requests_month", 0.0),
        "cloudflare_requests_month": traffic.get("cloudflare", {}).get("requests_month", 0.0),
    }
    config = engine.with_budget(base, cfg.budget_usd_month, **extra)
    for name in ("asg-min-max", "multi-az-in-prod"):
        config[name] = {**(config.get(name) or {}), "environment": cfg.environment}
    # Issue 17: the writer check needs to know which regions are down (pulumi preview: set it in the pack config).
    config["writer-in-healthy-region"] = {**(config.get("writer-in-healthy-region") or {}),
                                          "failed_regions": list(cfg.failed_regions)}
    return config


def cost_section(cfg: PlatformConfig, resources: list, policy_config: dict[str, Any]) -> dict[str, Any]:
    """The plan's `cost`: the budget policy's own estimate (`rules.estimate_for` over the
    `stack-budget` config, edge traffic included) against the stack budget, plus the emergency
    ceiling when emergency mode is up."""
    budget = engine.rule_config(rules.RULES_BY_NAME["stack-budget"], policy_config)
    estimate = rules.estimate_for(resources, budget)
    out = {"monthly_usd": round(estimate.monthly_usd, 2), "budget_usd": cfg.budget_usd_month,
           "model": budget.get("pricing_model", "aws"), "source": PRICE_SOURCE,
           "lines": [{"item": line.item, "monthly_usd": round(line.monthly_usd, 2), "reason": line.reason}
                     for line in estimate.lines]}
    if budget.get("emergency"):
        out["emergency"] = {"mode": cfg.emergency.mode, "target": cfg.emergency.target,
                            "ceiling_usd": round(rules.emergency_ceiling(budget), 2),
                            "ceiling_source": "emergency.budget_ceiling_usd_month"
                            if cfg.emergency.budget_ceiling_usd_month else
                            f"default {budget.get('emergency_ceiling_factor')} × budget"}
    return out
