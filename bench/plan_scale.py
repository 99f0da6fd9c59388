"""Scale benchmark: `scaling plan` wall time against the SDK's own floor, measured in the same run.

For the bundled prod stack and a generated 7-region (every plannable region) x 64-shard stack it prints (JSON):
- `plan_s`: wall time of a fresh `scaling plan --format json` process, and its resource count N;
- `floor_s`: a fresh process that imports pulumi, pulumi_aws, pulumi_kubernetes and pulumi_cloudflare
  and registers N plain resources under the same SDK mocks — what the SDK costs anyway;
- `ratio` = plan_s / floor_s (target <= 1.3) and `per_resource_ms`; `linear_ratio` = per-resource
  time of 7x64 over prod's (target <= 1.3);
- `floor_collector_paused_s` / `ratio_collector_paused` (information, not a target): the same floor with
  the cyclic garbage collector paused the way `scaling plan` runs (infra/program/batch_gc.py), so a reviewer
  sees how much of the ratio comes from that tuning and how much is left;
- `stages_s` (one more fresh process): SDK imports, project imports, config+forecast+planning, the mock
  run of the program, policies+cost+output; `own_share_of_sdk` = our stages / the SDK's (target <= 0.3).

Usage: python bench/plan_scale.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 1.3
OWN_SHARE_TARGET = 0.3
LINEAR_TARGET = 1.3

FLOOR_PROGRAM = r"""
import sys, time
import pulumi, pulumi_aws, pulumi_kubernetes, pulumi_cloudflare  # the four SDKs the plan imports
from pulumi.runtime import mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from infra.offline.runner import PlanMocks

n = int(sys.argv[1])
if len(sys.argv) > 2 and sys.argv[2] == "--collector-paused":  # like-for-like with the CLI (infra/program/batch_gc.py)
    import gc
    gc.disable()
# echo_all: the floor keeps the SDK's full round trip of every input (the plan's own mocks echo
# only what the program reads back, infra/offline/runner.py READ_BACK — a saving the floor must not get).
pulumi.runtime.set_mocks(PlanMocks(echo_all=True), project="scaling-platform", stack="floor", preview=True,
                         monitor=mocks.MockMonitor(PlanMocks(echo_all=True)))

class Plain(pulumi.CustomResource):
    def __init__(self, name, props):
        super().__init__("floor:index:Plain", name, props)

def program():
    for i in range(n):
        Plain(f"plain-{i}", {"minSize": i, "maxSize": i + 1, "tags": {"environment": "bench"}})

_sync_await(run_pulumi_func(program))
if len(sys.argv) > 2:
    gc.freeze()
"""


# The same plan, stage by stage, in a fresh process: what is the SDK's (imports, the mock run of the
# program) and what is ours (config, forecast, planning, policy evaluation, cost, output).
STAGES_PROGRAM = r"""
import gc, json, sys, time
gc.disable()  # as `scaling plan` runs (infra/program/batch_gc.py)
t0 = time.perf_counter()
import pulumi, pulumi_aws, pulumi_kubernetes, pulumi_cloudflare
t1 = time.perf_counter()
from infra.cli import main as cli, report
from infra.offline import runner as offline
from infra.planning import pipeline as planning
from infra.program import main as program
from policies import engine
t2 = time.perf_counter()
args = cli.build_parser().parse_args(["plan"] + sys.argv[1:])
cfg, platform, other, source = cli.load_stack_config(args)
history, forecast = planning.load_demand(cfg)
plan = planning.plan_stack(cfg, forecast=forecast)
t3 = time.perf_counter()
run = offline.run_program(args.stack, platform, other, skip_outputs=frozenset({"capacity"}), plan=plan)
t4 = time.perf_counter()
resources = list(run.resources)
policy_config = cli.policy_config_for(args.stack, cfg)
verdicts = [vars(v) for v in engine.evaluate(resources, policy_config)]
cost = cli.cost_section(cfg, resources, policy_config)
text = report.to_json(report.plan_document(args.stack, resources, plan.to_dict(), cost, verdicts, run.outputs))
t5 = time.perf_counter()
print(json.dumps({"sdk_imports_s": t1 - t0, "project_imports_s": t2 - t1, "config_forecast_plan_s": t3 - t2,
                  "mock_run_s": t4 - t3, "policies_cost_output_s": t5 - t4}))
"""


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


def time_process(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return elapsed, proc.stdout


def measure(stack: str, config_file: Path | None, repeat: int) -> dict:
    cmd = [sys.executable, "-m", "infra.cli.main", "plan", "--stack", stack, "--format", "json"]
    if config_file:
        cmd += ["--config-file", str(config_file)]
    plan_times, floor_times, paused_floor_times, count = [], [], [], 0
    for _ in range(repeat):
        elapsed, out = time_process(cmd)
        plan_times.append(elapsed)
        count = len(json.loads(out)["resources"])
        floor_times.append(time_process([sys.executable, "-c", FLOOR_PROGRAM, str(count)])[0])
        paused_floor_times.append(
            time_process([sys.executable, "-c", FLOOR_PROGRAM, str(count), "--collector-paused"])[0])
    plan_s, floor_s, paused_floor_s = min(plan_times), min(floor_times), min(paused_floor_times)
    stage_args = ["--stack", stack] + (["--config-file", str(config_file)] if config_file else [])
    stages = json.loads(time_process([sys.executable, "-c", STAGES_PROGRAM, *stage_args])[1])
    ours = stages["project_imports_s"] + stages["config_forecast_plan_s"] + stages["policies_cost_output_s"]
    sdk = stages["sdk_imports_s"] + stages["mock_run_s"]
    return {"stack": stack, "resources": count, "plan_s": round(plan_s, 3), "floor_s": round(floor_s, 3),
            "ratio": round(plan_s / floor_s, 3), "per_resource_ms": round(plan_s / count * 1000, 3),
            "meets_ratio_target": plan_s / floor_s <= RATIO_TARGET,
            "floor_collector_paused_s": round(paused_floor_s, 3),
            "ratio_collector_paused": round(plan_s / paused_floor_s, 3),
            "stages_s": {k: round(v, 3) for k, v in stages.items()},
            # the intent: our own work (config, forecast, planning, policies, output) under 30 %
            # of what the SDK costs for this very program (its imports and the mock run)
            "own_share_of_sdk": round(ours / sdk, 3), "meets_own_share_target": ours / sdk <= OWN_SHARE_TARGET}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    parser.add_argument("--regions", type=int, default=7)
    parser.add_argument("--shards", type=int, default=64)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "Pulumi.scale.yaml"
        big.write_text(yaml.safe_dump(generated_stack(args.regions, args.shards)))
        prod = measure("prod", None, args.repeat)
        scale = measure("scale", big, args.repeat)
    linear = scale["per_resource_ms"] / prod["per_resource_ms"]
    print(json.dumps({"prod": prod, f"{args.regions}x{args.shards}": scale, "linear_ratio": round(linear, 3),
                      "targets": {"ratio": RATIO_TARGET, "linear_ratio": LINEAR_TARGET},
                      "meets_targets": prod["meets_ratio_target"] and scale["meets_ratio_target"]
                      and linear <= LINEAR_TARGET}, indent=2))


if __name__ == "__main__":
    main()
