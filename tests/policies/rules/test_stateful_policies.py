"""policies/rules/stateful.py: stateful-guard against the previous plan, and how stateful resources are recognised."""
from __future__ import annotations

import dataclasses

from policies.engine import Verdict, evaluate
from policies.rules.base import Violation
from policies.rules.stateful import (
    STATEFUL_GUARD,
    is_stateful,
    stateful_guard,
    stateful_names,
)
from tests.policies.stacks import by_name

ALLOW = "; to accept it, list the name in stateful-guard.allowed"


def as_plan(stack) -> list[dict]:
    """The stack as the `resources` of a plan JSON (what --previous and the pack config carry)."""
    return [{"type": r.type, "name": r.name, "parent": r.parent, "provider": r.provider,
             "inputs": dict(r.inputs), "options": dict(r.options)} for r in stack]


def changed(stack, resource, **inputs):
    return [dataclasses.replace(r, inputs={**r.inputs, **inputs}) if r.name == resource else r for r in stack]


def guard(stack, **config):
    return stateful_guard(stack, STATEFUL_GUARD.settings(config))


def test_baseline_passes(good_stack):
    assert stateful_guard(good_stack, {"previous_stateful": stateful_names(good_stack)}) == []
    assert guard(good_stack, previous_resources=as_plan(good_stack)) == []


def test_replaced_database_names_the_input(good_stack):
    now = changed(good_stack, "prod-db-primary", storageEncrypted=False)
    found = guard(now, previous_resources=as_plan(good_stack))
    assert found[0] == Violation(
        "prod-db-primary",
        "database instance prod-db-primary (aws:rds/instance:Instance) would be replaced: storageEncrypted True -> "
        "False (encryption at rest is fixed when the storage is created); keep these inputs, or migrate the data and "
        "allow the replacement explicitly" + ALLOW)
    # its replica re-sources from the new primary (replicateSourceDb refers to it): replaced as well
    assert found[1] == Violation(
        "prod-db-replica-1",
        "read replica of prod-db-primary prod-db-replica-1 (aws:rds/instance:Instance) would be replaced: "
        "replicateSourceDb prod-db-primary -> new prod-db-primary (prod-db-primary is replaced, so this reference "
        "changes); keep these inputs, or migrate the data and allow the replacement explicitly" + ALLOW)
    assert guard(now, previous_resources=as_plan(good_stack), allowed=["prod-db-primary", "prod-db-replica-1"]) == []
    # a removal allowance does not cover a replacement
    assert len(guard(now, previous_resources=as_plan(good_stack), allow_stateful_removal=True)) == 2


def test_deleted_cache_and_replica(good_stack):
    now = [r for r in good_stack if r.name not in ("prod-cache", "prod-db-replica-1")]
    found = guard(now, previous_resources=as_plan(good_stack))
    assert [v.resource for v in found] == ["prod-cache", "prod-db-replica-1"]
    assert found[0].message == ("cache prod-cache (aws:elasticache/replicationGroup:ReplicationGroup) would be "
                                "deleted: it is not in the new plan" + ALLOW)
    assert found[1].message.startswith("read replica of prod-db-primary prod-db-replica-1 ")
    assert guard(now, previous_resources=as_plan(good_stack), allow_stateful_removal=True) == []


def test_non_stateful_changes_pass(good_stack):
    now = changed(good_stack, "prod-us-east-1-alb", name="renamed-alb")  # replaced, but holds no data
    now = [r for r in now if r.name != "prod-us-east-1-nat"]
    assert guard(now, previous_resources=as_plan(good_stack)) == []


def test_engine_verdict_through_the_pack_config(good_stack):
    now = [r for r in good_stack if r.name != "prod-cache"]
    config = {"stateful-guard": {"previous_resources": as_plan(good_stack)}}
    verdicts = [v for v in evaluate(now, config) if v.policy == "stateful-guard"]
    assert verdicts == [Verdict("stateful-guard", "mandatory", "", (
        "cache prod-cache (aws:elasticache/replicationGroup:ReplicationGroup) would be deleted: it is not in the new "
        "plan" + ALLOW))]


def test_legacy_names_list(good_stack):
    config = STATEFUL_GUARD.settings({"previous_stateful": ["prod-db-primary", "prod-db-shard-2"]})
    assert stateful_guard(good_stack, config) == [Violation(
        "prod-db-shard-2", "stateful resource prod-db-shard-2 would be removed; set allow_stateful_removal to true to allow it")]
    assert stateful_guard(good_stack, {"previous_stateful": ["prod-db-shard-2"], "allow_stateful_removal": True}) == []
    # with both lists, a resource is reported once
    now = [r for r in good_stack if r.name != "prod-cache"]
    found = guard(now, previous_resources=as_plan(good_stack), previous_stateful=["prod-cache", "prod-gone"])
    assert [v.resource for v in found] == ["prod-cache", "prod-gone"]


def test_stateful_recognised(good_stack):
    assert stateful_names(good_stack) == ["prod-db-primary", "prod-db-replica-1", "prod-cache"]
    assert not is_stateful(by_name(good_stack, "prod-us-east-1-nat"))
    tagged = dataclasses.replace(by_name(good_stack, "prod-us-east-1-nat"), inputs={"tags": {"stateful": "true"}})
    assert is_stateful(tagged)
    assert is_stateful(dataclasses.replace(good_stack[0], type="aws:kms/key:Key", name="k", inputs={}))
