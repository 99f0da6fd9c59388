"""The simulator's minute loop on hand-made demand: alarms after their evaluation periods, step warm-up,
simple-scaling cooldown, boot delay, a schedule raising the floor, max bound and flapping."""
from __future__ import annotations

import numpy as np

from infra.planning.sim_engine import replay_group


def steps(*parts: tuple[int, float]) -> np.ndarray:
    """Demand per minute from (minutes, value) runs."""
    return np.concatenate([np.full(n, float(v)) for n, v in parts])


def flat_min(n: int, value: int) -> np.ndarray:
    return np.full(n, value, dtype=np.int64)


# requests > 1000 per instance for 3 minutes -> +2, 5 min warm-up
OUT_3 = ("requests", 1, 1000.0, 3, 2, 5)


def test_alarm_fires_after_its_evaluation_periods_only():
    d = steps((5, 1000), (25, 3000))  # 500 then 1500 requests/s per instance on 2 instances
    served, _, actions, flaps, _ = replay_group(d, flat_min(30, 1), 10, per_instance=1000, boot_min=0,
                                             init_desired=2, rules=[OUT_3])
    # breaches at minutes 5, 6, 7: ALARM at 7, the new instances serve from minute 8
    assert served[:8].tolist() == [2] * 8
    assert served[8] == 4
    assert (actions, flaps) == (1, 0)  # 3000 / 4 = 750 per instance: the alarm clears


def test_short_breach_does_not_fire():
    d = steps((5, 1000), (2, 3000), (5, 1000), (2, 3000), (6, 1000))  # two 2-minute spikes < 3 periods
    served, _, actions, _, _ = replay_group(d, flat_min(20, 1), 10, per_instance=1000, boot_min=0,
                                         init_desired=2, rules=[OUT_3])
    assert actions == 0 and served.tolist() == [2] * 20


def test_boot_delay_and_warm_up_hold_a_second_launch():
    d = steps((5, 1000), (25, 3000))
    served, running, actions, _, _ = replay_group(d, flat_min(30, 1), 10, per_instance=1000, boot_min=3,
                                               init_desired=2, rules=[OUT_3])
    assert running[7] == 4  # billed from launch at minute 7
    assert served[7:10].tolist() == [2, 2, 2]  # booting: still two serve
    assert served[10] == 4
    # ALARM at minutes 8 and 9 too, but the step policy's 5-minute warm-up holds the second launch
    assert actions == 1 and running.max() == 4


def test_without_warm_up_the_alarm_launches_again_each_minute():
    short_hold = ("requests", 1, 1000.0, 3, 2, 1)
    d = steps((5, 1000), (25, 3000))
    _, running, actions, _, _ = replay_group(d, flat_min(30, 1), 10, per_instance=1000, boot_min=3,
                                          init_desired=2, rules=[short_hold])
    assert running[7:10].tolist() == [4, 6, 8]  # +2 at 7, 8 and 9 while the first ones boot
    assert actions == 3


def test_scale_in_cooldown_holds_between_removals():
    scale_in = ("requests", -1, 200.0, 2, -1, 10)  # < 200 per instance for 2 minutes -> -1, cooldown 10 min
    d = steps((30, 100))
    served, running, actions, _, _ = replay_group(d, flat_min(30, 1), 10, per_instance=1000, boot_min=2,
                                               init_desired=6, rules=[scale_in])
    # ALARM from minute 1 on; removals at minutes 1, 11 and 21 only (cooldown), effective at once
    assert running[0] == 6 and running[1] == 5
    assert served[2] == 5 and served[11] == 5 and served[12] == 4 and served[22] == 3
    assert running[29] == 3 and actions == 3


def test_scale_in_never_below_the_minimum():
    scale_in = ("requests", -1, 200.0, 1, -2, 1)
    served, _, actions, _, _ = replay_group(steps((20, 10)), flat_min(20, 3), 10, per_instance=1000, boot_min=0,
                                         init_desired=6, rules=[scale_in])
    assert served[-1] == 3 and actions == 2  # 6 -> 4 -> 3


def test_schedule_raises_the_floor_and_a_lower_minimum_shrinks_nothing():
    floor = np.concatenate([flat_min(10, 2), flat_min(10, 5), flat_min(10, 2)])
    served, running, actions, _, _ = replay_group(steps((30, 100)), floor, 10, per_instance=1000, boot_min=2,
                                               init_desired=2)
    assert running[9] == 2 and running[10] == 5  # MinSize 5 at minute 10 raises the desired capacity
    assert served[11] == 2 and served[12] == 5  # after the boot delay
    assert served[29] == 5  # MinSize back to 2: AWS does not shrink the group (no scale-in rule here)
    assert actions == 1


def test_follow_min_sets_the_capacity_to_the_schedule():
    floor = np.concatenate([flat_min(10, 2), flat_min(10, 5), flat_min(10, 3)])
    served, _, actions, _, _ = replay_group(steps((30, 100)), floor, 10, per_instance=1000, boot_min=0,
                                         init_desired=2, follow_min=True)
    assert served[11] == 5 and served[21] == 3 and actions == 2


def test_cpu_alarm_and_max_size():
    cpu_out = ("cpu", 1, 70.0, 2, 2, 1)  # CPU = 100 % x demand / (in service x per instance)
    served, _, actions, _, _ = replay_group(steps((20, 50_000)), flat_min(20, 1), 5, per_instance=1000,
                                         boot_min=0, init_desired=1, rules=[cpu_out])
    assert served[-1] == 5  # capped at MaxSize
    # ALARM after 2 periods (minute 1): 1 -> 3, then 3 -> 5 at minute 2; at the max nothing more
    assert served[:4].tolist() == [1, 1, 3, 5] and actions == 2


def test_queue_backlog_alarm_for_workers():
    queue_out = ("queue", 1, 1000.0, 1, 5, 2)  # backlog > 1000 jobs -> +5
    # 2 workers x 50 jobs/s = 100 jobs/s; arrivals 120 jobs/s -> +1200 jobs in the first minute
    served, _, actions, _, _ = replay_group(steps((3, 120)), flat_min(3, 1), 20, per_instance=50, boot_min=0,
                                         init_desired=2, rules=[queue_out])
    assert served.tolist() == [2, 7, 7] and actions == 1


def test_a_reversal_within_the_hold_time_is_a_flap():
    out = ("requests", 1, 1000.0, 1, 2, 5)
    inn = ("requests", -1, 600.0, 1, -1, 10)
    d = steps((1, 3000), (9, 1000))  # 1500/instance on 2, then 250/instance on 4
    served, _, actions, flaps, _ = replay_group(d, flat_min(10, 1), 10, per_instance=1000, boot_min=0,
                                             init_desired=2, rules=[out, inn])
    # +2 at minute 0, -1 at minute 1 (inside the 5 minute warm-up): one flap
    assert served[1] == 4 and served[2] == 3
    assert actions == 2 and flaps == 1
