"""policies/rules/budget.py: stack-budget and stack-budget-advisory (the baseline costs $5,367.97/month)."""
from __future__ import annotations

from policies.rules.base import Violation
from policies.rules.budget import (
    STACK_BUDGET,
    emergency_ceiling,
    stack_budget,
    stack_budget_advisory,
)
from tests.policies.stacks import mutate


def test_baseline_passes(good_stack):
    assert stack_budget(good_stack, {"budget_usd": 250000}) == []
    assert stack_budget_advisory(good_stack, {"budget_usd": 250000}) == []


def test_budget_exceeded(good_stack):
    assert stack_budget(good_stack, {"budget_usd": 5000}) == [
        Violation(None, "estimated monthly cost $5,367.97 exceeds the budget of $5,000.00")]
    assert stack_budget(good_stack, {"budget_usd": 0}) == []  # no budget configured


def test_budget_emergency_ceiling(good_stack):
    assert stack_budget(good_stack, {"budget_usd": 5000, "emergency": True, "emergency_ceiling_usd": 6000}) == []
    assert stack_budget(good_stack, {"budget_usd": 5000, "emergency": True, "emergency_ceiling_usd": 5300}) == [
        Violation(None, "estimated monthly cost $5,367.97 exceeds the emergency ceiling of $5,300.00")]


def test_emergency_ceiling_defaults_to_one_and_a_half_budgets(good_stack):
    # Over a $4,000 budget, within 1.5 × 4,000 = $6,000.
    config = STACK_BUDGET.settings({"budget_usd": 4000, "emergency": True})
    assert emergency_ceiling(config) == 6000
    assert stack_budget(good_stack, config) == []
    assert stack_budget_advisory(good_stack, config) == [
        Violation(None, "EMERGENCY: estimated monthly cost $5,367.97 exceeds the budget of $4,000.00; "
                        "allowed up to the emergency ceiling of $6,000.00")]
    assert stack_budget(good_stack, {"budget_usd": 3000, "emergency": True}) == [
        Violation(None, "estimated monthly cost $5,367.97 exceeds the emergency ceiling of $4,500.00")]


def test_budget_advisory(good_stack):
    assert stack_budget_advisory(good_stack, {"budget_usd": 6000}) == [
        Violation(None, "estimated monthly cost $5,367.97 is 89% of the budget of $6,000.00 (advisory above 80%)")]
    assert stack_budget_advisory(good_stack, {"budget_usd": 6000, "advisory_pct": 92.5}) == []
    # Above the budget it is stack-budget's (mandatory) finding, not the advisory's.
    assert stack_budget_advisory(good_stack, {"budget_usd": 5000}) == []
    assert stack_budget_advisory(good_stack, {"budget_usd": 8000}) == []


def test_budget_unpriceable(good_stack):
    stack = mutate(good_stack, "prod-cache", nodeType="cache.m7g.large")
    [v] = stack_budget(stack, {"budget_usd": 1})
    assert v.message.startswith("cannot price the stack: unknown cache node type 'cache.m7g.large'; allowed: cache.t3.small")
    assert stack_budget_advisory(stack, {"budget_usd": 1}) == []  # reported once, by stack-budget


def test_pricing_model_is_the_configured_one(good_stack):
    # relay's flat model ($0.10 per instance-hour, ...) prices the same stack below the cited AWS prices.
    assert stack_budget(good_stack, {"budget_usd": 1, "pricing_model": "flat"}) == [
        Violation(None, "estimated monthly cost $3,510.68 exceeds the budget of $1.00")]
