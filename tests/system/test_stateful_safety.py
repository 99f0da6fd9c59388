"""Stateful safety: no change ever replaces or deletes what holds data, or the network it sits on, unless
the plan refuses it (exit 2, one line) or the config says so explicitly.

Every pair below runs the real program twice under the SDK mocks and compares what was registered.
Mock ids are name-based (`<name>_id`), so a moved VPC would not show through a subnet's `vpcId`: the
comparison is on each resource's own replacement-relevant inputs (REPLACEMENT_INPUTS), and on whole inputs
where the pair promises byte-identical resources (the regions a region-list change does not touch).

Pairs:
- scaling changes (hypothesis): demand, sizes, emergency mode x target, failed regions, and region-list
  changes (insert, remove, reorder), on the bundled prod stack and a lean two-region one, each once as a
  new stack and once with what exists declared (`deployed`, taken from its own plan as
  `scaling plan --previous` does); a removed deployed region must be refused;
- region insert first / in the middle, removal and reorder: every other region's network, subnet groups,
  security groups, keys, caches and the shards keep byte-identical inputs and options;
- halving the shard target on a deployed stack keeps every replica of the existing shards.

Replacement-relevant inputs per type — an input here changing makes the provider replace the resource
(pulumi-aws bridges the Terraform AWS provider: its `ForceNew` arguments; Pulumi registry pages "Changes to
this property will trigger replacement"), or moves its data. helper `diff`'s infra/model/replacement_table.py
is the one table for the product; this one is the subset the program registers, kept here for the tests:

| type                                 | inputs that must never change                                   |
|--------------------------------------|-----------------------------------------------------------------|
| aws:rds/instance:Instance            | identifier, engine, availabilityZone, dbName, username,         |
|                                      | storageEncrypted, kmsKeyId, dbSubnetGroupName, characterSetName,|
|                                      | ncharCharacterSetName, timezone, snapshotIdentifier,            |
|                                      | restoreToPointInTime, s3Import, customIamInstanceProfile,       |
|                                      | replicateSourceDb, manageMasterUserPassword                     |
|                                      | + allocatedStorage never shrinks (RDS cannot reduce storage)    |
| aws:elasticache/replicationGroup     | replicationGroupId, engine, port, subnetGroupName,              |
|                                      | atRestEncryptionEnabled, kmsKeyId, transitEncryptionEnabled,    |
|                                      | snapshotName, snapshotArns, preferredCacheClusterAzs,           |
|                                      | dataTieringEnabled, networkType, securityGroupNames             |
| aws:kms/key:Key                      | keyUsage, customerMasterKeySpec, multiRegion, customKeyStoreId  |
| aws:rds/subnetGroup, elasticache/... | name, namePrefix (unset: the logical name is the identity)      |
| aws:ec2/vpc:Vpc                      | cidrBlock, instanceTenancy                                      |
| aws:ec2/subnet:Subnet                | vpcId, cidrBlock, availabilityZone                              |
| aws:ec2/securityGroup:SecurityGroup  | name, namePrefix, description, vpcId                            |
| aws:rds/parameterGroup               | name, namePrefix, family                                        |
| aws:ec2/eip:Eip, natGateway          | domain, address / subnetId, allocationId, connectivityType      |
| aws:lb/loadBalancer (its DNS name)   | name, namePrefix, internal, loadBalancerType                    |
| aws:route53/record:Record            | zoneId, name, type, setIdentifier                               |
| aws:kms/alias:Alias                  | name                                                            |

Guards every stateful resource carries (both runs): `protect` + `retainOnDelete`, no `deleteBeforeReplace`;
shard primaries `deletionProtection`, backups, `skipFinalSnapshot: false` + a `finalSnapshotIdentifier`;
replication groups a `finalSnapshotIdentifier` and snapshot retention; KMS keys rotation and the longest
deletion window (30 days). Read replicas are the one exception, by design: scaling in deletes them (novacron 5
manage_read_replicas remove: --skip-final-snapshot), and RDS takes no final snapshot of a read replica
(DeleteDBInstance: FinalDBSnapshotIdentifier "can't be specified when deleting a read replica"), so they are
unprotected with `skipFinalSnapshot: true` — but encrypted with their region's key and never replaced.
"""
from __future__ import annotations

import copy
import functools
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.cli import main as cli
from infra.config import ConfigError, parse_platform
from infra.model.catalog import CACHE_NODE_TYPES
from infra.planning.deployed import deployed_from_plan, with_deployed
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT

RDS = "aws:rds/instance:Instance"
CACHE_RG = "aws:elasticache/replicationGroup:ReplicationGroup"
KMS_KEY = "aws:kms/key:Key"
DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"

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
    VPC: ("cidrBlock", "instanceTenancy"),
    SUBNET: ("vpcId", "cidrBlock", "availabilityZone"),
    SG: ("name", "namePrefix", "description", "vpcId"),
    "aws:rds/parameterGroup:ParameterGroup": ("name", "namePrefix", "family"),
    "aws:ec2/eip:Eip": ("domain", "address", "networkBorderGroup", "publicIpv4Pool"),
    "aws:ec2/natGateway:NatGateway": ("subnetId", "allocationId", "connectivityType"),
    "aws:lb/loadBalancer:LoadBalancer": ("name", "namePrefix", "internal", "loadBalancerType"),
    "aws:route53/record:Record": ("zoneId", "name", "type", "setIdentifier"),
    "aws:kms/alias:Alias": ("name",),
}
STATEFUL = (RDS, CACHE_RG, KMS_KEY, DB_SUBNETS, CACHE_SUBNETS)
# What a region-list change must leave byte-identical in every other region (whole inputs and options).
REGION_SCOPED = (*REPLACEMENT_INPUTS, "aws:ec2/routeTable:RouteTable",
                 "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/internetGateway:InternetGateway",
                 "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener")
EMERGENCY_TARGETS = ("api", "worker", "database", "cache", "all")
INSERTABLE = ("us-east-2", "us-west-1", "eu-central-1", "ap-southeast-1", "eu-west-1")  # commercial, >= 2 AZs
NEW_REGION = {"name": "eu-central-1", "min_instances": 3, "max_instances": 30, "current_instances": 5,
              "latency_ms": 80, "traffic_weight": 10,
              "certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000005"}


def prod_platform() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["scaling-platform:platform"]


@functools.lru_cache(maxsize=48)
def _run(platform_json: str):
    from infra.offline.runner import run_program

    platform = json.loads(platform_json)
    parse_platform(platform, "safety.yaml")  # every generated config is a valid one
    return run_program("prod", platform, {}, skip_outputs=frozenset({"capacity"}))


def run(platform: dict):
    return _run(json.dumps(platform, sort_keys=True))


def live(platform: dict) -> dict:
    """`platform` with what its own plan deployed declared, as `scaling plan --previous OLD.json` reads it
    (the plan's capacity and VPCs; tests/infra/planning/test_deployed.py reads a whole recorded plan)."""
    plan = plan_capacity(parse_platform(platform, "f"))
    vpcs = [{"type": VPC, "provider": f"aws-{name}", "inputs": {"cidrBlock": net.vpc_cidr}}
            for name, net in plan.network.items()]
    return with_deployed(platform, deployed_from_plan({"capacity": plan.to_dict(), "resources": vpcs}, "previous"))


def is_replica(resource) -> bool:
    return resource.type == RDS and "replicateSourceDb" in resource.inputs


def by_name(run_, types=tuple(REPLACEMENT_INPUTS)) -> dict[str, object]:
    return {r.name: r for r in run_.resources if r.type in types}


def identity(resource) -> dict[str, object]:
    return {key: resource.inputs.get(key) for key in REPLACEMENT_INPUTS[resource.type]}


def assert_guarded(resource) -> None:
    """Options and deletion guards of one stateful resource (see the module docstring)."""
    opts, i = resource.options, resource.inputs
    assert opts["deleteBeforeReplace"] is False, resource.name
    if resource.type == RDS:
        assert i["storageEncrypted"] is True and i["kmsKeyId"].endswith("-data-key"), resource.name
    if is_replica(resource):
        assert (i["skipFinalSnapshot"], i["deletionProtection"], opts["protect"]) == (True, False, False)
        return
    assert opts["protect"] is True and opts["retainOnDelete"] is True, resource.name
    if resource.type == RDS:
        assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is False, resource.name
        assert i["finalSnapshotIdentifier"] == f"{i['identifier']}-final-snapshot"
        assert i["backupRetentionPeriod"] >= 1 and i["allowMajorVersionUpgrade"] is False
    elif resource.type == CACHE_RG:
        assert i["finalSnapshotIdentifier"] == f"{i['replicationGroupId']}-final-snapshot"
        assert i["snapshotRetentionLimit"] >= 1
        assert i["atRestEncryptionEnabled"] is True and i["transitEncryptionEnabled"] is True
    elif resource.type == KMS_KEY:
        assert i["deletionWindowInDays"] == 30 and i["enableKeyRotation"] is True


def assert_same_stateful(before, after, *, shards_may_grow: bool = False, new_regions: tuple[str, ...] = (),
                         gone_regions: tuple[str, ...] = ()) -> None:
    """`after` keeps every stateful resource of `before` (bar `gone_regions`') with the same replacement inputs,
    and replaces nothing else of REPLACEMENT_INPUTS that both runs have."""
    old, new = by_name(before, STATEFUL), by_name(after, STATEFUL)
    assert old, "no stateful resources recorded"
    for name, resource in old.items():
        if (is_replica(resource) and name not in new) or resource.region in gone_regions:
            continue  # replicas are disposable: scaling in removes them (novacron 5)
        assert name in new, f"{name} ({resource.type}) would be deleted"
        assert new[name].type == resource.type
        if resource.type == RDS:
            assert new[name].inputs.get("allocatedStorage", 0) >= resource.inputs.get("allocatedStorage", 0)
    added = {n for n, r in new.items() if n not in old and not is_replica(r) and r.region not in new_regions}
    if shards_may_grow:
        assert all(new[n].type == RDS and n.startswith("prod-db-shard-") for n in added), added
    else:
        assert added == set(), f"new stateful resources {sorted(added)}"
    both_old, both_new = by_name(before), by_name(after)
    for name in both_old.keys() & both_new.keys():
        was, now = identity(both_old[name]), identity(both_new[name])
        if is_replica(both_old[name]) and not is_replica(both_new[name]):
            was.pop("replicateSourceDb"), now.pop("replicateSourceDb")  # a promotion (novacron 5): in place
        assert now == was, f"{name} would be replaced"
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


def _regions(draw, base: dict) -> dict:
    rows = list(base["regions"])
    op = draw(st.sampled_from(("insert", "remove", "reorder")))
    if op == "insert":
        name = draw(st.sampled_from([r for r in INSERTABLE if r not in {row["name"] for row in rows}]))
        row = {**NEW_REGION, "name": name, "certificate_arn": NEW_REGION["certificate_arn"].replace("eu-central-1", name)}
        rows.insert(draw(st.integers(0, len(rows))), row)
    elif op == "remove":
        rows.pop(draw(st.sampled_from([i for i, r in enumerate(rows) if not r.get("primary")])))
    else:
        rows = draw(st.permutations(rows))
    return {"regions": rows, "failed_regions": []}


KINDS = ("demand", "sizes", "emergency", "failed_regions", "regions")


@st.composite
def config_pairs(draw):
    base = _merge(prod_platform(), draw(st.sampled_from(BASES)))
    if draw(st.booleans()):
        base = live(base)
    kind = draw(st.sampled_from(KINDS))
    patch = {"demand": lambda: _demand(draw), "sizes": lambda: _sizes(draw, base),
             "emergency": lambda: _emergency(draw), "failed_regions": lambda: _failed(draw, base),
             "regions": lambda: _regions(draw, base)}[kind]()
    variant = _merge(base, patch)
    return kind, base, variant


def _names(platform: dict) -> tuple[str, ...]:
    return tuple(r["name"] for r in platform["regions"])


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(config_pairs())
def test_changes_never_replace_or_delete_what_holds_data(pair):
    kind, base, variant = pair
    gone = tuple(n for n in _names(base) if n not in _names(variant))
    if gone and "deployed" in base:  # a deployed region cannot silently leave the stack
        with pytest.raises(ConfigError, match=r"regions: .* is deployed \(deployed\.regions\[\d\]\) but missing"):
            plan_capacity(parse_platform(variant, "f"))
        return
    added = tuple(n for n in _names(variant) if n not in _names(base))
    assert_same_stateful(run(base), run(variant), shards_may_grow=kind == "sizes", new_regions=added,
                         gone_regions=gone)


# --- region list changes: every other region is byte-identical ---------------------------------------

REGION_CHANGES = {
    "insert-first": lambda rows: [NEW_REGION, *rows],
    "insert-middle": lambda rows: [*rows[:2], NEW_REGION, *rows[2:]],
    "remove": lambda rows: [r for r in rows if r["name"] != "eu-west-1"],
    "reorder": lambda rows: [rows[3], rows[1], rows[0], rows[2]],
}


def regional(run_, region: str) -> dict[str, tuple[dict, dict]]:
    return {r.name: (dict(r.inputs), dict(r.options)) for r in run_.resources
            if r.type in REGION_SCOPED and r.region == region and r.type != "aws:route53/record:Record"}


@pytest.mark.parametrize("change", list(REGION_CHANGES))
def test_region_list_change_leaves_every_other_region_identical(change):
    base = prod_platform()
    variant = {**base, "regions": REGION_CHANGES[change](base["regions"])}
    before, after = run(base), run(variant)
    kept = [n for n in _names(base) if n in _names(variant)]
    for region in kept:
        old, new = regional(before, region), regional(after, region)
        assert old.keys() == new.keys(), region
        for name in old:
            assert new[name] == old[name], f"{name} changed"
    shards = {r.name: (r.inputs, r.options) for r in before.resources if r.type == RDS and not is_replica(r)}
    assert shards == {r.name: (r.inputs, r.options) for r in after.resources if r.name in shards}
    vpcs = {r.region: r.inputs["cidrBlock"] for r in after.resources if r.type == VPC}
    expected = {"us-east-1": "10.0.0.0/16", "us-west-2": "10.1.0.0/16", "eu-west-1": "10.2.0.0/16",
                "ap-southeast-1": "10.3.0.0/16", "eu-central-1": "10.12.0.0/16"}
    assert vpcs == {r: expected[r] for r in _names(variant)}
    assert_same_stateful(before, after, new_regions=("eu-central-1",), gone_regions=("eu-west-1",))


# --- refused on a deployed stack, as the user runs it -------------------------------------------------

ONLY_US_EAST_1 = ('regions=[{name: us-east-1, primary: true, min_instances: 10, max_instances: 100, current_instances: '
                  '25, latency_ms: 50, traffic_weight: 40, certificate_arn: "arn:aws:acm:us-east-1:123456789012:'
                  'certificate/00000000-0000-0000-0000-000000000001"}]')

@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1",
                                               "scaling-platform:platform": live(prod_platform())}}))
    return path


@pytest.mark.parametrize("overrides, line", [
    (["database.sharding=content"],
     ("database.sharding: content (geographic) differs from the deployed user (hash, deployed.database.sharding): "
      "switching the strategy of live shards maps every key to another shard; allowed: user (another strategy needs "
      "a new shard set and a data migration)")),
    (["regions[3].vpc_cidr=10.9.0.0/16"],
     ("regions[3].vpc_cidr: 10.9.0.0/16 would replace ap-southeast-1's deployed VPC 10.3.0.0/16 "
      "(deployed.regions[3].vpc_cidr) and every subnet, subnet group, security group, cache and database on it; "
      "allowed: 10.3.0.0/16 (set regions[3].vpc_cidr: 10.3.0.0/16)")),
    (["database.shard_target_gb=800", "database.storage_gb_per_shard=800"],
     ("database.storage_gb_per_shard: 800 < 1000 GB allocated on every deployed shard "
      "(deployed.database.storage_gb_per_shard): RDS cannot shrink allocated storage; allowed: >= 1000")),
    ([ONLY_US_EAST_1],
     ("regions: us-west-2 is deployed (deployed.regions[1]) but missing from regions: its KMS key, Redis replication "
      "group, cache subnet group are protected and would leave the stack; keep it in regions (failed_regions takes "
      "its traffic away), or set allow_region_removal: true to release them (README: Removing a region)")),
])
def test_refused_change_exits_2_with_one_line(live_stack, overrides, line, capsys):
    argv = ["plan", "--stack", "prod", "--config-file", str(live_stack), "--format", "json"]
    for item in overrides:
        argv += ["--set", item]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (cli.EXIT_BAD_INPUT, "")
    assert err == f"error: {live_stack} (with --set): scaling-platform:platform.{line}\n"


def test_halving_the_shard_target_keeps_every_replica_of_existing_shards():
    base = live(prod_platform())
    before, after = run(base), run(_merge(base, {"database": {"shard_target_gb": 500}}))
    old = {r.name: identity(r) for r in before.resources if is_replica(r)}
    new = {r.name: identity(r) for r in after.resources if is_replica(r)}
    # 4 shards x (3 local + 1 cross-region, prod's default), all kept as they were
    assert len(old) == 16 and {n: new.get(n) for n in old} == old
    assert len(new) == 28  # shards 4..6 get 3 + 1 each until previous_shards is raised after the data moved
    assert_same_stateful(before, after, shards_may_grow=True)


# --- one explicit example per kind of scaling change ----------------------------------------------

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
    # Issue 17: the promoted writers (us-west-2) get a cross-region copy in the next healthy region, which adds
    # that region's DB subnet group (added, never replacing anything)
    assert_same_stateful(before, after, shards_may_grow=kind == "sizes",
                         new_regions=("ap-southeast-1",) if kind == "failed-primary-region" else ())


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
    resources = by_name(run(prod_platform()), STATEFUL)
    by_type: dict[str, int] = {}
    for resource in resources.values():
        by_type[resource.type] = by_type.get(resource.type, 0) + 1
    # 4 shards x (1 primary + 3 local + 1 cross-region replica in us-west-2, Issue 17); DB subnets there too;
    # KMS keys: one data key per region + its alert-topic key (components/monitoring.py)
    # + the CloudFront access-log key (issue 16)
    assert by_type == {RDS: 20, CACHE_RG: 4, KMS_KEY: 9, DB_SUBNETS: 2, CACHE_SUBNETS: 4}
    assert sum(is_replica(r) for r in resources.values()) == 16
    for resource in resources.values():
        assert_guarded(resource)
