"""ServiceTier built alone (components/service_tier.py): launch template + ASG bounded by the plan."""
from __future__ import annotations

import base64

import pulumi
import pulumi_aws as aws

from components.service_tier import InstanceRefresh, MixedInstances, ServiceTier, ServiceTierArgs
from tests.components.alone import NAMING_PROD, build_alone, check_conventions, tags

LT = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
PROFILE = "arn:aws:iam::123456789012:instance-profile/t-identity-profile"
TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/t-api/0123456789abcdef"
MIXED = MixedInstances(("c5.large", "c5a.large", "c6i.large"), on_demand_base=4, on_demand_percentage_above_base=30,
                       spot_allocation_strategy="price-capacity-optimized", spot_max_price="0.085")
REFRESH = InstanceRefresh(min_healthy_percentage=90, checkpoint_percentages=(25, 50, 100), checkpoint_delay_s=300,
                          auto_rollback=True,
                          alarm_names=("t-api-scaling-health-error-rate", "t-api-scaling-health-cpu"))


def build(tier="api", mixed=MIXED, refresh=REFRESH, env=None, target_groups=(TG,)):
    def make():
        provider = aws.Provider("aws-us-west-2", region="us-west-2")
        return ServiceTier(f"t-us-west-2-{tier}", ServiceTierArgs(
            naming=NAMING_PROD, tier=tier, instance_type="c5.large", min_size=5, max_size=50, desired_capacity=10,
            subnet_ids=["subnet-private-a", "subnet-private-b"], security_group_ids=["sg-app"],
            instance_profile_arn=PROFILE, target_group_arns=target_groups, plan_reason="hand-made",
            mixed_instances=mixed, instance_refresh=refresh, env=env or {}),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    return build_alone(make)


def test_service_tier_alone_launch_template_is_locked_down():
    built = build()
    check_conventions(built, "service_tier", "ServiceTier")
    assert built.roles() == {"lt": LT, "asg": ASG}
    lt = built.named("t-us-west-2-api-lt").inputs
    tier_tags = tags(NAMING_PROD, "api-tier", tier="api")
    assert {k: v for k, v in lt.items() if k != "userData"} == {
        "imageId": "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "instanceType": "c5.large", "updateDefaultVersion": True, "iamInstanceProfile": {"arn": PROFILE},
        "vpcSecurityGroupIds": ["sg-app"],
        "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 1,
                            "instanceMetadataTags": "enabled"},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
            "volumeSize": 30, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}}],
        "monitoring": {"enabled": True},
        "tagSpecifications": [{"resourceType": "instance", "tags": tier_tags},
                              {"resourceType": "volume", "tags": tier_tags}],
        "tags": tier_tags}
    script = base64.b64decode(lt["userData"]).decode()
    assert script.startswith("#!/bin/bash\nset -euo pipefail\n") and "amazon-cloudwatch-agent" in script
    assert "/etc/scaling-platform/env" not in script  # no emergency env: nothing written


def test_service_tier_alone_group_bounds_spot_mix_and_refresh():
    built = build()
    asg = built.named("t-us-west-2-api-asg")
    i = asg.inputs
    assert (i["minSize"], i["maxSize"], i["desiredCapacity"]) == (5, 50, 10)
    assert asg.options["ignoreChanges"] == ["desiredCapacity"]  # never fight the autoscaler
    assert asg.options["protect"] is False
    assert i["vpcZoneIdentifiers"] == ["subnet-private-a", "subnet-private-b"]
    assert "launchTemplate" not in i  # the mixed policy carries the template
    assert i["mixedInstancesPolicy"] == {
        "launchTemplate": {
            "launchTemplateSpecification": {"launchTemplateId": "t-us-west-2-api-lt_id", "version": "1"},
            "overrides": [{"instanceType": t} for t in ("c5.large", "c5a.large", "c6i.large")]},
        "instancesDistribution": {
            "onDemandAllocationStrategy": "prioritized", "onDemandBaseCapacity": 4,
            "onDemandPercentageAboveBaseCapacity": 30, "spotAllocationStrategy": "price-capacity-optimized",
            "spotMaxPrice": "0.085"}}
    assert i["instanceRefresh"] == {"strategy": "Rolling", "preferences": {
        "minHealthyPercentage": 90, "checkpointPercentages": [25, 50, 100], "checkpointDelay": "300",
        "autoRollback": True,
        "alarmSpecification": {"alarms": ["t-api-scaling-health-error-rate", "t-api-scaling-health-cpu"]}}}
    assert (i["targetGroupArns"], i["healthCheckType"], i["healthCheckGracePeriod"]) == ([TG], "ELB", 300)
    assert i["enabledMetrics"] == ["GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances"]
    expected_tags = tags(NAMING_PROD, "api-tier", tier="api")
    assert i["tags"] == [{"key": k, "value": v, "propagateAtLaunch": True} for k, v in sorted(expected_tags.items())]
    assert {r.provider for r in built.children.values()} == {"aws-us-west-2"}
    assert built.outputs == {"asg_name": "t-us-west-2-api-asg", "min_size": 5, "max_size": 50,
                             "launch_template_id": "t-us-west-2-api-lt_id"}


def test_service_tier_alone_on_demand_worker_without_refresh_alarms():
    built = build(tier="worker", mixed=None, refresh=InstanceRefresh(100, (100,), 60, False, ()), target_groups=(),
                  env={"WORKER_THREADS": "16", "MAX_CONCURRENT_JOBS": "50"})
    check_conventions(built, "service_tier", "ServiceTier")
    i = built.named("t-us-west-2-worker-asg").inputs
    assert i["launchTemplate"] == {"id": "t-us-west-2-worker-lt_id", "version": "1"}
    assert "mixedInstancesPolicy" not in i
    assert i["instanceRefresh"]["preferences"] == {"minHealthyPercentage": 100, "checkpointPercentages": [100],
                                                   "checkpointDelay": "60", "autoRollback": False}
    assert (i["targetGroupArns"], i["healthCheckType"]) == ([], "EC2")  # no load balancer: EC2 health
    script = base64.b64decode(built.named("t-us-west-2-worker-lt").inputs["userData"]).decode()
    assert "cat > /etc/scaling-platform/env <<'EOF'\nMAX_CONCURRENT_JOBS=50\nWORKER_THREADS=16\nEOF" in script


def test_service_tier_alone_without_refresh_plan():
    i = build(refresh=None).named("t-us-west-2-api-asg").inputs
    assert "instanceRefresh" not in i
