"""Launch-template user data (pure): the service env file, the CloudWatch agent and, on batch tiers, the
drain handler.

The memory trigger alarms (novacron §1 memory_based: "memory > 80% for 3 minutes" /
"< 40% for 15 minutes") and the vertical memory alarm ("memory_pressure > 90% for 5 minutes") read
`CWAgent` `mem_used_percent` by `AutoScalingGroupName` (`scaling_policy.TRIGGER_METRICS["memory"]`). The
stock AL2023 image does not publish it, so every instance installs the agent and publishes exactly that
metric, with that dimension, every alarm period. The instance role may publish only to that
namespace (components/identity.py).

The drain handler (batch tiers, `DrainPlan` of infra/planning/drain.py; novacron §2 scale_down_safely
worker: stop accepting new jobs, wait for current jobs, then scale down) is a systemd service that polls
the instance's Auto Scaling target lifecycle state through IMDSv2. While InService it keeps scale-in
protection on exactly while the worker holds BUSY_FILE. Once the state is Terminated (the group is
waiting on the termination hook) it creates DRAINING_FILE and writes ACCEPT_NEW_JOBS=false to the env
file, waits for BUSY_FILE to go (recording heartbeats past an AWS-capped heartbeat), never longer than the
longest job, and completes the lifecycle action.
"""
from __future__ import annotations

import base64
import json
import posixpath
from typing import Any, Mapping

from infra.model.drain import ACCEPT_NEW_JOBS_OFF, BUSY_FILE, DRAINING_FILE, RUN_DIR, DrainPlan
from infra.model.scaling import PERIOD_S, TRIGGER_METRICS

ENV_FILE = "/etc/scaling-platform/env"
CWAGENT_PACKAGE = "amazon-cloudwatch-agent"  # in the AL2023 repositories (dnf)
CWAGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
CWAGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
# The alarm's "asg" dimension (components/scaling_triggers.py `_dimensions`).
ASG_DIMENSION = "AutoScalingGroupName"
MEMORY_METRIC = TRIGGER_METRICS["memory"]  # the same constant the memory alarms use
DRAIN_SCRIPT = "/usr/local/sbin/scaling-platform-drain"
DRAIN_UNIT = "/etc/systemd/system/scaling-platform-drain.service"


def cloudwatch_agent_config() -> dict[str, Any]:
    """Agent config: mem_used_percent every alarm period in the alarm's namespace, with the ASG
    name appended and aggregated over it (the alarm's only dimension; per-host series keep `host`)."""
    return {
        "agent": {"metrics_collection_interval": PERIOD_S},
        "metrics": {
            "namespace": MEMORY_METRIC.namespace,
            "append_dimensions": {ASG_DIMENSION: "${aws:" + ASG_DIMENSION + "}"},
            "aggregation_dimensions": [[ASG_DIMENSION]],
            "metrics_collected": {"mem": {"measurement": [MEMORY_METRIC.metric_name],
                                          "metrics_collection_interval": PERIOD_S}},
        },
    }


def drain_handler_script(drain: DrainPlan) -> str:
    """The handler (bash). Every number and path comes from `drain` and infra/model/drain.py; `aws`, `curl`
    and `sleep` are looked up on PATH (AL2023 ships the AWS CLI v2), so a test can run it with stubs."""
    beat = drain.heartbeat_every_s or 0
    return f"""#!/bin/bash
# scaling-platform drain handler (infra/model/user_data.py): novacron scale_down_safely for one worker.
set -uo pipefail
IMDS=http://169.254.169.254/latest
HOOK={drain.hook_name}
LONGEST_JOB_S={drain.longest_job_s}
HEARTBEAT_EVERY_S={beat}
POLL_S={drain.poll_s}
BUSY={BUSY_FILE}
DRAINING={DRAINING_FILE}
ENV_FILE={ENV_FILE}

imds() {{
  local token
  token=$(curl -sf -X PUT "$IMDS/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $token" "$IMDS/$1"
}}

asg() {{ aws autoscaling "$@" --auto-scaling-group-name "$GROUP" --region "$REGION"; }}

until INSTANCE_ID=$(imds meta-data/instance-id) && REGION=$(imds meta-data/placement/region) \\
    && GROUP=$(imds meta-data/tags/instance/aws:autoscaling:groupName); do
  sleep "$POLL_S"
done
mkdir -p {RUN_DIR}

protected=no
while :; do
  state=$(imds meta-data/autoscaling/target-lifecycle-state || echo InService)
  [ "$state" = Terminated ] && break
  # Busy workers are protected from scale-in, so the group terminates idle ones first.
  if [ -e "$BUSY" ] && [ "$protected" = no ]; then
    asg set-instance-protection --instance-ids "$INSTANCE_ID" --protected-from-scale-in && protected=yes
  elif [ ! -e "$BUSY" ] && [ "$protected" = yes ]; then
    asg set-instance-protection --instance-ids "$INSTANCE_ID" --no-protected-from-scale-in && protected=no
  fi
  sleep "$POLL_S"
done

# Terminating:Wait -- stop accepting new jobs, finish the current one, then let the group go on.
touch "$DRAINING"
mkdir -p "$(dirname "$ENV_FILE")"
echo '{ACCEPT_NEW_JOBS_OFF}' >> "$ENV_FILE"
waited=0
since_beat=0
while [ -e "$BUSY" ] && [ "$waited" -lt "$LONGEST_JOB_S" ]; do
  sleep "$POLL_S"
  waited=$((waited + POLL_S))
  since_beat=$((since_beat + POLL_S))
  if [ "$HEARTBEAT_EVERY_S" -gt 0 ] && [ "$since_beat" -ge "$HEARTBEAT_EVERY_S" ]; then
    asg record-lifecycle-action-heartbeat --lifecycle-hook-name "$HOOK" --instance-id "$INSTANCE_ID"
    since_beat=0
  fi
done
asg complete-lifecycle-action --lifecycle-hook-name "$HOOK" --instance-id "$INSTANCE_ID" \\
  --lifecycle-action-result {drain.default_result}
"""


def drain_unit() -> str:
    """systemd unit running the handler for the instance's whole life (restarted if it dies)."""
    return ("[Unit]\nDescription=scaling-platform drain handler (termination lifecycle hook)\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            f"[Service]\nExecStart={DRAIN_SCRIPT}\nRestart=always\nRestartSec=5\n\n"
            "[Install]\nWantedBy=multi-user.target\n")


def user_data_script(env: Mapping[str, str], drain: DrainPlan | None = None) -> str:
    """Bash user data: write `env` (emergency mode only, when given), install, configure and start the
    CloudWatch agent, and on batch tiers install and start the drain handler. Heredocs are quoted:
    `${aws:...}` and the handler's variables reach their files unexpanded."""
    parts = ["#!/bin/bash", "set -euo pipefail"]
    if env:
        lines = "\n".join(f"{k}={v}" for k, v in sorted(env.items()))
        parts += [f"mkdir -p {posixpath.dirname(ENV_FILE)}", f"cat > {ENV_FILE} <<'EOF'\n{lines}\nEOF"]
    config = json.dumps(cloudwatch_agent_config(), indent=2, sort_keys=True)
    parts += [f"dnf install -y {CWAGENT_PACKAGE}",
              f"cat > {CWAGENT_CONFIG_PATH} <<'EOF'\n{config}\nEOF",
              f"{CWAGENT_CTL} -a fetch-config -m ec2 -c file:{CWAGENT_CONFIG_PATH} -s"]
    if drain is not None:
        parts += [f"cat > {DRAIN_SCRIPT} <<'DRAIN'\n{drain_handler_script(drain)}DRAIN",
                  f"chmod 0755 {DRAIN_SCRIPT}",
                  f"cat > {DRAIN_UNIT} <<'EOF'\n{drain_unit()}EOF",
                  "systemctl daemon-reload",
                  f"systemctl enable --now {posixpath.basename(DRAIN_UNIT)}"]
    return "\n".join(parts) + "\n"


def launch_template_user_data(env: Mapping[str, str], drain: DrainPlan | None = None) -> str:
    """`user_data_script` base64-encoded, as the launch template's `user_data` requires."""
    return base64.b64encode(user_data_script(env, drain).encode()).decode()
