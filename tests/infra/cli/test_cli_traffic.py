"""`scaling plan` as a user runs it (Issue 17): a capacity-exhausted stack's overflowed weights, bad `alerts`
config (exit 2, one line), the monitoring section in the outputs."""
from __future__ import annotations

import json

from infra.cli import main as cli
from tests.conftest import ROOT


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["plan", "--project-dir", str(ROOT), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_capped_stack_overflows_and_weights_sum_to_100(capsys):
    code, out, err = run_cli(capsys, "--stack", "prod", "--format", "json", "--set", "regions[0].max_instances=12",
                             "--set", "regions[0].current_instances=12")
    assert (code, err) == (0, "")
    regions = json.loads(out)["capacity"]["regions"]
    assert {n: r["weight"] for n, r in regions.items()} == {
        "us-east-1": 36, "us-west-2": 34, "eu-west-1": 20, "ap-southeast-1": 10}
    assert regions["us-west-2"]["tiers"]["api"]["desired"] == 12
    # the Route53 records carry the same weights
    records = {r["inputs"]["setIdentifier"]: r["inputs"]["weightedRoutingPolicies"][0]["weight"]
               for r in json.loads(out)["resources"] if r["type"] == "aws:route53/record:Record" and r["parent"] == "prod-dns"}
    assert records == {"us-east-1": 36, "us-west-2": 34, "eu-west-1": 20, "ap-southeast-1": 10}


def test_bad_alert_target_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--stack", "prod", "--set", 'alerts.critical.email=["pager"]',
                             "--out", str(tmp_path / "o"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: " + str(ROOT / "Pulumi.prod.yaml") + " (with --set): "
                          "scaling-platform:platform.alerts.critical.email[0]: ")
    assert not (tmp_path / "o").exists()
    code, _, err = run_cli(capsys, "--stack", "prod", "--set", 'alerts.urgent={email: ["a@example.com"]}')
    assert code == 2 and err.count("\n") == 1 and "alerts.urgent" in err


def test_monitoring_section_in_outputs(capsys):
    code, out, _ = run_cli(capsys, "--stack", "prod", "--format", "json")
    monitoring = json.loads(out)["outputs"]["monitoring"]
    assert monitoring["family_severity"] == {"data": "critical", "latency": "warning", "scaling": "info"}
    assert monitoring["latency"]["ap-southeast-1"]["threshold_s"] == 0.1
    assert monitoring["latency"]["ap-southeast-1"]["attach"] is None  # behind CloudFront: notify only
    assert any(n.startswith("latency failover: alarms notify only") for n in monitoring["notes"])
    assert monitoring["groups"]["us-east-1/api"]["network-critical"]["threshold"] == 675_000_000
