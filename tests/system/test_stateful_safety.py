"""Stateful safety: no scaling change ever replaces or deletes a resource that holds data.

Property (hypothesis, bounded: every example is one mock run of the real program): for a pair of
configs that differ only in
- demand (peak_rps, tps, database.read_qps, database.write_qps),
- sizes (database.size_gb upward, cache.replicas, cache.node_type within the catalog),
- the emergency switch (mode none/up/down/reset x every target),
- failed regions,
both runs register the same stateful resources under the same names with the same
replacement-relevant inputs (below), so `pulumi up` going from one to the other updates them in
place. Shard primaries may only be added (size grows); read replicas are disposable and may come
and go, but one present in both runs must not be replaced either.

Replacement-relevant inputs per type — an input here changing means the provider replaces the
resource (Terraform `ForceNew` in the AWS provider that pulumi-aws bridges), or moves its data:

| type                                 | inputs that must never change                                   |
|--------------------------------------|-----------------------------------------------------------------|
| aws:rds/instance:Instance            | identifier, engine, availabilityZone, dbName, username,         |
|                                      | storageEncrypted, kmsKeyId, dbSubnetGroupName (moves the DB to  |
|                                      | another VPC), characterSetName, ncharCharacterSetName, timezone,|
|                                      | snapshotIdentifier, restoreToPointInTime, s3Import,             |
|                                      | customIamInstanceProfile, replicateSourceDb (a change promotes/ |
|                                      | re-sources a replica), manageMasterUserPassword                 |
|                                      | + allocatedStorage never shrinks (RDS cannot reduce storage)    |
| aws:elasticache/replicationGroup     | replicationGroupId, engine, port, subnetGroupName,              |
|   :ReplicationGroup                  | atRestEncryptionEnabled, kmsKeyId, transitEncryptionEnabled     |
|                                      | (replaces below engine 7.0.5), snapshotName, snapshotArns,      |
|                                      | preferredCacheClusterAzs, dataTieringEnabled, networkType,      |
|                                      | securityGroupNames                                              |
| aws:kms/key:Key                      | keyUsage, customerMasterKeySpec, multiRegion, customKeyStoreId, |
|                                      | xksKeyId                                                        |
| aws:rds/subnetGroup:SubnetGroup      | name, namePrefix (unset: the physical name derives from the     |
|                                      | logical name, so the logical name is the identity)              |
| aws:elasticache/subnetGroup          | name                                                            |
|   :SubnetGroup                       |                                                                 |

Options and deletion guards every stateful resource must carry (both runs):
`protect` and `retainOnDelete` (replicas excepted: disposable by design), no `deleteBeforeReplace`;
RDS primaries `deletionProtection: true`, `skipFinalSnapshot: false`, a `finalSnapshotIdentifier`;
replication groups a `finalSnapshotIdentifier` and snapshot retention; KMS keys the longest
deletion window (30 days).
"""
from __future__ import annotations

import copy
import functools
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.config import parse_platform
from infra.model.catalog import CACHE_NODE_TYPES
from tests.conftest import ROOT

RDS = "aws:rds/instance:Instance"
CACHE_RG = "aws:elasticache/replicationGroup:ReplicationGroup"
KMS_KEY = "aws:kms/key:Key"
DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"

REPLACEMENT_INPUTS: dict[str, tuple[str, ...]] = {
    RDS: ("identifier", "engine", "availabilityZone", "dbName", "username", "storageEncrypted", "kmsKeyId",
          "dbSubnetGroupName", "characterSetName", "ncharCharacterSetName", "timezone", "snapshotIdentifier",
          "restoreToPointInTime", "s3Import", "customIamInstanceProfile", "replicateSourceDb",
          "manageMasterUserPassword"),
    CACHE_RG: ("replicationGroupId", "engine", "port", "subnetGroupName", "atRestEncryptionEnabled", "kmsKeyId",
               "transitEncryptionEnabled", "snapshotName", "snapshotArns", "preferredCacheClusterAzs",
               "dataTieringEnabled", "networkType", "securityGroupNames"),
    KMS_KEY: ("keyUsage", "customerMasterKeySpec", "multiRegion", "customKeyStoreId", "xksKeyId"),
    DB_SUBNETS: ("name", "namePrefix"),
    CACHE_SUBNETS: ("name",),
}
STATEFUL = tuple(REPLACEMENT_INPUTS)
EMERGENCY_TARGETS = ("api", "worker", "database", "cache", "all")


def prod_platform() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["scaling-platform:platform"]


@functools.lru_cache(maxsize=32)
def _run(platform_json: str):
    from infra.offline.runner import run_program

    platform = json.loads(platform_json)
    parse_platform(platform, "safety.yaml")  # every generated config is a valid one
    return run_program("prod", platform, {}, skip_outputs=frozenset({"capacity"}))


def run(platform: dict):
    return _run(json.dumps(platform, sort_keys=True))


def is_replica(resource) -> bool:
    return resource.type == RDS and "replicateSourceDb" in resource.inputs


def stateful(run_) -> dict[str, object]:
    return {r.name: r for r in run_.resources if r.type in STATEFUL}


def identity(resource) -> dict[str, object]:
    return {key: resource.inputs.get(key) for key in REPLACEMENT_INPUTS[resource.type]}


def assert_guarded(resource) -> None:
    """Options and deletion guards of one stateful resource (see the module docstring)."""
    opts, i = resource.options, resource.inputs
    assert opts["deleteBeforeReplace"] is False, resource.name
    if is_replica(resource):
        return
    assert opts["protect"] is True and opts["retainOnDelete"] is True, resource.name
    if resource.type == RDS:
        assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is False, resource.name
        assert i["finalSnapshotIdentifier"] == f"{i['identifier']}-final-snapshot"
        assert i["backupRetentionPeriod"] >= 1
    elif resource.type == CACHE_RG:
        assert i["finalSnapshotIdentifier"] == f"{i['replicationGroupId']}-final-snapshot"
        assert i["snapshotRetentionLimit"] >= 1
    elif resource.type == KMS_KEY:
        assert i["deletionWindowInDays"] == 30 and i["enableKeyRotation"] is True


def assert_same_stateful(before, after, *, shards_may_grow: bool = False) -> None:
    """`after` keeps every stateful resource of `before`, by name, with the same replacement inputs."""
    old, new = stateful(before), stateful(after)
    assert old, "no stateful resources recorded"
    for name, resource in old.items():
        if is_replica(resource) and name not in new:
            continue  # replicas are disposable: scaling in removes them (novacron 5)
        assert name in new, f"{name} ({resource.type}) would be deleted"
        assert new[name].type == resource.type
        assert identity(new[name]) == identity(resource), f"{name} would be replaced"
        if resource.type == RDS:
            assert new[name].inputs.get("allocatedStorage", 0) >= resource.inputs.get("allocatedStorage", 0)
    added = {n for n, r in new.items() if n not in old and not is_replica(r)}
    if shards_may_grow:
        assert all(new[n].type == RDS and n.startswith("prod-db-shard-") for n in added), added
    else:
        assert added == set(), f"new stateful resources {sorted(added)}"
    for resource in (*old.values(), *new.values()):
        assert_guarded(resource)


# --- strategies -----------------------------------------------------------------------------------

# Bases the pairs start from (each costs one cached run): prod, and a lean two-region prod with
# demand and sizes moved down (half the resources, so half the cost of each example drawn from it).
BASES = (
    {},
    {"regions": "first-two", "demand": {"peak_rps": 12_000, "tps": 800},
     "database": {"read_qps": 2_000, "write_qps": 150, "size_gb": 900},
     "cache": {"replicas": 1, "node_type": "cache.t3.medium"}},
)


def _merge(base: dict, patch: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value == "first-two":
            out[key] = out[key][:2]
        else:
            out[key] = _merge(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def _demand(draw) -> dict:
    return {"demand": {"peak_rps": draw(st.integers(1_000, 120_000)), "tps": draw(st.integers(0, 10_000))},
            "database": {"read_qps": draw(st.integers(0, 40_000)), "write_qps": draw(st.integers(0, 4_000))}}


def _sizes(draw, base: dict) -> dict:
    size = base["database"]["size_gb"] + draw(st.integers(0, 9_000))  # upward only: at most 13 shards
    return {"database": {"size_gb": size},
            "cache": {"replicas": draw(st.integers(0, 5)), "node_type": draw(st.sampled_from(CACHE_NODE_TYPES))}}


def _emergency(draw) -> dict:
    mode = draw(st.sampled_from(("none", "up", "down", "reset")))
    return {"emergency": {"mode": mode, "target": draw(st.sampled_from(EMERGENCY_TARGETS))}}


def _failed(draw, base: dict) -> dict:
    names = [r["name"] for r in base["regions"]]  # at least one region stays healthy
    return {"failed_regions": draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=len(names) - 1))}


KINDS = ("demand", "sizes", "emergency", "failed_regions")


@st.composite
def config_pairs(draw):
    base = _merge(prod_platform(), draw(st.sampled_from(BASES)))
    kind = draw(st.sampled_from(KINDS))
    patch = {"demand": lambda: _demand(draw), "sizes": lambda: _sizes(draw, base),
             "emergency": lambda: _emergency(draw), "failed_regions": lambda: _failed(draw, base)}[kind]()
    variant = _merge(base, patch)
    return kind, base, variant


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(config_pairs())
def test_scaling_changes_never_replace_stateful_resources(pair):
    kind, base, variant = pair
    assert_same_stateful(run(base), run(variant), shards_may_grow=kind == "sizes")


# --- one explicit example per kind of change ------------------------------------------------------

EXAMPLES = {
    "demand": {"demand": {"peak_rps": 90_000, "tps": 7_500}, "database": {"read_qps": 30_000, "write_qps": 2_000}},
    "sizes": {"database": {"size_gb": 6_000}, "cache": {"replicas": 5, "node_type": "cache.r5.2xlarge"}},
    "emergency-up-all": {"emergency": {"mode": "up", "target": "all"}},
    "emergency-reset-database": {"emergency": {"mode": "reset", "target": "database"}},
    "failed-primary-region": {"failed_regions": ["us-east-1", "eu-west-1"]},
}


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_example_change_keeps_stateful_resources(kind):
    base = prod_platform()
    before, after = run(base), run(_merge(base, EXAMPLES[kind]))
    assert_same_stateful(before, after, shards_may_grow=kind == "sizes")


def test_examples_really_change_what_they_scale():
    """The examples are not vacuous: each one changes the estate it is about."""
    base = prod_platform()
    before = run(base)

    def count(run_, type_, pred=lambda r: True):
        return sum(1 for r in run_.resources if r.type == type_ and pred(r))

    sizes = run(_merge(base, EXAMPLES["sizes"]))
    assert count(sizes, RDS, lambda r: not is_replica(r)) > count(before, RDS, lambda r: not is_replica(r))
    rg = next(r for r in sizes.resources if r.type == CACHE_RG)
    assert (rg.inputs["nodeType"], rg.inputs["numCacheClusters"]) == ("cache.r5.2xlarge", 6)
    demand = run(_merge(base, EXAMPLES["demand"]))
    assert count(demand, RDS, is_replica) > count(before, RDS, is_replica)
    failed = run(_merge(base, EXAMPLES["failed-primary-region"]))
    assert failed.outputs["regions"]["us-east-1"]["weight"] == 0


def test_stateful_inventory_of_prod():
    """What the property guards in prod, by type (so a new stateful type shows up here first)."""
    names = stateful(run(prod_platform()))
    by_type: dict[str, int] = {}
    for resource in names.values():
        if not is_replica(resource):
            by_type[resource.type] = by_type.get(resource.type, 0) + 1
    assert by_type == {RDS: 4, CACHE_RG: 4, KMS_KEY: 4, DB_SUBNETS: 1, CACHE_SUBNETS: 4}
    for resource in names.values():
        assert_guarded(resource)
