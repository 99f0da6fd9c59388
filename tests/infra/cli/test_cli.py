"""`scaling plan`: the JSON contract, exit codes, one-line errors, --set, --out."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from infra.cli import main as cli
from infra.cli import report
from policies import engine
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("check_plan_contract", ROOT.parent / "shared/tools/check_plan_contract.py")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["plan", "--project-dir", str(ROOT), *argv])
    out, err = capsys.readouterr()
    return code, out, err




def test_prod_json_meets_the_contract(capsys):
    code, out, err = run_cli(capsys, "--stack", "prod", "--format", "json")
    doc = json.loads(out)
    assert (code, err) == (0, "")  # plan ok: no mandatory violation, nothing on stderr
    assert doc["policies"] == []
    assert (doc["project"], doc["stack"]) == ("scaling-platform", "prod")
    if _spec is not None and (ROOT.parent / "shared/tools/check_plan_contract.py").exists():
        checker = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(checker)
        assert checker.problems(doc) == []
    asgs = {r["name"]: r for r in doc["resources"] if r["type"] == "aws:autoscaling/group:Group"}
    asg = asgs["prod-us-east-1-api-asg"]
    assert (asg["inputs"]["minSize"], asg["inputs"]["maxSize"]) == (10, 100)
    assert (asg["parent"], asg["provider"]) == ("prod-us-east-1-api", "aws-us-east-1")
    assert asg["options"]["ignoreChanges"] == ["desiredCapacity"]
    tier = doc["capacity"]["regions"]["ap-southeast-1"]["tiers"]["api"]
    assert (tier["min"], tier["desired"], tier["max"]) == (3, 4, 30)
    assert doc["capacity"]["nodes"]["types"]["relay"]["count"] == 775
    assert doc["outputs"]["regions"]["us-east-1"]["weight"] == 40


def test_failed_region_flag_redistributes(capsys):
    # Issue 17: with a cross-region replica to promote, a failed primary region is a valid plan (without one,
    # tests/infra/cli/test_cli_failover.py: exit 1)
    code, out, _ = run_cli(capsys, "--stack", "prod", "--format", "json", "--set", 'failed_regions=["us-east-1"]',
                           "--set", 'database.cross_region_replicas=["us-west-2"]')
    doc = json.loads(out)
    assert code == 0 and doc["policies"] == []  # a failed region is a valid plan, not a policy violation
    regions = doc["capacity"]["regions"]
    assert {name: r["weight"] for name, r in regions.items()} == {
        "us-east-1": 0, "us-west-2": 46, "eu-west-1": 31, "ap-southeast-1": 23}
    assert regions["us-west-2"]["tiers"]["api"]["desired"] == 16  # 14 + 14 // 3 + the remainder 2 (failover_priority)


def test_table_and_markdown_show_reasons(capsys):
    code, out, _ = run_cli(capsys, "--stack", "dev")
    assert code == 0
    assert "us-east-1 (primary)" in out and "ceil(300 peak rps" in out
    code, out, _ = run_cli(capsys, "--stack", "dev", "--format", "markdown")
    assert code == 0
    assert out.startswith("# Capacity plan: scaling-platform / dev")
    assert "| us-east-1 (primary) | api | t3.medium |" in out


def test_bad_config_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--stack", "prod", "--set", "regions[0].max_instances=5", "--out", str(tmp_path / "o"))
    assert code == 2 and out == ""
    assert err == ("error: " + str(ROOT / "Pulumi.prod.yaml") + " (with --set): scaling-platform:platform.regions[0]"
                   ".min_instances: 10 > max_instances 5; need min <= current <= max\n")
    assert not (tmp_path / "o").exists()


def test_missing_stack_and_bad_flags_exit_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--stack", "qa")
    assert code == 2 and err.count("\n") == 1 and "Pulumi.qa.yaml: (file): file not found" in err
    code, _, err = run_cli(capsys, "--stack", "prod", "--format", "xml")
    assert code == 2 and err.count("\n") == 1 and "invalid choice: 'xml'" in err
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  scaling-platform:platform: [\n")
    code, _, err = run_cli(capsys, "--stack", "broken", "--config-file", str(broken))
    assert code == 2 and "YAML syntax error" in err and err.count("\n") == 1


def test_out_dir_gets_report_and_json(capsys, tmp_path):
    out_dir = tmp_path / "report"
    code, _, _ = run_cli(capsys, "--stack", "dev", "--out", str(out_dir))
    assert code == 0
    assert json.loads((out_dir / "plan.json").read_text())["stack"] == "dev"
    assert (out_dir / "plan.md").read_text().startswith("# Capacity plan: scaling-platform / dev")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_console_script_runs_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "infra.cli.main", "plan", "--stack", "prod", "--set", "environment=qa"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_budget_violation_exits_1_naming_policy_and_total(capsys):
    code, out, _ = run_cli(capsys, "--stack", "prod", "--set", "budget_usd_month=1000", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    budget = [p for p in doc["policies"] if p["policy"] == "stack-budget"]
    assert budget == [{"policy": "stack-budget", "enforcement": "mandatory", "resource": "",
                       "message": f"estimated monthly cost ${doc['cost']['monthly_usd']:,.2f} exceeds the budget of "
                                  "$1,000.00"}]
    assert doc["cost"]["budget_usd"] == 1000
    code, out, _ = run_cli(capsys, "--stack", "prod", "--set", "budget_usd_month=1000")
    assert code == 1 and "policy stack-budget [MANDATORY] (stack): estimated monthly cost $" in out


def test_cost_lines_price_every_asg(capsys):
    code, out, _ = run_cli(capsys, "--stack", "prod", "--format", "json")
    doc = json.loads(out)
    items = {line["item"]: line for line in doc["cost"]["lines"]}
    # The schedule keeps more than the 14 desired running in 119 of 168 h: 2,975 instance-hours a week; each
    # hour 10 on-demand base first, then 70 % of the rest on spot (stateless class): 31 % spot over the week.
    assert items["prod-us-east-1-api-asg"]["reason"] == (
        "avg 17.71 instances over 168 h (2,975 instance-hours/week = max(scheduled floor, desired 14, min 10) each "
        "hour; floor above 14 in 119 h) × c5.large × $0.085/h × 730 h, 30% spot at ×0.7")
    assert doc["cost"]["monthly_usd"] == pytest.approx(sum(line["monthly_usd"] for line in doc["cost"]["lines"]), abs=0.05)
    assert doc["policies"] == [] and code == 0


def test_markdown_shows_scaling_data_tier_and_largest_costs_first(capsys):
    code, out, _ = run_cli(capsys, "--stack", "prod", "--format", "markdown")
    assert code == 0
    assert "## Scaling behaviour per tier" in out
    # the spot share the cost line prices (week average, on-demand base 10 first), not the class's 70 %
    assert ("| us-east-1 | api | 8 alarms+policies | 4 (America/New_York) | 30% spot (stateless: base 10 on-demand, "
            "then 70% spot) |") in out
    assert "| database.shards | 4 | ceil((3000 GB + 500 GB/month x 30/30 months) / 1000 GB per shard)" in out
    cost_section = out.split("\n## Cost\n")[1].split("\n## ")[0]
    top, full = cost_section.split("<details><summary>")
    costs = [float(line.split("| $")[1].split(" |")[0].replace(",", "")) for line in top.splitlines()
             if line.startswith("| ") and "| $" in line]
    assert costs == sorted(costs, reverse=True) and len(costs) == 10  # the largest lines first
    every = [line for line in full.splitlines() if line.startswith("| ") and "| $" in line]
    assert len(every) > 50 and full.startswith(f"All {len(every)} cost lines</summary>")


def test_out_that_is_a_file_is_rejected_and_left_alone(capsys, tmp_path):
    target = tmp_path / "plan.txt"
    target.write_text("keep me")
    code, out, err = run_cli(capsys, "--stack", "dev", "--out", str(target))
    assert code == 2 and out == ""
    assert err == f"error: --out {target}: exists and is not a directory; pass a new or existing directory\n"
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt"]  # no hidden .plan.txt.old / staging dir


def test_out_under_a_file_exits_2_without_traceback(capsys, tmp_path):
    parent = tmp_path / "not-a-dir"
    parent.write_text("x")
    code, out, err = run_cli(capsys, "--stack", "dev", "--out", str(parent / "report"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: --out {parent / 'report'}: cannot write the report: Not a directory ({parent});")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


def test_write_out_dir_writes_only_its_own_files(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "old.json").write_text("{}")
    (tmp_path / ".report.old").write_text("someone else's file beside the report")
    assert report.write_out_dir(out, {"plan.json": "{}"}) == ["plan.json"]
    assert sorted(p.name for p in out.iterdir()) == [".scaling-report.json", "old.json", "plan.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.old", "report"]  # no staging dir left
    with pytest.raises(NotADirectoryError):
        report.write_out_dir(out / "plan.json", {"plan.json": "{}"})
    assert (out / "plan.json").read_text() == "{}"


@pytest.mark.parametrize("text, key, allowed", [
    ('{"stack-budget": {"budget_usd": 1,}}', "line 1", "JSON syntax error"),
    ('{"all": "strict"}', "all", "enforcement level 'strict' is not allowed; "
                                 "allowed: advisory, mandatory, remediate, disabled"),
    ('{"rds-not-public": {"enforcementLevel": "warn"}}', "rds-not-public.enforcementLevel",
     "enforcement level 'warn' is not allowed; allowed: advisory, mandatory, remediate, disabled"),
])
def test_bad_policy_config_exits_2_naming_file_and_key(capsys, tmp_path, monkeypatch, text, key, allowed):
    monkeypatch.setattr(engine, "CONFIG_DIR", tmp_path)  # load_policy_config looks it up per call
    config = tmp_path / "dev.json"
    config.write_text(text)
    code, out, err = run_cli(capsys, "--stack", "dev", "--out", str(tmp_path / "o"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {config}: {key}: ") and allowed in err
    assert not (tmp_path / "o").exists()
