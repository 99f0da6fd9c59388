"""The monitoring plan (Issue 17): relay's warning/critical thresholds on every group and database, the
latency failover rule per region, and the severity each alarm family notifies.

Pure (no pulumi, no boto3). Decides thresholds, statistics, dimensions and severities;
components/monitoring.py and components/traffic.py encode them.

- Groups (every tier in every region): cpu = AWS/EC2 CPUUtilization, memory = CWAgent mem_used_percent
  (the metric the launch template's CloudWatch agent publishes, infra/model/user_data.py), network =
  AWS/EC2 NetworkOut against the bandwidth of the tier's relay resource profile. Storage is not watched on
  groups: instances are stateless and the agent publishes no disk metric.
- Databases (every RDS instance the ShardSet declares, grouped per region and class): cpu =
  CPUUtilization, memory = FreeableMemory below (100 - pct) % of the class memory, storage =
  FreeStorageSpace below (100 - pct) % of the allocated GB. RDS publishes no bandwidth of its own to
  compare NetworkThroughput with, so network is watched on groups only.
- Latency (novacron §4 failover_rules `latency > threshold -> shift_traffic: nearest_healthy_region`): the
  region's ALB TargetResponseTime p90 against its `latency_ms`.
"""
from __future__ import annotations

from infra.config import PlatformConfig
from infra.model.capacity import RESOURCE_PROFILES, CapacityPlan
from infra.model.catalog import DB_INSTANCE_MEMORY_GIB
from infra.model.data import GIB, DatabasePlan, replica_identifier, shard_name
from infra.model.monitoring import (
    ALARM_FAMILY_SEVERITY,
    ATTACH_RECORDS,
    EC2_SAMPLE_S,
    RELAY_PERIOD_S,
    RELAY_SECTION,
    RELAY_THRESHOLDS,
    DatabaseGroup,
    LatencyRule,
    MonitoringPlan,
    ThresholdAlarm,
)
from infra.model.scaling import TRIGGER_METRICS

# Latency failover: p90 of TargetResponseTime, 60 s periods, 3 in a row. p90, not the Average (which one
# slow endpoint in ten hides) nor p99 (the scale-out trigger's statistic: a region first scales out on its
# tail, and moves traffic only when most requests are over budget). 3 minutes so one slow minute does not
# flap DNS; Route53 then needs its own evaluation (about a minute) before answers change.
LATENCY_STATISTIC = "p90"
LATENCY_PERIOD_S = 60
LATENCY_EVALUATION_PERIODS = 3
# While the alarm has no data (a region with no traffic yet, or CloudWatch briefly missing) the region stays
# in DNS: "LastKnownStatus" would freeze an old ALARM, "Unhealthy" would drain every idle region.
LATENCY_INSUFFICIENT_DATA = "Healthy"

# DB instances per metric-math alarm (CloudWatch allows 10 metrics per alarm).
DB_METRICS_PER_ALARM = 10


def _pct_alarm(metric: str, severity: str, namespace: str, metric_name: str, statistic: str, what: str,
               period_s: int = RELAY_PERIOD_S) -> ThresholdAlarm:
    pct = RELAY_THRESHOLDS[metric][severity]
    return ThresholdAlarm(f"{metric}-{severity}", severity, namespace, metric_name, statistic,
                          "GreaterThanThreshold", float(pct),
                          f"{RELAY_SECTION}: {metric} {severity} {pct}% ({what}, {period_s} s average)", period_s)


def _free_alarm(metric: str, severity: str, metric_name: str, capacity_bytes: int, what: str) -> ThresholdAlarm:
    """`metric` used above pct % == free below (100 - pct) % of capacity (bytes)."""
    pct = RELAY_THRESHOLDS[metric][severity]
    free = capacity_bytes * (100 - pct) // 100
    return ThresholdAlarm(f"{metric}-{severity}", severity, "AWS/RDS", metric_name, "Minimum", "LessThanThreshold",
                          float(free), f"{RELAY_SECTION}: {metric} {severity} {pct}% used = {metric_name} < "
                                       f"{100 - pct}% of {what} = {free} bytes")


def group_alarms(profile: str) -> tuple[ThresholdAlarm, ...]:
    """cpu, memory and network alarms (warning and critical) of one ASG of relay resource profile `profile`."""
    cpu, memory = TRIGGER_METRICS["cpu"], TRIGGER_METRICS["memory"]
    alarms = []
    for severity in ("warning", "critical"):
        alarms.append(_pct_alarm("cpu", severity, cpu.namespace, cpu.metric_name, "Average", "group average"))
        alarms.append(_pct_alarm("memory", severity, memory.namespace, memory.metric_name, "Average",
                                 "CloudWatch agent, group average"))
        spec = RESOURCE_PROFILES.get(profile)
        if spec is not None:
            pct = RELAY_THRESHOLDS["network"][severity]
            per_sample = spec.bandwidth_mbps * 1_000_000 // 8 * EC2_SAMPLE_S * pct // 100
            alarms.append(ThresholdAlarm(
                f"network-{severity}", severity, "AWS/EC2", "NetworkOut", "Average", "GreaterThanThreshold",
                float(per_sample),
                f"{RELAY_SECTION}: network {severity} {pct}% of the {profile} profile's {spec.bandwidth_mbps} Mbps "
                f"(relay resourceProfiles) = {per_sample} bytes per {EC2_SAMPLE_S} s sample per instance"))
    return tuple(alarms)


def rds_instances(db: DatabasePlan, stack: str) -> dict[tuple[str, str], list[str]]:
    """(region, class) -> RDS identifiers, in the order components/shards.py ShardSet declares them (without the
    emergency replicas)."""
    out: dict[tuple[str, str], list[str]] = {}
    for index in db.shard_indexes:
        out.setdefault((db.primary_region, db.instance_class), []).append(shard_name(stack, index))
        if index in db.draining_shards:
            continue
        # Emergency replicas (novacron 2, the top numbers) are break-glass capacity made by `scaling emergency`
        # through the API: watching them would add alarms no one deployed (status drift) until the next up.
        for number in range(db.read_replicas_per_shard - db.emergency_replicas_per_shard):
            out.setdefault((db.primary_region, db.replica_class(number)), []).append(
                replica_identifier(stack, index, None, number))
        for region, count in db.cross_region_replicas.items():
            for number in range(count):
                out.setdefault((region, db.replica_instance_class), []).append(
                    replica_identifier(stack, index, region, number))
    return out


def database_groups(db: DatabasePlan, stack: str) -> tuple[DatabaseGroup, ...]:
    """Relay cpu/memory/storage alarms per (region, class), chunked to DB_METRICS_PER_ALARM instances."""
    groups = []
    allocated = db.storage_gb_per_shard * GIB
    for (region, iclass), idents in rds_instances(db, stack).items():
        memory = DB_INSTANCE_MEMORY_GIB[iclass] * GIB
        alarms = []
        for severity in ("warning", "critical"):
            alarms.append(_pct_alarm("cpu", severity, "AWS/RDS", "CPUUtilization", "Maximum", "busiest instance"))
            alarms.append(_free_alarm("memory", severity, "FreeableMemory", memory,
                                      f"{iclass}'s {DB_INSTANCE_MEMORY_GIB[iclass]} GiB"))
            alarms.append(_free_alarm("storage", severity, "FreeStorageSpace", allocated,
                                      f"{db.storage_gb_per_shard} GB allocated"))
        for start in range(0, len(idents), DB_METRICS_PER_ALARM):
            groups.append(DatabaseGroup(region, iclass, tuple(idents[start:start + DB_METRICS_PER_ALARM]),
                                        tuple(alarms)))
    return tuple(groups)


def nearest_healthy(cfg: PlatformConfig, region: str) -> str | None:
    """The region that takes `region`'s share when it is slow: the first healthy other region of
    failover_priority (list it nearest-first for your users), then the table order."""
    healthy = [r.name for r in cfg.healthy_regions if r.name != region]
    ordered = [n for n in cfg.failover_priority if n in healthy] + healthy
    return ordered[0] if ordered else None


def latency_attachment(cfg: PlatformConfig) -> tuple[str, str]:
    """(where Route53 selects a region, why). Without CloudFront the service name's weighted records alias the
    ALBs: the check goes there. Behind CloudFront those records all alias the distribution and the edge
    router picks the region (routing.json) by connecting to each region's origin name, a simple record;
    turning those into failover pairs needs a set identifier, which makes Route53 see a new record set (a
    replacement of a record in use), so it is left to a planned migration and the alarm only notifies."""
    behind_cloudfront = cfg.edge.enabled and cfg.edge.provider("aws") is not None
    if behind_cloudfront:
        return "", ("not attached: behind CloudFront the edge router, not Route53, picks the region (the origin "
                    "records are simple records; making them failover pairs would replace them)")
    if cfg.dns:
        return ATTACH_RECORDS, f"on the weighted records of {cfg.dns.record_name} (with the endpoint check)"
    return "", "not attached: no `dns` section, so no Route53 record selects a region"


def latency_rules(cfg: PlatformConfig) -> dict[str, LatencyRule]:
    """One rule per region: TargetResponseTime p90 > latency_ms for 3 x 60 s -> Route53 shifts its traffic."""
    attach, where = latency_attachment(cfg)
    rules = {}
    for region in cfg.regions:
        target = nearest_healthy(cfg, region.name)
        rules[region.name] = LatencyRule(
            region=region.name, threshold_s=region.latency_ms / 1000, extended_statistic=LATENCY_STATISTIC,
            period_s=LATENCY_PERIOD_S, evaluation_periods=LATENCY_EVALUATION_PERIODS,
            insufficient_data_health_status=LATENCY_INSUFFICIENT_DATA, nearest_healthy=target,
            severity=ALARM_FAMILY_SEVERITY["latency"],
            reason=(f"novacron 4 failover_rules: latency > threshold -> shift_traffic to nearest_healthy_region: "
                    f"ALB TargetResponseTime {LATENCY_STATISTIC} > {region.latency_ms:g} ms (latency_ms) for "
                    f"{LATENCY_EVALUATION_PERIODS} x {LATENCY_PERIOD_S} s; Route53 health check unhealthy while in "
                    f"ALARM (insufficient data: {LATENCY_INSUFFICIENT_DATA}), {where}; nearest healthy: "
                    f"{target or 'none (nowhere to shift to: not attached)'}"), attach=attach if target else "")
    return rules


def plan_monitoring(cfg: PlatformConfig, plan: CapacityPlan, stack: str) -> MonitoringPlan:
    """Every relay alarm, latency rule and family severity of the stack."""
    groups = {f"{name}/{tier_name}": group_alarms(tier.profile)
              for name, region in plan.regions.items() for tier_name, tier in region.tiers.items()}
    notes = tuple(f"{key}: no relay resource profile fits {plan.regions[key.split('/')[0]].tiers[key.split('/')[1]].instance_type} "
                  "(custom): network thresholds not alarmed" for key, alarms in groups.items()
                  if not any(a.key.startswith("network") for a in alarms))
    databases = database_groups(plan.database, stack) if plan.database is not None else ()
    attach, where = latency_attachment(cfg)
    if not attach:
        notes += (f"latency failover: alarms notify only; Route53 health checks {where}",)
    return MonitoringPlan(groups=groups, databases=databases, latency=latency_rules(cfg), notes=notes)
