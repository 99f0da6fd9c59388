"""Network planner: every region's VPC range and subnets, from the region itself. Pure code.

The range is `regions[i].vpc_cidr` when set, else the region's fixed entry in
infra.model.catalog.REGION_VPC_CIDRS; subnets follow infra.model.network's layout per AZ letter. Nothing
depends on a region's position in `regions`: adding, removing or reordering regions leaves every other
region's VPC and subnets (and the subnet groups and security groups on them) identical.
"""
from __future__ import annotations

import ipaddress

from infra.config import PLATFORM_KEY, ConfigError, PlatformConfig, RegionConfig
from infra.model.catalog import REGION_VPC_CIDRS
from infra.model.network import (
    PRIVATE_HALF_OFFSET,
    SUBNET_PREFIX,
    NetworkPlan,
    SubnetPair,
)


def zone_name(region: str, index: int) -> str:
    """AZ `index` of `region`: us-east-1 + 0 -> us-east-1a (the program's AZs are lettered from a)."""
    return f"{region}{chr(ord('a') + index)}"


def subnet_pair(vpc_cidr: str, region: str, index: int) -> SubnetPair:
    """Public and private /20 of AZ `index` inside a /16 (infra.model.network layout)."""
    halves = list(ipaddress.ip_network(vpc_cidr).subnets(new_prefix=SUBNET_PREFIX))
    return SubnetPair(zone=zone_name(region, index), public_cidr=str(halves[index]),
                      private_cidr=str(halves[PRIVATE_HALF_OFFSET + index]))


def region_network(region: RegionConfig) -> NetworkPlan:
    """The VPC range and subnets of one region, with where the range comes from."""
    if region.vpc_cidr:
        cidr, reason = region.vpc_cidr, f"regions[].vpc_cidr of {region.name}: {region.vpc_cidr}"
    else:
        cidr = REGION_VPC_CIDRS[region.name]
        reason = (f"{cidr}: {region.name}'s fixed range (infra/model/catalog.py REGION_VPC_CIDRS), "
                  "independent of its place in regions")
    subnets = tuple(subnet_pair(cidr, region.name, i) for i in range(region.az_count))
    reason += (f"; {region.az_count} AZs ({', '.join(s.zone for s in subnets)}): public /20s "
               f"{', '.join(s.public_cidr for s in subnets)}, private /20s {', '.join(s.private_cidr for s in subnets)}")
    return NetworkPlan(region=region.name, vpc_cidr=cidr, subnets=subnets, reason=reason)


def plan_network(cfg: PlatformConfig) -> dict[str, NetworkPlan]:
    """Every configured region's network; ConfigError (one line) when two regions' ranges overlap."""
    plans = {r.name: region_network(r) for r in cfg.regions}
    seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for i, region in enumerate(cfg.regions):
        net = ipaddress.ip_network(plans[region.name].vpc_cidr)
        for other, other_net in seen:
            if net.overlaps(other_net):
                raise ConfigError("stack config", f"{PLATFORM_KEY}.regions[{i}].vpc_cidr",
                                  f"{net} overlaps {other}'s VPC range {other_net}; regions never share addresses "
                                  f"(they may peer later): pick a free /16")
        seen.append((region.name, net))
    return plans
