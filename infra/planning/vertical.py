"""Vertical scaling: which type a tier moves to (by its binding resource) and its vertical trigger alarms. Pure.

novacron "Vertical Scaling Triggers" gives three ladders (cpu_intensive, memory_intensive,
network_intensive). They are one rule over the catalog (infra/model/catalog.py), so any catalog type has a
next rung: the binding resource picks the family -- cpu -> c (compute), memory -> r (memory), network ->
the n variant of the current family (c5n, m5n, r5n; a burstable type goes to c5n) -- and the next type is
the smallest of that family with strictly more of the binding resource and no less of the others
(sustained vCPU, memory, baseline bandwidth). The rule reproduces every rung of the runbook's ladders
(t3.medium -> c5.large -> c5.xlarge -> c5.2xlarge; m5.large -> r5.large -> r5.xlarge -> r5.2xlarge;
m5.large -> m5n.large -> m5n.xlarge) and sends a memory-bound c5.large to r5.large, not up the CPU ladder.
A configured `tiers.<t>.ladder` keeps the runbook's fixed rungs for every resource instead.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from infra.model.catalog import INSTANCE_SPEC_SOURCE, INSTANCE_TYPES, InstanceSpec
from infra.model.scaling import CPU_LIMIT_PCT, LADDERS, MEMORY_LIMIT_PCT, VerticalPlan
from infra.model.vertical_triggers import (
    CPU_CREDIT_PERIOD_S,
    CPU_CREDITS_MIN,
    CPU_CREDITS_MINUTES,
    MEMORY_PRESSURE_MINUTES,
    MEMORY_PRESSURE_PCT,
    NETWORK_MINUTES,
    NETWORK_UTILISATION_PCT,
    VERTICAL_PERIOD_S,
    VerticalAlarm,
)
from infra.planning.capacity import select_profile

RESOURCES = ("cpu", "memory", "network")
RESOURCE_FAMILY = {"cpu": "compute", "memory": "memory"}  # network: the current family's n variant
NETWORK_FAMILY = {"burstable": "compute"}  # no t3n: a burstable type's network variant is c5n
FAMILY_WORD = {"cpu": "CPU-optimised (c)", "memory": "memory-optimised (r)", "network": "network-optimised (n)"}
# novacron "3. Capacity Planning" checkScalingNeeded limits for CPU/memory; network: the vertical trigger's 80 %.
FORECAST_LIMITS = {"cpu": CPU_LIMIT_PCT, "memory": MEMORY_LIMIT_PCT, "network": NETWORK_UTILISATION_PCT}


def _amounts(spec: InstanceSpec) -> dict[str, float]:
    return {"cpu": spec.sustained_vcpu, "memory": spec.memory_gib, "network": spec.network_gbps}


def next_type(instance_type: str, resource: str) -> str | None:
    """The smallest catalog type of the family `resource` calls for with strictly more of `resource` and
    no less of the others (see module docstring); None when the catalog has no larger one."""
    cur = INSTANCE_TYPES[instance_type]
    if resource == "network":
        family, n_variant = NETWORK_FAMILY.get(cur.family, cur.family), True
    else:  # an n type stays an n type: its bandwidth must not shrink
        family, n_variant = RESOURCE_FAMILY[resource], cur.network_optimized
    have = _amounts(cur)
    fits = [(spec.vcpu, spec.memory_gib, spec.network_gbps, name) for name, spec in INSTANCE_TYPES.items()
            if spec.family == family and spec.network_optimized == n_variant
            and _amounts(spec)[resource] > have[resource] and all(_amounts(spec)[k] >= have[k] for k in have)]
    return min(fits)[3] if fits else None


def ladder_of(instance_type: str, configured: str | None) -> str | None:
    """The tier's configured runbook ladder (None: the catalog rule of the module docstring decides)."""
    return configured or None


def plan_vertical(instance_type: str, ladder: str | None, cpu_pct: float, memory_pct: float,
                  desired: int, max_size: int, network_pct: float = 0.0) -> VerticalPlan:
    """novacron checkScalingNeeded, horizontal first: CPU > 70 % adds int(cpu/70) instances; when that would
    pass the group's max, CPU binds. Memory > 80 % and network > 80 % bind. Of the binding resources the one
    furthest over its limit (pct / limit) moves the type one rung, to its family (module docstring)."""
    rungs = LADDERS.get(ladder, ()) if ladder else ()

    def runbook_rung(_resource: str) -> str | None:
        if instance_type not in rungs:
            return None
        i = rungs.index(instance_type)
        return rungs[i + 1] if i + 1 < len(rungs) else None

    step: Callable[[str], str | None] = runbook_rung if ladder else (lambda r: next_type(instance_type, r))
    next_types = {r: step(r) for r in RESOURCES}
    to_type, added, why, wants = instance_type, 0, [], []
    if cpu_pct > CPU_LIMIT_PCT:
        add = int(cpu_pct / CPU_LIMIT_PCT)
        if desired + add <= max_size:
            added = add
            why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: add int({cpu_pct:g}/{CPU_LIMIT_PCT}) = {add} "
                       "instances")
        else:
            wants.append((cpu_pct / CPU_LIMIT_PCT, "cpu",
                          f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: +{add} instances would pass max {max_size}"))
    for resource, pct in (("memory", memory_pct), ("network", network_pct)):
        if pct > FORECAST_LIMITS[resource]:
            wants.append((pct / FORECAST_LIMITS[resource], resource,
                          f"forecast {resource} {pct:g}% > {FORECAST_LIMITS[resource]}%"))
    binding = None
    if wants:
        _, binding, text = max(wants)
        target = next_types[binding]
        where = f"{ladder} ladder" if ladder else f"{binding}-bound: {FAMILY_WORD[binding]} family"
        if target:
            to_type = target
            why.append(f"{text}; {where} {instance_type} -> {target}")
        else:
            why.append(f"{text} but {instance_type} has no higher rung ({where}, catalog)")
        why += [f"{t} (not binding: {binding} is further over its limit; one move per plan)"
                for _, r, t in sorted(wants, reverse=True) if r != binding]
    if not why:
        why.append(f"forecast CPU {cpu_pct:g}% <= {CPU_LIMIT_PCT}%, memory {memory_pct:g}% <= {MEMORY_LIMIT_PCT}% "
                   f"and network {network_pct:g}% <= {NETWORK_UTILISATION_PCT}%: {instance_type} kept")
    return VerticalPlan(ladder, rungs, instance_type, to_type, added, "; ".join(why), binding, next_types)


def vertical_alarms(instance_type: str, group_types: Sequence[str]) -> tuple[VerticalAlarm, ...]:
    """novacron "Vertical Scaling Triggers" as alarms for a group running `group_types` (the planned
    `instance_type` first, then any spot alternatives), each naming where the ladder goes when it fires."""
    types = list(dict.fromkeys([instance_type, *group_types]))
    specs = {t: INSTANCE_TYPES[t] for t in types}
    alarms = []
    burstable = [t for t, s in specs.items() if s.burstable]
    if burstable:  # only T types earn and spend CPU credits
        alarms.append(VerticalAlarm(
            "cpu", "AWS/EC2", ("CPUCreditBalance",), "Minimum", "LessThanThreshold", CPU_CREDITS_MIN,
            CPU_CREDIT_PERIOD_S, CPU_CREDITS_MINUTES * 60 // CPU_CREDIT_PERIOD_S, None, next_type(instance_type, "cpu"),
            f"novacron vertical cpu_intensive: cpu_credits < {CPU_CREDITS_MIN} for {CPU_CREDITS_MINUTES} minutes "
            f"(burstable {', '.join(burstable)}; Minimum: the first throttled instance; EC2 publishes credits every "
            f"{CPU_CREDIT_PERIOD_S} s) -> {_target(instance_type, 'cpu')}"))
    alarms.append(VerticalAlarm(
        "memory", "CWAgent", ("mem_used_percent",), "Average", "GreaterThanThreshold", MEMORY_PRESSURE_PCT,
        VERTICAL_PERIOD_S, MEMORY_PRESSURE_MINUTES, None, next_type(instance_type, "memory"),
        f"novacron vertical memory_intensive: memory_pressure > {MEMORY_PRESSURE_PCT}% for "
        f"{MEMORY_PRESSURE_MINUTES} minutes (CloudWatch agent mem_used_percent by AutoScalingGroupName) -> "
        f"{_target(instance_type, 'memory')}"))
    slowest = min(types, key=lambda t: (specs[t].network_gbps, t))
    gbps = specs[slowest].network_gbps
    bits_per_s = gbps * 1e9
    # Bytes per instance per period (Average over the group) -> bits/s -> % of the baseline. AWS quotes the
    # bandwidth for inbound and outbound each, so the busier direction is the utilisation.
    alarms.append(VerticalAlarm(
        "network", "AWS/EC2", ("NetworkIn", "NetworkOut"), "Average", "GreaterThanThreshold", NETWORK_UTILISATION_PCT,
        VERTICAL_PERIOD_S, NETWORK_MINUTES, f"100 * MAX([m1, m2]) * 8 / PERIOD(m1) / {bits_per_s:.0f}",
        next_type(instance_type, "network"),
        f"novacron vertical network_intensive: network_throughput > {NETWORK_UTILISATION_PCT}% capacity for "
        f"{NETWORK_MINUTES} minutes (duration ours: the runbook gives none); capacity = {slowest} baseline "
        f"{gbps:g} Gbps each way (the group's slowest type; {INSTANCE_SPEC_SOURCE}) -> {_target(instance_type, 'network')}"))
    return tuple(alarms)


def _target(instance_type: str, resource: str) -> str:
    target = next_type(instance_type, resource)
    return (f"next {FAMILY_WORD[resource]} type {target}" if target
            else f"no larger {FAMILY_WORD[resource]} type than {instance_type} in the catalog")


def _profile(vcpu: float, memory_gib: float) -> str:
    return select_profile(vcpu, memory_gib)
