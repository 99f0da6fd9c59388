"""policies/rules/scaling.py: scaling-hygiene (warm-up, simple scale-in, slower in than out, bands apart)."""
from __future__ import annotations

from policies.rules.base import Violation
from policies.rules.scaling import scaling_hygiene
from tests.policies.stacks import mutate


def test_baseline_passes(good_stack):
    assert scaling_hygiene(good_stack) == []


def test_scale_out_without_warmup(good_stack):
    stack = mutate(good_stack, "prod-us-east-1-api-scale-out", estimatedInstanceWarmup=None)
    assert scaling_hygiene(stack) == [Violation(
        "prod-us-east-1-api-scale-out", "scale-out policy has neither cooldown nor estimatedInstanceWarmup")]


def test_step_scale_in_has_no_cooldown(good_stack):
    stack = mutate(good_stack, "prod-us-east-1-api-scale-in", policyType="StepScaling")
    assert scaling_hygiene(stack) == [Violation(
        "prod-us-east-1-api-scale-in", "scale-in policy is not SimpleScaling with a cooldown: the alarm "
                                       "re-invokes it every period, removing instances each minute")]


def test_scale_in_faster_than_out(good_stack):
    stack = mutate(good_stack, "prod-us-east-1-api-scale-in", cooldown=60.0)
    assert scaling_hygiene(stack) == [Violation(
        "prod-us-east-1-api-scale-in",
        "scale-in cooldown 60s is shorter than the scale-out cooldown 300s of prod-us-east-1-api-scale-out")]


def test_scale_in_threshold_inside_scale_out_band(good_stack):
    stack = mutate(good_stack, "prod-us-east-1-api-cpu-low", threshold=75.0)
    assert scaling_hygiene(stack) == [Violation(
        "prod-us-east-1-api-cpu-low",
        "scale-in threshold 75 on CPUUtilization is inside the scale-out band of prod-us-east-1-api-cpu-high (>= 70)")]
