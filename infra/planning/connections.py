"""max_connections of the shard instances: the engine's own default first, the runbooks' raises on top.

Pure (no pulumi, no boto3). Issue 17: pinning novacron 5's 500 from day one *lowered* the limit of a
db.r5.2xlarge tenfold. RDS for PostgreSQL computes its default from the instance memory,
`LEAST({DBInstanceClassMemory/9531392}, 5000)` (RDS User Guide, "Maximum number of database
connections", 2026). The parameter group therefore carries that formula itself (RDS evaluates it per
instance, so primaries and smaller replicas each get their own default), and only a configured value
*above* the primary class's default (novacron 5 manage_connection_pool: pool > 80% -> raise;
novacron 2 emergency: 1000) replaces it. Pool alarms use the limit in force on the shard primaries.
`max_connections` is a static parameter (apply_method pending-reboot): a change takes effect only after
each instance reboots, which the plan says.
"""
from __future__ import annotations

from dataclasses import dataclass

from infra.model.catalog import DB_INSTANCE_MEMORY_GIB

# RDS for PostgreSQL default max_connections: LEAST({DBInstanceClassMemory/9531392}, 5000).
RDS_PG_BYTES_PER_CONNECTION = 9_531_392
RDS_PG_MAX_CONNECTIONS_CAP = 5_000
RDS_PG_DEFAULT_FORMULA = f"LEAST({{DBInstanceClassMemory/{RDS_PG_BYTES_PER_CONNECTION}}},{RDS_PG_MAX_CONNECTIONS_CAP})"
GIB = 2 ** 30
# Static parameter: RDS refuses "immediate"; the value applies at each instance's next reboot.
REBOOT_NOTE = ("max_connections is a static parameter (apply_method pending-reboot): it takes effect on each "
               "shard instance only after `aws rds reboot-db-instance --db-instance-identifier <id>` "
               "(Multi-AZ: add --force-failover to keep the outage to a failover)")


def engine_default(instance_class: str) -> tuple[int, str]:
    """RDS's default for the class, computed from its nominal memory (RDS reserves some of it for the OS, so the
    real DBInstanceClassMemory and the real default are slightly lower: the formula in the parameter group wins)."""
    gib = DB_INSTANCE_MEMORY_GIB[instance_class]
    raw = gib * GIB // RDS_PG_BYTES_PER_CONNECTION
    value = min(raw, RDS_PG_MAX_CONNECTIONS_CAP)
    return value, (f"RDS default {RDS_PG_DEFAULT_FORMULA} for {instance_class} ({gib} GiB): "
                   f"LEAST({gib} GiB / {RDS_PG_BYTES_PER_CONNECTION} = {raw}, {RDS_PG_MAX_CONNECTIONS_CAP}) = {value}")


@dataclass(frozen=True)
class ConnectionLimit:
    """The limit in force on the shard primaries, the parameter group value, why, and a reboot note if raised."""

    limit: int
    parameter: str  # the formula, or a number above the engine default
    reason: str
    raised: bool


def plan_max_connections(instance_class: str, configured: int | None, emergency: int | None) -> ConnectionLimit:
    """Engine default for the class, raised (never lowered) to `configured` and then to `emergency`."""
    default, reason = engine_default(instance_class)
    limit, parameter, raised = default, RDS_PG_DEFAULT_FORMULA, False
    for key, value in (("database.max_connections", configured), ("emergency up (novacron 2)", emergency)):
        if value is None:
            continue
        if value > limit:
            reason += f"; {key} {value} > {limit}: raised to {value}"
            limit, parameter, raised = value, str(value), True
        else:
            reason += f"; {key} {value} <= {limit}: not applied (raises only go upward from the engine default)"
    reason += ("; " + REBOOT_NOTE) if raised else "; parameter group holds the formula (per instance class)"
    return ConnectionLimit(limit=limit, parameter=parameter, reason=reason, raised=raised)
