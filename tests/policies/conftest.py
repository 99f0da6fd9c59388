"""A small stack that passes every policy: the baseline each one-mutation test starts from."""
from __future__ import annotations

import pytest

from infra.model.recorded import RecordedResource

TAGS = {"environment": "prod", "owner": "platform", "cost-center": "cc-100"}


def _r(type_, name, inputs, parent="prod-us-east-1-api", provider="aws-us-east-1"):
    return RecordedResource(type=type_, name=name, inputs=inputs, parent=parent, provider=provider,
                            urn=f"urn:pulumi:prod::scaling-platform::{type_}::{name}")


def make_good_stack() -> list[RecordedResource]:
    """Inputs shaped as the mocks record them (camelCase, numbers as floats, ids `<name>_id`)."""
    return [
        _r("aws:ec2/launchTemplate:LaunchTemplate", "prod-us-east-1-api-lt", {
            "instanceType": "c5.large", "metadataOptions": {"httpTokens": "required"},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda",
                                     "ebs": {"volumeSize": 20.0, "volumeType": "gp3", "encrypted": "true"}}],
            "tags": dict(TAGS)}),
        _r("aws:autoscaling/group:Group", "prod-us-east-1-api-asg", {
            "minSize": 10.0, "maxSize": 100.0, "desiredCapacity": 25.0,
            "mixedInstancesPolicy": {
                "instancesDistribution": {"onDemandBaseCapacity": 0.0, "onDemandPercentageAboveBaseCapacity": 100.0,
                                          "spotAllocationStrategy": "price-capacity-optimized"},
                "launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": "prod-us-east-1-api-lt_id"},
                                   "overrides": [{"instanceType": "c5.large"}]}},
            "tags": [{"key": k, "value": v, "propagateAtLaunch": True} for k, v in TAGS.items()]}),
        _r("aws:autoscaling/policy:Policy", "prod-us-east-1-api-scale-out", {
            "autoscalingGroupName": "prod-us-east-1-api-asg", "policyType": "StepScaling",
            "adjustmentType": "ChangeInCapacity", "estimatedInstanceWarmup": 300.0,
            "stepAdjustments": [{"scalingAdjustment": 2.0, "metricIntervalLowerBound": "0"}]}),
        _r("aws:autoscaling/policy:Policy", "prod-us-east-1-api-scale-in", {
            "autoscalingGroupName": "prod-us-east-1-api-asg", "policyType": "SimpleScaling",
            "adjustmentType": "ChangeInCapacity", "cooldown": 600.0, "scalingAdjustment": -1.0}),
        _r("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-us-east-1-api-cpu-high", {
            "comparisonOperator": "GreaterThanOrEqualToThreshold", "threshold": 70.0, "evaluationPeriods": 2.0,
            "period": 60.0, "metricName": "CPUUtilization", "namespace": "AWS/EC2",
            "alarmActions": ["prod-us-east-1-api-scale-out_id"], "tags": dict(TAGS)}),
        _r("aws:cloudwatch/metricAlarm:MetricAlarm", "prod-us-east-1-api-cpu-low", {
            "comparisonOperator": "LessThanThreshold", "threshold": 30.0, "evaluationPeriods": 5.0,
            "period": 60.0, "metricName": "CPUUtilization", "namespace": "AWS/EC2",
            "alarmActions": ["prod-us-east-1-api-scale-in_id"], "tags": dict(TAGS)}),
        _r("aws:ec2/securityGroup:SecurityGroup", "prod-us-east-1-alb-sg", {
            "ingress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]}],
            "tags": dict(TAGS, role="alb")}, parent="prod-us-east-1"),
        _r("aws:ec2/securityGroup:SecurityGroup", "prod-us-east-1-api-sg", {
            "ingress": [{"protocol": "tcp", "fromPort": 8080.0, "toPort": 8080.0, "cidrBlocks": ["10.0.0.0/16"]}],
            "tags": dict(TAGS)}),
        _r("aws:lb/loadBalancer:LoadBalancer", "prod-us-east-1-alb", {
            "loadBalancerType": "application", "tags": dict(TAGS)}, parent="prod-us-east-1"),
        _r("aws:ec2/natGateway:NatGateway", "prod-us-east-1-nat", {"tags": dict(TAGS)}, parent="prod-us-east-1"),
        _r("aws:rds/instance:Instance", "prod-db-primary", {
            "instanceClass": "db.r5.2xlarge", "allocatedStorage": 3000.0, "storageType": "gp3",
            "storageEncrypted": True, "multiAz": True, "publiclyAccessible": False, "deletionProtection": True,
            "skipFinalSnapshot": False, "finalSnapshotIdentifier": "prod-db-final", "tags": dict(TAGS)},
            parent="prod-db"),
        _r("aws:rds/instance:Instance", "prod-db-replica-1", {
            "instanceClass": "db.r5.2xlarge", "replicateSourceDb": "prod-db-primary_id",
            "publiclyAccessible": False, "skipFinalSnapshot": True, "tags": dict(TAGS)}, parent="prod-db"),
        _r("aws:elasticache/replicationGroup:ReplicationGroup", "prod-cache", {
            "nodeType": "cache.r5.large", "numCacheClusters": 3.0, "atRestEncryptionEnabled": True,
            "transitEncryptionEnabled": True, "automaticFailoverEnabled": True, "multiAzEnabled": True,
            "tags": dict(TAGS)}, parent="prod-cache-c"),
    ]


@pytest.fixture
def good_stack() -> list[RecordedResource]:
    return make_good_stack()


PROD_CONFIG = {"stack-budget": {"budget_usd": 250000}, "stack-budget-advisory": {"budget_usd": 250000},
               "asg-min-max": {"environment": "prod"}, "multi-az-in-prod": {"environment": "prod"}}


@pytest.fixture
def prod_config() -> dict:
    return {k: dict(v) for k, v in PROD_CONFIG.items()}
