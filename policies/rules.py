"""Pure policy rules: one source of truth for `pulumi preview --policy-pack policies` and `scaling plan`.

A resource rule is `(resource_type, props, config, *, name="") -> list[str]`: the exact
violation messages for one resource (`props` are camelCase inputs as the provider receives
them; `name` is the resource's Pulumi name, used only to recognise ALB security groups).
A stack rule is `(resources: list[RecordedResource], config) -> list[Violation]`.
No rule imports pulumi; `policies/pack.py` wraps them for CrossGuard and `policies/engine.py`
runs them offline, both through `RULES` and `resolve_config`, so defaults live only here.

How resources are recognised (the components must follow this):
- environment: the policy config's `environment`; when empty, the resource's `environment` tag.
- ALB security groups: tag `role: alb`, or a name (resource name, `name` or `namePrefix` input)
  ending in `-alb-sg`; a standalone ingress rule counts as ALB when tagged `role: alb` or when
  its name or `securityGroupId` contains `-alb-sg`.
- stateful resources: RDS instances, ElastiCache replication groups, and anything tagged
  `stateful: "true"`.
- scale direction: step/simple scaling policies by the sign of their adjustments; alarms by
  `comparisonOperator` (GreaterThan… = scale out, LessThan… = scale in), paired by metric
  (namespace, metricName, dimensions) within one parent component.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from infra.cost import pricing
from infra.cost.edge_pricing import lambda_for
from infra.cost.lines import CostEstimate, PricingError
from infra.cost.prices import (
    ALLOWED_INSTANCE_TYPES,
    CACHE_NODE_HOURLY_USD,
    EMERGENCY_CEILING_FACTOR,
    MODELS,
    RDS_HOURLY_USD,
)
from infra.model import guardrails
from infra.model.recorded import RecordedResource
from infra.model.references import ReferenceIndex, resolve
from infra.model.resource_types import (
    ASG,
    CACHE_GROUP,
    DISTRIBUTION,
    EBS_VOLUME,
    LAMBDA_FUNCTION,
    LAUNCH_TEMPLATE,
    LOAD_BALANCER,
    NAT_GATEWAY,
    RDS_INSTANCE,
    WEB_ACL,
    WORKERS_ROUTE,
)

ASG = ASG
LAUNCH_TEMPLATE = LAUNCH_TEMPLATE
RDS_INSTANCE = RDS_INSTANCE
CACHE_GROUP = CACHE_GROUP
EBS_VOLUME = EBS_VOLUME
LOAD_BALANCER = LOAD_BALANCER
NAT_GATEWAY = NAT_GATEWAY
DISTRIBUTION = DISTRIBUTION
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SCALING_POLICY = "aws:autoscaling/policy:Policy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

MANDATORY = "mandatory"
ADVISORY = "advisory"

# Resources that accept tags and that `required-tags` checks. Scaling policies, ingress/route
# attachments and providers take no tags; listing the types keeps the rule predictable.
TAGGABLE_TYPES: frozenset[str] = frozenset({
    ASG, LAUNCH_TEMPLATE, RDS_INSTANCE, CACHE_GROUP, EBS_VOLUME, LOAD_BALANCER, NAT_GATEWAY,
    DISTRIBUTION, SECURITY_GROUP, INGRESS_RULE, METRIC_ALARM,
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/eip:Eip",
    "aws:lb/targetGroup:TargetGroup", "aws:rds/subnetGroup:SubnetGroup",
    "aws:elasticache/subnetGroup:SubnetGroup", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
})

OPEN_CIDRS = ("0.0.0.0/0", "::/0")


class Violation(NamedTuple):
    """A stack rule's finding: the resource it is about (None = the whole stack) and the message."""

    resource: str | None
    message: str


# ---------------------------------------------------------------------------- helpers

def _truthy(value: Any) -> bool:
    """Booleans may arrive as True or "true" (launch template EBS `encrypted` is a string)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _num(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _json_maybe(value: Any) -> Any:
    """Provider inputs such as `defaultTags` reach the engine JSON-encoded; decode when needed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """A resource's tags: `tagsAll` (provider default tags included) overlaid by `tags`.

    ASGs give tags as a list of {key, value, propagateAtLaunch}; everything else as a map.
    """
    out: dict[str, str] = {}
    for field in ("tagsAll", "tags"):
        tags = props.get(field)
        if isinstance(tags, Mapping):
            out.update({str(k): str(v) for k, v in tags.items()})
        elif isinstance(tags, Sequence) and not isinstance(tags, str):
            out.update({str(t.get("key")): str(t.get("value")) for t in tags if isinstance(t, Mapping)})
    return out


def prepare_props(props: Mapping[str, Any], provider_props: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Props as the rules see them: provider `defaultTags` merged into `tagsAll` (as AWS will).

    Both the pack and the offline engine call this, so a tag set on the provider counts the same
    in `pulumi preview` and in `scaling plan`.
    """
    out = dict(props)
    default = _json_maybe((provider_props or {}).get("defaultTags")) or {}
    default_tags = _json_maybe(default.get("tags")) if isinstance(default, Mapping) else None
    if isinstance(default_tags, Mapping) and default_tags:
        merged = {str(k): str(v) for k, v in default_tags.items()}
        if isinstance(out.get("tagsAll"), Mapping):
            merged.update(out["tagsAll"])
        out["tagsAll"] = merged
    return out


def _environment(props: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    return str(config.get("environment") or tags_of(props).get("environment") or "")


def _is_primary_db(props: Mapping[str, Any]) -> bool:
    return not props.get("replicateSourceDb")


# ---------------------------------------------------------------------------- resource rules

def asg_min_max(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """minSize ≤ desiredCapacity ≤ maxSize, and min/max within the environment's hard limits.

    Config: `environment` (default "": use the resource's `environment` tag),
    `hard_limits` {env: {min_size, max_size}} (defaults in `RULES`). An environment without an
    entry has no hard limits.
    """
    if resource_type != ASG:
        return []
    out: list[str] = []
    lo, hi, desired = _num(props.get("minSize")), _num(props.get("maxSize")), _num(props.get("desiredCapacity"))
    if lo is not None and hi is not None and lo > hi:
        out.append(f"minSize {lo:g} is greater than maxSize {hi:g}")
    if desired is not None and lo is not None and hi is not None and not lo <= desired <= hi:
        out.append(f"desiredCapacity {desired:g} is outside [minSize {lo:g}, maxSize {hi:g}]")
    env = _environment(props, config)
    limits = (config.get("hard_limits") or {}).get(env)
    if limits:
        if hi is not None and limits.get("max_size") is not None and hi > limits["max_size"]:
            out.append(f"maxSize {hi:g} exceeds the {env} hard limit of {limits['max_size']:g}")
        if lo is not None and limits.get("min_size") is not None and lo < limits["min_size"]:
            out.append(f"minSize {lo:g} is below the {env} hard minimum of {limits['min_size']:g}")
    return out


def storage_encrypted(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """RDS storage, ElastiCache at rest and in transit, launch-template and standalone EBS encrypted.

    A read replica that leaves `storageEncrypted` unset inherits its source's encryption.
    """
    out: list[str] = []
    if resource_type == RDS_INSTANCE:
        value = props.get("storageEncrypted")
        if not _truthy(value) and (value is not None or _is_primary_db(props)):
            out.append("RDS storage is not encrypted (storageEncrypted must be true)")
    elif resource_type == CACHE_GROUP:
        if not _truthy(props.get("atRestEncryptionEnabled")):
            out.append("ElastiCache at-rest encryption is off (atRestEncryptionEnabled must be true)")
        if not _truthy(props.get("transitEncryptionEnabled")):
            out.append("ElastiCache in-transit encryption is off (transitEncryptionEnabled must be true)")
    elif resource_type == LAUNCH_TEMPLATE:
        for bdm in props.get("blockDeviceMappings") or []:
            ebs = bdm.get("ebs")
            if ebs is not None and not _truthy(ebs.get("encrypted")):
                out.append(f"launch template block device {bdm.get('deviceName')} is not encrypted "
                           "(ebs.encrypted must be true)")
    elif resource_type == EBS_VOLUME:
        if not _truthy(props.get("encrypted")):
            out.append("EBS volume is not encrypted (encrypted must be true)")
    return out


def rds_not_public(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """No RDS instance is reachable from the internet."""
    if resource_type == RDS_INSTANCE and _truthy(props.get("publiclyAccessible")):
        return ["RDS instance is publicly accessible (publiclyAccessible must be false)"]
    return []


def multi_az_in_prod(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """In the environments listed in `multi_az_environments` (default ["prod"]) RDS primaries run
    Multi-AZ and cache replication groups have multiAzEnabled. Config `environment` as in asg-min-max."""
    if _environment(props, config) not in (config.get("multi_az_environments") or []):
        return []
    if resource_type == RDS_INSTANCE and _is_primary_db(props) and not _truthy(props.get("multiAz")):
        return [f"RDS primary is not Multi-AZ in {_environment(props, config)} (multiAz must be true)"]
    if resource_type == CACHE_GROUP and not _truthy(props.get("multiAzEnabled")):
        return [f"ElastiCache replication group is not Multi-AZ in {_environment(props, config)} "
                "(multiAzEnabled must be true)"]
    return []


def deletion_protection(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """RDS primaries (no replicateSourceDb) have deletionProtection and, when
    `require_final_snapshot` (default true), keep a final snapshot."""
    if resource_type != RDS_INSTANCE or not _is_primary_db(props):
        return []
    out: list[str] = []
    if not _truthy(props.get("deletionProtection")):
        out.append("RDS primary has no deletion protection (deletionProtection must be true)")
    if config.get("require_final_snapshot", True):
        if _truthy(props.get("skipFinalSnapshot")):
            out.append("RDS primary skips its final snapshot (skipFinalSnapshot must be false)")
        elif not props.get("finalSnapshotIdentifier"):
            out.append("RDS primary has no finalSnapshotIdentifier")
    return out


def imdsv2_required(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """Launch templates require IMDSv2 session tokens (blocks SSRF credential theft via IMDSv1)."""
    if resource_type != LAUNCH_TEMPLATE:
        return []
    if (props.get("metadataOptions") or {}).get("httpTokens") != "required":
        return ['launch template does not require IMDSv2 (metadataOptions.httpTokens must be "required")']
    return []


def is_alb_security_group(resource_type: str, props: Mapping[str, Any], name: str = "") -> bool:
    """ALB security groups: tag `role: alb`, or a name ending in `-alb-sg` (see module doc)."""
    if tags_of(props).get("role") == "alb":
        return True
    names = [name, str(props.get("name") or "")]
    if resource_type == INGRESS_RULE:
        names.append(str(props.get("securityGroupId") or ""))
        return any("-alb-sg" in n for n in names)
    return any(n.endswith("-alb-sg") for n in names) or "-alb-sg" in str(props.get("namePrefix") or "")


def no_public_ingress(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """No ingress from 0.0.0.0/0 or ::/0, except ALB security groups on `alb_public_ports`
    (default [443, 80]); a rule covering any other port (or protocol -1, all ports) is a violation."""
    if resource_type == SECURITY_GROUP:
        rules = [dict(r, _cidrs=list(r.get("cidrBlocks") or []) + list(r.get("ipv6CidrBlocks") or []))
                 for r in props.get("ingress") or []]
    elif resource_type == INGRESS_RULE:
        rules = [{"protocol": props.get("ipProtocol"), "fromPort": props.get("fromPort"),
                  "toPort": props.get("toPort"),
                  "_cidrs": [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]}]
    else:
        return []
    allowed_ports = {int(p) for p in config.get("alb_public_ports") or []}
    alb = is_alb_security_group(resource_type, props, name)
    out: list[str] = []
    for rule in rules:
        for cidr in rule["_cidrs"]:
            if cidr not in OPEN_CIDRS:
                continue
            proto = str(rule.get("protocol"))
            lo, hi = _num(rule.get("fromPort")), _num(rule.get("toPort"))
            single_allowed = (proto not in ("-1", "all") and lo is not None and lo == hi
                              and int(lo) in allowed_ports)
            if alb and single_allowed:
                continue
            ports = "all" if proto in ("-1", "all") else f"{_fmt(lo)}-{_fmt(hi)}"
            where = ("ALB security groups may only open ports "
                     + ", ".join(str(p) for p in config.get("alb_public_ports") or [])) if alb \
                else "only ALB security groups may be open to the internet"
            out.append(f"ingress {proto} ports {ports} is open to {cidr} ({where})")
    return out


def _fmt(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


def required_tags(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """Taggable resources (`TAGGABLE_TYPES`) carry every tag in `required_tags`
    (default environment, owner, cost-center); provider default tags count."""
    if resource_type not in TAGGABLE_TYPES:
        return []
    tags = tags_of(props)
    missing = [t for t in config.get("required_tags") or [] if not tags.get(t)]
    return [f"missing required tags: {', '.join(missing)}"] if missing else []


def instance_type_allowlist(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """EC2 types (launch templates, ASG overrides), RDS classes and cache node types come from
    the allowlists, which default to the types `infra/cost/pricing.py` can price."""
    found: list[tuple[str, str, str]] = []  # (what, value, config key)
    if resource_type == LAUNCH_TEMPLATE and props.get("instanceType"):
        found.append(("instance type", props["instanceType"], "allowed_instance_types"))
    elif resource_type == ASG:
        mlt = ((props.get("mixedInstancesPolicy") or {}).get("launchTemplate") or {})
        found += [("instance type", o["instanceType"], "allowed_instance_types")
                  for o in mlt.get("overrides") or [] if o.get("instanceType")]
    elif resource_type == RDS_INSTANCE and props.get("instanceClass"):
        found.append(("RDS instance class", props["instanceClass"], "allowed_db_instance_classes"))
    elif resource_type == CACHE_GROUP and props.get("nodeType"):
        found.append(("cache node type", props["nodeType"], "allowed_cache_node_types"))
    out = []
    for what, value, key in found:
        allowed = list(config.get(key) or [])
        if value not in allowed:
            out.append(f"{what} {value} is not allowed; allowed: {', '.join(allowed)}")
    return out


# ---------------------------------------------------------------------------- edge rules

LAMBDA_FUNCTION = LAMBDA_FUNCTION
WEB_ACL = WEB_ACL
CLOUDFLARE_RULESET = "cloudflare:index/ruleset:Ruleset"
CLOUDFLARE_RECORDS = ("cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/record:Record")
WORKERS_ROUTE = WORKERS_ROUTE
HTTPS_VIEWER_POLICIES = ("redirect-to-https", "https-only")
# CloudFront viewer security policies, weakest first (CloudFront Developer Guide, "Supported
# protocols and ciphers between viewers and CloudFront").
CLOUDFRONT_TLS_POLICIES = ("SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019",
                           "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
# What the components deploy (infra/model/guardrails.py, CloudFront Developer Guide): custom origins over
# TLSv1.2 only, viewers at least TLSv1.2_2021 with a custom certificate; /api/* by its prefix.
ORIGIN_TLS_PROTOCOLS = list(guardrails.ORIGIN_TLS)
VIEWER_MIN_TLS = guardrails.VIEWER_MIN_TLS
API_PATH = guardrails.API_PATH
API_PREFIX = guardrails.API_PREFIX
# pulumi-policy's stand-in for a value unknown during preview (pulumi_policy.proxy.UNKNOWN_STRING_VALUE;
# not imported: rules import no pulumi package). A new function's ARN is unknown until created.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _behaviors(props: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, behaviour): the default behaviour, then each ordered one by its path pattern."""
    out = [("default behaviour", props.get("defaultCacheBehavior") or {})]
    out += [(f"behaviour {b.get('pathPattern')}", b) for b in props.get("orderedCacheBehaviors") or []]
    return out


def edge_https_only(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """CloudFront: every cache behaviour redirects or restricts viewers to HTTPS; every custom
    origin is reached over `https-only` (`http-only` too when `allow_http_origins`) with
    `originSslProtocols` exactly TLSv1.2."""
    if resource_type != DISTRIBUTION:
        return []
    out: list[str] = []
    for label, behavior in _behaviors(props):
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in HTTPS_VIEWER_POLICIES:
            out.append(f"{label} viewerProtocolPolicy is {policy} (must be redirect-to-https or https-only)")
    allowed = ["https-only"] + (["http-only"] if config.get("allow_http_origins") else [])
    for origin in props.get("origins") or []:
        custom = origin.get("customOriginConfig")
        if not custom:
            continue
        oid = origin.get("originId")
        policy = custom.get("originProtocolPolicy")
        if policy not in allowed:
            out.append(f"origin {oid} originProtocolPolicy is {policy} (must be {' or '.join(allowed)})")
        protocols = list(custom.get("originSslProtocols") or [])
        if protocols != ORIGIN_TLS_PROTOCOLS:
            out.append(f"origin {oid} originSslProtocols is {', '.join(map(str, protocols)) or 'empty'} "
                       f"(must be only {', '.join(ORIGIN_TLS_PROTOCOLS)})")
    return out


def edge_tls_minimum(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """A distribution with its own certificate (`acmCertificateArn` / `iamCertificateId`) enforces
    at least `minimum_protocol_version` (default TLSv1.2_2021). The default *.cloudfront.net
    certificate cannot enforce a minimum; it is allowed while `allow_default_certificate` (default
    true: dev has no hostname) and a violation otherwise (prod.json sets it false)."""
    if resource_type != DISTRIBUTION:
        return []
    cert = props.get("viewerCertificate") or {}
    minimum = str(config.get("minimum_protocol_version") or VIEWER_MIN_TLS)
    if cert.get("acmCertificateArn") or cert.get("iamCertificateId"):
        got = cert.get("minimumProtocolVersion")
        rank = {v: i for i, v in enumerate(CLOUDFRONT_TLS_POLICIES)}
        if got not in rank or rank[got] < rank.get(minimum, len(rank)):
            return [f"viewer minimumProtocolVersion is {got} (must be {minimum} or newer)"]
        return []
    if not config.get("allow_default_certificate", True):
        return [f"distribution uses the default *.cloudfront.net certificate, which cannot enforce {minimum} "
                "(set viewerCertificate.acmCertificateArn)"]
    return []


def cloudflare_api_cache_bypass(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any], *, name: str = "") -> list[str]:
    """A Cloudflare cache-rules ruleset (phase http_request_cache_settings) has an enabled rule
    that turns the cache off (`set_cache_settings`, `cache: false`) on paths starting `/api/`."""
    if resource_type != CLOUDFLARE_RULESET or props.get("phase") != "http_request_cache_settings":
        return []
    for rule in props.get("rules") or []:
        expression = str(rule.get("expression") or "")
        if (rule.get("action") == "set_cache_settings" and rule.get("enabled", True) is not False
                and (rule.get("actionParameters") or {}).get("cache") is False
                and (f'"{API_PREFIX}' in expression or f'"^{API_PREFIX}' in expression)):
            return []
    return [f"cache rules ruleset has no enabled rule bypassing the cache for {API_PREFIX}* "
            f'(action set_cache_settings with cache false on starts_with(http.request.uri.path, "{API_PREFIX}"))']


# ---------------------------------------------------------------------------- stack rules

def estimate_for(resources: list[RecordedResource], config: Mapping[str, Any]) -> CostEstimate:
    """The stack's cost as the budget policies see it: `infra.cost.pricing.estimate_stack` with the
    budget config's model and edge traffic. `scaling plan` prints this same estimate."""
    return pricing.estimate_stack(
        resources, model=config.get("pricing_model", "aws"),
        edge_gb_month=float(config.get("edge_gb_month") or 0.0),
        edge_requests_month=float(config.get("edge_requests_month") or 0.0),
        cloudflare_requests_month=float(config.get("cloudflare_requests_month") or 0.0))


def emergency_ceiling(config: Mapping[str, Any]) -> float:
    """The mandatory ceiling while `emergency` is true: `emergency_ceiling_usd`, or when that is 0,
    `emergency_ceiling_factor` (default 1.5) × `budget_usd`."""
    explicit = float(config.get("emergency_ceiling_usd") or 0.0)
    if explicit > 0:
        return explicit
    return float(config.get("emergency_ceiling_factor", DEFAULT_EMERGENCY_CEILING_FACTOR)) \
        * float(config.get("budget_usd") or 0.0)


def _budget_numbers(resources: list[RecordedResource], config: Mapping[str, Any]):
    estimate = estimate_for(resources, config)
    budget = float(config.get("budget_usd") or 0.0)
    emergency = bool(config.get("emergency"))
    ceiling = emergency_ceiling(config) if emergency else budget
    return estimate.monthly_usd, budget, emergency, ceiling


def stack_budget(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Mandatory: the estimated monthly cost must not exceed `budget_usd` (or, when `emergency`
    is true, the emergency ceiling: `emergency_ceiling_usd`, else `emergency_ceiling_factor` ×
    budget). A budget of 0 means "no budget configured" (no check)."""
    try:
        cost, budget, emergency, ceiling = _budget_numbers(resources, config)
    except PricingError as err:
        return [Violation(None, f"cannot price the stack: {err}")]
    if budget <= 0 or (emergency and ceiling <= 0):
        return []
    if cost > ceiling:
        what = "emergency ceiling" if emergency else "budget"
        return [Violation(None, f"estimated monthly cost ${cost:,.2f} exceeds the {what} of ${ceiling:,.2f}")]
    return []


def stack_budget_advisory(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Advisory: the estimated cost is above `advisory_pct`% (default 80) of `budget_usd` while
    still under the mandatory ceiling (above it, `stack-budget` reports instead)."""
    try:
        cost, budget, emergency, ceiling = _budget_numbers(resources, config)
    except PricingError:
        return []  # stack-budget reports it, once
    if budget <= 0:
        return []
    pct = float(config.get("advisory_pct", 80.0))
    limit = ceiling if (emergency and ceiling > 0) else budget
    if emergency and budget < cost <= limit:
        return [Violation(None, f"EMERGENCY: estimated monthly cost ${cost:,.2f} exceeds the budget of "
                                f"${budget:,.2f}; allowed up to the emergency ceiling of ${ceiling:,.2f}")]
    if cost > budget * pct / 100.0 and cost <= limit:
        return [Violation(None, f"estimated monthly cost ${cost:,.2f} is {cost / budget:.0%} of the budget "
                                f"of ${budget:,.2f} (advisory above {pct:g}%)")]
    return []


def _policy_direction(props: Mapping[str, Any]) -> int:
    """+1 scale out, −1 scale in, 0 neither (target tracking / predictive)."""
    adjustments = [_num(s.get("scalingAdjustment")) for s in props.get("stepAdjustments") or []]
    if props.get("scalingAdjustment") is not None:
        adjustments.append(_num(props.get("scalingAdjustment")))
    adjustments = [a for a in adjustments if a]
    if adjustments and all(a > 0 for a in adjustments):
        return 1
    if adjustments and all(a < 0 for a in adjustments):
        return -1
    return 0


def _alarm_direction(props: Mapping[str, Any]) -> int:
    op = str(props.get("comparisonOperator") or "")
    return 1 if op.startswith("GreaterThan") else -1 if op.startswith("LessThan") else 0


def _metric_key(alarm: RecordedResource) -> tuple[str, str, str, str]:
    """What an alarm watches: namespace, metric (or the metric-math expression over its metrics),
    dimensions, and the component it belongs to. Two alarms are a scale-out/scale-in pair only
    when this key is equal."""
    p = alarm.inputs
    queries = p.get("metricQueries") or []
    if queries:
        metrics = [q.get("metric") or {} for q in queries]
        expression = next((q.get("expression") for q in queries if q.get("returnData")), "") or ""
        name = f"{expression}({','.join(str(m.get('metricName') or '') for m in metrics)})"
        namespace = ",".join(sorted({str(m.get("namespace") or "") for m in metrics}))
        dimensions = [m.get("dimensions") or {} for m in metrics]
    else:
        name, namespace, dimensions = str(p.get("metricName") or ""), str(p.get("namespace") or ""), p.get("dimensions")
    return (namespace, name, json.dumps(dimensions or {}, sort_keys=True, default=str), alarm.parent or "")


def _cooldown(props: Mapping[str, Any]) -> float | None:
    for key in ("cooldown", "estimatedInstanceWarmup"):
        if _num(props.get(key)) is not None:
            return _num(props.get(key))
    return None


def scaling_hygiene(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Step/simple scaling that cannot flap.

    1. every scale-out policy sets `cooldown` or `estimatedInstanceWarmup`; every scale-in policy is
       SimpleScaling with a `cooldown` (an alarm re-invokes its action every period while in ALARM
       and AWS applies no warm-up to step scale-in, so a step scale-in removes instances each minute);
    2. per metric (the alarm that triggers the policy; else the policy's ASG), the shortest
       scale-in cooldown ≥ the longest scale-out cooldown (scale in slower than out);
    3. per metric, every scale-in alarm threshold lies below every scale-out threshold
       (a scale-in threshold inside the scale-out band makes the group oscillate).
    """
    out: list[Violation] = []
    policies = [r for r in resources if r.type == SCALING_POLICY and _policy_direction(r.inputs)]
    alarms = [r for r in resources if r.type == METRIC_ALARM and _alarm_direction(r.inputs)]

    metric_of: dict[str, tuple] = {}
    by_reference = ReferenceIndex(policies)  # one index for every alarm action: O(alarms + policies)
    for alarm in alarms:
        for action in alarm.inputs.get("alarmActions") or []:
            target = by_reference.find(action) if isinstance(action, str) and action else None
            if target is not None:
                metric_of[target.name] = _metric_key(alarm)

    groups: dict[tuple, list[RecordedResource]] = {}
    for pol in policies:
        if _policy_direction(pol.inputs) > 0 and _cooldown(pol.inputs) is None:
            out.append(Violation(pol.name, "scale-out policy has neither cooldown nor estimatedInstanceWarmup"))
        if _policy_direction(pol.inputs) < 0 and (pol.inputs.get("policyType") != "SimpleScaling"
                                                  or _num(pol.inputs.get("cooldown")) is None):
            out.append(Violation(pol.name, "scale-in policy is not SimpleScaling with a cooldown: the alarm "
                                           "re-invokes it every period, removing instances each minute"))
        key = metric_of.get(pol.name) or ("asg", str(pol.inputs.get("autoscalingGroupName") or pol.parent or ""))
        groups.setdefault(key, []).append(pol)
    for key, members in groups.items():
        outs = [(p, _cooldown(p.inputs) or 0.0) for p in members if _policy_direction(p.inputs) > 0]
        ins = [(p, _cooldown(p.inputs) or 0.0) for p in members if _policy_direction(p.inputs) < 0]
        if not outs or not ins:
            continue
        out_pol, out_cd = max(outs, key=lambda t: t[1])
        for in_pol, in_cd in ins:
            if in_cd < out_cd:
                out.append(Violation(in_pol.name, f"scale-in cooldown {in_cd:g}s is shorter than the scale-out "
                                                  f"cooldown {out_cd:g}s of {out_pol.name}"))

    by_metric: dict[tuple, list[RecordedResource]] = {}
    for alarm in alarms:
        by_metric.setdefault(_metric_key(alarm), []).append(alarm)
    for key, members in by_metric.items():
        outs = [a for a in members if _alarm_direction(a.inputs) > 0 and _num(a.inputs.get("threshold")) is not None]
        ins = [a for a in members if _alarm_direction(a.inputs) < 0 and _num(a.inputs.get("threshold")) is not None]
        if not outs or not ins:
            continue
        low_out = min(outs, key=lambda a: _num(a.inputs["threshold"]))
        t_out = _num(low_out.inputs["threshold"])
        for a in ins:
            t_in = _num(a.inputs["threshold"])
            if t_in >= t_out:
                out.append(Violation(a.name, f"scale-in threshold {t_in:g} on {key[1]} is inside the scale-out "
                                             f"band of {low_out.name} (>= {t_out:g})"))
    return out


def is_stateful(resource: RecordedResource) -> bool:
    """RDS instances, ElastiCache replication groups and resources tagged `stateful: "true"`."""
    return resource.type in (RDS_INSTANCE, CACHE_GROUP) or tags_of(resource.inputs).get("stateful") == "true"


def stateful_names(resources: list[RecordedResource]) -> list[str]:
    """Names of the stateful resources in `resources`: what to record as the next `previous_stateful`."""
    return [r.name for r in resources if is_stateful(r)]


def stateful_guard(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Every name in `previous_stateful` (the stateful resources of the last deployment) must
    still be present, unless `allow_stateful_removal` is true (a reviewed, deliberate removal)."""
    if config.get("allow_stateful_removal"):
        return []
    present = {r.name for r in resources}
    return [Violation(name, f"stateful resource {name} would be removed; "
                            "set allow_stateful_removal to true to allow it")
            for name in config.get("previous_stateful") or [] if name not in present]


def _api_rate_rule(acl: RecordedResource) -> bool:
    """The web ACL has a blocking rate-based rule that covers /api/: no scope-down (every
    request) or a byte match on the URI path starting with (or containing) `/api/`."""
    for rule in acl.inputs.get("rules") or []:
        rate = (rule.get("statement") or {}).get("rateBasedStatement")
        if not rate or "block" not in (rule.get("action") or {}):
            continue
        scope = rate.get("scopeDownStatement")
        if not scope:
            return True
        match = scope.get("byteMatchStatement") or {}
        if ("uriPath" in (match.get("fieldToMatch") or {}) and str(match.get("searchString") or "").startswith(API_PREFIX)
                and match.get("positionalConstraint") in ("STARTS_WITH", "CONTAINS")):
            return True
    return False


def edge_api_protection(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Every front door that serves /api/* rate-limits it:
    - each CloudFront distribution has a `webAclId` naming a WAFv2 web ACL of this stack with a
      blocking rate-based rule scoped to `/api/` (an id unknown at preview counts as the one web
      ACL that shares the distribution's parent);
    - each proxied Cloudflare record has a Workers route `<host>/api/*` (or `*/api/*`) to a script
      whose name ends with `rate_limiter_script_suffix` (default "rate-limiter").
    Each CDN needs its own: Route53 splits the hostname between them, so one does not cover the other."""
    out: list[Violation] = []
    acls = [r for r in resources if r.type == WEB_ACL]
    for dist in (r for r in resources if r.type == DISTRIBUTION):
        ref = dist.inputs.get("webAclId")
        if not ref:
            out.append(Violation(dist.name, "/api/* is not protected: no webAclId (attach a WAFv2 web ACL with a "
                                             "rate-based rule scoped to /api/)"))
            continue
        acl = resolve(ref, acls, sibling_of=dist)
        if acl is None:
            out.append(Violation(dist.name, f"/api/* is not protected: webAclId {ref} is not a WAFv2 web ACL "
                                             "of this stack"))
        elif not _api_rate_rule(acl):
            out.append(Violation(dist.name, f"/api/* is not protected: web ACL {acl.name} has no blocking "
                                             "rate-based rule scoped to /api/"))
    suffix = str(config.get("rate_limiter_script_suffix") or "rate-limiter")
    routes = [r for r in resources if r.type == WORKERS_ROUTE]
    for record in (r for r in resources if r.type in CLOUDFLARE_RECORDS):
        if not _truthy(record.inputs.get("proxied")):
            continue
        host = str(record.inputs.get("name") or "")
        patterns = {f"{host}{API_PATH}", f"*{API_PATH}", f"*{host}{API_PATH}"}
        if not any(str(r.inputs.get("pattern")) in patterns and str(r.inputs.get("script") or "").endswith(suffix)
                   for r in routes if r.inputs.get("zoneId") in (None, record.inputs.get("zoneId"))):
            out.append(Violation(record.name, f"/api/* is not protected on {host}: no Workers route {host}/api/* "
                                               f"to a *{suffix} script"))
    return out


def _lambda_edge_functions(resources: list[RecordedResource]) -> tuple[list[RecordedResource], list[tuple[str, str, str]]]:
    """Functions associated with a distribution (by ARN, else tagged `role: edge-function`) and
    every association as (distribution, behaviour label, lambdaArn)."""
    functions = [r for r in resources if r.type == LAMBDA_FUNCTION]
    associations = [(d.name, label, str(a.get("lambdaArn") or ""))
                    for d in resources if d.type == DISTRIBUTION
                    for label, b in _behaviors(d.inputs) for a in b.get("lambdaFunctionAssociations") or []]
    edge = {fn.name: fn for fn in functions if tags_of(fn.inputs).get("role") == "edge-function"}
    for _, _, arn in associations:
        fn = lambda_for(arn, functions)
        if fn is not None:
            edge[fn.name] = fn
    return list(edge.values()), associations


def edge_lambda_published(resources: list[RecordedResource], config: Mapping[str, Any]) -> list[Violation]:
    """Lambda@Edge functions set `publish: true` (CloudFront associates a numbered version, never
    $LATEST or an alias), and every association's `lambdaArn` ends in a version number."""
    functions, associations = _lambda_edge_functions(resources)
    out = [Violation(fn.name, "Lambda@Edge function is not published (publish must be true: CloudFront "
                              "associates a numbered version)")
           for fn in functions if not _truthy(fn.inputs.get("publish"))]
    for dist, label, arn in associations:
        version = arn.rsplit(":", 1)[-1] if arn.count(":") >= 7 else ""
        if arn and arn != UNKNOWN and not version.isdigit():
            out.append(Violation(dist, f"{label} associates {arn}, not a numbered function version"))
    return out


# ---------------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class Rule:
    """One policy: name, description, enforcement, kind ("resource" | "stack"), the pure check
    and its config schema (JSON-schema properties, each with its documented `default`)."""

    name: str
    description: str
    enforcement: str
    kind: str
    check: Callable[..., Any]
    schema: Mapping[str, Mapping[str, Any]]


# Defaults per environment: dev is a sandbox (scale to zero allowed, small ceiling); prod keeps
# at least 2 instances per group (one per AZ) and caps a group at guardrails.PROD_MAX_GROUP_SIZE
# (300: the worker tier's runbook max 200 plus HARD_LIMIT_HEADROOM_PCT 50 % for emergencies).
# Per-stack files in policies/config/ may override them.
DEFAULT_HARD_LIMITS = {
    "dev": {"min_size": 0, "max_size": 50},
    "staging": {"min_size": 1, "max_size": 100},
    "prod": {"min_size": 2, "max_size": guardrails.PROD_MAX_GROUP_SIZE},
}

DEFAULT_EMERGENCY_CEILING_FACTOR = EMERGENCY_CEILING_FACTOR  # chosen default, see infra/cost/pricing.py

_ENVIRONMENT = {"type": "string", "default": "",
                "description": "Stack environment (dev|staging|prod); empty = the resource's environment tag"}
_BUDGET_SCHEMA = {
    "budget_usd": {"type": "number", "minimum": 0, "default": 0,
                   "description": "Monthly budget in USD; 0 = no budget check"},
    "advisory_pct": {"type": "number", "minimum": 0, "maximum": 100, "default": 80,
                     "description": "Advisory above this percentage of the budget"},
    "emergency": {"type": "boolean", "default": False,
                  "description": "Emergency scaling in progress: the ceiling is emergency_ceiling_usd"},
    "emergency_ceiling_usd": {"type": "number", "minimum": 0, "default": 0,
                              "description": "Monthly ceiling in USD while emergency is true; "
                                             "0 = emergency_ceiling_factor × budget_usd"},
    "emergency_ceiling_factor": {"type": "number", "minimum": 1, "default": DEFAULT_EMERGENCY_CEILING_FACTOR,
                                 "description": "Ceiling = this × budget_usd when emergency_ceiling_usd is 0"},
    "pricing_model": {"type": "string", "enum": list(MODELS), "default": "aws",
                      "description": "infra.cost.pricing model: aws (cited price list) or flat (relay)"},
    "edge_gb_month": {"type": "number", "minimum": 0, "default": 0,
                      "description": "Expected CloudFront data transfer out, GB per month"},
    "edge_requests_month": {"type": "number", "minimum": 0, "default": 0,
                            "description": "Expected CloudFront HTTPS requests per month"},
    "cloudflare_requests_month": {"type": "number", "minimum": 0, "default": 0,
                                  "description": "Expected Cloudflare requests per month (Workers by route)"},
}

RULES: tuple[Rule, ...] = (
    Rule("asg-min-max", "Auto Scaling groups keep minSize <= desiredCapacity <= maxSize within the environment's hard limits.",
         MANDATORY, "resource", asg_min_max, {
             "environment": _ENVIRONMENT,
             "hard_limits": {"type": "object", "default": DEFAULT_HARD_LIMITS,
                             "description": "Per environment {min_size, max_size} hard limits"},
         }),
    Rule("stack-budget", "The stack's estimated monthly cost stays within its budget (or the emergency ceiling).",
         MANDATORY, "stack", stack_budget, _BUDGET_SCHEMA),
    Rule("stack-budget-advisory", "Warn when the stack's estimated monthly cost nears its budget.",
         ADVISORY, "stack", stack_budget_advisory, _BUDGET_SCHEMA),
    Rule("scaling-hygiene", "Scaling policies have warm-up/cooldowns, scale in slower than out, and scale-in alarms sit below the scale-out band.",
         MANDATORY, "stack", scaling_hygiene, {}),
    Rule("storage-encrypted", "RDS, ElastiCache (at rest and in transit) and EBS storage are encrypted.",
         MANDATORY, "resource", storage_encrypted, {}),
    Rule("rds-not-public", "RDS instances are not publicly accessible.",
         MANDATORY, "resource", rds_not_public, {}),
    Rule("multi-az-in-prod", "In prod, RDS primaries and cache replication groups are Multi-AZ.",
         MANDATORY, "resource", multi_az_in_prod, {
             "environment": _ENVIRONMENT,
             "multi_az_environments": {"type": "array", "items": {"type": "string"},
                                       "default": list(guardrails.MULTI_AZ_ENVIRONMENTS),
                                       "description": "Environments that must run Multi-AZ"},
         }),
    Rule("deletion-protection", "RDS primaries have deletion protection and keep a final snapshot.",
         MANDATORY, "resource", deletion_protection, {
             "require_final_snapshot": {"type": "boolean", "default": True,
                                        "description": "Also require skipFinalSnapshot false and a finalSnapshotIdentifier"},
         }),
    Rule("imdsv2-required", "Launch templates require IMDSv2 (httpTokens = required).",
         MANDATORY, "resource", imdsv2_required, {}),
    Rule("no-public-ingress", "No ingress from 0.0.0.0/0 or ::/0 except ALB security groups on 443/80.",
         MANDATORY, "resource", no_public_ingress, {
             "alb_public_ports": {"type": "array", "items": {"type": "integer"},
                                  "default": list(guardrails.PUBLIC_PORTS),
                                  "description": "Ports an ALB security group may open to the internet"},
         }),
    Rule("required-tags", "Taggable resources carry the required cost-allocation tags.",
         MANDATORY, "resource", required_tags, {
             "required_tags": {"type": "array", "items": {"type": "string"},
                               "default": ["environment", "owner", "cost-center"],
                               "description": "Tag keys every taggable resource must carry"},
         }),
    Rule("instance-type-allowlist", "EC2 instance types, RDS classes and cache node types come from the allowlists.",
         MANDATORY, "resource", instance_type_allowlist, {
             "allowed_instance_types": {"type": "array", "items": {"type": "string"},
                                        "default": list(ALLOWED_INSTANCE_TYPES),
                                        "description": "EC2 instance types the platform may run"},
             "allowed_db_instance_classes": {"type": "array", "items": {"type": "string"},
                                             "default": list(RDS_HOURLY_USD),
                                             "description": "RDS instance classes the platform may run"},
             "allowed_cache_node_types": {"type": "array", "items": {"type": "string"},
                                          "default": list(CACHE_NODE_HOURLY_USD),
                                          "description": "ElastiCache node types the platform may run"},
         }),
    Rule("edge-https-only", "CloudFront serves viewers over HTTPS only and reaches custom origins over TLSv1.2.",
         MANDATORY, "resource", edge_https_only, {
             "allow_http_origins": {"type": "boolean", "default": False,
                                    "description": "Also allow originProtocolPolicy http-only (dev ALBs without a certificate)"},
         }),
    Rule("edge-tls-minimum", "CloudFront custom certificates enforce a minimum viewer TLS policy.",
         MANDATORY, "resource", edge_tls_minimum, {
             "minimum_protocol_version": {"type": "string", "enum": list(CLOUDFRONT_TLS_POLICIES),
                                          "default": VIEWER_MIN_TLS,
                                          "description": "Weakest allowed viewer security policy with a custom certificate"},
             "allow_default_certificate": {"type": "boolean", "default": True,
                                           "description": "Allow the default *.cloudfront.net certificate (no TLS minimum)"},
         }),
    Rule("edge-api-protection", "/api/* is rate-limited on every CDN: WAF on CloudFront, the rate-limiter Worker on Cloudflare.",
         MANDATORY, "stack", edge_api_protection, {
             "rate_limiter_script_suffix": {"type": "string", "default": "rate-limiter",
                                            "description": "Name ending of the Cloudflare Worker that rate-limits /api/*"},
         }),
    Rule("edge-lambda-published", "Lambda@Edge functions are published and associated by version number.",
         MANDATORY, "stack", edge_lambda_published, {}),
    Rule("cloudflare-api-cache-bypass", "Cloudflare cache rules never cache /api/*.",
         MANDATORY, "resource", cloudflare_api_cache_bypass, {}),
    Rule("stateful-guard", "Stateful resources (databases, caches, stateful-tagged) are not removed without an explicit allow.",
         MANDATORY, "stack", stateful_guard, {
             "previous_stateful": {"type": "array", "items": {"type": "string"}, "default": [],
                                   "description": "Names of the stateful resources in the last deployment"},
             "allow_stateful_removal": {"type": "boolean", "default": False,
                                        "description": "Allow removing a previous stateful resource"},
         }),
)
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def resolve_config(rule: Rule, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Schema defaults overlaid (top-level key by key) by the given config, as the Pulumi CLI does
    when it applies a policy's schema defaults to `--policy-pack-config`. `enforcementLevel` is
    not a rule setting and is dropped."""
    out = {k: copy.deepcopy(v["default"]) for k, v in rule.schema.items() if "default" in v}
    out.update({k: v for k, v in (given or {}).items() if k != "enforcementLevel"})
    return out
