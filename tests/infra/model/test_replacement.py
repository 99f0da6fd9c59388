"""infra/model/replacement_table.py against the real CloudFormation resource schemas, and its conditions.

cfn-lint ships the CloudFormation registry schemas; a property in `createOnlyProperties` is one
whose change means "Update requires: Replacement". Every `cfn` name the table cites must be one,
so a citation that drifts from AWS's own schema fails here.
"""
from __future__ import annotations

import json
from pathlib import Path

import cfnlint
import pytest

from infra.model.replacement import (
    BY_TYPE,
    STATEFUL_TYPES,
    impossible_changes,
    replacement_causes,
    replacing_inputs,
    stateful_kind,
)
from infra.model.replacement_table import TABLE
from tests.conftest import ROOT

SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
INDEX = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
# The CloudFormation type each cited page documents (the page name is aws-resource-<service>-<type>).
CFN_TYPES = {
    "aws-resource-rds-dbinstance": "AWS::RDS::DBInstance", "aws-resource-rds-dbcluster": "AWS::RDS::DBCluster",
    "aws-resource-elasticache-replicationgroup": "AWS::ElastiCache::ReplicationGroup",
    "aws-resource-elasticache-cachecluster": "AWS::ElastiCache::CacheCluster",
    "aws-resource-kms-alias": "AWS::KMS::Alias", "aws-resource-s3-bucket": "AWS::S3::Bucket",
    "aws-resource-rds-dbsubnetgroup": "AWS::RDS::DBSubnetGroup",
    "aws-resource-elasticache-subnetgroup": "AWS::ElastiCache::SubnetGroup",
    "aws-resource-rds-dbparametergroup": "AWS::RDS::DBParameterGroup", "aws-resource-ec2-vpc": "AWS::EC2::VPC",
    "aws-resource-ec2-subnet": "AWS::EC2::Subnet", "aws-resource-ec2-securitygroup": "AWS::EC2::SecurityGroup",
    "aws-resource-ec2-routetable": "AWS::EC2::RouteTable",
    "aws-resource-ec2-subnetroutetableassociation": "AWS::EC2::SubnetRouteTableAssociation",
    "aws-resource-ec2-natgateway": "AWS::EC2::NatGateway", "aws-resource-ec2-eip": "AWS::EC2::EIP",
    "aws-resource-ec2-launchtemplate": "AWS::EC2::LaunchTemplate",
    "aws-resource-autoscaling-autoscalinggroup": "AWS::AutoScaling::AutoScalingGroup",
    "aws-resource-autoscaling-scalingpolicy": "AWS::AutoScaling::ScalingPolicy",
    "aws-resource-autoscaling-scheduledaction": "AWS::AutoScaling::ScheduledAction",
    "aws-resource-cloudwatch-alarm": "AWS::CloudWatch::Alarm",
    "aws-resource-elasticloadbalancingv2-loadbalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "aws-resource-elasticloadbalancingv2-targetgroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "aws-resource-elasticloadbalancingv2-listener": "AWS::ElasticLoadBalancingV2::Listener",
    "aws-resource-sns-topic": "AWS::SNS::Topic", "aws-resource-lambda-function": "AWS::Lambda::Function",
    "aws-resource-iam-role": "AWS::IAM::Role", "aws-resource-iam-instanceprofile": "AWS::IAM::InstanceProfile",
    "aws-resource-route53-hostedzone": "AWS::Route53::HostedZone",
    "aws-resource-route53-recordset": "AWS::Route53::RecordSet",
    "aws-resource-route53-healthcheck": "AWS::Route53::HealthCheck", "aws-resource-wafv2-webacl": "AWS::WAFv2::WebACL",
}


def _create_only(cfn_type: str) -> set[str]:
    schema = json.loads((SCHEMAS / "resources" / f"{INDEX[cfn_type]}.json").read_text())
    return {p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])}


def _cfn_page(entry) -> str | None:
    pages = [s.rsplit("/", 1)[-1].removesuffix(".html") for s in entry.sources if "AWSCloudFormation" in s]
    return pages[0] if pages else None


@pytest.mark.parametrize("entry", [e for e in TABLE if _cfn_page(e)], ids=lambda e: e.type)
def test_every_cited_cloudformation_property_requires_replacement(entry):
    create_only = _create_only(CFN_TYPES[_cfn_page(entry)])
    cited = {r.key: r.cfn for r in entry.inputs if r.cfn}
    assert cited, f"{entry.type} cites a CloudFormation page but no property of it"
    assert {key: cfn for key, cfn in cited.items() if cfn not in create_only} == {}


def test_every_entry_cites_the_pulumi_registry_and_types_are_unique():
    assert len({e.type for e in TABLE}) == len(TABLE)
    for entry in TABLE:
        assert entry.sources[0].startswith("https://www.pulumi.com/registry/packages/"), entry.type
        assert entry.inputs and len({r.key for r in entry.inputs}) == len(entry.inputs), entry.type


def test_every_type_the_bundled_stacks_register_that_holds_or_carries_data_is_in_the_table():
    golden = json.loads((ROOT / "tests" / "golden" / "prod.json").read_text())
    registered = {r["type"] for r in golden["resources"]}
    must = {t for t in registered if t in STATEFUL_TYPES} | {
        "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup",
        "aws:rds/parameterGroup:ParameterGroup", "aws:route53/record:Record"}
    assert must <= set(BY_TYPE)
    assert {"aws:rds/instance:Instance", "aws:kms/key:Key", "aws:rds/subnetGroup:SubnetGroup",
            "aws:elasticache/subnetGroup:SubnetGroup", "aws:s3/bucket:Bucket"} <= must


def test_rds_and_network_inputs_named_by_the_issue():
    assert {"engine", "identifier", "availabilityZone", "kmsKeyId", "storageEncrypted", "dbSubnetGroupName"} <= \
        set(replacing_inputs("aws:rds/instance:Instance"))
    assert {"engine", "atRestEncryptionEnabled", "subnetGroupName"} <= \
        set(replacing_inputs("aws:elasticache/replicationGroup:ReplicationGroup"))
    assert "cidrBlock" in replacing_inputs("aws:ec2/vpc:Vpc")
    assert {"cidrBlock", "availabilityZone", "vpcId"} <= set(replacing_inputs("aws:ec2/subnet:Subnet"))
    assert replacing_inputs("aws:cloudfront/distribution:Distribution") == ()


RG = "aws:elasticache/replicationGroup:ReplicationGroup"


def _keys(type_, old, new, **kw):
    return [c.key for c in replacement_causes(type_, old, new, **kw)]


def test_conditional_replacements():
    assert _keys(RG, {"engine": "redis"}, {"engine": "valkey"}) == []  # in-place engine upgrade
    assert _keys(RG, {"engine": "valkey"}, {"engine": "redis"}) == ["engine"]
    assert _keys(RG, {"engineVersion": "7.0"}, {"engineVersion": "7.1"}) == []  # upgrade in place
    assert _keys(RG, {"engineVersion": "7.1"}, {"engineVersion": "6.2"}) == ["engineVersion"]
    assert _keys(RG, {"engineVersion": "7.0", "transitEncryptionEnabled": False},
                 {"engineVersion": "7.0", "transitEncryptionEnabled": True}) == ["transitEncryptionEnabled"]
    assert _keys(RG, {"engineVersion": "7.1", "transitEncryptionEnabled": False},
                 {"engineVersion": "7.1", "transitEncryptionEnabled": True}) == []
    vpc = "aws:ec2/vpc:Vpc"
    assert _keys(vpc, {"instanceTenancy": "dedicated"}, {"instanceTenancy": "default"}) == []
    assert _keys(vpc, {"instanceTenancy": "default"}, {"instanceTenancy": "dedicated"}) == ["instanceTenancy"]


def test_ignore_changes_and_replace_on_changes_options():
    rds = "aws:rds/instance:Instance"
    assert _keys(rds, {"engine": "postgres"}, {"engine": "mysql"}, ignored=("engine",)) == []
    assert _keys(rds, {"instanceClass": "a"}, {"instanceClass": "b"}) == []
    assert _keys(rds, {"instanceClass": "a"}, {"instanceClass": "b"}, replace_on_changes=("instanceClass",)) \
        == ["instanceClass"]
    cause = replacement_causes(rds, {"storageEncrypted": True}, {"storageEncrypted": False})[0]
    assert cause.describe() == ("storageEncrypted True -> False "
                                "(encryption at rest is fixed when the storage is created)")


def test_stateful_kinds():
    assert stateful_kind("aws:rds/instance:Instance", {}) == "database instance"
    assert stateful_kind("aws:rds/instance:Instance", {"replicateSourceDb": "db-0"}) == "read replica of db-0"
    assert stateful_kind("aws:ec2/natGateway:NatGateway", {}) is None
    assert stateful_kind("aws:ec2/natGateway:NatGateway", {"tags": {"stateful": "true"}}) == "stateful-tagged resource"
    assert stateful_kind("aws:kms/key:Key", {}).startswith("KMS key")


def test_changes_aws_refuses():
    rds = "aws:rds/instance:Instance"
    assert impossible_changes(rds, {"allocatedStorage": 1000.0, "engineVersion": "16.4"},
                              {"allocatedStorage": 900.0, "engineVersion": "15.8"}) == [
        "allocatedStorage 1000 -> 900 GB: RDS cannot reduce allocated storage",
        "engineVersion 16.4 -> 15.8: RDS cannot downgrade an engine version"]
    assert impossible_changes(rds, {"allocatedStorage": 1000.0, "engineVersion": "15"},
                              {"allocatedStorage": 2000.0, "engineVersion": "16"}) == []
