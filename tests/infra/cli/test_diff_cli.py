"""`scaling diff` on real pairs of plans (demand up, shard added, budget cut, region added, a replaced
cache) and `scaling plan --previous / --mode update`: each section, each guardrail, exit codes.

Every plan here is a real `scaling plan --format json` run in-process (cached per scenario), so the
pairs are what a pull request would produce.
"""
from __future__ import annotations

import contextlib
import functools
import io
import json
import tempfile
from pathlib import Path

import pytest
import yaml

from infra.cli import main as cli
from tests.conftest import ROOT

SCRATCH = Path(tempfile.mkdtemp(prefix="scaling-diff-tests-"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@functools.cache
def plan(stack: str, *extra: str) -> tuple[Path, dict, int]:
    """(file, document, exit code) of `scaling plan --stack S --format json <extra>`."""
    code, out, err = run("plan", "--stack", stack, "--project-dir", str(ROOT), "--format", "json", *extra)
    assert code in (0, 1), err
    path = SCRATCH / f"{stack}-{abs(hash(extra))}.json"
    path.write_text(out)
    return path, json.loads(out), code


def base(stack: str = "prod") -> tuple[Path, dict, int]:
    return plan(stack)


def diff(base_file: Path, head_file: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = run("diff", "--base", str(base_file), "--head", str(head_file), "--format", "json", *extra)
    return code, (json.loads(out) if out else {}), err


DEMAND_UP = ("--set", "demand.peak_rps=45000")


def test_demand_up_cost_capacity_and_resources():
    (b_file, b_doc, _), (h_file, h_doc, _) = base(), plan("prod", *DEMAND_UP)
    code, doc, err = diff(b_file, h_file)
    assert (code, err) == (0, "")
    cost = doc["cost"]
    assert (cost["base_usd"], cost["head_usd"]) == (b_doc["cost"]["monthly_usd"], h_doc["cost"]["monthly_usd"])
    assert cost["delta_usd"] == round(cost["head_usd"] - cost["base_usd"], 2) > 0
    assert cost["delta_pct"] == round(cost["delta_usd"] / cost["base_usd"] * 100, 2)
    deltas = [abs(line["delta_usd"]) for line in cost["lines"]]
    assert deltas == sorted(deltas, reverse=True) and cost["lines"][0]["item"] == "prod-us-east-1-api-asg"
    line = cost["lines"][0]
    assert line["delta_usd"] == round(line["head_usd"] - line["base_usd"], 2)
    rows = {c["path"]: c for c in doc["capacity"]}
    assert (rows["regions.us-east-1.tiers.api.desired"]["base"], rows["regions.us-east-1.tiers.api.desired"]["head"]) \
        == (14, 20)
    assert rows["regions.us-east-1.tiers.api.desired"]["reason"].startswith("ceil(45000 peak rps x 40/100 weight")
    assert "regions.us-east-1.tiers.worker.desired" not in rows  # workers follow tps, unchanged
    updated = {r["name"]: r["inputs"] for r in doc["resources"]["updated"]}
    assert updated["prod-us-east-1-api-asg"] == ["instanceRefresh"]  # desiredCapacity is ignoreChanges
    assert doc["resources"]["replaced"] == [] and doc["findings"] == []
    assert doc["policies"] == {"new": [], "resolved": []}


@pytest.mark.parametrize("flags, code, message", [
    (("--fail-on-cost-increase", "1"), 1, "over the --fail-on-cost-increase guardrail of 1% (flags)"),
    (("--fail-on-cost-increase", "50"), 0, None),
    (("--fail-on-cost-increase-usd", "100"), 1, "over the --fail-on-cost-increase-usd guardrail of $100.00 (flags)"),
    (("--fail-on-cost-increase-usd", "100000", "--fail-on-cost-increase", "90"), 0, None),
])
def test_cost_guardrails(flags, code, message):
    got, doc, _ = diff(base()[0], plan("prod", *DEMAND_UP)[0], *flags)
    assert got == code
    mandatory = [f["message"] for f in doc["findings"] if f["level"] == "mandatory"]
    assert (mandatory[0].endswith(message) and mandatory[0].startswith("monthly cost rises ")) if message \
        else mandatory == []


def test_guardrail_defaults_from_the_stack_review_settings(tmp_path):
    stack = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack["config"]["scaling-platform:platform"]["review"] = {"fail_on_cost_increase_pct": 2}
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(stack))
    args = ("--stack", "prod", "--project-dir", str(tmp_path))
    code, doc, _ = diff(base()[0], plan("prod", *DEMAND_UP)[0], *args)
    assert code == 1 and doc["guardrails"]["source"].endswith("Pulumi.prod.yaml review")
    assert doc["findings"][0]["message"].endswith(f"guardrail of 2% ({tmp_path / 'Pulumi.prod.yaml'} review)")
    code, doc, _ = diff(base()[0], plan("prod", *DEMAND_UP)[0], *args, "--fail-on-cost-increase", "10")
    assert code == 0 and doc["guardrails"] == {"fail_on_cost_increase_pct": 10.0, "fail_on_cost_increase_usd": None,
                                               "source": "flags"}


def test_shard_added_and_replicas_of_existing_shards_dropped():
    code, doc, _ = diff(base()[0], plan("prod", "--set", "database.size_gb=4000")[0])
    rows = {c["path"]: (c["base"], c["head"], c["reason"]) for c in doc["capacity"]}
    assert rows["database.shards"][:2] == (4, 5) and rows["database.shards"][2].startswith("ceil((4000 GB")
    assert rows["database.read_replicas_per_shard"][:2] == (3, 2)
    added = [r["name"] for r in doc["resources"]["added"]]
    # with prod's default cross-region replica (Issue 17) and its own lag alarm
    assert sorted(added) == ["prod-db-shard-4", "prod-db-shard-4-replica-0", "prod-db-shard-4-replica-1",
                             "prod-db-shard-4-us-west-2-replica-0", "prod-db-shard-4-us-west-2-replica-0-lag"]
    # fewer replicas per shard deletes a replica of every existing shard: mandatory, the change is blocked
    assert code == 1
    assert doc["findings"][0]["message"] == (
        "read replica of prod-db-shard-0 prod-db-shard-0-replica-2 (aws:rds/instance:Instance) would be deleted: it "
        "is not in the new plan")


def test_budget_cut_brings_a_new_mandatory_verdict_and_back():
    (b_file, _, _), (h_file, h_doc, h_code) = base(), plan("prod", "--set", "budget_usd_month=30000")
    assert h_code == 1
    code, doc, _ = diff(b_file, h_file)
    assert code == 1 and doc["cost"]["delta_usd"] == 0 and doc["cost"]["head_budget_usd"] == 30000
    assert doc["policies"]["new"] == [{"policy": "stack-budget", "enforcement": "mandatory", "resource": "",
                                       "message": f"estimated monthly cost ${h_doc['cost']['monthly_usd']:,.2f} "
                                                  "exceeds the budget of $30,000.00"}]
    assert doc["findings"] == [{"level": "mandatory", "message": "new mandatory verdict stack-budget: "
                                + doc["policies"]["new"][0]["message"]}]
    code, doc, _ = diff(h_file, b_file)  # the reverse change resolves it
    assert code == 0 and [v["policy"] for v in doc["policies"]["resolved"]] == ["stack-budget"]


TWO_REGIONS = ('regions=[{name: us-east-1, primary: true, min_instances: 1, max_instances: 4, current_instances: 1, '
               'latency_ms: 50, traffic_weight: 60}, {name: eu-west-1, min_instances: 1, max_instances: 4, '
               'current_instances: 1, latency_ms: 80, traffic_weight: 40}]')


def test_region_added_and_update_mode_without_secrets_needed():
    head_file, head_doc, head_code = plan("dev", "--set", TWO_REGIONS, "--mode", "update")
    assert head_code == 0 and head_doc["policies"] == []  # dev needs no secret for `up`
    code, doc, _ = diff(base("dev")[0], head_file)
    assert code == 0 and doc["findings"] == []
    added = {r["name"] for r in doc["resources"]["added"]}
    assert {"dev-eu-west-1-vpc", "dev-eu-west-1-api-asg", "dev-eu-west-1-cache-rg"} <= added
    assert doc["resources"]["deleted"] == [] and doc["resources"]["replaced"] == []
    rows = {c["path"]: (c["base"], c["head"]) for c in doc["capacity"]}
    assert rows["regions.us-east-1.weight"] == (100, 60) and rows["regions.eu-west-1.weight"] == (None, 40)
    assert doc["cost"]["delta_usd"] > 0 and any(line["status"] == "added" for line in doc["cost"]["lines"])


CACHE_DOWNGRADE = ("--set", 'cache.engine_version="7.0"')


def test_diff_flags_a_replaced_cache():
    code, doc, _ = diff(base()[0], plan("prod", *CACHE_DOWNGRADE)[0])
    assert code == 1
    replaced = {r["name"]: r for r in doc["resources"]["replaced"]}
    assert replaced["prod-us-east-1-cache-rg"]["inputs"] == ["engineVersion"]
    assert replaced["prod-us-east-1-cache-rg"]["causes"][0]["base"] == "7.1"
    assert [f["message"] for f in doc["findings"]][2] == (
        "cache prod-us-east-1-cache-rg (aws:elasticache/replicationGroup:ReplicationGroup) would be replaced: "
        "engineVersion 7.1 -> 7.0 (an engine version downgrade replaces the group); keep these inputs, or migrate "
        "the data and allow the replacement explicitly")
    assert [f["level"] for f in doc["findings"]] == ["mandatory"] * 4


def test_plan_previous_refuses_what_aws_cannot_do_to_the_earlier_estate():
    code, out, err = run("plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json",
                         *CACHE_DOWNGRADE, "--previous", str(base()[0]))
    assert (code, out) == (2, "")
    assert err == (f"error: {ROOT / 'Pulumi.prod.yaml'} (with --set) (with --previous): scaling-platform:platform."
                   "cache.engine_version: 7.0 < 7.1 deployed (deployed.cache.engine_version): ElastiCache cannot "
                   "downgrade Redis; allowed: 7.1 or later\n")


def test_plan_previous_reports_stateful_losses_against_the_earlier_plan(tmp_path):
    """An earlier estate whose us-east-1 cache was created unencrypted, with a fifth shard the new plan lacks."""
    earlier = json.loads(json.dumps(base()[1]))
    for res in earlier["resources"]:
        if res["name"] == "prod-us-east-1-cache-rg":
            res["inputs"]["atRestEncryptionEnabled"] = False
    shard = next(r for r in earlier["resources"] if r["name"] == "prod-db-shard-3")
    earlier["resources"].append({**json.loads(json.dumps(shard)), "name": "prod-db-shard-9"})
    (tmp_path / "earlier.json").write_text(json.dumps(earlier))
    code, out, err = run("plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json",
                         "--previous", str(tmp_path / "earlier.json"))
    assert code == 1, err
    guard = [(v["resource"], v["message"]) for v in json.loads(out)["policies"] if v["policy"] == "stateful-guard"]
    assert guard == [
        ("prod-us-east-1-cache-rg",
         "cache prod-us-east-1-cache-rg (aws:elasticache/replicationGroup:ReplicationGroup) would be replaced: "
         "atRestEncryptionEnabled False -> True (encryption at rest is fixed when the storage is created); keep these "
         "inputs, or migrate the data and allow the replacement explicitly; to accept it, list the name in "
         "stateful-guard.allowed"),
        ("", "database instance prod-db-shard-9 (aws:rds/instance:Instance) would be deleted: it is not in the new "
             "plan; it is protected, so `pulumi up` fails until protect is lifted; retainOnDelete keeps it in AWS, "
             "but it leaves the stack; to accept it, list the name in stateful-guard.allowed")]


def test_plan_previous_passes_a_scaling_change():
    _, doc, code = plan("prod", *DEMAND_UP, "--previous", str(base()[0]))
    assert code == 0 and doc["policies"] == []


def test_update_mode_fails_where_up_would_on_a_missing_secret(tmp_path):
    code, out, _ = run("plan", "--stack", "prod", "--project-dir", str(ROOT), "--format", "json", "--mode", "update",
                       "--set", "budget_usd_month=30000")  # also a budget verdict: both reported
    assert code == 1
    verdicts = {v["policy"]: v for v in json.loads(out)["policies"]}
    assert verdicts["required-secrets"] == {
        "policy": "required-secrets", "enforcement": "mandatory", "resource": "",
        "message": "secret scaling-platform:jwtSecret is not set; `pulumi up` needs it for the auth-validator "
                   "Cloudflare Worker (JWT_SECRET): run `pulumi config set --secret scaling-platform:jwtSecret "
                   "<value> --stack prod`"}
    assert "stack-budget" in verdicts


def test_markdown_comment_marker_sections_and_limit():
    code, out, _ = run("diff", "--base", str(base()[0]), "--head", str(plan("prod", *CACHE_DOWNGRADE)[0]),
                       "--format", "markdown")
    assert code == 1
    assert out.startswith("<!-- scaling-platform:diff stack=prod -->\n## scaling diff: `prod`")
    assert "- **4 mandatory findings: this change is blocked**" in out
    for title in ("### Findings", "### Replaced",
                  "<details><summary>Plan (head): Capacity per region and tier</summary>"):
        assert title in out
    code, small, _ = run("diff", "--base", str(base()[0]), "--head", str(plan("prod", *DEMAND_UP)[0]),
                         "--format", "markdown", "--max-chars", "4000")
    assert len(small) <= 4001 and "more rows not shown here (GitHub's comment limit)" in small
    assert "### Cost lines that change" in small  # the diff is kept, the collapsed plan is cut first


def test_out_writes_the_full_report_and_keeps_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, _ = run("diff", "--base", str(base()[0]), "--head", str(plan("prod", *DEMAND_UP)[0]),
                     "--format", "markdown", "--max-chars", "4000", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "notes.txt").read_text() == "mine"
    full = (tmp_path / "diff.md").read_text()
    assert len(full) > 4000 and "more rows not shown" not in full
    assert json.loads((tmp_path / "diff.json").read_text())["cost"]["delta_usd"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".scaling-report.json", "diff.json", "diff.md", "notes.txt"]


def test_out_never_replaces_a_diff_md_it_did_not_write(tmp_path):
    # It used to overwrite a user's diff.md (and replace a diff.json symlink by a file).
    (tmp_path / "diff.md").write_text("my review notes")
    (tmp_path / "elsewhere.json").write_text("{}")
    (tmp_path / "diff.json").symlink_to(tmp_path / "elsewhere.json")
    code, out, err = run("diff", "--base", str(base()[0]), "--head", str(base()[0]), "--out", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (f"error: --out {tmp_path}: (directory): {tmp_path / 'diff.json'} exists and was not written by "
                   "scaling; nothing was written: move it away or pass another directory\n")
    assert (tmp_path / "diff.md").read_text() == "my review notes" and (tmp_path / "diff.json").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diff.json", "diff.md", "elsewhere.json"]


def test_table_format(capsys):
    code, out, _ = run("diff", "--base", str(base()[0]), "--head", str(plan("prod", *DEMAND_UP)[0]))
    assert code == 0
    assert out.startswith("scaling diff prod: ")
    assert "monthly cost $" in out and "Capacity changes" in out and "no mandatory finding" in out


@pytest.mark.parametrize("argv, message", [
    (["--base", "/nonexistent.json", "--head", "{head}"], "--base /nonexistent.json: (file): file not found"),
    (["--base", "{bad}", "--head", "{head}"], ": line 1: JSON syntax error"),
    (["--base", "{notplan}", "--head", "{head}"], ": resources: missing or not a list"),
    (["--base", "{head}", "--head", "{head}", "--fail-on-cost-increase", "-5"],
     "--fail-on-cost-increase: '-5': must be a number >= 0"),
    (["--base-ref", "main"], "scaling diff: --stack: --base-ref needs --stack NAME"),
    (["--base", "{head}", "--base-ref", "main"], "not allowed with argument"),
    (["--head", "{head}"], "one of the arguments --base --base-ref is required"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, argv, message):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "notplan.json").write_text('{"stack": "prod"}')
    head = tmp_path / "head.json"
    head.write_text(json.dumps({"resources": []}))
    argv = [a.format(head=head, bad=tmp_path / "bad.json", notplan=tmp_path / "notplan.json") for a in argv]
    code, out, err = run("diff", *argv)
    assert (code, out) == (2, "") and err.count("\n") == 1 and message in err, err


def test_a_change_aws_refuses_is_a_mandatory_finding(tmp_path):
    b_file, b_doc, _ = base()
    head = json.loads(json.dumps(b_doc))
    shard = next(r for r in head["resources"] if r["name"] == "prod-db-shard-2")
    shard["inputs"]["allocatedStorage"] = 500.0
    (tmp_path / "head.json").write_text(json.dumps(head))
    code, doc, _ = diff(b_file, tmp_path / "head.json")
    assert code == 1
    assert doc["resources"]["updated"] == [{"type": "aws:rds/instance:Instance", "name": "prod-db-shard-2",
                                            "inputs": ["allocatedStorage"]}]
    assert doc["findings"] == [{"level": "mandatory", "message": (
        "prod-db-shard-2 (aws:rds/instance:Instance): allocatedStorage 1000 -> 500 GB: RDS cannot reduce allocated "
        "storage; `pulumi up` would fail")}]
