"""Where each shard lives (Issue 17): its home region, its cross-region replicas, its writer after a failover.

Plain data, filled by infra/planning/placement.py and infra/planning/failover.py; components/shards.py only
encodes it. Replica numbering per region is part of the RDS identifiers (infra.model.data.replica_identifier),
so it is decided here once: in a region a shard's cross-region replicas are numbers 0..n-1, and the replicas
that follow a promoted writer (`follow`) continue after them, so no identifier is ever reused for another role.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Environments where every shard gets a cross-region read replica unless database.cross_region_replicas says
# otherwise (Issue 17 "Cross-region data": on by default in prod; dev/staging stay single-region and cheap).
CROSS_REGION_DEFAULT_ENVIRONMENTS = ("prod",)


def failover_ring(primary: str, priority: list[str] | tuple[str, ...], names: list[str]) -> list[str]:
    """Configured regions in failover order: the primary, then failover_priority, then the rest (file order)."""
    return [name for name in dict.fromkeys([primary, *priority, *names]) if name in names]


def ring_next(ring: list[str], region: str, skip: tuple[str, ...] = ()) -> str | None:
    """The first region after `region` around the ring that is neither `region` nor in `skip`."""
    start = ring.index(region) if region in ring else -1
    for step in range(1, len(ring) + 1):
        candidate = ring[(start + step) % len(ring)]
        if candidate != region and candidate not in skip:
            return candidate
    return None


@dataclass(frozen=True)
class FollowReplicas:
    """Read replicas of a promoted writer: `count` replicas numbered from `first` in `region`."""

    region: str
    first: int
    count: int
    reason: str

    def numbers(self) -> range:
        """The replica numbers these instances carry in their identifiers."""
        return range(self.first, self.first + self.count)


@dataclass(frozen=True)
class ShardPlacement:
    """One shard: home region (primary + local replicas), cross-region replica regions, writer."""

    index: int
    region: str  # home: where the shard primary and its local read replicas live
    region_reason: str
    cross_regions: tuple[str, ...]  # regions holding `cross_per_region` read replicas of this shard
    cross_per_region: int
    cross_reason: str
    writer_region: str = ""  # the home region, or the region whose replica 0 was promoted
    promoted: bool = False  # the writer is cross-region replica 0 in writer_region
    writer_reason: str = ""
    follow: tuple[FollowReplicas, ...] = field(default_factory=tuple)  # replicas of a promoted writer

    @property
    def writer(self) -> str:
        """Where the shard takes writes (the home region until a failover decides otherwise)."""
        return self.writer_region or self.region

    def to_dict(self, identifiers: dict[str, Any]) -> dict[str, Any]:
        """JSON-ready: regions, reasons and the identifiers (`identifiers` from the caller's naming)."""
        return {"shard": self.index, "region": self.region, "region_reason": self.region_reason,
                "writer_region": self.writer, "writer_reason": self.writer_reason, "promoted": self.promoted,
                "cross_region_replicas": {r: self.cross_per_region for r in self.cross_regions},
                "cross_region_replicas_reason": self.cross_reason,
                "follow_replicas": [{"region": f.region, "count": f.count, "first": f.first, "reason": f.reason}
                                    for f in self.follow],
                **identifiers}
