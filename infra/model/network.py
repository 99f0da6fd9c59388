"""Network plan types: one region's VPC range and its subnets per Availability Zone.

Filled by infra/planning/network.py; components/region.py only encodes them. Every CIDR here is a
function of the region (and its AZ letter), never of the region's position in `regions`, so a plan
that adds, removes or reorders regions leaves every other region's network inputs identical.
"""
from __future__ import annotations

from dataclasses import dataclass

# Subnet layout inside a region's /16 (one /20 = 4,096 addresses per subnet): AZ n (a = 0, b = 1, ...)
# gets the n-th /20 of the lower half for its public subnet and the n-th /20 of the upper half for its
# private one: 10.x.0.0/20, 10.x.16.0/20, ... and 10.x.128.0/20, 10.x.144.0/20, ... Eight AZs fit each
# half (AWS regions have at most 6). The ranges the program always used, now written once.
VPC_PREFIX = 16
SUBNET_PREFIX = 20
PRIVATE_HALF_OFFSET = 8  # the first private /20 is the 9th /20 of the /16 (10.x.128.0/20)
RFC1918_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@dataclass(frozen=True)
class SubnetPair:
    """The public and private subnet of one Availability Zone (zone = `<region><letter>`)."""

    zone: str
    public_cidr: str
    private_cidr: str


@dataclass(frozen=True)
class NetworkPlan:
    """One region's VPC range and its subnets, AZ `a` first; `reason` says where the range comes from."""

    region: str
    vpc_cidr: str
    subnets: tuple[SubnetPair, ...]
    reason: str

    @property
    def zones(self) -> tuple[str, ...]:
        """The Availability Zones the VPC spans, in letter order."""
        return tuple(s.zone for s in self.subnets)
