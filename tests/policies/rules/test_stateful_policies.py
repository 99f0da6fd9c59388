"""policies/rules/stateful.py: stateful-guard and how stateful resources are recognised."""
from __future__ import annotations

import dataclasses

from policies.rules.base import Violation
from policies.rules.stateful import (
    STATEFUL_GUARD,
    is_stateful,
    stateful_guard,
    stateful_names,
)
from tests.policies.stacks import by_name


def test_baseline_passes(good_stack):
    assert stateful_guard(good_stack, {"previous_stateful": stateful_names(good_stack)}) == []


def test_stateful_removed(good_stack):
    config = STATEFUL_GUARD.settings({"previous_stateful": ["prod-db-primary", "prod-db-shard-2"]})
    assert stateful_guard(good_stack, config) == [Violation(
        "prod-db-shard-2", "stateful resource prod-db-shard-2 would be removed; set allow_stateful_removal to true to allow it")]
    assert stateful_guard(good_stack, {"previous_stateful": ["prod-db-shard-2"], "allow_stateful_removal": True}) == []


def test_stateful_recognised(good_stack):
    assert stateful_names(good_stack) == ["prod-db-primary", "prod-db-replica-1", "prod-cache"]
    assert not is_stateful(by_name(good_stack, "prod-us-east-1-nat"))
    tagged = dataclasses.replace(by_name(good_stack, "prod-us-east-1-nat"), inputs={"tags": {"stateful": "true"}})
    assert is_stateful(tagged)
