"""ElastiCache per region (components/cache.py): encrypted, Multi-AZ, private, updated in place."""
from __future__ import annotations

from tests.conftest import by_name, of_type, run_stack

RG = "aws:elasticache/replicationGroup:ReplicationGroup"


def test_one_encrypted_multi_az_group_per_region(prod_run):
    groups = {r.name: r for r in of_type(prod_run, RG)}
    assert set(groups) == {f"prod-{r}-cache-rg" for r in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")}
    for name, group in groups.items():
        region = name[len("prod-"):-len("-cache-rg")]
        i = group.inputs
        assert group.provider == f"aws-{region}"
        assert i["engine"] == "redis" and i["nodeType"] == "cache.r5.large" and i["numCacheClusters"] == 3
        assert i["atRestEncryptionEnabled"] is True and i["transitEncryptionEnabled"] is True
        assert i["automaticFailoverEnabled"] is True and i["multiAzEnabled"] is True
        assert i["kmsKeyId"].endswith(f"prod-{region}-data-key")
        assert i["snapshotRetentionLimit"] == 7
        assert i["finalSnapshotIdentifier"] == f"prod-{region}-cache-final-snapshot"
        assert i["subnetGroupName"] == f"prod-{region}-cache-subnets"
        assert group.options["protect"] is True and group.options["retainOnDelete"] is True


def test_cache_network_is_private_and_app_only(prod_run):
    subnets = by_name(prod_run, "prod-us-west-2-cache-subnets")
    assert subnets.inputs["subnetIds"] == ["prod-us-west-2-private-a_id", "prod-us-west-2-private-b_id"]
    assert subnets.options["protect"] and subnets.options["retainOnDelete"]
    (rule,) = by_name(prod_run, "prod-us-west-2-cache-sg").inputs["ingress"]
    assert (rule["fromPort"], rule["securityGroups"]) == (6379, ["prod-us-west-2-app-sg_id"]) and "cidrBlocks" not in rule


def test_emergency_cache_scales_the_same_group_in_place(prod_run):
    run = run_stack("prod", ("emergency.mode=up", "emergency.target=cache"))
    before, after = by_name(prod_run, "prod-us-east-1-cache-rg"), by_name(run, "prod-us-east-1-cache-rg")
    assert after.inputs["nodeType"] == "cache.r5.xlarge" and after.inputs["numCacheClusters"] == 6
    changed = {k for k in before.inputs.keys() | after.inputs.keys() if before.inputs.get(k) != after.inputs.get(k)}
    assert changed == {"nodeType", "numCacheClusters"}  # both update in place; the group id never changes
    assert after.inputs["replicationGroupId"] == before.inputs["replicationGroupId"] == "prod-us-east-1-cache"


def test_node_type_change_is_an_update_not_a_replacement(prod_run):
    run = run_stack("prod", ("cache.node_type=cache.r5.2xlarge",))
    before, after = by_name(prod_run, "prod-eu-west-1-cache-rg"), by_name(run, "prod-eu-west-1-cache-rg")
    changed = {k for k in before.inputs.keys() | after.inputs.keys() if before.inputs.get(k) != after.inputs.get(k)}
    assert changed == {"nodeType"}
    assert "r5" not in after.inputs["replicationGroupId"]
    assert after.options == before.options
