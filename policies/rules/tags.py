"""Tag hygiene: every taggable resource carries the cost-allocation tags (provider default tags count)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from policies.rules.base import MANDATORY, PolicyConfig, ResourcePolicy
from policies.rules.props import (
    ASG,
    CACHE_GROUP,
    DISTRIBUTION,
    EBS_VOLUME,
    INGRESS_RULE,
    LAUNCH_TEMPLATE,
    LOAD_BALANCER,
    METRIC_ALARM,
    NAT_GATEWAY,
    RDS_INSTANCE,
    SECURITY_GROUP,
    tags_of,
)

# Resources that accept tags and that `required-tags` checks. Scaling policies, ingress/route
# attachments and providers take no tags; listing the types keeps the rule predictable.
TAGGABLE_TYPES: frozenset[str] = frozenset({
    ASG, LAUNCH_TEMPLATE, RDS_INSTANCE, CACHE_GROUP, EBS_VOLUME, LOAD_BALANCER, NAT_GATEWAY,
    DISTRIBUTION, SECURITY_GROUP, INGRESS_RULE, METRIC_ALARM,
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/eip:Eip",
    "aws:lb/targetGroup:TargetGroup", "aws:rds/subnetGroup:SubnetGroup",
    "aws:elasticache/subnetGroup:SubnetGroup", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
})



def _not_reserved(key: str) -> str:
    if key.lower().startswith("aws:"):
        raise ValueError(f"tag key {key!r} uses the reserved aws: prefix; allowed: a key not starting with aws:")
    return key


# An AWS tag key: 1-128 characters, and the `aws:` prefix is reserved for AWS's own tags.
TagKey = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_not_reserved)]


class RequiredTagsConfig(PolicyConfig):
    required_tags: Annotated[list[TagKey], Field(
        description="Tag keys every taggable resource must carry")] = ["environment", "owner", "cost-center"]


MISSING_TAGS = "missing required tags: {missing}"


def required_tags(resource_type: str, props: Mapping[str, Any], config: RequiredTagsConfig | Mapping[str, Any], *,
                  name: str = "") -> list[str]:
    """Taggable resources (`TAGGABLE_TYPES`) carry every tag in `required_tags`; provider default tags count."""
    if resource_type not in TAGGABLE_TYPES:
        return []
    tags = tags_of(props)
    missing = [t for t in RequiredTagsConfig.of(config).required_tags if not tags.get(t)]
    return [MISSING_TAGS.format(missing=", ".join(missing))] if missing else []


REQUIRED_TAGS = ResourcePolicy("required-tags", "Taggable resources carry the required cost-allocation tags.",
                               MANDATORY, required_tags, RequiredTagsConfig, (MISSING_TAGS,))
