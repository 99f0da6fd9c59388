"""Cost policies: the stack's estimated monthly cost against its budget (or the emergency ceiling).

CrossGuard gives one enforcement level per policy, so the mandatory limit and the 80 % warning are
two policies sharing one config schema (`BudgetConfig`); `scaling plan` sets both entries from the
stack's `budget_usd_month` (policies/engine.py `with_budget`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from infra.cost.lines import CostEstimate, PricingError
from infra.cost.prices import EMERGENCY_CEILING_FACTOR, MODELS
from infra.cost.pricing import estimate_stack
from infra.model.recorded import RecordedResource
from policies.rules.base import (
    ADVISORY,
    MANDATORY,
    NonNegative,
    PolicyConfig,
    StackPolicy,
    Violation,
)

DEFAULT_EMERGENCY_CEILING_FACTOR = EMERGENCY_CEILING_FACTOR  # chosen default, see infra/cost/prices.py
DEFAULT_ADVISORY_PCT = 80.0  # warn at 80 % of the budget: this project's choice (the runbooks give none)


class BudgetConfig(PolicyConfig):
    budget_usd: Annotated[NonNegative, Field(description="Monthly budget in USD; 0 = no budget check")] = 0
    advisory_pct: Annotated[float, Field(ge=0, le=100, description="Advisory above this percentage of the budget")] \
        = DEFAULT_ADVISORY_PCT
    emergency: Annotated[bool, Field(
        description="Emergency scaling in progress: the ceiling is emergency_ceiling_usd")] = False
    emergency_ceiling_usd: Annotated[NonNegative, Field(
        description="Monthly ceiling in USD while emergency is true; 0 = emergency_ceiling_factor × budget_usd")] = 0
    emergency_ceiling_factor: Annotated[float, Field(
        ge=1, description="Ceiling = this × budget_usd when emergency_ceiling_usd is 0")] \
        = DEFAULT_EMERGENCY_CEILING_FACTOR
    pricing_model: Annotated[Literal[MODELS], Field(  # type: ignore[valid-type]
        description="infra.cost.pricing model: aws (cited price list) or flat (relay)")] = "aws"
    edge_gb_month: Annotated[NonNegative, Field(description="Expected CloudFront data transfer out, GB per month")] = 0
    edge_requests_month: Annotated[NonNegative, Field(description="Expected CloudFront HTTPS requests per month")] = 0
    cloudflare_requests_month: Annotated[NonNegative, Field(
        description="Expected Cloudflare requests per month (Workers by route)")] = 0


def estimate_for(resources: list[RecordedResource], config: BudgetConfig | Mapping[str, Any]) -> CostEstimate:
    """The stack's cost as the budget policies see it: `infra.cost.pricing.estimate_stack` with the
    budget config's model and edge traffic. `scaling plan` prints this same estimate."""
    cfg = BudgetConfig.of(config)
    return estimate_stack(
        resources, model=cfg.pricing_model, edge_gb_month=float(cfg.edge_gb_month),
        edge_requests_month=float(cfg.edge_requests_month),
        cloudflare_requests_month=float(cfg.cloudflare_requests_month))


def emergency_ceiling(config: BudgetConfig | Mapping[str, Any]) -> float:
    """The mandatory ceiling while `emergency` is true: `emergency_ceiling_usd`, or when that is 0,
    `emergency_ceiling_factor` × `budget_usd`."""
    cfg = BudgetConfig.of(config)
    if cfg.emergency_ceiling_usd > 0:
        return float(cfg.emergency_ceiling_usd)
    return float(cfg.emergency_ceiling_factor) * float(cfg.budget_usd)


def _budget_numbers(resources: list[RecordedResource], cfg: BudgetConfig) -> tuple[float, float, bool, float]:
    estimate = estimate_for(resources, cfg)
    budget = float(cfg.budget_usd)
    ceiling = emergency_ceiling(cfg) if cfg.emergency else budget
    return estimate.monthly_usd, budget, cfg.emergency, ceiling


# ---------------------------------------------------------------------------- stack-budget

OVER_BUDGET = "estimated monthly cost ${cost:,.2f} exceeds the budget of ${budget:,.2f}"
OVER_CEILING = "estimated monthly cost ${cost:,.2f} exceeds the emergency ceiling of ${ceiling:,.2f}"
UNPRICEABLE = "cannot price the stack: {error}"


def stack_budget(resources: list[RecordedResource], config: BudgetConfig | Mapping[str, Any]) -> list[Violation]:
    """Mandatory: the estimated monthly cost must not exceed `budget_usd` (or, when `emergency`
    is true, the emergency ceiling). A budget of 0 means "no budget configured" (no check)."""
    cfg = BudgetConfig.of(config)
    try:
        cost, budget, emergency, ceiling = _budget_numbers(resources, cfg)
    except PricingError as err:
        return [Violation(None, UNPRICEABLE.format(error=err))]
    if budget <= 0 or (emergency and ceiling <= 0) or cost <= ceiling:
        return []
    if emergency:
        return [Violation(None, OVER_CEILING.format(cost=cost, ceiling=ceiling))]
    return [Violation(None, OVER_BUDGET.format(cost=cost, budget=budget))]


STACK_BUDGET = StackPolicy(
    "stack-budget", "The stack's estimated monthly cost stays within its budget (or the emergency ceiling).",
    MANDATORY, stack_budget, BudgetConfig, (OVER_BUDGET, OVER_CEILING, UNPRICEABLE))

# ---------------------------------------------------------------------------- stack-budget-advisory

NEAR_BUDGET = ("estimated monthly cost ${cost:,.2f} is {share:.0%} of the budget of ${budget:,.2f} "
               "(advisory above {advisory_pct:g}%)")
EMERGENCY_OVER_BUDGET = ("EMERGENCY: estimated monthly cost ${cost:,.2f} exceeds the budget of ${budget:,.2f}; "
                         "allowed up to the emergency ceiling of ${ceiling:,.2f}")


def stack_budget_advisory(resources: list[RecordedResource],
                          config: BudgetConfig | Mapping[str, Any]) -> list[Violation]:
    """Advisory: the estimated cost is above `advisory_pct`% of `budget_usd` while still under the
    mandatory ceiling (above it, `stack-budget` reports instead); during an emergency, a cost over
    the budget but within the ceiling gets the emergency message."""
    cfg = BudgetConfig.of(config)
    try:
        cost, budget, emergency, ceiling = _budget_numbers(resources, cfg)
    except PricingError:
        return []  # stack-budget reports it, once
    if budget <= 0:
        return []
    limit = ceiling if (emergency and ceiling > 0) else budget
    if emergency and budget < cost <= limit:
        return [Violation(None, EMERGENCY_OVER_BUDGET.format(cost=cost, budget=budget, ceiling=ceiling))]
    if cost > budget * cfg.advisory_pct / 100.0 and cost <= limit:
        return [Violation(None, NEAR_BUDGET.format(cost=cost, share=cost / budget, budget=budget,
                                                   advisory_pct=cfg.advisory_pct))]
    return []


STACK_BUDGET_ADVISORY = StackPolicy(
    "stack-budget-advisory", "Warn when the stack's estimated monthly cost nears its budget.",
    ADVISORY, stack_budget_advisory, BudgetConfig, (NEAR_BUDGET, EMERGENCY_OVER_BUDGET))
