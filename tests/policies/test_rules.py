"""Each policy: the baseline stack passes, and one mutation fails with the exact message."""
from __future__ import annotations

import dataclasses

from policies import rules
from policies.rules import RULES_BY_NAME, resolve_config


def cfg(policy: str, **overrides) -> dict:
    return resolve_config(RULES_BY_NAME[policy], overrides)


def by_name(stack, name):
    return next(r for r in stack if r.name == name)


def replace_inputs(stack, name, **changes):
    """The stack with one resource's inputs changed (None removes the key)."""
    out = []
    for r in stack:
        if r.name == name:
            inputs = {k: v for k, v in {**r.inputs, **changes}.items() if v is not None}
            r = dataclasses.replace(r, inputs=inputs)
        out.append(r)
    return out


def check(policy, res, **config):
    return RULES_BY_NAME[policy].check(res.type, res.inputs, cfg(policy, **config), name=res.name)


def test_every_resource_rule_passes_the_baseline(good_stack, prod_config):
    for rule in rules.RULES:
        given = prod_config.get(rule.name, {})
        if rule.kind == "resource":
            for res in good_stack:
                assert check(rule.name, res, **given) == [], (rule.name, res.name)
        else:
            assert rule.check(good_stack, cfg(rule.name, **given)) == [], rule.name


# ---- asg-min-max
def test_asg_desired_outside_min_max(good_stack):
    asg = by_name(replace_inputs(good_stack, "prod-us-east-1-api-asg", desiredCapacity=120.0), "prod-us-east-1-api-asg")
    assert check("asg-min-max", asg) == ["desiredCapacity 120 is outside [minSize 10, maxSize 100]"]


def test_asg_min_greater_than_max(good_stack):
    asg = by_name(replace_inputs(good_stack, "prod-us-east-1-api-asg", minSize=200.0, desiredCapacity=None),
                  "prod-us-east-1-api-asg")
    assert check("asg-min-max", asg) == ["minSize 200 is greater than maxSize 100"]


def test_asg_hard_limit_per_environment(good_stack):
    asg = by_name(good_stack, "prod-us-east-1-api-asg")
    assert check("asg-min-max", asg, environment="dev") == ["maxSize 100 exceeds the dev hard limit of 50"]
    # Empty environment falls back to the resource's environment tag (prod: max 300).
    assert check("asg-min-max", asg) == []
    low = by_name(replace_inputs(good_stack, asg.name, minSize=1.0), asg.name)
    assert check("asg-min-max", low, environment="prod") == ["minSize 1 is below the prod hard minimum of 2"]


# ---- storage-encrypted
def test_rds_unencrypted(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-primary", storageEncrypted=False), "prod-db-primary")
    assert check("storage-encrypted", db) == ["RDS storage is not encrypted (storageEncrypted must be true)"]


def test_cache_transit_unencrypted(good_stack):
    c = by_name(replace_inputs(good_stack, "prod-cache", transitEncryptionEnabled=False), "prod-cache")
    assert check("storage-encrypted", c) == [
        "ElastiCache in-transit encryption is off (transitEncryptionEnabled must be true)"]


def test_launch_template_ebs_unencrypted(good_stack):
    lt = by_name(replace_inputs(good_stack, "prod-us-east-1-api-lt", blockDeviceMappings=[
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20.0, "encrypted": "false"}}]), "prod-us-east-1-api-lt")
    assert check("storage-encrypted", lt) == [
        "launch template block device /dev/xvda is not encrypted (ebs.encrypted must be true)"]


def test_ebs_volume_unencrypted():
    vol = rules.EBS_VOLUME
    assert rules.storage_encrypted(vol, {"size": 100.0, "encrypted": True}, {}) == []
    assert rules.storage_encrypted(vol, {"size": 100.0}, {}) == ["EBS volume is not encrypted (encrypted must be true)"]


# ---- rds-not-public
def test_rds_public(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-replica-1", publiclyAccessible=True), "prod-db-replica-1")
    assert check("rds-not-public", db) == ["RDS instance is publicly accessible (publiclyAccessible must be false)"]


# ---- multi-az-in-prod
def test_rds_primary_single_az_in_prod(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-primary", multiAz=False), "prod-db-primary")
    assert check("multi-az-in-prod", db) == ["RDS primary is not Multi-AZ in prod (multiAz must be true)"]
    assert check("multi-az-in-prod", db, environment="dev") == []


def test_cache_single_az_in_prod(good_stack):
    c = by_name(replace_inputs(good_stack, "prod-cache", multiAzEnabled=False), "prod-cache")
    assert check("multi-az-in-prod", c, environment="prod") == [
        "ElastiCache replication group is not Multi-AZ in prod (multiAzEnabled must be true)"]


# ---- deletion-protection
def test_primary_without_deletion_protection(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-primary", deletionProtection=False), "prod-db-primary")
    assert check("deletion-protection", db) == [
        "RDS primary has no deletion protection (deletionProtection must be true)"]


def test_primary_skipping_final_snapshot(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-primary", skipFinalSnapshot=True), "prod-db-primary")
    assert check("deletion-protection", db) == ["RDS primary skips its final snapshot (skipFinalSnapshot must be false)"]
    assert check("deletion-protection", db, require_final_snapshot=False) == []


# ---- imdsv2-required
def test_imdsv1_allowed(good_stack):
    lt = by_name(replace_inputs(good_stack, "prod-us-east-1-api-lt", metadataOptions={"httpTokens": "optional"}),
                 "prod-us-east-1-api-lt")
    assert check("imdsv2-required", lt) == [
        'launch template does not require IMDSv2 (metadataOptions.httpTokens must be "required")']


# ---- no-public-ingress
def test_public_ingress_on_app_sg(good_stack):
    sg = by_name(replace_inputs(good_stack, "prod-us-east-1-api-sg", ingress=[
        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}]), "prod-us-east-1-api-sg")
    assert check("no-public-ingress", sg) == [
        "ingress tcp ports 22-22 is open to 0.0.0.0/0 (only ALB security groups may be open to the internet)"]


def test_alb_sg_on_other_port(good_stack):
    sg = by_name(replace_inputs(good_stack, "prod-us-east-1-alb-sg", ingress=[
        {"protocol": "tcp", "fromPort": 8080.0, "toPort": 8080.0, "ipv6CidrBlocks": ["::/0"]}]), "prod-us-east-1-alb-sg")
    assert check("no-public-ingress", sg) == [
        "ingress tcp ports 8080-8080 is open to ::/0 (ALB security groups may only open ports 443, 80)"]


def test_alb_sg_recognised_by_name_suffix_without_tag():
    props = {"ingress": [{"protocol": "tcp", "fromPort": 80.0, "toPort": 80.0, "cidrBlocks": ["0.0.0.0/0"]}]}
    config = cfg("no-public-ingress")
    assert rules.no_public_ingress(rules.SECURITY_GROUP, props, config, name="prod-eu-west-1-alb-sg") == []
    assert rules.no_public_ingress(rules.SECURITY_GROUP, props, config, name="prod-eu-west-1-web-sg") != []


def test_standalone_ingress_rule():
    props = {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": "tcp",
             "securityGroupId": "prod-us-east-1-alb-sg_id"}
    config = cfg("no-public-ingress")
    assert rules.no_public_ingress(rules.INGRESS_RULE, props, config, name="prod-https") == []
    props["securityGroupId"] = "prod-us-east-1-api-sg_id"
    assert rules.no_public_ingress(rules.INGRESS_RULE, props, config, name="prod-https") == [
        "ingress tcp ports 443-443 is open to 0.0.0.0/0 (only ALB security groups may be open to the internet)"]


# ---- required-tags
def test_missing_tags(good_stack):
    nat = by_name(replace_inputs(good_stack, "prod-us-east-1-nat", tags={"environment": "prod"}), "prod-us-east-1-nat")
    assert check("required-tags", nat) == ["missing required tags: owner, cost-center"]


def test_provider_default_tags_count():
    provider = {"defaultTags": '{"tags": {"owner": "platform", "cost-center": "cc-1"}}'}
    props = rules.prepare_props({"tags": {"environment": "dev"}}, provider)
    assert rules.required_tags(rules.NAT_GATEWAY, props, cfg("required-tags")) == []


def test_asg_list_tags(good_stack):
    asg = by_name(replace_inputs(good_stack, "prod-us-east-1-api-asg",
                                 tags=[{"key": "owner", "value": "x", "propagateAtLaunch": True}]),
                  "prod-us-east-1-api-asg")
    assert check("required-tags", asg) == ["missing required tags: environment, cost-center"]


# ---- instance-type-allowlist
def test_disallowed_instance_type(good_stack):
    lt = by_name(replace_inputs(good_stack, "prod-us-east-1-api-lt", instanceType="p4d.24xlarge"),
                 "prod-us-east-1-api-lt")
    assert check("instance-type-allowlist", lt, allowed_instance_types=["c5.large", "m5.large"]) == [
        "instance type p4d.24xlarge is not allowed; allowed: c5.large, m5.large"]


def test_disallowed_db_class(good_stack):
    db = by_name(replace_inputs(good_stack, "prod-db-primary", instanceClass="db.x2g.16xlarge"), "prod-db-primary")
    assert check("instance-type-allowlist", db) == [
        "RDS instance class db.x2g.16xlarge is not allowed; allowed: db.t3.medium, db.r5.large, db.r5.xlarge, "
        "db.r5.2xlarge, db.r5.4xlarge"]


# ---- stack-budget / stack-budget-advisory (baseline costs $5,367.97/month)
def test_budget_exceeded(good_stack):
    assert rules.stack_budget(good_stack, cfg("stack-budget", budget_usd=5000)) == [
        rules.Violation(None, "estimated monthly cost $5,367.97 exceeds the budget of $5,000.00")]


def test_budget_emergency_ceiling(good_stack):
    config = cfg("stack-budget", budget_usd=5000, emergency=True, emergency_ceiling_usd=6000)
    assert rules.stack_budget(good_stack, config) == []
    config["emergency_ceiling_usd"] = 5300
    assert rules.stack_budget(good_stack, config) == [
        rules.Violation(None, "estimated monthly cost $5,367.97 exceeds the emergency ceiling of $5,300.00")]


def test_budget_advisory(good_stack):
    assert rules.stack_budget_advisory(good_stack, cfg("stack-budget-advisory", budget_usd=6000)) == [
        rules.Violation(None, "estimated monthly cost $5,367.97 is 89% of the budget of $6,000.00 (advisory above 80%)")]
    # Above the budget it is stack-budget's (mandatory) finding, not the advisory's.
    assert rules.stack_budget_advisory(good_stack, cfg("stack-budget-advisory", budget_usd=5000)) == []
    assert rules.stack_budget_advisory(good_stack, cfg("stack-budget-advisory", budget_usd=8000)) == []


def test_budget_unpriceable(good_stack):
    stack = replace_inputs(good_stack, "prod-cache", nodeType="cache.m7g.large")
    [v] = rules.stack_budget(stack, cfg("stack-budget", budget_usd=1))
    assert v.message.startswith("cannot price the stack: unknown cache node type 'cache.m7g.large'; allowed: cache.t3.small")


# ---- scaling-hygiene
def test_scale_out_without_warmup(good_stack):
    stack = replace_inputs(good_stack, "prod-us-east-1-api-scale-out", estimatedInstanceWarmup=None)
    assert rules.scaling_hygiene(stack, {}) == [rules.Violation(
        "prod-us-east-1-api-scale-out", "scale-out policy has neither cooldown nor estimatedInstanceWarmup")]


def test_step_scale_in_has_no_cooldown(good_stack):
    stack = replace_inputs(good_stack, "prod-us-east-1-api-scale-in", policyType="StepScaling")
    assert rules.scaling_hygiene(stack, {}) == [rules.Violation(
        "prod-us-east-1-api-scale-in", "scale-in policy is not SimpleScaling with a cooldown: the alarm "
                                       "re-invokes it every period, removing instances each minute")]


def test_scale_in_faster_than_out(good_stack):
    stack = replace_inputs(good_stack, "prod-us-east-1-api-scale-in", cooldown=60.0)
    assert rules.scaling_hygiene(stack, {}) == [rules.Violation(
        "prod-us-east-1-api-scale-in",
        "scale-in cooldown 60s is shorter than the scale-out cooldown 300s of prod-us-east-1-api-scale-out")]


def test_scale_in_threshold_inside_scale_out_band(good_stack):
    stack = replace_inputs(good_stack, "prod-us-east-1-api-cpu-low", threshold=75.0)
    assert rules.scaling_hygiene(stack, {}) == [rules.Violation(
        "prod-us-east-1-api-cpu-low",
        "scale-in threshold 75 on CPUUtilization is inside the scale-out band of prod-us-east-1-api-cpu-high (>= 70)")]


# ---- stateful-guard
def test_stateful_removed(good_stack):
    config = cfg("stateful-guard", previous_stateful=["prod-db-primary", "prod-db-shard-2"])
    assert rules.stateful_guard(good_stack, config) == [rules.Violation(
        "prod-db-shard-2", "stateful resource prod-db-shard-2 would be removed; set allow_stateful_removal to true to allow it")]
    config["allow_stateful_removal"] = True
    assert rules.stateful_guard(good_stack, config) == []


def test_stateful_recognised(good_stack):
    assert rules.is_stateful(by_name(good_stack, "prod-cache"))
    assert not rules.is_stateful(by_name(good_stack, "prod-us-east-1-nat"))
    tagged = dataclasses.replace(by_name(good_stack, "prod-us-east-1-nat"), inputs={"tags": {"stateful": "true"}})
    assert rules.is_stateful(tagged)


def test_defaults_resolution_overlays_top_level_keys():
    config = resolve_config(RULES_BY_NAME["stack-budget"], {"budget_usd": 10, "enforcementLevel": "advisory"})
    assert config["budget_usd"] == 10 and config["advisory_pct"] == 80 and "enforcementLevel" not in config
