"""ShardSet: the shard primaries, their read replicas and the data alarms of one stack.

Shard i is always `<stack>-db-shard-<i>` (logical name and RDS identifier), so adding shard N
leaves shards 0..N-1 exactly as they were. Primaries are protected and retained on delete;
replicas are disposable (scaling in deletes them, novacron 5 "remove": --skip-final-snapshot).
A draining shard (database.allow_shard_removal) is unprotected and keeps a final snapshot.
Where each shard lives is the plan's (plan.placement(i), infra/planning/placement.py): its primary and local
replicas in its home region (the primary region, or the region a geographic shard serves), cross-region replicas
in their regions, each instance with its region's provider, KMS key, subnet group and parameter group.
After a failover of a shard's home (infra/planning/failover.py) its cross-region replica 0 there is promoted in
place: no replicate_source_db, a primary's backups, deletion protection, final snapshot, protect +
retain_on_delete; same name, so it is an update, not a replacement. The old primaries stay. The new writer gets
its own replicas (placement.follow: numbered after the existing ones, never reusing a name).

Alarms (novacron 5), each in the region of the instances it watches (CloudWatch metrics are regional), to that
region's encrypted SNS topic; names carry `-<region>` outside the primary region. To keep a 64-shard stack lean,
each alarm watches up to 10 instances through a metric-math MAX (the CloudWatch limit for a
math-expression alarm), so the alarm count grows with shards/10, not with shards:
- local replicas: MAX(ReplicaLag) > 1 s (the runbook's 1000 ms; CloudWatch reports ReplicaLag in seconds);
  every cross-region replica has an alarm of its own, `<replica>-lag` (Issue 17);
- live shard writers (the promoted replicas after a failover): MAX(DatabaseConnections) > 80% of max_connections (raise max_connections)
  and > 90% (add a replica: raise database.extra_replicas), in the runbook's integer percent
  (500 connections: > 404 and > 454); and MAX(DatabaseConnections) > 400 (novacron 3
  checkScalingNeeded: add a read replica);
- live shard primaries: MIN(FreeStorageSpace) < 15% of allocated (novacron 3: Storage > 85% -> add
  storage); every instance has RDS storage autoscaling up to data_plan's cap (max_allocated_storage).
Group k always covers the same instances (shards 10k..10k+9 / the k-th ten replicas in shard order),
so adding a shard only updates the last group's metrics in place.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model.data import (
    BACKUP_RETENTION_DAYS,
    CONNECTIONS_ADD_REPLICA,
    CONNECTIONS_ADD_REPLICA_REASON,
    FINAL_SNAPSHOT_SUFFIX,
    POOL_ADD_REPLICA_PCT,
    POOL_RAISE_PCT,
    POOL_RAISED_MAX_CONNECTIONS,
    PROMOTED_REPLICA_NUMBER,
    REPLICA_LAG_LIMIT_MS,
    STORAGE_FULL_PCT,
    DatabasePlan,
    replica_identifier,
    shard_name,
)

STORAGE_TYPE = "gp3"
MONITORING_INTERVAL_S = 60  # enhanced monitoring granularity
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the free retention tier
MASTER_USERNAME = "platform_admin"  # password: RDS-managed in Secrets Manager, never in config or state
LOG_EXPORTS = ("postgresql", "upgrade")
# Alarm shape: 1-minute datapoints, 3 in a row (one vacuum spike should not page anyone).
ALARM_PERIOD_S = 60
ALARM_EVALUATION_PERIODS = 3
# CloudWatch: "A math expression used for an alarm can include as many as 10 metrics" (alarm data queries).
ALARM_METRICS_MAX = 10
MONITORING_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
_ASSUME_MONITORING = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


@dataclass(frozen=True)
class DataRegionRefs:
    """What a region's DataRegion offers the shards (see components/database.py)."""

    key_arn: pulumi.Input[str]
    subnet_group_name: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    parameter_group_name: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]


@dataclass(frozen=True)
class ShardSetArgs:
    """The database plan, the primary region's data refs, and cross-region refs with their providers."""

    naming: Naming
    plan: DatabasePlan
    primary: DataRegionRefs
    cross_regions: Mapping[str, DataRegionRefs] = field(default_factory=dict)
    providers: Mapping[str, pulumi.ProviderResource] = field(default_factory=dict)  # for cross_regions


class ShardSet(pulumi.ComponentResource):
    """Primaries for every shard of the plan, replicas per shard (local and cross-region), alarms."""

    def __init__(self, name: str, args: ShardSetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:shards:ShardSet", name, None, opts)
        plan, naming = args.plan, args.naming
        child = pulumi.ResourceOptions(parent=self)
        self.monitoring_role = aws.iam.Role(f"{name}-monitoring-role", assume_role_policy=_ASSUME_MONITORING,
                                            description="RDS enhanced monitoring for the shard set",
                                            tags=naming.tags("rds-monitoring-role"), opts=child)
        attachment = aws.iam.RolePolicyAttachment(f"{name}-monitoring-policy", role=self.monitoring_role.name,
                                                  policy_arn=MONITORING_POLICY_ARN, opts=child)
        self._name, self._args, self._attachment = name, args, attachment
        self.primaries: dict[int, aws.rds.Instance] = {}
        # shard -> its writer: the primary, or the promoted cross-region replica after a failover
        self.writers: dict[int, aws.rds.Instance] = {}
        self.replicas: dict[int, list[aws.rds.Instance]] = {}
        # replica identifiers per region, in shard order, for the grouped ReplicaLag alarms: each shard's local
        # replicas (home region) and a promoted writer's own replicas in its region. Cross-region replicas get an
        # alarm each (Issue 17), in their own region.
        self._replica_idents: dict[str, list[str]] = {}
        self._cross_lag: list[tuple[str, str, str]] = []  # (alarm name, identifier, region)
        for index in plan.shard_indexes:
            draining = index in plan.draining_shards
            item = plan.placement(index)
            primary = self._primary(index, draining, item.region)
            self.primaries[index] = primary
            self.writers[index] = primary
            if draining:
                continue
            replicas = [self._replica(index, j, primary, item.region, item.region)
                        for j in range(plan.read_replicas_per_shard)]
            for region in item.cross_regions:
                replicas += [self._replica(index, j, primary, region, item.region)
                             for j in range(item.cross_per_region)]
            # Issue 17: the promoted writer's own replicas (new instances numbered after the existing ones)
            for follow in item.follow:
                replicas += [self._replica(index, j, self.writers[index], follow.region, item.region, item.writer)
                             for j in follow.numbers()]
            self.replicas[index] = replicas
        self._alarms()
        self.register_outputs({
            "shards": {shard_name(naming.stack, i): p.address for i, p in self.primaries.items()},
            "replica_count": sum(len(r) for r in self.replicas.values()),
            "writers": {shard_name(naming.stack, i): w.address for i, w in self.writers.items()},
        })

    def _refs(self, region: str) -> DataRegionRefs:
        """The DataRegion refs of a region (the primary region's, or one of `cross_regions`)."""
        return self._args.primary if region == self._args.plan.primary_region else self._args.cross_regions[region]

    def _in_region(self, region: str, **extra) -> pulumi.ResourceOptions:
        """Child options in `region`: the inherited primary-region provider there, else that region's own."""
        if region == self._args.plan.primary_region:
            return pulumi.ResourceOptions(parent=self, **extra)
        return pulumi.ResourceOptions(parent=self, provider=self._args.providers[region], **extra)

    def _common(self, refs: DataRegionRefs, instance_class: str) -> dict[str, object]:
        """Inputs every instance shares: encryption, monitoring, no public access; its class (in-place modify)."""
        plan = self._args.plan
        return dict(
            instance_class=instance_class, storage_encrypted=True, kms_key_id=refs.key_arn,
            publicly_accessible=False, multi_az=plan.multi_az, vpc_security_group_ids=[refs.security_group_id],
            parameter_group_name=refs.parameter_group_name, auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True, monitoring_interval=MONITORING_INTERVAL_S,
            monitoring_role_arn=self.monitoring_role.arn, performance_insights_enabled=True,
            performance_insights_kms_key_id=refs.key_arn,
            performance_insights_retention_period=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS), iam_database_authentication_enabled=True,
            # novacron 3 Storage > 85% -> add storage: RDS storage autoscaling, an in-place modify (never a
            # replacement). Replicas get it too: their storage is their own and must keep up with the source.
            **({"max_allocated_storage": plan.max_allocated_storage_gb} if plan.max_allocated_storage_gb else {}))

    def _primary(self, index: int, draining: bool, region: str) -> aws.rds.Instance:
        plan, args = self._args.plan, self._args
        ident = shard_name(args.naming.stack, index)
        refs = self._refs(region)
        # A live shard can never be deleted or replaced by a plan; a draining one (explicit
        # allow_shard_removal) is released so the next plan may delete it, with a final snapshot.
        opts = self._in_region(region, protect=not draining, retain_on_delete=not draining,
                               depends_on=[self._attachment])
        return aws.rds.Instance(
            f"{self._name}-shard-{index}", identifier=ident, engine=plan.engine, engine_version=plan.engine_version,
            allocated_storage=plan.storage_gb_per_shard, storage_type=STORAGE_TYPE,
            db_subnet_group_name=refs.subnet_group_name, username=MASTER_USERNAME,
            manage_master_user_password=True, master_user_secret_kms_key_id=refs.key_arn,
            backup_retention_period=BACKUP_RETENTION_DAYS, deletion_protection=not draining,
            skip_final_snapshot=False, final_snapshot_identifier=f"{ident}{FINAL_SNAPSHOT_SUFFIX}",
            # False unless database.allow_major_version_upgrade: RDS then refuses a major engine_version change.
            allow_major_version_upgrade=plan.allow_major_version_upgrade,
            tags=args.naming.tags("db-shard", shard=str(index), strategy=plan.strategy), opts=opts,
            **self._common(refs, plan.instance_class))

    def _replica(self, index: int, number: int, source: aws.rds.Instance, region: str, home: str,
                 source_region: str | None = None) -> aws.rds.Instance:
        """Replica `number` of shard `index` in `region` (local when it is the shard's `home`), replicating
        `source` (in `source_region`, default the home)."""
        args, plan = self._args, self._args.plan
        local = region == home
        ident = replica_identifier(args.naming.stack, index, None if local else region, number)
        item = plan.placement(index)
        promoted = (not local and item.promoted and region == item.writer and number == PROMOTED_REPLICA_NUMBER
                    and source_region is None)
        refs = self._refs(region)
        opts = self._in_region(region)
        if region == (source_region or home):
            extra: dict[str, object] = {"replicate_source_db": source.identifier}
            if not local:  # a promoted writer's replica in its region: that region's subnet group
                extra["db_subnet_group_name"] = refs.subnet_group_name
        else:
            # Cross-region: source by ARN, the destination region's key, subnet group and provider.
            extra = {"replicate_source_db": source.arn, "db_subnet_group_name": refs.subnet_group_name}
        safety: dict[str, object] = {"skip_final_snapshot": True, "deletion_protection": False}
        if promoted:
            # novacron 5 promote (infra/planning/failover.py): without replicate_source_db the provider promotes the
            # replica in place (promote-read-replica), same name and identifier; it then holds the shard's only
            # writable copy, so it gets a primary's backups, deletion protection, final snapshot and protection.
            del extra["replicate_source_db"]
            safety = {"skip_final_snapshot": False, "final_snapshot_identifier": f"{ident}{FINAL_SNAPSHOT_SUFFIX}",
                      "deletion_protection": True, "backup_retention_period": BACKUP_RETENTION_DAYS,
                      "allow_major_version_upgrade": plan.allow_major_version_upgrade}
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
        # novacron 5 manage_read_replicas add: --db-instance-class db.r5.xlarge (database.replica_instance_class);
        # the emergency replica (novacron 2) keeps db.r5.2xlarge. Only home replicas are emergency ones.
        iclass = plan.replica_class(number) if local else plan.replica_instance_class
        name = f"{self._name}-shard-{index}{'' if local else f'-{region}'}-replica-{number}"
        replica = aws.rds.Instance(name, identifier=ident, tags=args.naming.tags("db-replica", shard=str(index)),
                                   opts=opts, **safety, **extra, **self._common(refs, iclass))
        if promoted:
            self.writers[index] = replica  # a standalone primary has no ReplicaLag to watch
        elif region == (source_region or home):
            self._replica_idents.setdefault(region, []).append(ident)
        else:
            self._cross_lag.append((f"{name}-lag", ident, region))
        return replica

    def _max_alarm(self, name: str, metric: str, idents: list[str], threshold: float, description: str,
                   topic: pulumi.Input[str], opts: pulumi.ResourceOptions, worst: str = "MAX",
                   comparison: str = "GreaterThanThreshold") -> None:
        """One alarm on MAX(metric) (or `worst`, e.g. MIN) over up to ALARM_METRICS_MAX instances."""
        queries = [{"id": f"m{i}", "return_data": False,
                    "metric": {"namespace": "AWS/RDS", "metric_name": metric, "period": ALARM_PERIOD_S,
                               "stat": "Maximum", "dimensions": {"DBInstanceIdentifier": ident}}}
                   for i, ident in enumerate(idents)]
        queries.append({"id": "worst", "expression": f"{worst}(METRICS())", "label": f"{worst.lower()} {metric}",
                        "return_data": True})
        aws.cloudwatch.MetricAlarm(
            name, metric_queries=queries, evaluation_periods=ALARM_EVALUATION_PERIODS,
            comparison_operator=comparison, threshold=threshold,
            alarm_description=f"{description} (instances: {', '.join(idents)})",
            alarm_actions=[topic], ok_actions=[topic], tags=self._args.naming.tags("data-alarm"), opts=opts)

    def _where(self, region: str) -> str:
        """Alarm name infix: none in the primary region (the names deployed before Issue 17), else `-<region>`."""
        return "" if region == self._args.plan.primary_region else f"-{region}"

    def _alarms(self) -> None:
        plan, stack = self._args.plan, self._args.naming.stack
        # The live shards' writers by the region they write in (CloudWatch metrics are regional): after a
        # failover the connection and storage alarms watch the promoted writers, in their region (Issue 17).
        writers: dict[str, list[str]] = {}
        for i in range(plan.shards):
            writers.setdefault(plan.placement(i).writer, []).append(plan.writer_identifier(stack, i))
        actions = {
            POOL_RAISE_PCT: (f"raise database.max_connections above the {plan.max_connections} in force (runbook "
                             f"level {POOL_RAISED_MAX_CONNECTIONS}, applied only above the engine default; reboot)"),
            POOL_ADD_REPLICA_PCT: "add a read replica to every shard: raise database.extra_replicas by 1",
        }
        for region, live in writers.items():
            topic, opts, base = self._refs(region).alarm_topic_arn, self._in_region(region), self._name + self._where(region)
            for group in range(0, len(live), ALARM_METRICS_MAX):
                idents, k = live[group:group + ALARM_METRICS_MAX], group // ALARM_METRICS_MAX
                for pct, threshold in plan.connection_alarm_thresholds.items():
                    # novacron 5: integer percent (CUR*100/MAX -gt pct), see infra.model.data.pool_alarm_threshold.
                    self._max_alarm(
                        f"{base}-connections-{pct}-{k}", "DatabaseConnections", idents,
                        threshold, f"novacron 5: connection pool > {pct}% of max_connections {plan.max_connections}: "
                                   f"{actions[pct]}; {plan.connection_alarm_reasons[pct]}", topic, opts)
                # novacron 3 checkScalingNeeded: Connections > 400 -> add a read replica (absolute count).
                self._max_alarm(f"{base}-connections-over-{CONNECTIONS_ADD_REPLICA}-{k}", "DatabaseConnections",
                                idents, CONNECTIONS_ADD_REPLICA, CONNECTIONS_ADD_REPLICA_REASON, topic, opts)
                # novacron 3 checkScalingNeeded: Storage > 85% -> add storage, i.e. MIN(FreeStorageSpace) < 15% of
                # allocated (bytes). Autoscaling raises allocated storage in place; the alarm stays at 15% of the
                # configured size, so after an autoscale raise database.storage_gb_per_shard to match.
                self._max_alarm(
                    f"{base}-storage-{STORAGE_FULL_PCT}-{k}", "FreeStorageSpace", idents,
                    plan.free_storage_alarm_bytes,
                    f"novacron 3 checkScalingNeeded: storage > {STORAGE_FULL_PCT}% of {plan.storage_gb_per_shard} GB "
                    f"allocated (FreeStorageSpace < {100 - STORAGE_FULL_PCT}%): add storage: raise "
                    f"database.storage_gb_per_shard (autoscaling cap {plan.max_allocated_storage_gb} GB)",
                    topic, opts, worst="MIN", comparison="LessThanThreshold")
        lag = f"novacron 5: replication lag > {REPLICA_LAG_LIMIT_MS} ms (alert_high_replication_lag)"
        for region, idents in self._replica_idents.items():
            opts, base = self._in_region(region), self._name + self._where(region)
            for group in range(0, len(idents), ALARM_METRICS_MAX):
                self._max_alarm(
                    f"{base}-replica-lag-{group // ALARM_METRICS_MAX}", "ReplicaLag",
                    idents[group:group + ALARM_METRICS_MAX], REPLICA_LAG_LIMIT_MS / 1000,  # ReplicaLag is in seconds
                    lag, self._refs(region).alarm_topic_arn, opts)
        for name, ident, region in self._cross_lag:
            # Issue 17: one alarm per cross-region replica (the DR copy a failover promotes), in its region.
            self._max_alarm(name, "ReplicaLag", [ident], REPLICA_LAG_LIMIT_MS / 1000, f"{lag}; cross-region replica",
                            self._refs(region).alarm_topic_arn, self._in_region(region))
