"""What already exists, as the stack config states it: the `deployed` section and the VPC range type.

Pure (no pulumi, no boto3). The plan refuses a change AWS cannot make to something that exists
(infra/planning/change_guard.py); it can only know what exists from here, or from an earlier plan
(`infra.planning.deployed.deployed_from_plan`, for `scaling plan --previous OLD.json`). Every part is
optional: a part left out is not checked (a new stack has no `deployed` section at all).

```yaml
deployed:                       # what the last `pulumi up` left running
  regions:                      # every deployed region (its VPC range and AZ count as deployed)
    - {name: us-east-1, vpc_cidr: 10.0.0.0/16, az_count: 2}
  database: {region: us-east-1, engine_version: "16", storage_gb_per_shard: 1000, sharding: user}
  cache: {engine_version: "7.1"}
```
The shard count deployed stays `database.previous_shards` (Issue 5's key).
"""
from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from infra.model.catalog import AWS_REGIONS
from infra.model.network import RFC1918_RANGES, VPC_PREFIX


def _vpc_cidr(value: str) -> str:
    allowed = (f"allowed: a /{VPC_PREFIX} network address such as 10.42.0.0/{VPC_PREFIX}, inside "
               f"{', '.join(RFC1918_RANGES)}")
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not a network address; {allowed}") from None
    if net.version != 4 or net.prefixlen != VPC_PREFIX:
        raise ValueError(f"{value} is not a /{VPC_PREFIX}; {allowed} (the subnet layout needs a /{VPC_PREFIX})")
    if not any(net.subnet_of(ipaddress.ip_network(r)) for r in RFC1918_RANGES):  # type: ignore[arg-type]
        raise ValueError(f"{value} is not a private range; {allowed}")
    return str(net)


def _aws_region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"unknown AWS region {value!r}; allowed: {', '.join(AWS_REGIONS)}")
    return value


def _as_text(value: object) -> object:
    """`engine_version: 16` / `7.1` (YAML numbers, as a plan's JSON may hold them) mean "16" / "7.1"."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# A region's VPC range: a /16 network address inside RFC 1918 space.
VpcCidr = Annotated[str, AfterValidator(_vpc_cidr)]
_Region = Annotated[str, AfterValidator(_aws_region)]


class _Fact(BaseModel):
    """A deployed fact: unknown keys are errors, values never change after parsing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DeployedRegion(_Fact):
    """One deployed region: its VPC range and how many AZs its subnets (and subnet groups) span."""

    name: _Region
    vpc_cidr: VpcCidr | None = None
    az_count: Annotated[int | None, Field(ge=1, le=6)] = None


class DeployedDatabase(_Fact):
    """The deployed shard set (it exists whenever this part is given)."""

    region: _Region | None = None  # where the shard primaries live (the primary region)
    engine_version: Annotated[str, BeforeValidator(_as_text), Field(pattern=r"^\d{1,3}$")] | None = None  # major
    storage_gb_per_shard: Annotated[int | None, Field(ge=20, le=65_536)] = None
    sharding: Literal["user", "transaction", "content", "governance"] | None = None


class DeployedCache(_Fact):
    """The deployed Redis replication groups (one per deployed region)."""

    engine_version: Annotated[str, BeforeValidator(_as_text), Field(pattern=r"^\d{1,2}\.\d{1,2}$")] | None = None


class DeployedConfig(_Fact):
    """`deployed:` what exists now, so the plan can refuse what AWS cannot change or would destroy."""

    regions: list[DeployedRegion] = []
    database: DeployedDatabase | None = None
    cache: DeployedCache | None = None

    @field_validator("regions")
    @classmethod
    def _unique(cls, value: list[DeployedRegion]) -> list[DeployedRegion]:
        names = [r.name for r in value]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"region {name!r} is listed twice; each deployed region once")
        return value

    def region(self, name: str) -> tuple[int, DeployedRegion] | None:
        """(index, entry) of a deployed region, or None."""
        return next(((i, r) for i, r in enumerate(self.regions) if r.name == name), None)
