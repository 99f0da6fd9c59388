"""infra/model/resource_diff.py on the bundled prod plan (tests/golden/prod.json) and one-change mutations."""
from __future__ import annotations

import copy
import json

import pytest

from infra.model.resource_diff import diff_resources, stateful_losses, stateful_names
from tests.conftest import ROOT

GOLDEN = json.loads((ROOT / "tests" / "golden" / "prod.json").read_text())


@pytest.fixture
def base() -> list[dict]:
    return copy.deepcopy(GOLDEN["resources"])


def mutate(resources: list[dict], name: str, **inputs) -> list[dict]:
    out = copy.deepcopy(resources)
    for res in out:
        if res["name"] == name:
            res["inputs"].update(inputs)
    return out


def names(items) -> list[str]:
    return [getattr(i, "res", i).name for i in items]


def test_same_plan_is_no_change(base):
    diff = diff_resources(base, copy.deepcopy(base))
    assert (diff.added, diff.updated, diff.replaced, diff.deleted) == ([], [], [], [])


def test_vpc_cidr_change_replaces_the_network_under_the_database(base):
    diff = diff_resources(base, mutate(base, "prod-us-east-1-vpc", cidrBlock="10.9.0.0/16"))
    replaced = {c.res.name: c.inputs for c in diff.replaced}
    # the VPC by its own input, everything with a replacing reference to it (or to a replaced subnet) in turn
    assert replaced["prod-us-east-1-vpc"] == ["cidrBlock"]
    assert replaced["prod-us-east-1-private-a"] == ["vpcId"] and replaced["prod-us-east-1-data-db-sg"] == ["vpcId"]
    assert replaced["prod-us-east-1-nat"] == ["subnetId"] and replaced["prod-us-east-1-api-tg"] == ["vpcId"]
    assert not any(name.startswith(("prod-us-west-2", "prod-eu-west-1")) for name in replaced)
    updated = {c.res.name: c.inputs for c in diff.updated}
    assert updated["prod-us-east-1-data-db-subnets"] == ["subnetIds"]  # new subnet ids, in place
    assert updated["prod-db-shard-0"] == ["vpcSecurityGroupIds"]
    losses = {loss.res.name: loss.message() for loss in stateful_losses(diff)}
    assert set(losses) == {"prod-us-east-1-vpc", "prod-us-east-1-private-a", "prod-us-east-1-private-b"}
    assert losses["prod-us-east-1-vpc"] == (
        "VPC under a DB/cache subnet group prod-us-east-1-vpc (aws:ec2/vpc:Vpc) would be replaced: cidrBlock "
        "10.0.0.0/16 -> 10.9.0.0/16 (a VPC's primary CIDR is fixed); keep these inputs, or migrate the data and "
        "allow the replacement explicitly")


def test_shard_engine_change_and_deletion(base):
    head = [r for r in mutate(base, "prod-db-shard-1", engine="mysql") if r["name"] != "prod-db-shard-3"]
    losses = stateful_losses(diff_resources(base, head))
    # the replicas of shards 1 and 3 lose their source as it was (replaced, deleted): replaced too
    assert [(loss.res.name, loss.action, [c.key for c in loss.causes]) for loss in losses] == [
        ("prod-db-shard-1", "replaced", ["engine"]),
        *[(f"prod-db-shard-1-replica-{i}", "replaced", ["replicateSourceDb"]) for i in range(3)],
        ("prod-db-shard-1-us-west-2-replica-0", "replaced", ["replicateSourceDb"]),  # prod's cross-region copy
        ("prod-db-shard-3", "deleted", []),
        *[(f"prod-db-shard-3-replica-{i}", "replaced", ["replicateSourceDb"]) for i in range(3)]]
    assert losses[5].message() == (
        "database instance prod-db-shard-3 (aws:rds/instance:Instance) would be deleted: it is not in the new plan; "
        "it is protected, so `pulumi up` fails until protect is lifted; retainOnDelete keeps it in AWS, but it "
        "leaves the stack")


def test_ignore_changes_parent_and_provider(base):
    head = mutate(base, "prod-us-east-1-api-asg", desiredCapacity=99)  # ignoreChanges: desiredCapacity
    assert diff_resources(base, head).updated == []
    head = copy.deepcopy(base)
    for res in head:
        if res["name"] == "prod-us-east-1-nat-eip":
            res["parent"] = "prod-us-east-1-api"  # a ServiceTier instead of the Region component
        if res["name"] == "prod-edge-logs":
            res["provider"] = "aws-us-west-2"
    diff = diff_resources(base, head)
    # ... and what refers to them through a replacing input: the NAT gateway's EIP, the bucket's controls
    assert {c.res.name: c.inputs for c in diff.replaced} == {
        "prod-us-east-1-nat-eip": ["(parent)"], "prod-us-east-1-nat": ["allocationId"],
        "prod-edge-logs": ["(provider)"], "prod-edge-logs-ownership": ["bucket"]}


def test_provider_region_change_replaces_everything_it_manages(base):
    diff = diff_resources(base, mutate(base, "aws-ap-southeast-1", region="ap-northeast-1"))
    replaced = names(diff.replaced)
    assert "prod-ap-southeast-1-cache-rg" in replaced and "prod-ap-southeast-1-vpc" in replaced
    assert not any(n.startswith("prod-us-east-1") for n in replaced)


def test_asset_paths_of_another_checkout_are_not_a_change(base):
    head = copy.deepcopy(base)
    for res in head:
        code = res["inputs"].get("code")
        if isinstance(code, dict):
            text = json.dumps(code).replace('"/work/main/', '"/tmp/scaling-diff-base-x/tree/')
            res["inputs"]["code"] = json.loads(text)
    assert diff_resources(base, head).updated == []


def test_real_engine_ids_against_mock_references_are_not_changes(base):
    head = mutate(base, "prod-us-east-1-private-a", vpcId="vpc-0a1b2c3d4e5f67890")
    assert diff_resources(base, head).replaced == []
    head = mutate(base, "prod-us-east-1-private-a", vpcId="prod-us-west-2-vpc_id")  # really another VPC
    assert "prod-us-east-1-private-a" in names(diff_resources(base, head).replaced)


def test_stateful_inventory_includes_the_networks_under_subnet_groups(base):
    kinds = stateful_names(base)
    assert kinds[("aws:ec2/subnet:Subnet", "prod-eu-west-1-private-b")] == "subnet under a DB/cache subnet group"
    assert ("aws:ec2/subnet:Subnet", "prod-eu-west-1-public-a") not in kinds
    assert kinds[("aws:ec2/vpc:Vpc", "prod-eu-west-1-vpc")] == "VPC under a DB/cache subnet group"
    assert kinds[("aws:s3/bucket:Bucket", "prod-edge-logs")] == "S3 bucket"
