"""Day-of-week fields of the 5-field crons the ASG scheduled actions use ('0 9 * * MON-FRI').

Shared by the schedule planner (infra/planning/schedule.py) and the estimator, which reads the
recorded Schedule resources back into an hour-of-week floor (infra/cost/schedule_hours.py). Pure.
"""
from __future__ import annotations

from infra.model.scaling import DAY_NAMES, HOURS_PER_WEEK

# cron day numbers: 0 and 7 are Sunday, 1 is Monday; our day index is 0 = Monday.
_DOW_NUM = {name: i for i, name in enumerate(DAY_NAMES)} | {"0": 6, "7": 6, "1": 0, "2": 1, "3": 2, "4": 3,
                                                            "5": 4, "6": 5}


def cron_days(field_text: str) -> list[int]:
    """Day-of-week field ('MON-FRI', 'SAT', '1,3', '*') -> day indexes, 0 = Monday. KeyError on anything else."""
    if field_text in ("*", "?"):
        return list(range(7))
    days: list[int] = []
    for part in field_text.upper().split(","):
        if "-" in part:
            a, b = (_DOW_NUM[x] for x in part.split("-"))
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            days.append(_DOW_NUM[part])
    return sorted(set(days))


def recurrence_hours(cron: str) -> list[int]:
    """Hours of the week (0 = Monday 00:00, local) at which a daily-or-weekly '<M> <H> * * <DOW>' cron fires.

    ValueError for crons this does not model (several hours, day-of-month or month restrictions)."""
    fields = cron.split()
    if len(fields) != 5 or fields[2] != "*" or fields[3] != "*" or not fields[1].isdigit():
        raise ValueError(f"recurrence {cron!r}: expected '<minute> <hour> * * <days>'")
    try:
        days = cron_days(fields[4])
    except KeyError:
        raise ValueError(f"recurrence {cron!r}: unknown day-of-week field {fields[4]!r}") from None
    hour = int(fields[1])
    if hour > 23:
        raise ValueError(f"recurrence {cron!r}: hour {hour} is not 0-23")
    return sorted(d * 24 + hour for d in days if d * 24 + hour < HOURS_PER_WEEK)


def step_curve(points: dict[int, int], hours: int = HOURS_PER_WEEK) -> list[int] | None:
    """A weekly step curve from {hour of week: value set then}; each value holds until the next one,
    wrapping from the end of the previous week. None without points."""
    if not points:
        return None
    last = points[max(points)]  # wraps from the end of the previous week
    curve = []
    for h in range(hours):
        last = points.get(h, last)
        curve.append(last)
    return curve
