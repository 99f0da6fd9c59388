"""One spot split and visible warnings (issue 18): the plan's spot share equals the cost line's for
every group of prod and dev, and every plan warning is in the table, the markdown and the PR comment."""
from __future__ import annotations

import json
import re

import pytest

from infra.cli import main as cli
from infra.cli.diff_doc import diff_document
from infra.cli.diff_render import render_markdown as render_diff
from infra.cli.diff_render import render_table as render_diff_table
from infra.planning.emergency import doubling_base
from tests.conftest import ROOT
from tests.infra.planning.test_trigger_bounds import parse_platform, stack_platform


def plan(capsys, stack: str, fmt: str = "json", *sets: str) -> str:
    argv = ["plan", "--project-dir", str(ROOT), "--stack", stack, "--format", fmt]
    for item in sets:
        argv += ["--set", item]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    return out


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_plan_spot_share_equals_the_cost_lines(capsys, stack):
    doc = json.loads(plan(capsys, stack))
    lines = {line["item"]: line for line in doc["cost"]["lines"]}
    seen = 0
    for region, reg in doc["capacity"]["regions"].items():
        for tier, t in reg["tiers"].items():
            line = lines[f"{stack}-{region}-{tier}-asg"]
            match = re.search(r", (\d+)% spot at ×", line["reason"])
            cost_pct = int(match.group(1)) if match else 0
            assert f"{t['spot']['spot_share']:.0%}" == f"{cost_pct}%", (region, tier)
            assert f"= {cost_pct}% of the group" in t["spot"]["reason"]
            seen += 1
    assert seen == (8 if stack == "prod" else 2)


def test_prod_spot_shares_pinned(capsys):
    doc = json.loads(plan(capsys, "prod"))
    shares = {f"{r}/{t}": tier["spot"]["spot_share"] for r, reg in doc["capacity"]["regions"].items()
              for t, tier in reg["tiers"].items()}
    # stateless 70 % spot *above the on-demand base* (the min): far below 70 % of the group
    assert {k: round(v * 100) for k, v in shares.items()} == {
        "us-east-1/api": 30, "us-east-1/worker": 90, "us-west-2/api": 43, "us-west-2/worker": 90,
        "eu-west-1/api": 30, "eu-west-1/worker": 90, "ap-southeast-1/api": 28, "ap-southeast-1/worker": 90}
    us_east = doc["capacity"]["regions"]["us-east-1"]["tiers"]["api"]["spot"]
    assert us_east["reason"].startswith(
        "class stateless: on-demand base 10 first (the planned min), then 70% spot / 30% on-demand of the rest "
        "(AWS MixedInstancesPolicy); avg 17.71 instances over the week")
    assert us_east["expected_spot_instances"] == 5.4  # (17.71 - 10) x 0.7


def test_table_shows_the_spot_share_and_every_warning_at_the_end(capsys):
    out = plan(capsys, "prod", "table")
    spot_cells = [line for line in out.splitlines() if "│ us-east-1      │ api    │" in line]
    assert len(spot_cells) == 1 and "│ 30% spot (stateless:" in spot_cells[0]
    tail = out.rstrip("\n").split("\n")
    assert tail[-1] == "policies: no violations; 2 warnings (listed above)"
    flat = " ".join(out.split())
    assert "WARNING: prod critical alarms publish to SNS topics with no subscriber" in flat
    assert "WARNING: novacron 3 checkScalingNeeded: each shard is planned 87.5% full (875 of 1000 GB) > 85%" in flat


def test_markdown_shows_every_warning_and_counts_them(capsys):
    out = plan(capsys, "prod", "markdown")
    assert "| Warnings | 2 (listed below) |" in out
    assert "- **Warning:** novacron 3 checkScalingNeeded: each shard is planned 87.5% full" in out
    assert "Policies: no violations; 2 warnings (listed in the Summary)." in out


def test_no_warnings_says_so_plainly(capsys):
    out = plan(capsys, "dev", "table")
    assert out.rstrip("\n").split("\n")[-1] == "policies: no violations"


def test_diff_comment_and_table_show_the_head_warnings():
    head = json.loads((ROOT / "tests" / "golden" / "prod.json").read_text())
    doc = diff_document(head, head)
    assert len(doc["warnings"]) == 2 and doc["findings"] == []
    comment = render_diff(doc)
    assert "### Warnings (head plan)" in comment
    assert "- **warning** novacron 3 checkScalingNeeded: each shard is planned 87.5% full" in comment
    table = " ".join(render_diff_table(doc).split())
    assert "Warnings (head plan): warning prod critical alarms publish to SNS topics" in table


@pytest.mark.parametrize("region,tier,planned,expected", [
    ("us-east-1", "api", 14, (25, "current_instances 25 (region table us-east-1; no live count recorded)")),
    ("ap-southeast-1", "api", 4, (8, "current_instances 8 (region table ap-southeast-1; no live count recorded)")),
    ("us-east-1", "worker", 22, (22, "planned desired 22 (no live count recorded)")),
])
def test_doubling_base(region, tier, planned, expected):
    platform, _ = stack_platform("prod")
    assert doubling_base(parse_platform(platform, "Pulumi.prod.yaml"), region, tier, planned) == expected
