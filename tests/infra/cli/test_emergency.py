"""`scaling emergency` against a moto server: dry run, apply, verify, record in the stack file, a second
plan that changes nothing, reset and leaving emergency mode; refusals and partial failures."""
from __future__ import annotations

import functools
import json
import shutil

import boto3
import pytest
import yaml

from infra.cli import main as cli
from infra.cli.stackplan import load_stack_plan
from tests.conftest import ROOT
from tests.moto_stack import SUFFIX, deploy

REGION = "us-east-1"
API = f"dev-us-east-1-api-asg-{SUFFIX}"


@functools.lru_cache(maxsize=2)
def planned(stack: str):
    return load_stack_plan(stack, ROOT)


@pytest.fixture
def project(tmp_path):
    for stack in ("dev", "prod"):
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path)
    return tmp_path


def emergency(capsys, project, *argv: str, stack: str = "dev") -> tuple[int, dict | str, str]:
    code = cli.main(["emergency", *argv, "--stack", stack, "--project-dir", str(project), "--format", "json"])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except json.JSONDecodeError:
        return code, out, err


def group(name: str) -> tuple[int, int, int]:
    g = boto3.client("autoscaling", region_name=REGION).describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return g["MinSize"], g["DesiredCapacity"], g["MaxSize"]


def floors(name: str) -> dict[str, int]:
    actions = boto3.client("autoscaling", region_name=REGION).describe_scheduled_actions(
        AutoScalingGroupName=name)["ScheduledUpdateGroupActions"]
    return {a["ScheduledActionName"]: a["MinSize"] for a in actions}


def emergency_of(project, stack: str = "dev") -> dict:
    return yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]["scaling-platform:platform"]["emergency"]


def test_dry_run_changes_nothing_and_says_what_it_would(aws, capsys, project):
    deploy(planned("dev").resources, "dev", aws.url)
    before = (project / "Pulumi.dev.yaml").read_bytes()
    code, doc, err = emergency(capsys, project, "up", "--target", "api")
    assert (code, err) == (0, "")
    assert doc["apply"] is False and doc["config"]["written"] is False
    resize = [c for c in doc["changes"] if c["action"] == "resize"]
    assert [(c["region"], c["target"], c["resource"], c["before"], c["after"]) for c in resize] == [
        (REGION, "api", API, {"min": 1, "desired": 1, "max": 4}, {"min": 2, "desired": 2, "max": 4})]
    # the live count is what is doubled (dev's configured minimum 1 is what runs)
    assert resize[0]["reason"] == ("up: desired 1->2 (x2), min 1->2 (raised to the doubled desired, capped at max, so "
                                   "the running group grows: desired is ignored once the ASG exists), max 4->4 "
                                   "(doubled: live count 1 (emergency.live_desired))")
    # the scheduled floors (2-4: novacron §6 targets, this group's share) are already >= the doubled 2
    assert [c for c in doc["changes"] if c["action"] == "schedule"] == []
    assert doc["cost"]["emergency"]["ceiling_usd"] == 4500.0
    assert doc["config"]["emergency"]["live_desired"] == {REGION: {"api": 1}}
    assert group(API) == (1, 1, 4)
    assert (project / "Pulumi.dev.yaml").read_bytes() == before


def test_apply_verify_record_then_plan_agrees_and_none_restores(aws, capsys, project):
    deploy(planned("dev").resources, "dev", aws.url, desired={(REGION, "api"): 4})  # the autoscaler grew it to 4
    original = (project / "Pulumi.dev.yaml").read_text()
    code, doc, err = emergency(capsys, project, "up", "--target", "api", "--apply")
    assert (code, err) == (0, "")
    assert all(c["applied"] for c in doc["changes"]) and len(doc["changes"]) == 5  # 1 resize + 4 scheduled floors
    # novacron §2: new_count = current_count * 2 from the *running* 4, not the planned 3
    assert group(API) == (8, 8, 8)
    assert set(floors(API).values()) == {8}
    assert [v for v in doc["verify"] if v["ok"] is False] == []
    assert {"check": f"{API} min/desired/max", "ok": True,
            "detail": "{'min': 8, 'desired': 8, 'max': 8} (want {'min': 8, 'desired': 8, 'max': 8})"} in doc["verify"]
    recorded = emergency_of(project)
    assert {k: recorded[k] for k in ("mode", "target", "live_desired")} == {
        "mode": "up", "target": "api", "live_desired": {REGION: {"api": 4}}}
    # only the emergency line of the stack file changed
    changed = [(a, b) for a, b in zip(original.splitlines(), (project / "Pulumi.dev.yaml").read_text().splitlines())
               if a != b]
    assert len(changed) == 1 and changed[0][0] == "    emergency: {mode: none}"
    # the next `pulumi up` plans what runs: the plan's group inputs equal the live group
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(project), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr()[0])
    asg = next(r for r in plan["resources"] if r["name"] == "dev-us-east-1-api-asg")["inputs"]
    assert (asg["minSize"], asg["desiredCapacity"], asg["maxSize"]) == (8, 8, 8)
    # re-running the same emergency changes nothing (the recorded count is reused, no second doubling)
    code, again, _ = emergency(capsys, project, "up", "--target", "api", "--apply")
    assert code == 0 and again["changes"] == [] and group(API) == (8, 8, 8)
    assert cli.main(["status", "--stack", "dev", "--project-dir", str(project)]) == 0
    capsys.readouterr()
    # reset: runbook baseline min 3 / max 20 / desired 5, every floor at the emergency minimum
    code, doc, _ = emergency(capsys, project, "reset", "--target", "api", "--apply")
    assert code == 0 and group(API) == (3, 5, 20) and set(floors(API).values()) == {3}
    assert emergency_of(project)["mode"] == "reset" and "live_desired" not in emergency_of(project)
    # none: back to the computed plan; the running desired 5 is kept inside the planned [1, 4]
    code, doc, _ = emergency(capsys, project, "none", "--apply")
    assert code == 0 and group(API) == (1, 4, 4)
    assert floors(API) == {"floor-mon-0800": 4, "floor-mon-fri-1800": 3, "floor-tue-fri-0900": 4, "floor-sat-0000": 2}
    assert emergency_of(project) == {"mode": "none"}
    assert cli.main(["status", "--stack", "dev", "--project-dir", str(project)]) == 0


def test_database_up_creates_the_replica_and_raises_max_connections(aws, capsys, project):
    deploy(planned("dev").resources, "dev", aws.url)
    code, doc, err = emergency(capsys, project, "up", "--target", "database", "--apply")
    assert (code, err) == (0, "")
    assert [(c["action"], c["resource"], c["after"]) for c in doc["changes"]] == [
        ("create-replica", "dev-db-shard-0-replica-1", {"class": "db.r5.2xlarge", "source": "dev-db-shard-0"}),
        ("parameter", f"dev-us-east-1-data-db-params-{SUFFIX}", {"max_connections": 1000})]
    rds = boto3.client("rds", region_name=REGION)
    replica = rds.describe_db_instances(DBInstanceIdentifier="dev-db-shard-0-replica-1")["DBInstances"][0]
    assert (replica["DBInstanceClass"], replica["ReadReplicaSourceDBInstanceIdentifier"]) == (
        "db.r5.2xlarge", "dev-db-shard-0")
    params = rds.describe_db_parameters(DBParameterGroupName=f"dev-us-east-1-data-db-params-{SUFFIX}")["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in params}["max_connections"] == "1000"
    assert cli.main(["status", "--stack", "dev", "--project-dir", str(project)]) == 0


def test_a_call_the_endpoint_refuses_stops_and_says_what_was_applied(aws, capsys, project):
    # moto has no ModifyReplicationGroup: the first cache change fails, nothing was applied
    deploy(planned("dev").resources, "dev", aws.url)
    before = (project / "Pulumi.dev.yaml").read_bytes()
    code, doc, err = emergency(capsys, project, "up", "--target", "cache", "--apply")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: stopped at cache-node-type dev-us-east-1-cache: elasticache ModifyReplicationGroup "
                          "dev-us-east-1-cache in us-east-1: ")
    assert err.endswith("; applied 0 of 2: nothing; config unchanged\n")
    assert [c["applied"] for c in doc["changes"]] == [False, False]
    assert (project / "Pulumi.dev.yaml").read_bytes() == before


def test_over_the_emergency_ceiling_is_refused(aws, capsys, project):
    deploy(planned("dev").resources, "dev", aws.url)
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("budget_usd_month: 3000", "budget_usd_month: 1000"))
    code, doc, err = emergency(capsys, project, "up", "--target", "cache", "--apply")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: refused by policy stack-budget: estimated monthly cost $")
    assert err.endswith("exceeds the emergency ceiling of $1,500.00; nothing was changed\n")
    assert emergency_of(project) == {"mode": "none"}


def test_prod_up_api_doubles_the_running_count(aws, capsys, project):
    deploy(planned("prod").resources, "prod", aws.url, desired={("us-east-1", "api"): 20},
           skip=[r.name for r in planned("prod").resources  # only the groups matter here: keep the fixture small
                 if r.type.startswith(("aws:rds", "aws:elasticache", "aws:cloudwatch", "aws:autoscaling/schedule"))])
    code, doc, _ = emergency(capsys, project, "up", "--target", "api", stack="prod")
    assert code == 0
    resize = {c["region"]: (c["before"], c["after"]) for c in doc["changes"] if c["action"] == "resize"}
    assert resize["us-east-1"] == ({"min": 10, "desired": 20, "max": 100}, {"min": 40, "desired": 40, "max": 100})
    assert resize["us-west-2"] == ({"min": 5, "desired": 10, "max": 50}, {"min": 20, "desired": 20, "max": 50})
    assert doc["cost"]["emergency"]["ceiling_usd"] == 375000.0


@pytest.mark.parametrize("argv, message", [
    (["up"], "scaling emergency up: --target is required; allowed: api, worker, database, cache, all"),
    (["up", "--target", "everything"], "scaling emergency up: --target 'everything' is not allowed; allowed: api, "
                                       "worker, database, cache, all"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, project, argv, message):
    code, _, err = emergency(capsys, project, *argv)
    assert code == 2 and err.count("\n") == 1 and message in err
