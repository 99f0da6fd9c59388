"""Which provider inputs force a replacement, per resource type (data only; see replacement.py).

One place for the question "if this input changes, does `pulumi up` replace the resource?", read by
`scaling diff` (replaced vs updated), the stateful guard (`scaling plan --previous`, the
`stateful-guard` policy) and the stateful-safety tests.

Sources, per type (`sources`), both public and versioned with the provider:
- the Pulumi registry page of the resource, where every input whose change replaces the resource is
  marked "Changes to this property will trigger replacement." (pulumi-aws bridges the Terraform AWS
  provider, so these are its `ForceNew` arguments);
- the CloudFormation reference of the same AWS resource, where such a property says
  "Update requires: Replacement" (its `createOnlyProperties`). `cfn` names that property when both
  sources agree; tests/infra/model/test_replacement.py checks every `cfn` against the CloudFormation
  resource schemas cfn-lint ships, so a name that drifts fails a test.
Where the two differ, the provider wins (it is what Pulumi runs); the `why` says so.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# `when(old, new, old_inputs, new_inputs)`: True when this particular change replaces the resource.
When = Callable[[Any, Any, Mapping[str, Any], Mapping[str, Any]], bool]


@dataclass(frozen=True)
class ReplaceOn:
    """One input that forces a replacement: its camelCase key, the CloudFormation property that
    agrees (or None), why (shown to reviewers) and an optional condition (None = any change)."""

    key: str
    cfn: str | None = None
    why: str = "the provider cannot change it in place"
    when: When | None = None


@dataclass(frozen=True)
class TypeReplacement:
    """The replacing inputs of one Pulumi type token and where that is documented."""

    type: str
    inputs: tuple[ReplaceOn, ...]
    sources: tuple[str, ...]


def version_tuple(text: Any) -> tuple[int, ...]:
    """`"7.0.5"` -> (7, 0, 5); non-digits ignored, so versions compare numerically."""
    parts: list[int] = []
    for part in str(text or "").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _downgrade(old: Any, new: Any, *_: Any) -> bool:
    return version_tuple(new) < version_tuple(old)


def _cache_engine_change(old: Any, new: Any, *_: Any) -> bool:
    # redis -> valkey is an in-place engine upgrade; the reverse (or anything else) replaces.
    return not (str(old).lower() == "redis" and str(new).lower() == "valkey")


def _transit_encryption(old: Any, new: Any, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> bool:
    # In-transit encryption can be switched in place only from engine 7.0.5 on; below it replaces.
    return version_tuple(new_inputs.get("engineVersion") or old_inputs.get("engineVersion")) < (7, 0, 5)


def _tenancy(old: Any, new: Any, *_: Any) -> bool:
    # dedicated -> default is the one tenancy change AWS makes in place (ModifyVpcTenancy).
    return not (old == "dedicated" and new == "default")


_NAME = "the physical name is the resource's identity"
_MOVE = "moves it to another network or placement: a new resource"
_ENC = "encryption at rest is fixed when the storage is created"


def _registry(path: str) -> str:
    return f"https://www.pulumi.com/registry/packages/{path}/"


def _cfn(page: str) -> str:
    return f"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/{page}.html"


def _t(type_: str, registry: str, cfn_page: str | None, *inputs: ReplaceOn) -> TypeReplacement:
    sources = (_registry(registry),) + ((_cfn(cfn_page),) if cfn_page else ())
    return TypeReplacement(type_, inputs, sources)


R = ReplaceOn
TABLE: tuple[TypeReplacement, ...] = (
    # ---- data: databases, caches, keys, buckets, volumes
    _t("aws:rds/instance:Instance", "aws/api-docs/rds/instance", "aws-resource-rds-dbinstance",
       R("identifier", "DBInstanceIdentifier", _NAME), R("identifierPrefix", None, _NAME),
       R("engine", None, "RDS cannot switch a DB instance's engine"),
       R("availabilityZone", None, "a single-AZ instance cannot move to another AZ in place"),
       R("dbName", "DBName", "the initial database is created with the instance"),
       R("username", "MasterUsername", "the master user is created with the instance"),
       R("storageEncrypted", "StorageEncrypted", _ENC), R("kmsKeyId", "KmsKeyId", _ENC),
       R("dbSubnetGroupName", "DBSubnetGroupName",
         "CloudFormation replaces; pulumi-aws modifies in place, moving the instance to another VPC with an outage"),
       R("characterSetName", "CharacterSetName"), R("ncharCharacterSetName", "NcharCharacterSetName"),
       R("timezone", "Timezone"), R("customIamInstanceProfile", "CustomIAMInstanceProfile"),
       R("snapshotIdentifier", None, "restores a new instance from the snapshot"),
       R("restoreToPointInTime", None, "restores a new instance"), R("s3Import", None, "imports into a new instance"),
       R("replicateSourceDb", None, "a replica changing source is promoted or rebuilt, not modified")),
    _t("aws:rds/cluster:Cluster", "aws/api-docs/rds/cluster", "aws-resource-rds-dbcluster",
       R("clusterIdentifier", "DBClusterIdentifier", _NAME), R("clusterIdentifierPrefix", None, _NAME),
       R("engine", None, "RDS cannot switch a cluster's engine"), R("engineMode", None),
       R("databaseName", "DatabaseName"), R("masterUsername", None),
       R("storageEncrypted", "StorageEncrypted", _ENC), R("kmsKeyId", "KmsKeyId", _ENC),
       R("dbSubnetGroupName", "DBSubnetGroupName", _MOVE), R("availabilityZones", None, _MOVE),
       R("snapshotIdentifier", "SnapshotIdentifier"), R("sourceRegion", "SourceRegion"),
       R("restoreToPointInTime", None), R("s3Import", None)),
    _t("aws:rds/clusterInstance:ClusterInstance", "aws/api-docs/rds/clusterinstance", None,
       R("identifier", None, _NAME), R("identifierPrefix", None, _NAME), R("clusterIdentifier", None),
       R("engine", None), R("availabilityZone", None, _MOVE), R("dbSubnetGroupName", None, _MOVE)),
    _t("aws:elasticache/replicationGroup:ReplicationGroup", "aws/api-docs/elasticache/replicationgroup",
       "aws-resource-elasticache-replicationgroup",
       R("replicationGroupId", "ReplicationGroupId", _NAME),
       R("engine", None, "only redis -> valkey is an in-place upgrade", _cache_engine_change),
       R("engineVersion", None, "an engine version downgrade replaces the group", _downgrade),
       R("port", "Port"), R("subnetGroupName", "CacheSubnetGroupName", _MOVE),
       R("atRestEncryptionEnabled", "AtRestEncryptionEnabled", _ENC), R("kmsKeyId", "KmsKeyId", _ENC),
       R("transitEncryptionEnabled", None, "switching in-transit encryption below engine 7.0.5 replaces the group",
         _transit_encryption),
       R("dataTieringEnabled", "DataTieringEnabled"), R("networkType", "NetworkType"),
       R("snapshotArns", "SnapshotArns"), R("snapshotName", "SnapshotName"), R("securityGroupNames", None),
       R("globalReplicationGroupId", "GlobalReplicationGroupId")),
    _t("aws:elasticache/cluster:Cluster", "aws/api-docs/elasticache/cluster", "aws-resource-elasticache-cachecluster",
       R("clusterId", "ClusterName", _NAME), R("engine", "Engine"), R("port", "Port"),
       R("subnetGroupName", "CacheSubnetGroupName", _MOVE), R("availabilityZone", None, _MOVE),
       R("snapshotArns", "SnapshotArns"), R("snapshotName", "SnapshotName"), R("networkType", "NetworkType")),
    _t("aws:kms/key:Key", "aws/api-docs/kms/key", None,
       R("keyUsage", None, "a key's usage is fixed at creation"), R("customerMasterKeySpec", None),
       R("multiRegion", None), R("customKeyStoreId", None), R("xksKeyId", None)),
    _t("aws:kms/alias:Alias", "aws/api-docs/kms/alias", "aws-resource-kms-alias",
       R("name", "AliasName", _NAME), R("namePrefix", None, _NAME)),
    _t("aws:s3/bucket:Bucket", "aws/api-docs/s3/bucket", "aws-resource-s3-bucket",
       R("bucket", "BucketName", _NAME), R("bucketPrefix", None, _NAME), R("objectLockEnabled", None)),
    _t("aws:s3/bucketV2:BucketV2", "aws/api-docs/s3/bucketv2", "aws-resource-s3-bucket",
       R("bucket", "BucketName", _NAME), R("bucketPrefix", None, _NAME), R("objectLockEnabled", None)),
    _t("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws/api-docs/s3/bucketownershipcontrols", None,
       R("bucket", None)),
    _t("aws:ebs/volume:Volume", "aws/api-docs/ebs/volume", None,
       R("availabilityZone", None, _MOVE), R("encrypted", None, _ENC), R("kmsKeyId", None, _ENC),
       R("snapshotId", None), R("outpostArn", None, _MOVE)),
    # ---- what the data sits on: groups, networks, parameters
    _t("aws:rds/subnetGroup:SubnetGroup", "aws/api-docs/rds/subnetgroup", "aws-resource-rds-dbsubnetgroup",
       R("name", "DBSubnetGroupName", _NAME), R("namePrefix", None, _NAME)),
    _t("aws:elasticache/subnetGroup:SubnetGroup", "aws/api-docs/elasticache/subnetgroup",
       "aws-resource-elasticache-subnetgroup", R("name", "CacheSubnetGroupName", _NAME)),
    _t("aws:rds/parameterGroup:ParameterGroup", "aws/api-docs/rds/parametergroup", "aws-resource-rds-dbparametergroup",
       R("name", "DBParameterGroupName", _NAME), R("namePrefix", None, _NAME),
       R("family", "Family", "a parameter group's engine family is fixed"), R("description", "Description")),
    _t("aws:ec2/vpc:Vpc", "aws/api-docs/ec2/vpc", "aws-resource-ec2-vpc",
       R("cidrBlock", "CidrBlock", "a VPC's primary CIDR is fixed"), R("ipv4IpamPoolId", "Ipv4IpamPoolId"),
       R("ipv4NetmaskLength", "Ipv4NetmaskLength"),
       R("instanceTenancy", None, "only dedicated -> default changes in place", _tenancy)),
    _t("aws:ec2/subnet:Subnet", "aws/api-docs/ec2/subnet", "aws-resource-ec2-subnet",
       R("vpcId", "VpcId", _MOVE), R("cidrBlock", "CidrBlock", "a subnet's CIDR is fixed"),
       R("availabilityZone", "AvailabilityZone", _MOVE), R("availabilityZoneId", "AvailabilityZoneId", _MOVE),
       R("outpostArn", "OutpostArn", _MOVE), R("ipv6Native", "Ipv6Native")),
    _t("aws:ec2/securityGroup:SecurityGroup", "aws/api-docs/ec2/securitygroup", "aws-resource-ec2-securitygroup",
       R("name", "GroupName", _NAME), R("namePrefix", None, _NAME),
       R("description", "GroupDescription", "EC2 has no API to change a group's description"),
       R("vpcId", "VpcId", _MOVE)),
    _t("aws:ec2/routeTable:RouteTable", "aws/api-docs/ec2/routetable", "aws-resource-ec2-routetable",
       R("vpcId", "VpcId", _MOVE)),
    _t("aws:ec2/routeTableAssociation:RouteTableAssociation", "aws/api-docs/ec2/routetableassociation",
       "aws-resource-ec2-subnetroutetableassociation", R("subnetId", "SubnetId"), R("gatewayId", None)),
    _t("aws:ec2/natGateway:NatGateway", "aws/api-docs/ec2/natgateway", "aws-resource-ec2-natgateway",
       R("subnetId", "SubnetId", _MOVE), R("allocationId", "AllocationId"),
       R("connectivityType", "ConnectivityType"), R("privateIp", "PrivateIpAddress")),
    _t("aws:ec2/eip:Eip", "aws/api-docs/ec2/eip", "aws-resource-ec2-eip",
       R("domain", None), R("networkBorderGroup", "NetworkBorderGroup"), R("address", "Address"),
       R("publicIpv4Pool", None), R("customerOwnedIpv4Pool", None)),
    # ---- compute, load balancing, alarms, identity, edge
    _t("aws:ec2/launchTemplate:LaunchTemplate", "aws/api-docs/ec2/launchtemplate", "aws-resource-ec2-launchtemplate",
       R("name", "LaunchTemplateName", _NAME), R("namePrefix", None, _NAME)),
    _t("aws:autoscaling/group:Group", "aws/api-docs/autoscaling/group", "aws-resource-autoscaling-autoscalinggroup",
       R("name", "AutoScalingGroupName", _NAME), R("namePrefix", None, _NAME)),
    _t("aws:autoscaling/policy:Policy", "aws/api-docs/autoscaling/policy", "aws-resource-autoscaling-scalingpolicy",
       R("name", None, _NAME), R("autoscalingGroupName", "AutoScalingGroupName")),
    _t("aws:autoscaling/schedule:Schedule", "aws/api-docs/autoscaling/schedule",
       "aws-resource-autoscaling-scheduledaction",
       R("scheduledActionName", None, _NAME), R("autoscalingGroupName", "AutoScalingGroupName")),
    _t("aws:cloudwatch/metricAlarm:MetricAlarm", "aws/api-docs/cloudwatch/metricalarm", "aws-resource-cloudwatch-alarm",
       R("name", "AlarmName", _NAME)),
    _t("aws:lb/loadBalancer:LoadBalancer", "aws/api-docs/lb/loadbalancer",
       "aws-resource-elasticloadbalancingv2-loadbalancer",
       R("name", "Name", _NAME), R("namePrefix", None, _NAME), R("internal", "Scheme"),
       R("loadBalancerType", "Type")),
    _t("aws:lb/targetGroup:TargetGroup", "aws/api-docs/lb/targetgroup",
       "aws-resource-elasticloadbalancingv2-targetgroup",
       R("name", "Name", _NAME), R("namePrefix", None, _NAME), R("port", "Port"), R("protocol", "Protocol"),
       R("vpcId", "VpcId", _MOVE), R("targetType", "TargetType"), R("protocolVersion", "ProtocolVersion"),
       R("ipAddressType", "IpAddressType")),
    _t("aws:lb/listener:Listener", "aws/api-docs/lb/listener", "aws-resource-elasticloadbalancingv2-listener",
       R("loadBalancerArn", "LoadBalancerArn")),
    _t("aws:sns/topic:Topic", "aws/api-docs/sns/topic", "aws-resource-sns-topic",
       R("name", "TopicName", _NAME), R("namePrefix", None, _NAME), R("fifoTopic", "FifoTopic")),
    _t("aws:lambda/function:Function", "aws/api-docs/lambda/function", "aws-resource-lambda-function",
       R("name", "FunctionName", _NAME), R("packageType", "PackageType")),
    _t("aws:iam/role:Role", "aws/api-docs/iam/role", "aws-resource-iam-role",
       R("name", "RoleName", _NAME), R("namePrefix", None, _NAME), R("path", "Path")),
    _t("aws:iam/instanceProfile:InstanceProfile", "aws/api-docs/iam/instanceprofile",
       "aws-resource-iam-instanceprofile",
       R("name", "InstanceProfileName", _NAME), R("namePrefix", None, _NAME), R("path", "Path")),
    _t("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws/api-docs/iam/rolepolicyattachment", None,
       R("role", None), R("policyArn", None)),
    _t("aws:route53/zone:Zone", "aws/api-docs/route53/zone", "aws-resource-route53-hostedzone",
       R("name", "Name", _NAME), R("delegationSetId", "DelegationSetId")),
    _t("aws:route53/record:Record", "aws/api-docs/route53/record", "aws-resource-route53-recordset",
       R("zoneId", "HostedZoneId", _MOVE), R("name", None, _NAME)),
    _t("aws:route53/healthCheck:HealthCheck", "aws/api-docs/route53/healthcheck", "aws-resource-route53-healthcheck",
       R("type", "HealthCheckConfig/Type"), R("requestInterval", "HealthCheckConfig/RequestInterval"),
       R("measureLatency", "HealthCheckConfig/MeasureLatency"), R("referenceName", None)),
    _t("aws:wafv2/webAcl:WebAcl", "aws/api-docs/wafv2/webacl", "aws-resource-wafv2-webacl",
       R("name", "Name", _NAME), R("scope", "Scope")),
    _t("cloudflare:index/dnsRecord:DnsRecord", "cloudflare/api-docs/dnsrecord", None, R("zoneId", None, _MOVE)),
    _t("cloudflare:index/ruleset:Ruleset", "cloudflare/api-docs/ruleset", None,
       R("zoneId", None, _MOVE), R("accountId", None, _MOVE), R("kind", None), R("phase", None)),
    _t("cloudflare:index/workersRoute:WorkersRoute", "cloudflare/api-docs/workersroute", None,
       R("zoneId", None, _MOVE)),
    _t("cloudflare:index/workersScript:WorkersScript", "cloudflare/api-docs/workersscript", None,
       R("accountId", None, _MOVE), R("scriptName", None, _NAME)),
    # An explicit provider whose region changes is replaced, and with it every resource it manages.
    _t("pulumi:providers:aws", "aws/installation-configuration", None,
       R("region", None, "every resource of this provider moves to another region")),
)
