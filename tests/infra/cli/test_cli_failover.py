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
    code, doc = plan(capsys, 'failed_regions=["us-east-1"]')
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
