"""Launch-template user data (pure): the service env file and the CloudWatch agent.

The memory trigger alarms (novacron §1 memory_based: "memory > 80% for 3 minutes" /
"< 40% for 15 minutes") read `CWAgent` `mem_used_percent` by `AutoScalingGroupName`
(`scaling_policy.TRIGGER_METRICS["memory"]`). The stock AL2023 image does not publish it, so
every instance installs the agent and publishes exactly that metric, with that dimension, every
alarm period. The instance role may publish only to that namespace (components/identity.py).
"""
from __future__ import annotations

import base64
import json
import posixpath
from typing import Any, Mapping

from infra.model.scaling import PERIOD_S, TRIGGER_METRICS

ENV_FILE = "/etc/scaling-platform/env"
CWAGENT_PACKAGE = "amazon-cloudwatch-agent"  # in the AL2023 repositories (dnf)
CWAGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
CWAGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
# The alarm's "asg" dimension (components/scaling_triggers.py `_dimensions`).
ASG_DIMENSION = "AutoScalingGroupName"
MEMORY_METRIC = TRIGGER_METRICS["memory"]  # the same constant the memory alarms use


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


def user_data_script(env: Mapping[str, str]) -> str:
    """Bash user data: write `env` (emergency mode only, when given), then install, configure and
    start the CloudWatch agent. Heredocs are quoted: `${aws:...}` reaches the agent unexpanded."""
    parts = ["#!/bin/bash", "set -euo pipefail"]
    if env:
        lines = "\n".join(f"{k}={v}" for k, v in sorted(env.items()))
        parts += [f"mkdir -p {posixpath.dirname(ENV_FILE)}", f"cat > {ENV_FILE} <<'EOF'\n{lines}\nEOF"]
    config = json.dumps(cloudwatch_agent_config(), indent=2, sort_keys=True)
    parts += [f"dnf install -y {CWAGENT_PACKAGE}",
              f"cat > {CWAGENT_CONFIG_PATH} <<'EOF'\n{config}\nEOF",
              f"{CWAGENT_CTL} -a fetch-config -m ec2 -c file:{CWAGENT_CONFIG_PATH} -s"]
    return "\n".join(parts) + "\n"


def launch_template_user_data(env: Mapping[str, str]) -> str:
    """`user_data_script` base64-encoded, as the launch template's `user_data` requires."""
    return base64.b64encode(user_data_script(env).encode()).decode()
