"""Vertical scaling: the novacron instance-size ladders and when a tier moves a rung. Pure."""
from __future__ import annotations

from infra.model.scaling import CPU_LIMIT_PCT, LADDERS, MEMORY_LIMIT_PCT, VerticalPlan
from infra.planning.capacity import select_profile


def ladder_of(instance_type: str, configured: str | None) -> str | None:
    """The tier's configured ladder, else the first of LADDERS containing `instance_type` (None if none)."""
    if configured:
        return configured
    return next((name for name, rungs in LADDERS.items() if instance_type in rungs), None)


def plan_vertical(instance_type: str, ladder: str | None, cpu_pct: float, memory_pct: float,
                  desired: int, max_size: int) -> VerticalPlan:
    """novacron checkScalingNeeded, horizontal first: CPU > 70 % adds int(cpu/70) instances, or moves one
    rung up the ladder when that would pass the group's max; memory > 80 % moves one rung up. One rung
    per plan at most."""
    rungs = LADDERS.get(ladder, ()) if ladder else ()
    to_type, added, why = instance_type, 0, []

    def next_rung() -> str | None:
        if instance_type not in rungs:
            return None
        i = rungs.index(instance_type)
        return rungs[i + 1] if i + 1 < len(rungs) else None

    if cpu_pct > CPU_LIMIT_PCT:
        add = int(cpu_pct / CPU_LIMIT_PCT)
        if desired + add <= max_size:
            added = add
            why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: add int({cpu_pct:g}/{CPU_LIMIT_PCT}) = {add} "
                       "instances")
        else:
            rung = next_rung()
            if rung:
                to_type = rung
                why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}%: +{add} instances would pass max "
                           f"{max_size}; {ladder} ladder {instance_type} -> {rung}")
            else:
                why.append(f"forecast CPU {cpu_pct:g}% > {CPU_LIMIT_PCT}% but +{add} would pass max {max_size} "
                           f"and {instance_type} has no higher rung on ladder {ladder}")
    if memory_pct > MEMORY_LIMIT_PCT:
        if to_type != instance_type:
            why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}%: already moved one rung")
        else:
            rung = next_rung()
            if rung:
                to_type = rung
                why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}%: {ladder} ladder "
                           f"{instance_type} -> {rung}")
            else:
                why.append(f"forecast memory {memory_pct:g}% > {MEMORY_LIMIT_PCT}% but {instance_type} has no "
                           f"higher rung on ladder {ladder}")
    if not why:
        why.append(f"forecast CPU {cpu_pct:g}% <= {CPU_LIMIT_PCT}% and memory {memory_pct:g}% <= "
                   f"{MEMORY_LIMIT_PCT}%: {instance_type} kept")
    return VerticalPlan(ladder, rungs, instance_type, to_type, added, "; ".join(why))


def _profile(vcpu: float, memory_gib: float) -> str:
    return select_profile(vcpu, memory_gib)
