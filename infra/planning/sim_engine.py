"""Minute-by-minute Auto Scaling group replay: the inner loop of `scaling simulate`. PURE: numpy (+ numba).

One call replays one group under one strategy. What AWS does, as modelled here (one minute = one
CloudWatch period; every trigger alarm of the plan evaluates 60 s periods):

* **Scheduled actions** set MinSize (the plan's recurring actions, in their time zone, are turned into
  the per-minute `min_size` array by `infra.planning.simulate`). A MinSize above the desired
  capacity raises it; a lower MinSize changes nothing by itself (AWS does not shrink a group when
  its minimum falls: the scale-in triggers do). With `follow_min` the desired capacity *is* the
  scheduled value (a fixed schedule or a static fleet, no triggers).
* **Alarms**: an alarm is in ALARM when its metric breached the threshold in each of the last
  `evaluation_periods` minutes (datapoints to alarm = evaluation periods). While in ALARM it
  invokes its policy every minute (AWS re-invokes Auto Scaling actions each period).
* **Scale-out: step scaling** (+adjustment). Blocked while the instances its last invocation
  launched are inside the policy's estimated warm-up (a re-invocation in the same step adds
  nothing); never past MaxSize.
* **Scale-in: simple scaling** (adjustment < 0) with a group cooldown: after a simple activity no
  simple policy acts until that policy's cooldown has passed; never below MinSize. While any
  scale-out alarm is in ALARM no scale-in acts (AWS picks the policy giving the larger capacity).
* **Instances** launched at minute t serve from t + boot minutes (billed from launch); a scale-in
  terminates still-booting instances first (newest first), then serving ones.
* **Metrics** from demand d (units/s) and the n instances in service, each serving `per_instance`:
  requests per instance = d / n (ALB RequestCountPerTarget / 60); queue depth = a fluid backlog,
  q += 60 x (d - n x per_instance), never below 0 (jobs waiting); CPU % = 100 x (d + q / 60) /
  (n x per_instance), capped at 100 (assumption: the rated per-instance load is 100 % CPU, and a
  backlog keeps instances busy while it drains).

The loop is compiled with numba when it is installed (a year of minutes takes milliseconds); the
same function runs as plain Python otherwise.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:  # numba is pinned in requirements.txt; plain Python keeps the same semantics without it
    from numba import njit
except ImportError:  # pragma: no cover - exercised only where numba is missing
    def njit(*_args: Any, **_kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[no-redef]
        """Identity decorator standing in for numba.njit."""
        return lambda fn: fn

# Metric codes of a rule (the `metric` array).
METRIC_REQUESTS, METRIC_CPU, METRIC_QUEUE = 0, 1, 2
METRIC_CODES = {"requests": METRIC_REQUESTS, "cpu": METRIC_CPU, "queue": METRIC_QUEUE}
SECONDS_PER_MINUTE = 60
# What `replay` sums (index = position): demand-minutes (observed, demand > 0), short minutes,
# demand and unserved demand in instance-minutes (demand / per instance), capacity in service in
# instance-minutes, peak shortfall (units/s), billed instance-minutes, actions, flaps.
TOTALS = ("demand_minutes", "short_minutes", "demand_units", "unserved_units", "capacity_units",
          "peak_shortfall", "instance_minutes", "actions", "flaps")
# CPU of an instance serving its rated load (see the module docstring).
CPU_AT_RATED_LOAD_PCT = 100.0


@njit(cache=True)
def replay(demand: np.ndarray, observed: np.ndarray, min_size: np.ndarray, max_size: int, follow_min: bool,
           per_instance: float, boot_min: int, init_desired: int, metric: np.ndarray, direction: np.ndarray,
           threshold: np.ndarray, periods: np.ndarray, adjustment: np.ndarray, hold_min: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Replay one group. Returns (in_service[n], running[n], totals[9]).

    demand: float[n] units/s per minute; min_size: int[n] MinSize in force each minute; max_size: int;
    follow_min: desired = min_size each minute (no triggers); per_instance: units/s one instance
    serves; boot_min: minutes from launch to in service (>= 0); init_desired: instances serving at
    minute 0. Rules (arrays of one length): metric code, direction (+1 out / -1 in), threshold (the
    config unit: req/s per instance, %, messages), evaluation periods, signed adjustment, hold_min
    (out: estimated warm-up, in: cooldown; minutes). `in_service[t]` is the capacity that served
    minute t; `running[t]` the instances billed in minute t. `actions` counts changes of the desired
    capacity; `flaps` the ones reversing the previous change's direction within its hold time.
    `totals` (see TOTALS) are summed over the minutes where `observed` is true (running instances
    over all minutes: the bill does not depend on the data), shortfall = demand above the capacity
    in service.
    """
    n = demand.size
    rules = metric.size
    in_service = np.zeros(n, dtype=np.int64)
    running = np.zeros(n, dtype=np.int64)
    ring = max(boot_min, 0) + 1
    pending = np.zeros(ring, dtype=np.int64)
    n_pending = 0
    n_in = init_desired
    desired = init_desired
    run = np.zeros(rules, dtype=np.int64)
    warm_until = np.zeros(rules, dtype=np.int64)
    cool_until = 0
    backlog = 0.0
    actions = 0
    flaps = 0
    last_dir = 0
    last_t = -1
    last_hold = 0
    totals = np.zeros(len(TOTALS))
    for t in range(n):
        slot = t % ring
        n_in += pending[slot]
        n_pending -= pending[slot]
        pending[slot] = 0
        in_service[t] = n_in
        d = demand[t]
        lo = min_size[t]
        before = desired
        hold = 0
        if follow_min:
            desired = min(lo, max_size)
        else:
            if desired < lo:
                desired = min(lo, max_size)
            cap = n_in * per_instance
            backlog = max(0.0, backlog + SECONDS_PER_MINUTE * (d - cap))
            if n_in > 0:
                per = d / n_in
                busy = d + backlog / SECONDS_PER_MINUTE  # a backlog keeps the workers busy while it drains
                cpu = min(CPU_AT_RATED_LOAD_PCT, CPU_AT_RATED_LOAD_PCT * busy / cap) if cap > 0 else 0.0
            else:
                per = np.inf if d > 0 else 0.0
                cpu = CPU_AT_RATED_LOAD_PCT if d > 0 else 0.0
            out_alarm = False
            best_out = -1
            best_in = -1
            for i in range(rules):
                value = per if metric[i] == 0 else (cpu if metric[i] == 1 else backlog)
                breach = value > threshold[i] if direction[i] > 0 else value < threshold[i]
                run[i] = run[i] + 1 if breach else 0
                if run[i] < periods[i]:
                    continue
                if direction[i] > 0:
                    out_alarm = True
                    if t >= warm_until[i] and (best_out < 0 or adjustment[i] > adjustment[best_out]):
                        best_out = i
                elif t >= cool_until and (best_in < 0 or adjustment[i] > adjustment[best_in]):
                    best_in = i
            if best_out >= 0 and desired < max_size:
                desired = min(max_size, desired + adjustment[best_out])
                warm_until[best_out] = t + hold_min[best_out]
                hold = hold_min[best_out]
            elif not out_alarm and best_in >= 0 and desired > lo:
                desired = max(lo, desired + adjustment[best_in])
                cool_until = t + hold_min[best_in]
                hold = hold_min[best_in]
        if desired != before:
            sign = 1 if desired > before else -1
            actions += 1
            if last_dir != 0 and sign != last_dir and t - last_t < last_hold:
                flaps += 1
            last_dir, last_t, last_hold = sign, t, hold
        total = n_in + n_pending
        if desired > total:
            if boot_min <= 0:
                n_in += desired - total
            else:
                pending[(t + boot_min) % ring] += desired - total
                n_pending += desired - total
        elif desired < total:
            cut = total - desired
            k = boot_min
            while cut > 0 and n_pending > 0 and k > 0:  # newest launches first
                s = (t + k) % ring
                take = min(cut, pending[s])
                pending[s] -= take
                n_pending -= take
                cut -= take
                k -= 1
            n_in -= cut
        running[t] = n_in + n_pending
        totals[6] += running[t]
        if observed[t]:
            served = in_service[t] * per_instance
            gap = d - served
            if d > 0:
                totals[0] += 1
                if gap > 1e-9:
                    totals[1] += 1
            totals[2] += d / per_instance
            totals[4] += in_service[t]
            if gap > 0:
                totals[3] += gap / per_instance
                totals[5] = max(totals[5], gap)
    totals[7] = actions
    totals[8] = flaps
    return in_service, running, totals


def replay_group(demand: np.ndarray, min_size: np.ndarray, max_size: int, *, per_instance: float, boot_min: int,
                 init_desired: int, rules: Sequence[tuple[str, int, float, int, int, int]] = (),
                 follow_min: bool = False, observed: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, int, int, dict[str, float]]:
    """Typed wrapper of `replay`. `rules`: (metric name, +1/-1, threshold, evaluation periods, signed
    adjustment, hold minutes) with metric in METRIC_CODES; `observed` masks the scored minutes (all by
    default). Returns (in_service, running, actions, flaps, totals by TOTALS name)."""
    rows = list(rules)
    demand = np.ascontiguousarray(demand, dtype=np.float64)
    mask = np.ones(demand.size, dtype=np.bool_) if observed is None else np.ascontiguousarray(observed, dtype=np.bool_)
    in_service, running, totals = replay(
        demand, mask, np.ascontiguousarray(min_size, dtype=np.int64),
        int(max_size), bool(follow_min), float(per_instance), int(boot_min), int(init_desired),
        np.array([METRIC_CODES[r[0]] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64), np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.int64), np.array([r[4] for r in rows], dtype=np.int64),
        np.array([r[5] for r in rows], dtype=np.int64))
    sums = dict(zip(TOTALS, totals.tolist()))
    return in_service, running, int(sums["actions"]), int(sums["flaps"]), sums
