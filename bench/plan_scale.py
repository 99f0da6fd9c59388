"""Scale benchmark: `scaling plan` wall time against the SDK's own floor, measured in the same run.

For the bundled prod stack and a generated 7-region (every plannable region) x 64-shard stack, each measurement a fresh
process, interleaved, `--repeat` times, medians printed (JSON):
- `plan_s`: a `scaling plan --format json` process, and its resource count N;
- `floor_s`: a process that imports pulumi, pulumi_aws, pulumi_kubernetes and pulumi_cloudflare and
  registers N typed `aws.autoscaling.Group`s under the same mocks (PlanMocks), with the collector
  handling of `scaling` (paused for the run, heap frozen before exit: infra/program/batch_gc.py);
  `ratio` = plan_s / floor_s (target <= 1.15);
- `typed_floor_s`: the same floor that also imports the pulumi_aws submodules of every AWS type the
  plan registers (ec2, wafv2, ...: the SDK's lazy imports, which any program using those types pays),
  `ratio_typed_floor` = plan_s / typed_floor_s;
- `*_cpu_s` / `cpu_ratio`: the same as CPU time (user + system) of the child: on a shared machine wall
  time mostly measures the neighbours, CPU time what the process itself did;
- `per_resource_ms` and `linear_ratio` (per-resource time of 7x64 over prod's);
- `stages_cpu_s` (one more fresh process): SDK imports, AWS submodule imports, project imports,
  config+forecast+planning, the mock run of the program, policies+cost+output.

Usage: python bench/plan_scale.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 1.15  # issue 24 / project brief
LINEAR_TARGET = 1.3

# The floor: what any program registering N typed AWS resources under these mocks costs the SDK.
# Same collector handling as `scaling` (infra/program/batch_gc.py: paused for the run, heap frozen
# before exit), the same four SDK imports, the same mock provider (PlanMocks) behind the SDK's own
# MockMonitor, and N typed `aws.autoscaling.Group`s — none of this project's planning, components,
# recording, policies, cost or output. It prints how many resources reached the monitor.
FLOOR_PROGRAM = r"""
import gc, sys
gc.disable()  # as `scaling plan` runs (infra/program/batch_gc.py collector_paused)
import pulumi, pulumi_aws, pulumi_kubernetes, pulumi_cloudflare  # the four SDKs
import pulumi_aws.autoscaling
from pulumi.runtime import mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from infra.offline.runner import PlanMocks

n = int(sys.argv[1])
for name in sys.argv[2:]:  # the typed floor: the plan's AWS classes ("ec2.Vpc"), loaded as the SDK loads them
    module, cls = name.split(".")
    getattr(getattr(pulumi_aws, module), cls)  # pulumi_aws submodules load on first attribute access
monitor = mocks.MockMonitor(PlanMocks())
pulumi.runtime.set_mocks(PlanMocks(), project="scaling-platform", stack="floor", preview=True, monitor=monitor)

def program():
    for i in range(n):
        pulumi_aws.autoscaling.Group(
            f"floor-asg-{i}", min_size=3, max_size=50, desired_capacity=5,
            vpc_zone_identifiers=[f"subnet-{i}-a", f"subnet-{i}-b"],
            launch_template={"id": f"lt-{i}", "version": "$Latest"},
            tags=[{"key": "environment", "value": "bench", "propagate_at_launch": True}])

_sync_await(run_pulumi_func(program))
print(sum(1 for urn in monitor.resources if "aws:autoscaling/group:Group::" in urn))
sys.stdout.flush()
gc.freeze()  # as `scaling` does before exit (batch_gc.freeze_before_exit)
"""


# The same plan, stage by stage, in a fresh process: what is the SDK's (imports, the mock run of the
# program) and what is ours (config, forecast, planning, policy evaluation, cost, output).
STAGES_PROGRAM = r"""
import gc, json, sys, time
gc.disable()  # as `scaling plan` runs (infra/program/batch_gc.py)
clock = time.process_time
t0 = clock()
import pulumi, pulumi_aws, pulumi_kubernetes, pulumi_cloudflare
t1 = clock()
for name in json.loads(sys.argv[1]):
    module, cls = name.split(".")
    getattr(getattr(pulumi_aws, module), cls)
t2 = clock()
from infra.cli import main as cli, report
from infra.offline import runner as offline
from infra.planning import pipeline as planning
from infra.program import main as program
from policies import engine
t3 = clock()
args = cli.build_parser().parse_args(["plan"] + sys.argv[2:])
cfg, platform, other, source = cli.load_stack_config(args)
policy_config = cli.policy_config_for(args.stack, cfg)
history, forecast = planning.load_demand(cfg)
plan = planning.plan_stack(cfg, forecast=forecast)
t4 = clock()
run = offline.run_program(args.stack, platform, other, skip_outputs=frozenset({"capacity"}), plan=plan)
t5 = clock()
resources = list(run.resources)
verdicts = [vars(v) for v in engine.evaluate(resources, policy_config)]
cost = cli.cost_section(cfg, resources, policy_config)
text = report.to_json(report.plan_document(args.stack, resources, plan.to_dict(), cost, verdicts, run.outputs))
t6 = clock()
print(json.dumps({"sdk_imports": t1 - t0, "aws_submodule_imports": t2 - t1, "project_imports": t3 - t2,
                  "config_forecast_plan": t4 - t3, "mock_run": t5 - t4, "policies_cost_output": t6 - t5}))
"""


def aws_classes(type_tokens) -> list[str]:
    """pulumi_aws classes behind these type tokens, as "module.Class" ("aws:ec2/vpc:Vpc" -> "ec2.Vpc";
    the `lambda` module is `lambda_` in the SDK)."""
    found = set()
    for token in type_tokens:
        parts = token.split(":")
        if parts[0] == "aws" and len(parts) == 3 and "/" in parts[1]:
            module = parts[1].split("/")[0]
            found.add(f"{'lambda_' if module == 'lambda' else module}.{parts[2]}")
    return sorted(found)


def generated_stack(regions: int, shards: int) -> dict:
    """A valid stack with `regions` real AWS regions and a database sized to `shards` shards.

    Only regions the config accepts (aws partition, priced, known AZs: infra/model/aws_regions.py)."""
    from infra.model.aws_regions import PRICED_REGIONS

    names = list(PRICED_REGIONS)[:regions]
    if len(names) < regions:
        raise SystemExit(f"only {len(names)} AWS regions can be planned and priced; asked for {regions}")
    prod = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    platform = prod["config"]["scaling-platform:platform"]
    platform["regions"] = [{"name": n, "primary": i == 0, "min_instances": 3, "max_instances": 50,
                            "current_instances": 5, "latency_ms": 50 + i, "traffic_weight": 1 + i % 4,
                            "certificate_arn": f"arn:aws:acm:{n}:123456789012:certificate/00000000-0000-0000-0000-{i:012d}"}
                           for i, n in enumerate(names)]
    platform["budget_usd_month"] = 100_000_000
    platform["demand"]["peak_rps"] = 400_000
    platform["database"].update(size_gb=shards * 1000 - 500, growth_gb_month=0, shard_target_gb=1000)
    platform.pop("failed_regions", None)
    return prod


def time_process(cmd: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, proc.stdout


def run_floor(count: int, modules: list[str] = ()) -> tuple[float, float, int]:
    """(wall s, CPU s, resources registered) of one floor process."""
    wall, cpu, out = time_process([sys.executable, "-c", FLOOR_PROGRAM, str(count), *modules])
    return wall, cpu, int(out.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def measure(stack: str, config_file: Path | None, repeat: int) -> dict:
    """Interleaved plan / floor / typed floor processes, `repeat` of each; medians and ratios."""
    extra = ["--config-file", str(config_file)] if config_file else []
    cmd = [sys.executable, "-m", "infra.cli.main", "plan", "--stack", stack, "--format", "json", *extra]
    times: dict[str, list[float]] = {k: [] for k in ("plan", "plan_cpu", "floor", "floor_cpu", "typed", "typed_cpu")}
    count, modules = 0, []
    for _ in range(repeat):
        wall, cpu, out = time_process(cmd)
        times["plan"].append(wall)
        times["plan_cpu"].append(cpu)
        doc = json.loads(out)
        count, modules = len(doc["resources"]), aws_classes(r["type"] for r in doc["resources"])
        wall, cpu, registered = run_floor(count)
        assert registered == count, (registered, count)
        times["floor"].append(wall)
        times["floor_cpu"].append(cpu)
        wall, cpu, _ = run_floor(count, modules)
        times["typed"].append(wall)
        times["typed_cpu"].append(cpu)
    m = {k: _median(v) for k, v in times.items()}
    stages = json.loads(time_process([sys.executable, "-c", STAGES_PROGRAM, json.dumps(modules),
                                      "--stack", stack, *extra])[2])
    return {"stack": stack, "resources": count, "repeat": repeat,
            "plan_s": m["plan"], "floor_s": m["floor"], "ratio": round(m["plan"] / m["floor"], 3),
            "typed_floor_s": m["typed"], "ratio_typed_floor": round(m["plan"] / m["typed"], 3),
            "plan_cpu_s": m["plan_cpu"], "floor_cpu_s": m["floor_cpu"], "typed_floor_cpu_s": m["typed_cpu"],
            "cpu_ratio": round(m["plan_cpu"] / m["floor_cpu"], 3),
            "cpu_ratio_typed_floor": round(m["plan_cpu"] / m["typed_cpu"], 3),
            "meets_ratio_target": m["plan"] / m["floor"] <= RATIO_TARGET,
            "per_resource_ms": round(m["plan"] / count * 1000, 3),
            "aws_classes": len(modules), "stages_cpu_s": {k: round(v, 3) for k, v in stages.items()}}


def main(argv: list[str] | None = None) -> None:
    """Print the JSON report for prod and the generated regions x shards stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians count")
    parser.add_argument("--regions", type=int, default=7)
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--prod-only", action="store_true", help="skip the generated stack (a quicker run)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "Pulumi.scale.yaml"
        big.write_text(yaml.safe_dump(generated_stack(args.regions, args.shards)))
        prod = measure("prod", None, args.repeat)
        if args.prod_only:
            print(json.dumps({"prod": prod, "targets": {"ratio": RATIO_TARGET}}, indent=2))
            return
        scale = measure("scale", big, args.repeat)
    linear = scale["per_resource_ms"] / prod["per_resource_ms"]
    print(json.dumps({"prod": prod, f"{args.regions}x{args.shards}": scale, "linear_ratio": round(linear, 3),
                      "targets": {"ratio": RATIO_TARGET, "linear_ratio": LINEAR_TARGET},
                      "meets_targets": prod["meets_ratio_target"] and scale["meets_ratio_target"]
                      and linear <= LINEAR_TARGET}, indent=2))


if __name__ == "__main__":
    main()
