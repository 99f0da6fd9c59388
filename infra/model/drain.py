"""Draining workers and the high-load guard: the numbers, the instance-side contract and the plan types.

novacron "2. Manual Scaling Procedures" emergency-scale.sh scale_down_safely, worker branch: "Stop accepting
new jobs" (ACCEPT_NEW_JOBS=false), "Wait for current jobs to complete" (wait_for_jobs_completion), then scale
down; and first "Check current load before scaling down ... Current load is high. Scale-down aborted."
On an Auto Scaling group that becomes: a termination lifecycle hook (the group waits for the instance),
an instance-side handler in user data (infra/model/user_data.py) that stops taking jobs, finishes the
current one and completes the hook, scale-in protection while a job runs, and a guard that keeps every
scale-in alarm quiet while the load is high (the guard's types, GuardTerm and LoadGuard, live beside
TriggerRule in infra/model/scaling.py). Pure data; infra/planning/drain.py decides, components encode.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING"
DRAIN_HOOK_NAME = "drain-jobs"  # unique per group is enough; the instance handler names it too
# The runbook's wait_for_jobs_completion has no bound. Ours: one hour, AWS's own default HeartbeatTimeout;
# a stack sets `tiers.<batch tier>.longest_job_s` to its longest job.
DEFAULT_LONGEST_JOB_S = 3600
# AWS PutLifecycleHook: HeartbeatTimeout 30..7200 s; a hook holds an instance at most 48 h (or 100 x the
# heartbeat) however many heartbeats are recorded, so a job may run at most 48 h past the scale-in.
HEARTBEAT_MIN_S = 30
HEARTBEAT_MAX_S = 7200
HOOK_MAX_S = 172_800
# CONTINUE, not ABANDON: for a terminating instance both end in termination; ABANDON also skips the
# group's other termination hooks (log shipping, deregistration), CONTINUE lets them run. A timeout means
# the handler died or the job outlived longest_job_s: the instance goes either way.
DEFAULT_RESULT = "CONTINUE"
# Instance-side contract with the worker process (documented in README "Draining workers"): it holds
# BUSY_FILE while a job runs and takes no new job while DRAINING_FILE exists (or ACCEPT_NEW_JOBS=false
# in the env file, the runbook's switch).
RUN_DIR = "/run/scaling-platform"
BUSY_FILE = f"{RUN_DIR}/busy"
DRAINING_FILE = f"{RUN_DIR}/draining"
ACCEPT_NEW_JOBS_OFF = "ACCEPT_NEW_JOBS=false"
DRAIN_POLL_S = 10  # the handler's poll of the lifecycle state and of BUSY_FILE
# The instance role may call only these, and only on its worker group (components/drain.py).
DRAIN_IAM_ACTIONS = ("autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat",
                     "autoscaling:SetInstanceProtection")


@dataclass(frozen=True)
class DrainPlan:
    """A batch group's termination hook and what its instances' drain handler does."""

    hook_name: str
    lifecycle_transition: str
    heartbeat_timeout_s: int
    longest_job_s: int
    default_result: str
    heartbeat_every_s: int | None  # the handler records a heartbeat this often while a job runs past the timeout
    poll_s: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as the plan document shows it."""
        return dataclasses.asdict(self)
