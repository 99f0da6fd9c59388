"""Stack configuration: one validated, frozen model of the `scaling-platform:platform` key.

Pure (no pulumi, no boto3). The Pulumi program and the offline `scaling plan` command both
parse the same dict through `parse_platform`, so a value that `pulumi preview` would reject
is rejected offline with the same one-line message: file, key path, what is allowed.

Field names follow shared/DESIGN.md ("Stack configuration"); units are in the names.
"""
from __future__ import annotations

import copy
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from infra.config.review import ReviewConfig, SecretKey
from infra.config.scaling import ScalingConfig, scaling_errors
from infra.config.stateful import DeployedConfig, VpcCidr
from infra.model.catalog import (
    AWS_REGIONS,
    CACHE_NODE_TYPES,
    DB_INSTANCE_CLASSES,
    INSTANCE_TYPES,
)
from infra.model.tiers import DEFAULT_ROLES, ROLES, TierRole

PROJECT = "scaling-platform"
PLATFORM_KEY = f"{PROJECT}:platform"

# novacron "4. Multi-Region Scaling" failover_rules: capacity_exhausted -> overflow_to_secondary,
# priority ["us-west-2", "eu-west-1", "ap-southeast-1"].
DEFAULT_FAILOVER_PRIORITY = ("us-west-2", "eu-west-1", "ap-southeast-1")
# novacron "2. Manual Scaling Procedures" (emergency-scale.sh "all"): `$0 up worker 10`.
EMERGENCY_WORKER_STEP = 10


class ConfigError(Exception):
    """A bad stack configuration: `str()` is one line naming the file, the key and what is allowed."""

    def __init__(self, source: str, key: str, message: str):
        self.source, self.key, self.message = source, key, message
        # User text (keys, values, file names) may hold line breaks; the message stays one line.
        line = f"{source}: {key}: {message}"
        super().__init__(line.replace("\r", "\\r").replace("\n", "\\n"))


class _KeyError(Exception):
    """Raised by cross-field checks with the exact key path; turned into ConfigError by parse_platform."""

    def __init__(self, key: str, message: str):
        self.key, self.message = key, message
        super().__init__(f"{key}: {message}")


class _Section(BaseModel):
    """Base of every config section: unknown keys are errors, values never change after parsing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _member_of(catalog, what: str) -> AfterValidator:
    """Validator: the value is one of `catalog`; the error lists what is allowed."""
    def check(value: str) -> str:
        if value not in catalog:
            raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(catalog)}")
        return value
    return AfterValidator(check)


AwsRegionName = Annotated[str, _member_of(AWS_REGIONS, "AWS region")]
InstanceType = Annotated[str, _member_of(INSTANCE_TYPES, "instance type")]
DbInstanceClass = Annotated[str, _member_of(DB_INSTANCE_CLASSES, "DB instance class")]
CacheNodeType = Annotated[str, _member_of(CACHE_NODE_TYPES, "cache node type")]
NonNegInt = Annotated[int, Field(ge=0, le=10_000)]


class RegionConfig(_Section):
    """One row of the novacron "4. Multi-Region Scaling" table; min/max/current bound the api tier."""

    name: AwsRegionName
    primary: bool = False
    min_instances: NonNegInt
    max_instances: Annotated[int, Field(ge=1, le=10_000)]
    current_instances: NonNegInt
    latency_ms: Annotated[float, Field(gt=0, le=10_000)]
    traffic_weight: Annotated[float, Field(gt=0, le=1_000)]
    az_count: Annotated[int, Field(ge=2, le=6)] = 2  # >= 2 AZs so one AZ outage leaves capacity
    # ACM certificate for the regional ALB; with it the ALB serves HTTPS and redirects HTTP.
    certificate_arn: Annotated[str | None, Field(pattern=r"^arn:aws:acm:")] = None
    # The region's VPC range; None = its fixed range in infra/model/catalog.py REGION_VPC_CIDRS (never its
    # position in `regions`). Set it only to keep a range deployed before that table existed.
    vpc_cidr: VpcCidr | None = None


class DemandConfig(_Section):
    """Planning inputs: peak load and the growth over the planning horizon."""

    peak_rps: Annotated[float, Field(gt=0, le=1e9)]
    users: Annotated[float, Field(ge=0, le=1e12)] = 0
    tps: Annotated[float, Field(ge=0, le=1e9)] = 0
    storage_tb: Annotated[float, Field(ge=0, le=1e6)] = 0
    growth_rate_monthly: Annotated[float, Field(ge=-0.9, le=10)] = 0.0
    forecast_days: Annotated[int, Field(ge=1, le=365)] = 30
    # Worker demand in jobs/s; defaults to `tps` (each transaction queues one background job).
    jobs_per_second: Annotated[float | None, Field(ge=0, le=1e9)] = None
    # Hourly demand history (first column hour start, second column demand): the forecast replaces
    # `peak_rps x growth` when set. A relative path is relative to the project directory.
    history_csv: str | None = None
    # Unit of the history's values: requests per hour (the shared traces) or requests per second.
    history_unit: Literal["requests_per_hour", "rps"] = "requests_per_hour"


class BurstEvent(_Section):
    """A known traffic event (novacron "3. Capacity Planning" BurstCapacityPlanner)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")]
    start: datetime  # ISO 8601; a value without offset is UTC
    duration_hours: Annotated[float, Field(gt=0, le=24 * 31)]
    peak_multiplier: Annotated[float, Field(ge=1, le=100)]
    warmup_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 15
    tiers: list[str] | None = None  # tier names; None = every tier


class _TierConfig(_Section):
    """What every tier has: its instance types and the scaling knobs of infra/planning/scaling_policy.py."""

    instance_types: Annotated[list[InstanceType], Field(min_length=1)]
    # Forecast utilisation per instance at the planned size (novacron "3. Capacity Planning"
    # checkScalingNeeded); the defaults trigger nothing. See infra.planning.scaling_policy.plan_vertical.
    forecast_cpu_pct: Annotated[float, Field(ge=0, le=10_000)] = 0
    forecast_memory_pct: Annotated[float, Field(ge=0, le=10_000)] = 0
    # Vertical ladder (novacron "Vertical Scaling Triggers"); None = the ladder holding instance_types[0].
    ladder: Literal["cpu", "memory", "network"] | None = None
    # Spot workload class from scaling.spot.classes, or "on_demand"; None = api stateless, worker batch
    # (dev stacks: dev).
    spot_class: str | None = None


class TierConfig(_TierConfig):
    """One compute fleet planned in every region; its `role` (infra/model/tiers.py) decides how it is
    sized and scaled. `api` defaults to role stateless, `worker` to batch; other tiers name their role."""

    role: Literal["stateless", "batch"]
    # per-instance capacity: stateless tiers in requests/s, batch tiers in jobs/s (the role's capacity_key)
    requests_per_instance: Annotated[float, Field(gt=0, le=1e7)] | None = None
    jobs_per_instance: Annotated[float, Field(gt=0, le=1e7)] | None = None
    min_instances: NonNegInt
    max_instances: Annotated[int, Field(ge=1, le=10_000)]

    @model_validator(mode="before")
    @classmethod
    def _role_defaults(cls, data: object) -> object:
        """min/max default to the role's (api 3/100, worker 5/200: the runbooks' fleets)."""
        if isinstance(data, dict) and data.get("role") in ROLES:
            role = ROLES[data["role"]]
            data = {"min_instances": role.default_min_instances, "max_instances": role.default_max_instances} | data
        return data

    @property
    def per_instance(self) -> float:
        """Per-instance capacity in the role's demand unit."""
        return float(getattr(self, ROLES[self.role].capacity_key))


TIER_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")  # part of resource names: short, lowercase


class TiersConfig(BaseModel):
    """The fleets planned in every region: `api` (the front, serving fleet behind the ALB), `worker`
    (queue consumers) and any further tier (`tiers.<name>` with a `role`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, TierConfig]  # type: ignore[assignment]

    api: TierConfig
    worker: TierConfig

    @model_validator(mode="before")
    @classmethod
    def _default_roles(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        out = {}
        for name, tier in data.items():
            if not isinstance(name, str) or not TIER_NAME.match(name):
                raise _KeyError(f"tiers.{name}", "a tier name is 1-12 lowercase letters or digits, starting with a letter")
            if isinstance(tier, dict) and "role" not in tier:
                if name not in DEFAULT_ROLES:
                    raise _KeyError(f"tiers.{name}.role", f"required for tier {name!r}; allowed: {', '.join(ROLES)}")
                tier = {"role": DEFAULT_ROLES[name]} | tier
            out[name] = tier
        return out

    @model_validator(mode="after")
    def _capacity_of_role(self) -> "TiersConfig":
        for name, tier in self.items():
            role = ROLES[tier.role]
            # the role's own key first: a missing capacity is the more useful message
            for key in sorted(("requests_per_instance", "jobs_per_instance"), key=lambda k: k != role.capacity_key):
                if key == role.capacity_key and getattr(tier, key) is None:
                    raise _KeyError(f"tiers.{name}.{key}",
                                    f"required for a {tier.role} tier (per-instance capacity in {role.unit})")
                if key != role.capacity_key and getattr(tier, key) is not None:
                    raise _KeyError(f"tiers.{name}.{key}", f"not used by a {tier.role} tier; allowed: {role.capacity_key}")
        return self

    def items(self) -> list[tuple[str, TierConfig]]:
        """(name, config) of every tier: api, worker, then the others in stack-file order."""
        return [("api", self.api), ("worker", self.worker), *(self.model_extra or {}).items()]

    def names(self) -> list[str]:
        """Every tier's name, in plan order."""
        return [name for name, _ in self.items()]

    def get(self, name: str) -> TierConfig:
        """The config of tier `name` (KeyError if there is none)."""
        return dict(self.items())[name]

    def role(self, name: str) -> TierRole:
        """The role of tier `name` (infra/model/tiers.py)."""
        return ROLES[self.get(name).role]


class DatabaseConfig(_Section):
    """RDS sizing inputs (relay "Database Scaling", novacron "5. Database Scaling Operations").

    Defaults are the runbook numbers; `infra/planning/data_plan.py` turns them into shards, replicas and
    max_connections, each with a reason.
    """

    engine: Literal["postgres"] = "postgres"
    # Major version only: RDS applies minor upgrades itself (auto_minor_version_upgrade), so the pin
    # never drifts; the parameter group family is "postgres<major>".
    engine_version: Literal["14", "15", "16", "17"] = "16"
    instance_class: DbInstanceClass = "db.r5.2xlarge"  # novacron 5 add_shard: --db-instance-class db.r5.2xlarge
    # novacron 5 manage_read_replicas add: --db-instance-class db.r5.xlarge (normal read replicas; the
    # emergency replica keeps novacron 2's db.r5.2xlarge). A class change is an in-place RDS modify.
    replica_instance_class: DbInstanceClass = "db.r5.xlarge"
    read_qps: Annotated[float, Field(ge=0, le=1e9)] = 0
    write_qps: Annotated[float, Field(ge=0, le=1e9)] = 0
    size_gb: Annotated[float, Field(ge=0, le=1e7)] = 0
    growth_gb_month: Annotated[float, Field(ge=0, le=1e7)] = 0
    shard_target_gb: Annotated[float, Field(gt=0, le=1e6)] = 1000
    sharding: Literal["user", "transaction", "content", "governance"] = "user"
    # novacron 5 add_shard: --allocated-storage 1000 (GB of gp3 per shard primary).
    storage_gb_per_shard: Annotated[int, Field(ge=20, le=65_536)] = 1000
    # novacron 5 manage_connection_pool: pool > 80% -> `ALTER SYSTEM SET max_connections = 500`.
    # IaC cannot react within minutes, so the estate runs at the runbook's raised level from day one;
    # the 80% alarm then tells the operator to raise this key further.
    max_connections: Annotated[int, Field(ge=20, le=10_000)] = 500
    # novacron 5: pool > 90% -> `manage_read_replicas add`. The 90% alarm asks the operator to raise this
    # (read replicas added to every shard on top of the relay "Read Replicas" formula).
    extra_replicas: Annotated[int, Field(ge=0, le=15)] = 0
    # Regions (besides the primary) that get read replicas of every shard (local reads, DR copy).
    cross_region_replicas: list[AwsRegionName] = []
    cross_region_replicas_per_shard: Annotated[int, Field(ge=1, le=5)] = 1
    # Shard safety (Issue 5): shards are never removed implicitly. `previous_shards` is the count now
    # deployed (stack output database.shard_count); planning fewer needs allow_shard_removal: true.
    min_shards: Annotated[int, Field(ge=1, le=1024)] = 1
    max_shards: Annotated[int, Field(ge=1, le=1024)] = 64
    previous_shards: Annotated[int | None, Field(ge=1, le=1024)] = None
    allow_shard_removal: bool = False
    # A major engine_version upgrade of live shards (RDS upgrades in place, with downtime) needs this
    # explicit true (the RDS input of the same name); with `deployed.database` the plan refuses it otherwise.
    allow_major_version_upgrade: bool = False
    # Time-based sharding (sharding: transaction): month the first shard's range starts.
    time_epoch_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = "2024-01"

    @field_validator("cross_region_replicas")
    @classmethod
    def _unique_regions(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a region is listed twice; list each region once")
        return value

    @model_validator(mode="after")
    def _shard_bounds(self) -> "DatabaseConfig":
        if self.shard_target_gb > self.storage_gb_per_shard:
            raise _KeyError("database.shard_target_gb",
                            f"{self.shard_target_gb:g} > storage_gb_per_shard {self.storage_gb_per_shard}: a shard "
                            "would outgrow its allocated storage; need shard_target_gb <= storage_gb_per_shard")
        if self.min_shards > self.max_shards:
            raise _KeyError("database.min_shards", f"{self.min_shards} > max_shards {self.max_shards}; need min <= max")
        if self.allow_shard_removal and self.previous_shards is None:
            raise _KeyError("database.allow_shard_removal",
                            "true needs database.previous_shards (the shard count deployed now) to name the "
                            "shards to remove")
        return self


class CacheConfig(_Section):
    """ElastiCache Redis per region (novacron "2. Manual Scaling Procedures" emergency cache)."""

    node_type: CacheNodeType = "cache.r5.large"
    replicas: Annotated[int, Field(ge=0, le=5)] = 2
    engine_version: Literal["6.2", "7.0", "7.1"] = "7.1"
    snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = 7


class EmergencyConfig(_Section):
    """Emergency scaling switch (relay "Emergency Scaling Procedures", novacron emergency-scale.sh)."""

    mode: Literal["none", "up", "down", "reset"] = "none"
    target: str = "all"  # a tier name, database, cache or all (checked against `tiers`)
    worker_step: Annotated[int, Field(ge=1, le=1000)] = EMERGENCY_WORKER_STEP
    budget_ceiling_usd_month: Annotated[float | None, Field(gt=0)] = None


# An immutable image reference: OCI digest form `name[:tag]@sha256:<64 lowercase hex>`.
IMAGE_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


class KubernetesConfig(_Section):
    """Optional k8s workloads; the kubeconfig comes from the secret `scaling-platform:kubeconfig`.

    Replica bounds and the HPA/KEDA thresholds are not here: they come from the plan (primary
    region's api tier) and infra/model/triggers.py (runbook §1). Resources below are the *normal* mode;
    emergency `up` on api/all switches to the runbook's emergency values (infra/planning/edge_plan.py).
    """

    enabled: bool = False
    namespace: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] = "scaling-platform"
    # Container images. prod needs them by digest (`name@sha256:<64 hex>`, IMAGE_DIGEST): a tag can be
    # moved, so the same plan could roll out different code; other stacks may use tags while iterating.
    api_image: Annotated[str, Field(min_length=1, max_length=512)] = "ghcr.io/example/novacron-api:stable"
    worker_image: Annotated[str, Field(min_length=1, max_length=512)] = "ghcr.io/example/novacron-worker:stable"
    # Normal-mode requests/limits of one api pod: half the runbook's emergency values (novacron
    # "2. Manual Scaling Procedures" raises api to requests 1000m/2Gi, limits 2000m/4Gi).
    api_cpu_request: str = "500m"
    api_memory_request: str = "1Gi"
    api_cpu_limit: str = "1000m"
    api_memory_limit: str = "2Gi"
    worker_cpu_request: str = "500m"
    worker_memory_request: str = "1Gi"
    worker_cpu_limit: str = "1000m"
    worker_memory_limit: str = "2Gi"
    # Normal worker concurrency; the runbook only gives the emergency values (50 jobs, 16 threads).
    # 25 jobs = half of both the emergency value and tiers.worker.jobs_per_instance 50.
    max_concurrent_jobs: Annotated[int, Field(ge=1, le=10_000)] = 25
    worker_threads: Annotated[int, Field(ge=1, le=1_024)] = 8
    # PodDisruptionBudgets: None (default) = minAvailable at the runbook minimum of each workload, so
    # a drain never takes it below; a count or percentage here = maxUnavailable instead (the operator's
    # own bound, which does let a drain go below the minimum).
    # Kubernetes takes an integer (pods) or a percentage string here; "2" (a string count) it refuses.
    pdb_max_unavailable: Annotated[int, Field(ge=0, le=100_000)] | Annotated[str, Field(pattern=r"^(\d{1,2}|100)%$")] | None = None
    # Zone spread of the pods (topology.kubernetes.io/zone, maxSkew 1). ScheduleAnyway (default)
    # prefers an even spread but still schedules when a zone is down or full (a zone outage is when the
    # pods are needed elsewhere); DoNotSchedule enforces it and leaves pods Pending instead.
    zone_spread: Literal["ScheduleAnyway", "DoNotSchedule"] = "ScheduleAnyway"
    # KEDA authenticates the SQS trigger by pod identity: the KEDA operator (IRSA or EKS Pod Identity on
    # its service account) assumes a role that may only read the worker queue. This names the operator's
    # role as the only principal trusted to assume it; None trusts the account (the operator role's own
    # sts:AssumeRole permission then decides).
    keda_operator_role_arn: Annotated[str | None, Field(max_length=2048,
                                                        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$")] = None
    # KEDA queue trigger: the worker reads SQS (queueURL built from region, account and name;
    # infra/planning/edge_plan.py keda_spec). queue_name None = the queue the worker ASG's queue alarms watch
    # in the primary region (`scaling.queue.queue_name`, else `<environment>-<region>-jobs`).
    queue_trigger_type: Literal["aws-sqs-queue"] = "aws-sqs-queue"
    queue_name: str | None = None
    app_port: Annotated[int, Field(ge=1, le=65535)] = 8080
    health_path: str = "/health"


class DnsConfig(_Section):
    """Route53 weighted records for the service name (one per healthy region)."""

    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,32}$")]
    record_name: Annotated[str, Field(min_length=3, max_length=253)]
    health_check_path: str = "/health"


class PlatformConfig(_Section):
    """The whole `scaling-platform:platform` key of a `Pulumi.<stack>.yaml`."""

    environment: Literal["dev", "staging", "prod"]
    owner: Annotated[str, Field(min_length=1, max_length=128)] = "platform-team"
    cost_center: Annotated[str, Field(min_length=1, max_length=128)] = "platform"
    budget_usd_month: Annotated[float, Field(gt=0, le=1e9)]
    regions: Annotated[list[RegionConfig], Field(min_length=1, max_length=64)]
    failed_regions: list[str] = []
    failover_priority: list[str] = list(DEFAULT_FAILOVER_PRIORITY)
    demand: DemandConfig
    tiers: TiersConfig
    database: DatabaseConfig = DatabaseConfig()
    cache: CacheConfig = CacheConfig()
    emergency: EmergencyConfig = EmergencyConfig()
    kubernetes: KubernetesConfig = KubernetesConfig()
    dns: DnsConfig | None = None
    scaling: ScalingConfig = ScalingConfig()
    edge: "EdgeConfig" = Field(default_factory=lambda: EdgeConfig())
    events: list[BurstEvent] = []
    # What exists now (infra/config/stateful.py) and the one explicit way to drop a deployed region.
    deployed: DeployedConfig | None = None
    allow_region_removal: bool = False
    review: ReviewConfig = ReviewConfig()  # scaling diff guardrails (infra/config/review.py)
    required_secrets: list[SecretKey] = []  # secret keys `pulumi up` needs (infra/config/review.py)

    @model_validator(mode="after")
    def _edge_cross_checks(self) -> "PlatformConfig":
        _check_edge(self)
        return self

    @model_validator(mode="after")
    def _cross_field_checks(self) -> "PlatformConfig":
        names = [r.name for r in self.regions]
        for i, region in enumerate(self.regions):
            key = f"regions[{i}]"
            if names.index(region.name) != i:
                raise _KeyError(f"{key}.name", f"region {region.name!r} is listed twice; each region once")
            if region.min_instances > region.max_instances:
                raise _KeyError(f"{key}.min_instances",
                                f"{region.min_instances} > max_instances {region.max_instances}; need min <= current <= max")
            if not region.min_instances <= region.current_instances <= region.max_instances:
                raise _KeyError(f"{key}.current_instances",
                                f"{region.current_instances} is outside [{region.min_instances}, {region.max_instances}]; "
                                "need min <= current <= max")
        primaries = [r.name for r in self.regions if r.primary]
        if len(primaries) != 1:
            raise _KeyError("regions", f"{len(primaries)} regions have primary: true ({', '.join(primaries) or 'none'}); "
                                       "exactly one is allowed")
        for i, failed in enumerate(self.failed_regions):
            if failed not in names:
                raise _KeyError(f"failed_regions[{i}]", f"{failed!r} is not a configured region; allowed: {', '.join(names)}")
        if len(set(self.failed_regions)) >= len(names):
            raise _KeyError("failed_regions", "every region is marked failed; at least one region must stay healthy")
        for i, name in enumerate(self.failover_priority):
            if name not in AWS_REGIONS:
                raise _KeyError(f"failover_priority[{i}]", f"unknown AWS region {name!r}")
        for tier_name, tier in self.tiers.items():
            if tier.min_instances > tier.max_instances:
                raise _KeyError(f"tiers.{tier_name}.min_instances",
                                f"{tier.min_instances} > max_instances {tier.max_instances}; need min <= max")
        api = self.tiers.api
        for i, region in enumerate(self.regions):
            # The api fleet is bounded by both the region row and the api tier; they must overlap.
            if max(region.min_instances, api.min_instances) > min(region.max_instances, api.max_instances):
                raise _KeyError(f"regions[{i}].min_instances",
                                f"region bounds [{region.min_instances}, {region.max_instances}] do not overlap "
                                f"tiers.api bounds [{api.min_instances}, {api.max_instances}]")
        return self

    @model_validator(mode="after")
    def _kubernetes_checks(self) -> "PlatformConfig":
        k = self.kubernetes
        if k.enabled and self.environment == "prod":
            for key in ("api_image", "worker_image"):
                if not IMAGE_DIGEST.search(getattr(k, key)):
                    raise _KeyError(f"kubernetes.{key}",
                                    f"{getattr(k, key)!r} is a mutable tag; prod needs an image by digest "
                                    "(name@sha256:<64 hex digits>)")
        return self

    @model_validator(mode="after")
    def _scaling_checks(self) -> "PlatformConfig":
        problem = scaling_errors(self.scaling, INSTANCE_TYPES)
        if problem:
            raise _KeyError(*problem)
        self._check_tier_references()
        for tier_name, tier_cfg in self.tiers.items():
            chosen = tier_cfg.spot_class
            if chosen is not None and chosen != "on_demand" and chosen not in self.scaling.spot.classes:
                raise _KeyError(f"tiers.{tier_name}.spot_class",
                                f"unknown spot class {chosen!r}; allowed: on_demand, "
                                f"{', '.join(self.scaling.spot.classes)}")
        return self

    def _check_tier_references(self) -> None:
        """Every tier named by a trigger, the schedules, an event or the emergency target exists."""
        names = self.tiers.names()
        refs = [(f"scaling.triggers.{row}.tiers", getattr(self.scaling.triggers, row).tiers or [])
                for row in type(self.scaling.triggers).model_fields]
        refs.append(("scaling.schedules.tiers", self.scaling.schedules.tiers or []))
        refs += [(f"events[{i}].tiers", event.tiers or []) for i, event in enumerate(self.events)]
        for key, listed in refs:
            for j, name in enumerate(listed):
                if name not in names:
                    raise _KeyError(f"{key}[{j}]", f"unknown tier {name!r}; allowed: {', '.join(names)}")
        targets = [*names, "database", "cache", "all"]
        if self.emergency.target not in targets:
            raise _KeyError("emergency.target", f"{self.emergency.target!r} is not allowed; allowed: {', '.join(targets)}")

    def event_tiers(self, event: BurstEvent) -> list[str]:
        """The tiers a burst event pre-warms (every tier when it names none)."""
        return list(event.tiers) if event.tiers is not None else self.tiers.names()

    @property
    def primary_region(self) -> RegionConfig:
        """The one region with `primary: true` (the validators guarantee exactly one)."""
        return next(r for r in self.regions if r.primary)

    @property
    def healthy_regions(self) -> list[RegionConfig]:
        """The configured regions not listed in `failed_regions`, in stack-file order."""
        return [r for r in self.regions if r.name not in self.failed_regions]


# ---------------------------------------------------------------------------------------------
# Parsing and error reporting


def _loc_to_key(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key or "(root)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last element of `loc` (for listing allowed keys)."""
    model: Any = PlatformConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        annotation = field.annotation
        for candidate in _unwrap(annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    out: list[Any] = []
    for arg in args:
        out.extend(_unwrap(arg))
    return out


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = ", ".join(model.model_fields) if model else "see the config reference"
        return f"unknown key; allowed keys: {allowed}"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    got = error.get("input")
    if kind not in ("value_error",) and not isinstance(got, (dict, list)):
        message = f"{message} (got {got!r})"
    return message


def parse_platform(raw: Any, source: str) -> PlatformConfig:
    """Validate the `scaling-platform:platform` value; raise ConfigError (one line) on bad input."""
    if not isinstance(raw, dict):
        raise ConfigError(source, PLATFORM_KEY, f"must be a mapping of settings, got {type(raw).__name__}")
    try:
        return PlatformConfig.model_validate(raw)
    except _KeyError as err:
        raise ConfigError(source, f"{PLATFORM_KEY}.{err.key}", err.message) from None
    except ValidationError as err:
        first = err.errors()[0]
        key = _loc_to_key(tuple(first["loc"]))
        raise ConfigError(source, f"{PLATFORM_KEY}.{key}", _describe(first)) from None


# ---------------------------------------------------------------------------------------------
# Stack files and --set overrides


class StackFile(BaseModel):
    """A `Pulumi.<stack>.yaml` as read from disk: the platform dict plus the other config keys."""

    model_config = ConfigDict(frozen=True)

    path: str
    platform: dict[str, Any]
    other: dict[str, Any]  # every other key, e.g. aws:region, secrets as {"secure": ...}


def read_stack_file(path: str | Path) -> StackFile:
    """Read a stack YAML file; ConfigError names the file for a missing file or YAML syntax error."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "file not found; pass an existing Pulumi.<stack>.yaml") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(source, "(file)", f"cannot be read ({err.__class__.__name__}); need a UTF-8 YAML file") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(yaml)"
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ConfigError(source, where, f"YAML syntax error: {problem}; need valid YAML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise ConfigError(source, "config", "missing top-level `config:` mapping (Pulumi stack file format)")
    config = dict(doc["config"])
    if PLATFORM_KEY not in config:
        raise ConfigError(source, PLATFORM_KEY, "required key is missing")
    platform = config.pop(PLATFORM_KEY)
    if not isinstance(platform, dict):
        raise ConfigError(source, PLATFORM_KEY, f"must be a mapping of settings, got {type(platform).__name__}")
    return StackFile(path=source, platform=platform, other=config)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        if index:
            parts.append(int(index))
        elif name.isascii() and name.isdigit():  # "²".isdigit() is True but int() refuses it
            parts.append(int(name))
        else:
            parts.append(name)
    return parts


def apply_overrides(platform: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """Apply `--set a.b[0].c=VALUE` overrides (VALUE parsed as YAML) to a copy of the platform dict."""
    result = copy.deepcopy(platform)
    for item in overrides:
        path, sep, text = item.partition("=")
        path = path.strip()
        if path.startswith(PLATFORM_KEY + "."):
            path = path[len(PLATFORM_KEY) + 1:]
        # `.=1` or `[]=x` has a path but no key in it: the same syntax error as a missing `=`.
        parts = _split_path(path)
        if not sep or not path or not parts:
            raise ConfigError("--set", item, "expected key.path=VALUE, e.g. --set demand.peak_rps=40000")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            raise ConfigError("--set", path, f"value {text!r} is not valid YAML") from None
        node: Any = result
        for depth, part in enumerate(parts[:-1]):
            nxt = parts[depth + 1]
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    raise ConfigError("--set", path, f"index {part} does not exist in the stack file")
                node = node[part]
            else:
                if not isinstance(node, dict):
                    raise ConfigError("--set", path, f"{part!r} is not inside a mapping")
                node = node.setdefault(part, [] if isinstance(nxt, int) else {})
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or last >= len(node):
                raise ConfigError("--set", path, f"index {last} does not exist in the stack file")
            node[last] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ConfigError("--set", path, f"{last!r} is not inside a mapping")
    return result


# ---------------------------------------------------------------------------------------------
# Edge (CDN) section: novacron "7. Edge Location Scaling" + relay "CDN Integration".

# relay "CDN Integration": `this.cdnProviders = ['cloudflare', 'aws', 'azure', 'gcp']`.
CDN_PROVIDERS = ("cloudflare", "aws", "azure", "gcp")
# Only these have components in this program (aws = CloudFront + Lambda@Edge).
DEPLOYABLE_CDN_PROVIDERS = ("cloudflare", "aws")
CLOUDFRONT_PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")


class CdnProviderConfig(_Section):
    """One CDN of the multi-CDN estate; `weight` is its Route53 weighted-record share (0..255)."""

    name: Literal["cloudflare", "aws", "azure", "gcp"]
    weight: Annotated[int, Field(ge=0, le=255)] = 50
    enabled: bool = True


def _default_cdn_providers() -> list[CdnProviderConfig]:
    # relay "CDN Integration" provider list; only the deployable two are on by default.
    return [CdnProviderConfig(name="cloudflare", weight=50), CdnProviderConfig(name="aws", weight=50),
            CdnProviderConfig(name="azure", weight=0, enabled=False),
            CdnProviderConfig(name="gcp", weight=0, enabled=False)]


class CloudFrontConfig(_Section):
    """The CloudFront distribution (provider us-east-1) and its Lambda@Edge functions."""

    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    # ACM certificate in us-east-1 for `edge.hostname`; without it CloudFront serves its default
    # *.cloudfront.net certificate, which cannot carry the hostname nor enforce TLSv1.2_2021.
    acm_certificate_arn: Annotated[str | None, Field(pattern=r"^arn:aws:acm:us-east-1:\d{12}:certificate/")] = None
    # Managed cache policy of the default behaviour (anything not /api/* or /static/*).
    default_cache_policy: Literal["CachingOptimized", "CachingDisabled", "UseOriginCacheControlHeaders"] = \
        "CachingOptimized"
    # edge/README.md: routing only works on origin-request; 256 MB/10 s only fit origin-response.
    router_event_type: Literal["origin-request", "viewer-request"] = "origin-request"
    modifier_event_type: Literal["origin-response", "viewer-response"] = "origin-response"
    # Origin host per region, e.g. "api-{region}.example.com": a name the ALB certificate covers
    # (CloudFront checks it over https). None = the ALB's own DNS name (only valid with a cert
    # for it, i.e. for tests and previews).
    origin_domain_template: Annotated[str | None, Field(pattern=r"\{region\}")] = None
    # WAF rate-based rule on /api/*: requests per client IP per 5 minutes (the WAF window).
    # Equals the Cloudflare rate-limiter's default 100 req / 60 s (edge/workers/rate-limiter.js).
    api_rate_limit_per_5min: Annotated[int, Field(ge=10, le=2_000_000_000)] = 500
    # How CloudFront talks to the ALBs. https-only (TLSv1.2) needs every region's certificate_arn
    # (the ALB then has an HTTPS listener); http-only is for stacks without ALB certificates.
    origin_protocol_policy: Literal["https-only", "http-only"] = "https-only"
    log_bucket_prefix: str = "cloudfront/"


class CloudflareConfig(_Section):
    """Cloudflare zone, cache rules and Workers; the API token is the secret `cloudflare:apiToken`."""

    account_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    zone_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    # rate-limiter vars (edge/workers/rate-limiter.js defaults: 100 per 60 s).
    rate_limit: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    rate_limit_window_s: Annotated[int, Field(ge=1, le=86_400)] = 60
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    # Workers runtime date the scripts are tested against (Node 20 WebCrypto/fetch semantics).
    compatibility_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] = "2024-09-23"


class EdgeConfig(_Section):
    """CDN edge: CloudFront and/or Cloudflare in front of the regional ALBs."""

    enabled: bool = False
    # The public name users reach through the CDNs, e.g. "www.example.com".
    hostname: Annotated[str | None, Field(min_length=3, max_length=253)] = None
    providers: list[CdnProviderConfig] = Field(default_factory=_default_cdn_providers)
    # Expected monthly edge traffic (for pricing: CloudFront data transfer, requests, Lambda@Edge).
    expected_gb_month: Annotated[float, Field(ge=0, le=1e9)] = 0
    expected_requests_month: Annotated[float, Field(ge=0, le=1e15)] = 0
    cloudfront: CloudFrontConfig = CloudFrontConfig()
    cloudflare: CloudflareConfig | None = None

    @model_validator(mode="after")
    def _providers(self) -> "EdgeConfig":
        names = [p.name for p in self.providers]
        for i, provider in enumerate(self.providers):
            if names.index(provider.name) != i:
                raise _KeyError(f"edge.providers[{i}].name", f"{provider.name!r} is listed twice; each provider once")
            if provider.enabled and provider.name not in DEPLOYABLE_CDN_PROVIDERS:
                raise _KeyError(f"edge.providers[{i}].enabled",
                                f"{provider.name} is not deployable by this program (only "
                                f"{', '.join(DEPLOYABLE_CDN_PROVIDERS)}; aws = CloudFront); set enabled: false")
        if not self.enabled:
            return self
        enabled = [p for p in self.providers if p.enabled]
        if not enabled:
            raise _KeyError("edge.providers", "edge.enabled is true but no provider is enabled; "
                                              "enable aws and/or cloudflare")
        if sum(p.weight for p in enabled) == 0:
            raise _KeyError("edge.providers", "every enabled provider has weight 0; at least one needs weight > 0")
        if "cloudflare" in {p.name for p in enabled}:
            if self.cloudflare is None:
                raise _KeyError("edge.cloudflare", "required when provider cloudflare is enabled "
                                                   "(account_id, zone_id)")
            if not self.hostname:
                raise _KeyError("edge.hostname", "required when provider cloudflare is enabled "
                                                 "(the proxied DNS record's name)")
        return self

    def provider(self, name: str) -> CdnProviderConfig | None:
        """The enabled provider `name`, else None."""
        return next((p for p in self.providers if p.name == name and p.enabled), None)


def _check_edge(cfg: "PlatformConfig") -> None:
    """Edge rules that need the rest of the config (regions, dns)."""
    edge = cfg.edge
    if not edge.enabled or edge.provider("aws") is None:
        return
    aws_weight = edge.provider("aws").weight  # type: ignore[union-attr]
    if cfg.dns and edge.hostname and aws_weight > 0 and not edge.cloudfront.acm_certificate_arn:
        # Route53 sends edge.hostname to CloudFront; CloudFront answers 403 for a Host that is not
        # one of its aliases, and an alias needs a certificate that covers it.
        raise _KeyError("edge.cloudfront.acm_certificate_arn",
                        "required when dns is configured and provider aws has weight > 0 "
                        "(CloudFront only serves edge.hostname as an alias with a us-east-1 ACM certificate)")
    if edge.cloudfront.origin_protocol_policy == "https-only":
        for i, region in enumerate(cfg.regions):
            if not region.certificate_arn:
                raise _KeyError(f"regions[{i}].certificate_arn",
                                "required when edge CloudFront uses origin_protocol_policy https-only "
                                "(the ALB needs an HTTPS listener); or set edge.cloudfront.origin_protocol_policy: http-only")
    if edge.cloudfront.origin_domain_template and not cfg.dns:
        raise _KeyError("edge.cloudfront.origin_domain_template",
                        "needs dns.hosted_zone_id: the per-region origin names are created there")


PlatformConfig.model_rebuild()
