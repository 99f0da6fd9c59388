"""Issue 17 end to end: `scaling plan` with a failed primary region."""
from __future__ import annotations

import json

from infra.cli import main as cli
from tests.conftest import ROOT


def plan(capsys, *sets: str) -> tuple[int, dict]:
    argv = ["plan", "--project-dir", str(ROOT), "--stack", "prod", "--format", "json"]
    for value in sets:
        argv += ["--set", value]
    code = cli.main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_failed_primary_without_replicas_exits_1(capsys):
    code, doc = plan(capsys, 'failed_regions=["us-east-1"]', "database.cross_region_replicas=[]")
    assert code == 1
    assert {(p["policy"], p["enforcement"], p["resource"]) for p in doc["policies"]
            if p["policy"] == "writer-in-healthy-region"} == {
        ("writer-in-healthy-region", "mandatory", f"prod-db-shard-{i}") for i in range(4)}
    assert doc["capacity"]["database"]["notes"][-1].startswith("PRIMARY REGION us-east-1 FAILED")


def test_failed_primary_with_replicas_promotes_and_exits_0(capsys):
    code, doc = plan(capsys, 'failed_regions=["us-east-1"]', 'database.cross_region_replicas=["eu-west-1"]')
    assert code == 0
    db = doc["capacity"]["database"]
    assert (db["writer_region"], db["promoted_region"], db["region"]) == ("eu-west-1", "eu-west-1", "us-east-1")
    writers = doc["outputs"]["database"]["writers"]
    assert writers == {f"prod-db-shard-{i}": f"prod-db-shard-{i}-eu-west-1-replica-0" for i in range(4)}
    assert all(not w.startswith("us-east-1") for w in doc["outputs"]["database"]["endpoints"].values())


def test_failed_primary_with_the_prod_default_promotes_us_west_2(capsys):
    # Issue 17: prod has a cross-region replica of every shard by default (the next region of the failover ring)
    code, doc = plan(capsys, 'failed_regions=["us-east-1"]')
    assert code == 0
    placement = doc["capacity"]["database"]["shard_placement"]
    assert [(p["shard"], p["region"], p["writer_region"], p["promoted"]) for p in placement] == [
        (i, "us-east-1", "us-west-2", True) for i in range(4)]
    assert placement[0]["follow_replicas"] == [
        {"region": "us-west-2", "count": 3, "first": 1, "reason": "the shard's 3 local read replicas (read_replicas_per_"
         "shard) follow the writer to us-west-2; us-east-1's stay, not deleted"},
        {"region": "eu-west-1", "count": 1, "first": 0, "reason": "cross-region copy of the new writer: the next healthy "
         "region after us-west-2 in the failover ring (not the old home us-east-1)"}]


def test_leaving_the_failed_state_is_non_destructive(capsys, tmp_path):
    # plan the failure, then clear failed_regions with the failed plan as --previous (what `pulumi up` applied)
    code, failed = plan(capsys, 'failed_regions=["us-east-1"]')
    assert code == 0
    (tmp_path / "failed.json").write_text(json.dumps(failed))
    argv = ["plan", "--project-dir", str(ROOT), "--stack", "prod", "--format", "json",
            "--previous", str(tmp_path / "failed.json")]
    assert cli.main(argv) == 0  # the stateful guard finds no delete or replace
    back = json.loads(capsys.readouterr().out)
    db = back["capacity"]["database"]
    assert {p["writer_region"] for p in db["shard_placement"]} == {"us-west-2"}  # stays until an operator switches
    assert any(n.startswith("database.promoted_shards: shards 0..3 write in us-west-2 (promoted from us-east-1); "
                            "the promoted writer stays the writer until an operator switches back") for n in db["notes"])
    (tmp_path / "back.json").write_text(json.dumps(back))
    code = cli.main(["diff", "--base", str(tmp_path / "failed.json"), "--head", str(tmp_path / "back.json"),
                     "--format", "json"])
    diff = json.loads(capsys.readouterr().out)
    assert code == 0 and diff["findings"] == []
    assert (diff["resources"]["replaced"], diff["resources"]["deleted"], diff["resources"]["added"]) == ([], [], [])
    assert not [u for u in diff["resources"]["updated"] if u["type"] == "aws:rds/instance:Instance"]
    # a plan that forgot the promotion (no --previous, no promoted_region) would demote the writers: diff refuses
    code, healthy = plan(capsys)
    (tmp_path / "healthy.json").write_text(json.dumps(healthy))
    code = cli.main(["diff", "--base", str(tmp_path / "failed.json"), "--head", str(tmp_path / "healthy.json"),
                     "--format", "json"])
    diff = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {r["name"] for r in diff["resources"]["replaced"]} == {f"prod-db-shard-{i}-us-west-2-replica-0"
                                                                  for i in range(4)}
