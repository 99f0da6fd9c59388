"""CI workflows validate against the GitHub workflow schema (check-jsonschema's vendored copy, offline)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def test_workflows_match_the_github_schema():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"preview.yml", "deploy.yml"}
    check = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(check), "--builtin-schema", "vendor.github-workflows", *files],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_preview_runs_the_pack_and_plan_per_stack():
    wf = yaml.safe_load((WORKFLOWS / "preview.yml").read_text())
    job = wf["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    pulumi = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions"))
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    assert any("scaling plan --stack ${{ matrix.stack }} --format markdown" in s.get("run", "") for s in job["steps"])


def test_deploy_promotes_prod_behind_approval():
    wf = yaml.safe_load((WORKFLOWS / "deploy.yml").read_text())
    assert wf[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the `on` key as True
    assert wf["jobs"]["promote-prod"]["needs"] == "up-dev"
    assert wf["jobs"]["promote-prod"]["environment"] == "production"


def test_break_glass_emergency_applies_records_and_opens_a_pr():
    wf = yaml.safe_load((WORKFLOWS / "emergency.yml").read_text())
    inputs = wf[True]["workflow_dispatch"]["inputs"]
    assert inputs["mode"]["options"] == ["up", "down", "reset", "none"]
    assert inputs["target"]["options"] == ["api", "worker", "database", "cache", "all"]
    job = wf["jobs"]["break-glass"]
    assert job["environment"] == "${{ inputs.stack == 'prod' && 'production' || 'dev' }}"  # approval gate, no dev hop
    assert "needs" not in job and wf["concurrency"]["group"] == "deploy"
    runs = [s.get("run", "") for s in job["steps"]]
    assert any('scaling emergency "$MODE" --target "$TARGET" --stack "$STACK" --apply' in r for r in runs)
    up = next(i for i, s in enumerate(job["steps"]) if str(s.get("uses", "")).startswith("pulumi/actions"))
    apply = next(i for i, r in enumerate(runs) if "--apply" in r)
    assert apply < up and job["steps"][up]["with"]["policyPacks"] == "policies"
    assert any("gh pr create" in r and 'git add "Pulumi.${STACK}.yaml"' in r for r in runs)
