"""Scale: a generated 7-region x 64-shard stack plans (bench/plan_scale.py's stack, in-process).

Seven regions: every region the config accepts (aws partition, priced; infra/model/aws_regions.py).
One `scaling plan --format json` of ~1,000 resources (~20-40 s on 2 cores); marked `scale` so it
can be selected (`-m scale`) or skipped locally (`-m "not scale"`), but it runs in the default
command and therefore in CI. Wall time against the SDK floor is bench/plan_scale.py's job.
"""
from __future__ import annotations

import json

import pytest
import yaml

from bench.plan_scale import generated_stack
from infra.cli import main as cli

REGIONS, SHARDS = 7, 64
TIERS = ("api", "worker")


@pytest.fixture(scope="module")
def scale_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "Pulumi.scale.yaml"
    path.write_text(yaml.safe_dump(generated_stack(REGIONS, SHARDS)))
    return path


@pytest.mark.scale
def test_every_region_64_shards_plan_within_every_bound(scale_plan, capsys):
    code = cli.main(["plan", "--stack", "scale", "--config-file", str(scale_plan), "--format", "json"])
    out, err = capsys.readouterr()
    assert err == "" and code in (cli.EXIT_OK, cli.EXIT_POLICY)
    doc = json.loads(out)
    resources = doc["resources"]

    rds = [r for r in resources if r["type"] == "aws:rds/instance:Instance"]
    primaries = sorted(r["name"] for r in rds if "replicateSourceDb" not in r["inputs"])
    assert primaries == sorted(f"scale-db-shard-{i}" for i in range(SHARDS))
    assert doc["capacity"]["database"]["shards"] == SHARDS
    assert all(r["options"]["protect"] for r in rds if r["name"] in primaries)

    regions = doc["capacity"]["regions"]
    assert len(regions) == REGIONS
    asgs = {r["name"]: r["inputs"] for r in resources if r["type"] == "aws:autoscaling/group:Group"}
    assert set(asgs) == {f"scale-{region}-{tier}-asg" for region in regions for tier in TIERS}
    for name, inputs in asgs.items():
        assert inputs["minSize"] <= inputs["desiredCapacity"] <= inputs["maxSize"], name
    for region, plan in regions.items():
        assert set(plan["tiers"]) == set(TIERS)
        for tier, t in plan["tiers"].items():
            assert t["min"] <= t["desired"] <= t["max"], (region, tier, t)
            asg = asgs[f"scale-{region}-{tier}-asg"]
            assert (asg["minSize"], asg["maxSize"]) == (t["min"], t["max"])
    caches = [r for r in resources if r["type"] == "aws:elasticache/replicationGroup:ReplicationGroup"]
    assert len(caches) == REGIONS
    # Exit 1 is allowed only for a policy verdict, never for something the plan could not build.
    if code == cli.EXIT_POLICY:
        assert any(p["enforcement"] == "mandatory" for p in doc["policies"])
