"""The AWS region catalog: which partition a region is in, how many AZs it has, and its price uplift.

Pure data. Config validation (infra/config) refuses a region this catalog cannot deploy or price;
the estimator (infra/cost/pricing.py) reads the price uplift from here, so the set of regions that
can be planned and the set that can be priced are one list.
"""
from __future__ import annotations

from infra.model.catalog import AWS_REGIONS

# Partition by region-name prefix (AWS "Partitions" reference). Every other region is `aws`.
_PARTITION_PREFIXES = (("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"), ("us-isob-", "aws-iso-b"),
                       ("us-iso-", "aws-iso"), ("eusc-", "aws-eusc"))


def partition_of(region: str) -> str:
    """The ARN partition of `region`: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b` or `aws-eusc`."""
    return next((partition for prefix, partition in _PARTITION_PREFIXES if region.startswith(prefix)), "aws")


# Availability Zones a new account can use (AWS "Regions and Zones", 2025). components/region.py names
# them `<region>a`, `<region>b`, ... so only regions whose zones are lettered from `a` contiguously are
# listed; us-west-1 gives new accounts 2 of its 3 zones.
REGION_AZ_COUNT: dict[str, int] = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
    "eu-west-1": 3, "eu-central-1": 3, "ap-southeast-1": 3,
    "eu-west-2": 3, "eu-west-3": 3, "eu-north-1": 3, "ap-south-1": 3, "ap-southeast-2": 3,
    "ap-northeast-2": 4, "sa-east-1": 3,
}

# Regional uplift over us-east-1 for instance-hour prices (EC2, RDS, ElastiCache), from the AWS
# price list of infra/cost/pricing.py PRICE_SOURCE (e.g. c5.large: us-east-1 0.085, eu-west-1 0.096,
# ap-southeast-1 0.098). A region missing here has no price: config refuses it rather than price it
# at us-east-1 rates.
REGION_PRICE_MULTIPLIER: dict[str, float] = {
    "us-east-1": 1.0,
    "us-east-2": 1.0,
    "us-west-2": 1.0,
    "us-west-1": 1.19,
    "eu-west-1": 1.13,
    "eu-central-1": 1.14,
    "ap-southeast-1": 1.15,
    # c5.large list prices, same source: eu-west-2 0.101, eu-west-3 0.101, eu-north-1 0.091,
    # ap-south-1 0.085, ap-southeast-2 0.111, ap-northeast-2 0.096, sa-east-1 0.131.
    "eu-west-2": 1.19,
    "eu-west-3": 1.19,
    "eu-north-1": 1.07,
    "ap-south-1": 1.0,
    "ap-southeast-2": 1.31,
    "ap-northeast-2": 1.13,
    "sa-east-1": 1.54,
}

# Regions a stack may use: known, in the aws partition, priced and with a known AZ count.
PRICED_REGIONS: tuple[str, ...] = tuple(r for r in AWS_REGIONS if r in REGION_PRICE_MULTIPLIER
                                        and r in REGION_AZ_COUNT and partition_of(r) == "aws")

__all__ = ["AWS_REGIONS", "PRICED_REGIONS", "REGION_AZ_COUNT", "REGION_PRICE_MULTIPLIER", "partition_of"]
