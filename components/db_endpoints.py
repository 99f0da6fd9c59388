"""WriterEndpoints: the SSM parameter the applications of one region read to find every shard's writer.

Issue 17 "Primary-region failure plans the promotion": endpoints the apps read must point to the new writers.
The program writes, in every region, `/<stack>/database/writers`: a JSON object shard identifier ->
{"address", "region", "identifier"} of the shard's writer (the shard primary, or the promoted cross-region
replica after a failover, infra/planning/failover.py). A failover changes only the parameter's value (an
in-place update); the applications re-read it (or restart) and write to the new writers.

Intelligent-Tiering lets SSM pick the Standard tier (free, 4 KB) and move to Advanced only when a large shard
count makes the document bigger than that, so the name and type never change with the shard count.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping

import pulumi
import pulumi_aws as aws

from components.naming import Naming

PARAMETER_TIER = "Intelligent-Tiering"


def parameter_name(stack: str) -> str:
    """`/<stack>/database/writers`: the same path in every region (each application reads its own region's)."""
    return f"/{stack}/database/writers"


def writers_document(addresses: Mapping[str, str], regions: Mapping[str, str],
                     identifiers: Mapping[str, str]) -> str:
    """The parameter's value: shard -> {address, region, identifier}, keys sorted (a stable diff)."""
    return json.dumps({shard: {"address": addresses[shard], "region": regions[shard],
                               "identifier": identifiers[shard]} for shard in sorted(addresses)}, sort_keys=True)


@dataclass(frozen=True)
class WriterEndpointsArgs:
    """One region's copy of the shard -> writer map (addresses are the writers' outputs)."""

    naming: Naming
    region: str
    addresses: Mapping[str, pulumi.Input[str]]  # shard identifier -> writer address
    regions: Mapping[str, str]  # shard identifier -> writer region
    identifiers: Mapping[str, str]  # shard identifier -> writer RDS identifier


class WriterEndpoints(pulumi.ComponentResource):
    """A String SSM parameter `/<stack>/database/writers` holding the shards' writers, in one region."""

    def __init__(self, name: str, args: WriterEndpointsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:db_endpoints:WriterEndpoints", name, None, opts)
        value = pulumi.Output.all(**dict(args.addresses)).apply(
            lambda addresses: writers_document(addresses, args.regions, args.identifiers))
        self.parameter = aws.ssm.Parameter(
            f"{name}-writers", name=parameter_name(args.naming.stack), type="String", tier=PARAMETER_TIER,
            # insecure_value: endpoints are not secrets, so the plan and a reviewer see them (`value` is always secret)
            insecure_value=value, description=f"{args.naming.stack}: every shard's writer (read by the applications in "
                                     f"{args.region}; follows a failover)",
            tags=args.naming.tags("db-writers"), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"parameter": self.parameter.name})
