"""The baseline stacks every policy test starts from: each passes every policy, so a test changes
one input and asserts the exact message of the one rule it breaks."""
from __future__ import annotations

import dataclasses

from infra.model.edge import MANAGED_CACHE_POLICIES
from infra.model.recorded import RecordedResource
from infra.model.security import MANAGED_RULE_GROUPS

TAGS = {"environment": "prod", "owner": "platform", "cost-center": "cc-100"}


def _r(type_, name, inputs, parent="prod-us-east-1-api", provider="aws-us-east-1"):
    """A recorded resource with the URN the engine would give it."""
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
            "ingress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "prefixListIds": ["pl-3b927c52"]}],
            "tags": dict(TAGS, role="alb")}, parent="prod-us-east-1"),
        _r("aws:ec2/securityGroup:SecurityGroup", "prod-us-east-1-api-sg", {
            "ingress": [{"protocol": "tcp", "fromPort": 8080.0, "toPort": 8080.0, "cidrBlocks": ["10.0.0.0/16"]}],
            "tags": dict(TAGS)}),
        _r("aws:lb/loadBalancer:LoadBalancer", "prod-us-east-1-alb", {
            "loadBalancerType": "application", "tags": dict(TAGS),
            "accessLogs": {"bucket": "prod-us-east-1-logs", "prefix": "alb", "enabled": True}},
            parent="prod-us-east-1"),
        _r("aws:wafv2/webAclAssociation:WebAclAssociation", "prod-us-east-1-waf-alb", {
            "resourceArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:prod-us-east-1-alb",
            "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:prod-us-east-1-waf"}, parent="prod-us-east-1"),
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
            "authToken": "[secret]", "tags": dict(TAGS)}, parent="prod-cache-c"),
    ]


ROUTER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-request-router:1"
MODIFIER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:prod-edge-response-modifier:1"


def _e(type_, name, inputs, parent="prod-edge", provider="aws-us-east-1"):
    return _r(type_, name, inputs, parent=parent, provider=provider)


def origin(region):
    """A CloudFront custom origin as components/edge.py sets it (HTTPS only, TLSv1.2)."""
    return {"originId": f"alb-{region}", "domainName": f"origin-{region}.example.com",
            "customOriginConfig": {"originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"],
                                   "httpPort": 80.0, "httpsPort": 443.0}}


def managed_rule(group: str, priority: float) -> dict:
    """An AWS managed rule group rule as the mocks record it."""
    return {"name": group, "priority": priority, "overrideAction": {"none": {}},
            "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": group}}}


def make_edge_stack() -> list[RecordedResource]:
    """What components/edge.py and components/cloudflare.py register for prod, trimmed to the checked inputs."""
    def behavior(path=None, assoc=(), cache="CachingOptimized"):
        b = {"viewerProtocolPolicy": "redirect-to-https", "cachePolicyId": MANAGED_CACHE_POLICIES[cache],
             "targetOriginId": "alb-us-east-1",
             "lambdaFunctionAssociations": [{"eventType": e, "lambdaArn": a, "includeBody": False} for e, a in assoc]}
        return dict(b, pathPattern=path) if path else b

    modifier = ("origin-response", MODIFIER_ARN)
    return [
        _e("aws:lambda/function:Function", "prod-edge-request-router", {
            "memorySize": 128.0, "timeout": 5.0, "publish": True, "tags": dict(TAGS, role="edge-function")}),
        _e("aws:lambda/function:Function", "prod-edge-response-modifier", {
            "memorySize": 256.0, "timeout": 10.0, "publish": True, "tags": dict(TAGS, role="edge-function")}),
        _e("aws:wafv2/webAcl:WebAcl", "prod-edge-waf", {
            "scope": "CLOUDFRONT", "defaultAction": {"allow": {}}, "tags": dict(TAGS),
            "rules": [{"name": "api-rate-limit", "priority": 1.0, "action": {"block": {}}, "statement": {
                "rateBasedStatement": {"limit": 500.0, "aggregateKeyType": "IP", "scopeDownStatement": {
                    "byteMatchStatement": {"positionalConstraint": "STARTS_WITH", "searchString": "/api/",
                                           "fieldToMatch": {"uriPath": {}},
                                           "textTransformations": [{"priority": 0.0, "type": "NONE"}]}}}}},
                *[managed_rule(group, 10.0 + i) for i, group in enumerate(MANAGED_RULE_GROUPS)]]}),
        _e("aws:cloudfront/distribution:Distribution", "prod-edge-cdn", {
            "enabled": True, "tags": dict(TAGS), "webAclId": "arn:aws:wafv2:us-east-1:123456789012:prod-edge-waf",
            "origins": [origin("us-east-1"), origin("us-west-2")],
            "defaultCacheBehavior": behavior(assoc=[modifier]),
            "orderedCacheBehaviors": [
                behavior("/api/*", [("origin-request", ROUTER_ARN), modifier], cache="CachingDisabled"),
                behavior("/static/*", [modifier])],
            "viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
                                  "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"},
            "loggingConfig": {"bucket": "prod-edge-logs.s3.amazonaws.com", "prefix": "cloudfront/"}}),
        _e("cloudflare:index/dnsRecord:DnsRecord", "prod-cloudflare-record", {
            "zoneId": "z1", "name": "www.example.com", "type": "CNAME", "proxied": True},
           parent="prod-cloudflare", provider="cloudflare-prod"),
        _e("cloudflare:index/ruleset:Ruleset", "prod-cloudflare-cache-rules", {
            "zoneId": "z1", "kind": "zone", "phase": "http_request_cache_settings", "rules": [
                {"ref": "api_bypass", "action": "set_cache_settings", "actionParameters": {"cache": False},
                 "expression": '(http.host eq "www.example.com" and starts_with(http.request.uri.path, "/api/"))'},
                {"ref": "static", "action": "set_cache_settings", "actionParameters": {"cache": True},
                 "expression": '(http.host eq "www.example.com" and starts_with(http.request.uri.path, "/static/"))'}]},
           parent="prod-cloudflare", provider="cloudflare-prod"),
        _e("cloudflare:index/workersScript:WorkersScript", "prod-cloudflare-rate-limiter", {
            "scriptName": "prod-rate-limiter", "limits": {"cpuMs": 10.0}}, parent="prod-cloudflare",
           provider="cloudflare-prod"),
        _e("cloudflare:index/workersRoute:WorkersRoute", "prod-cloudflare-rate-limiter-route", {
            "zoneId": "z1", "pattern": "www.example.com/api/*", "script": "prod-rate-limiter"},
           parent="prod-cloudflare", provider="cloudflare-prod"),
    ]


def by_name(stack: list[RecordedResource], name: str) -> RecordedResource:
    """The resource called `name`."""
    return next(r for r in stack if r.name == name)


def mutate(stack: list[RecordedResource], name: str, **changes) -> list[RecordedResource]:
    """The stack with one resource's inputs changed (a value of None removes the key)."""
    out = []
    for r in stack:
        if r.name == name:
            r = dataclasses.replace(r, inputs={k: v for k, v in {**r.inputs, **changes}.items() if v is not None})
        out.append(r)
    return out


def check(rule, res: RecordedResource, **config) -> list[str]:
    """A resource rule's messages for one resource; config = the rule's defaults overlaid by `config`."""
    return rule.check(res.type, res.inputs, rule.settings(config), name=res.name)
