"""Scale: a generated 7-region x 64-shard stack plans (bench/plan_scale.py's stack, in-process).

Seven regions: every region the config accepts (aws partition, priced; infra/model/aws_regions.py).
One `scaling plan --format json` of ~1,000 resources (~20-40 s on 2 cores); marked `scale` so it
can be selected (`-m scale`) or skipped locally (`-m "not scale"`), but it runs in the default
command and therefore in CI. Wall time against the SDK floor is bench/plan_scale.py's job.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json

import pytest
import yaml

from bench.plan_scale import generated_stack
from infra.cli import main as cli
from infra.cli.diff_render import COMMENT_LIMIT, marker

REGIONS, SHARDS = 7, 64
TIERS = ("api", "worker")


@pytest.fixture(scope="module")
def scale_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "Pulumi.scale.yaml"
    path.write_text(yaml.safe_dump(generated_stack(REGIONS, SHARDS)))
    return path


@pytest.fixture(scope="module")
def scale_run(scale_plan, tmp_path_factory):
    """(exit code, stderr, plan document, plan file) of the one REGIONS x SHARDS plan, shared by the tests here."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["plan", "--stack", "scale", "--config-file", str(scale_plan), "--format", "json"])
    path = tmp_path_factory.mktemp("scale-plan") / "base.json"
    path.write_text(out.getvalue())
    return code, err.getvalue(), json.loads(out.getvalue()), path


@pytest.mark.scale
def test_every_region_64_shards_plan_within_every_bound(scale_run):
    code, err, doc, _ = scale_run
    assert err == "" and code in (cli.EXIT_OK, cli.EXIT_POLICY)
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


@pytest.mark.scale
def test_diff_comment_of_a_scale_change_fits_one_github_comment(scale_run, tmp_path, capsys):
    """A large change of the 40 x 64 plan (every replica dropped, every group resized, every cost line
    and tier moved): the comment stays under GitHub's limit, says what it cut, and --out keeps it all."""
    _, _, base, base_file = scale_run
    head = copy.deepcopy(base)
    head["resources"] = [r for r in head["resources"] if "replicateSourceDb" not in r["inputs"]]
    for res in head["resources"]:
        if res["type"] == "aws:autoscaling/group:Group":
            res["inputs"]["maxSize"] += 10
    for line in head["cost"]["lines"]:
        line["monthly_usd"] = round(line["monthly_usd"] * 1.01 + 1, 2)
    head["cost"]["monthly_usd"] = round(sum(line["monthly_usd"] for line in head["cost"]["lines"]), 2)
    for region in head["capacity"]["regions"].values():
        for tier in region["tiers"].values():
            tier["max"] += 10
    head_file = tmp_path / "head.json"
    head_file.write_text(json.dumps(head))
    code = cli.main(["diff", "--base", str(base_file), "--head", str(head_file), "--format", "markdown",
                     "--out", str(tmp_path / "report")])
    comment, err = capsys.readouterr()
    assert code == 1 and err == ""  # dropped replicas are mandatory findings
    assert len(comment) <= COMMENT_LIMIT and comment.startswith(marker("scale"))
    assert "more rows not shown here (GitHub's comment limit)" in comment
    assert "### Findings" in comment and "### Deleted" in comment
    full = (tmp_path / "report" / "diff.md").read_text()
    assert len(full) > COMMENT_LIMIT and "more rows not shown" not in full
    deleted = json.loads((tmp_path / "report" / "diff.json").read_text())["resources"]["deleted"]
    replicas = sorted(r["name"] for r in base["resources"] if "replicateSourceDb" in r["inputs"])
    assert len(replicas) >= SHARDS
    assert sorted(r["name"] for r in deleted if r["type"] == "aws:rds/instance:Instance") == replicas
