"""`scaling plan`: edge traffic from the stack config reaches cost and budget; emergency ceiling."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main as cli
from infra.config import parse_platform, read_stack_file
from infra.planning.edge_plan import edge_traffic
from policies.engine import load_policy_config

ROOT = Path(__file__).resolve().parents[3]


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(["plan", "--project-dir", str(ROOT), *argv])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pack_config_fallbacks_equal_the_stack_split(stack):
    """policies/config/<stack>.json is what `pulumi preview` reads; keep it equal to the stack's split."""
    stack_file = read_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    split = edge_traffic(parse_platform(stack_file.platform, stack_file.path))["by_provider"]
    config = cli.policy_config_for(stack, parse_platform(stack_file.platform, stack_file.path))
    shipped = load_policy_config(stack)
    for name in ("stack-budget", "stack-budget-advisory"):
        for key, provider, field in (("edge_gb_month", "aws", "gb_month"), ("edge_requests_month", "aws", "requests_month"),
                                     ("cloudflare_requests_month", "cloudflare", "requests_month")):
            expected = split.get(provider, {}).get(field, 0.0)
            assert shipped[name][key] == pytest.approx(expected), (stack, name, key)
            assert config[name][key] == pytest.approx(expected)


def test_edge_traffic_of_the_stack_drives_cost_and_budget(capsys):
    code, out = run_cli(capsys, "--stack", "prod", "--set", "edge.expected_requests_month=1000000000",
                        "--set", "budget_usd_month=1000", "--format", "json")
    doc = json.loads(out)
    lines = {line["item"]: line for line in doc["cost"]["lines"]}
    # aws weight 70 of 100: 700M CloudFront requests; cloudflare 300M, half of them on /api/*.
    assert lines["prod-edge-cdn requests"]["monthly_usd"] == pytest.approx(700.0)
    assert lines["prod-edge-waf"]["reason"].endswith("700,000,000 requests × $0.60/1M")
    assert "prod-rate-limiter 150,000,000 req (/api/*)" in lines["cloudflare workers"]["reason"]
    [budget] = [p for p in doc["policies"] if p["policy"] == "stack-budget"]
    assert budget["message"].startswith(f"estimated monthly cost ${doc['cost']['monthly_usd']:,.2f} exceeds")
    assert code == 1


def test_emergency_up_within_the_default_ceiling_is_advisory(capsys):
    # Emergency capacity costs ~$48.7k: over a $40k budget, within the default 1.5 × 40k = $60k.
    code, out = run_cli(capsys, "--stack", "prod", "--set", "emergency.mode=up", "--set", "budget_usd_month=40000")
    assert code == 0
    assert "EMERGENCY MODE: up (target all); budget ceiling $60,000.00 (default 1.5 × budget)" in out
    assert "policy stack-budget-advisory [ADVISORY] (stack): EMERGENCY: estimated monthly cost $" in out
    assert "allowed up to the emergency ceiling of $60,000.00" in out


def test_emergency_up_above_the_configured_ceiling_exits_1(capsys):
    code, out = run_cli(capsys, "--stack", "prod", "--set", "emergency.mode=up", "--set", "budget_usd_month=30000",
                        "--set", "emergency.budget_ceiling_usd_month=45000", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["cost"]["emergency"] == {"mode": "up", "target": "all", "ceiling_usd": 45000.0,
                                        "ceiling_source": "emergency.budget_ceiling_usd_month"}
    assert [p for p in doc["policies"] if p["enforcement"] == "mandatory"] == [{
        "policy": "stack-budget", "enforcement": "mandatory", "resource": "",
        "message": f"estimated monthly cost ${doc['cost']['monthly_usd']:,.2f} exceeds the emergency ceiling of $45,000.00"}]
