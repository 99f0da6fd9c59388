"""ElastiCache per region (components/cache.py): encrypted, Multi-AZ, private, updated in place."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.cache import Cache, CacheArgs
from infra.model.data import CachePlan
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags
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


# --- Cache built alone from a hand-made CachePlan (tests/components/alone.py) -------------------------------

KEY = "arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd"


def _build_cache(replicas: int, name: str = "t-ap-southeast-1-cache"):
    plan = CachePlan(node_type="cache.r6g.large", node_type_reason="hand-made", replicas=replicas,
                     replicas_reason="hand-made", engine_version="7.1", snapshot_retention_days=5,
                     regions=("ap-southeast-1",))

    def make():
        provider = aws.Provider("aws-ap-southeast-1", region="ap-southeast-1")
        return Cache(name, CacheArgs(
            naming=NAMING_PROD, region="ap-southeast-1", plan=plan, vpc_id="vpc-0abc",
            subnet_ids=["subnet-private-a", "subnet-private-b"], app_security_group_id="sg-app", kms_key_arn=KEY),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_cache_alone_encrypted_multi_az_group_protected():
    built = _build_cache(replicas=2)
    check_conventions(built, "cache", "Cache")
    assert built.roles() == {"subnets": "aws:elasticache/subnetGroup:SubnetGroup",
                             "sg": "aws:ec2/securityGroup:SecurityGroup", "rg": RG}
    group = built.named("t-ap-southeast-1-cache-rg")
    assert group.inputs == {
        "replicationGroupId": "t-ap-southeast-1-cache", "description": "test Redis in ap-southeast-1",
        "engine": "redis", "engineVersion": "7.1", "port": 6379, "nodeType": "cache.r6g.large",
        "numCacheClusters": 3, "automaticFailoverEnabled": True, "multiAzEnabled": True,
        "atRestEncryptionEnabled": True, "kmsKeyId": KEY, "transitEncryptionEnabled": True,
        "subnetGroupName": "t-ap-southeast-1-cache-subnets", "securityGroupIds": ["t-ap-southeast-1-cache-sg_id"],
        "snapshotRetentionLimit": 5, "finalSnapshotIdentifier": "t-ap-southeast-1-cache-final-snapshot",
        "autoMinorVersionUpgrade": True, "applyImmediately": True,
        "tags": tags(NAMING_PROD, "cache", region="ap-southeast-1")}
    subnets = built.named("t-ap-southeast-1-cache-subnets")
    assert subnets.inputs["subnetIds"] == ["subnet-private-a", "subnet-private-b"]
    for stateful in (group, subnets):
        assert stateful.options["protect"] is True and stateful.options["retainOnDelete"] is True
    sg = built.named("t-ap-southeast-1-cache-sg")
    assert sg.inputs["ingress"] == [{"protocol": "tcp", "fromPort": 6379, "toPort": 6379,
                                     "securityGroups": ["sg-app"], "description": "from app tiers"}]
    assert (sg.inputs["egress"], sg.options["protect"]) == ([], False)
    assert {r.provider for r in built.children.values()} == {"aws-ap-southeast-1"}
    assert built.outputs == {"replication_group_id": "t-ap-southeast-1-cache-rg_id",
                             "primary_endpoint": "t-ap-southeast-1-cache-rg.cache.amazonaws.com"}


def test_cache_alone_single_node_has_no_failover_and_group_id_fits_40_chars():
    name = "Staging-Canary-Platform-ap-southeast-1-cache"  # 44 chars, mixed case
    built = _build_cache(replicas=0, name=name)
    check_conventions(built, "cache", "Cache")
    i = built.named(f"{name}-rg").inputs
    assert (i["numCacheClusters"], i["automaticFailoverEnabled"], i["multiAzEnabled"]) == (1, False, False)
    # ElastiCache ids are lower case, at most 40 chars: prefix + a stable hash of the full name
    assert i["replicationGroupId"] == "staging-canary-platform-ap-southe-df97a3"
    assert i["finalSnapshotIdentifier"] == "staging-canary-platform-ap-southe-df97a3-final-snapshot"


def test_redis_requires_tls_and_an_auth_token_from_secrets(prod_run):
    for group in of_type(prod_run, "aws:elasticache/replicationGroup:ReplicationGroup"):
        i = group.inputs
        # the token is a Pulumi secret (config scaling-platform:redisAuthToken): recorded only as "[secret]"
        assert (i["transitEncryptionEnabled"], i["authToken"], i["authTokenUpdateStrategy"]) == (
            True, "[secret]", "ROTATE"), group.name
