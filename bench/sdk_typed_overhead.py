"""What a typed provider resource costs the Pulumi SDK over a plain one with the same payload.

The scale benchmark's floor (bench/plan_scale.py) registers plain `pulumi.CustomResource`s with three
inputs; the plan registers typed pulumi_aws classes. This measures, in the same run and under the
same mocks (infra/offline/runner.py PlanMocks, the SDK's default garbage collection), the three resource types
the 40-region x 64-shard plan registers most (alarms, step policies, scheduled actions):

- `typed_ms`: per-resource time of `aws.<module>.<Class>(name, **kwargs)`;
- `plain_ms`: per-resource time of `pulumi.CustomResource(type_token, name, wire_inputs)` where
  `wire_inputs` are exactly the inputs the typed class sent (captured from one typed registration);
- `typed_over_plain` = typed_ms / plain_ms. None of this project's code runs while timing.

Each (type, mode) is a fresh process. Usage: python bench/sdk_typed_overhead.py [--count 1500]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# type token -> (pulumi_aws module, class, kwargs builder source); `i` numbers the copies.
CASES = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "cloudwatch", "MetricAlarm",
        "dict(comparison_operator='GreaterThanThreshold', evaluation_periods=2, metric_name='CPUUtilization',"
        " namespace='AWS/EC2', period=60, statistic='Average', threshold=70.0,"
        " dimensions={'AutoScalingGroupName': f'asg-{i}'}, alarm_actions=[f'arn:aws:autoscaling:policy-{i}'],"
        " tags={'environment': 'bench'})"),
    "aws:autoscaling/policy:Policy": (
        "autoscaling", "Policy",
        "dict(autoscaling_group_name=f'asg-{i}', policy_type='StepScaling', adjustment_type='PercentChangeInCapacity',"
        " metric_aggregation_type='Average', estimated_instance_warmup=300,"
        " step_adjustments=[dict(metric_interval_lower_bound='0', scaling_adjustment=20)])"),
    "aws:autoscaling/schedule:Schedule": (
        "autoscaling", "Schedule",
        "dict(autoscaling_group_name=f'asg-{i}', scheduled_action_name=f'night-{i}', recurrence='0 22 * * *',"
        " min_size=3, max_size=50, desired_capacity=-1, time_zone='Etc/UTC')"),
}

PROGRAM = r"""
import json, sys, time
import pulumi, pulumi_aws as aws
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from infra.offline.runner import PlanMocks, RecordingMonitor

token, module, cls, kwargs_src, mode, count = sys.argv[1:7]
count = int(count)
resource_class = getattr(getattr(aws, module), cls)  # the lazy submodule import happens before timing
make_kwargs = eval("lambda i: " + kwargs_src)

def run(program):
    monitor = RecordingMonitor(PlanMocks())
    pulumi.runtime.set_mocks(PlanMocks(), project="bench", stack="bench", preview=True, monitor=monitor)
    _sync_await(run_pulumi_func(program))
    return monitor

captured = run(lambda: resource_class("capture", **make_kwargs(0)))
wire = captured.recorded[0].inputs  # exactly what the typed class sent

def typed():
    for i in range(count):
        resource_class(f"r-{i}", **make_kwargs(i))

def plain():
    for i in range(count):
        pulumi.CustomResource(token, f"r-{i}", dict(wire))

start = time.perf_counter()
run(typed if mode == "typed" else plain)
print(json.dumps({"ms": (time.perf_counter() - start) / count * 1000}))
"""


def _per_resource_ms(token: str, mode: str, count: int) -> float:
    module, cls, kwargs_src = CASES[token]
    proc = subprocess.run([sys.executable, "-c", PROGRAM, token, module, cls, kwargs_src, mode, str(count)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{token} ({mode}) failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["ms"]


def main(argv: list[str] | None = None) -> int:
    """Print JSON: per type, typed and plain ms per resource and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1500, help="resources registered per measurement")
    parser.add_argument("--type", action="append", choices=sorted(CASES), dest="types",
                        help="only this type token (repeatable); default: all three")
    args = parser.parse_args(argv)
    rows = {}
    for token in args.types or CASES:
        typed, plain = _per_resource_ms(token, "typed", args.count), _per_resource_ms(token, "plain", args.count)
        rows[token] = {"typed_ms": round(typed, 3), "plain_ms": round(plain, 3),
                       "typed_over_plain": round(typed / plain, 2)}
    print(json.dumps({"count": args.count, "types": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
