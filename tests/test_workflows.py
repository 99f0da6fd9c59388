"""CI workflows: valid for GitHub (JSON schema and actionlint, offline) and doing what the review needs.

actionlint knows the inputs of popular actions (pulumi/actions, actions/*, aws-actions/*) and the
expression/context rules; it comes from PyPI (requirements.txt). The sticky-comment step's own
shell runs here against a stand-in `gh` that keeps the PR's comments in a file: the first push
creates the stack's comment, every later push edits that same comment.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from infra.cli.diff_render import marker
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def step(job: dict, *, uses: str = "", name: str = "") -> dict:
    return next(s for s in job["steps"] if (uses and str(s.get("uses", "")).startswith(uses))
                or (name and s.get("name", "").startswith(name)))


def test_workflows_match_the_github_schema():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"preview.yml", "deploy.yml"}
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _actionlint(cwd: Path) -> subprocess.CompletedProcess:
    files = sorted(str(p.relative_to(cwd)) for p in (cwd / ".github" / "workflows").glob("*.yml"))
    return subprocess.run([str(BIN / "actionlint"), "-no-color", *files], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_actionlint_passes():
    result = _actionlint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_wrong_action_input(tmp_path):
    """Not vacuous: a misspelt pulumi/actions input fails the same check."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    text = (WORKFLOWS / "preview.yml").read_text().replace("policyPackConfigs:", "policyPackConfig:")
    (tmp_path / ".github" / "workflows" / "preview.yml").write_text(text)
    result = _actionlint(tmp_path)
    assert result.returncode == 1
    assert 'input "policyPackConfig" is not defined in action "pulumi/actions@v7"' in result.stdout


def test_pulumi_cli_is_pinned_to_the_sdk_version():
    pin = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE).group(1)
    assert (ROOT / ".pulumi-version").read_text().strip() == pin
    for name in ("preview.yml", "deploy.yml"):
        for job in load(name)["jobs"].values():
            for s in job["steps"]:
                if str(s.get("uses", "")).startswith("pulumi/actions"):
                    assert s["with"]["pulumi-version-file"] == ".pulumi-version", (name, s)


def test_preview_plans_in_update_mode_diffs_against_the_base_and_comments_in_place():
    job = load("preview.yml")["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert step(job, uses="actions/checkout")["with"]["fetch-depth"] == 0
    plan = step(job, name="Offline plan of the head")["run"]
    assert '.venv/bin/scaling plan --stack "$STACK" --mode update --format json' in plan
    diff = step(job, name="Diff against the base branch")["run"]
    assert '--base-ref "$BASE_SHA" --head "plan-$STACK.json" --stack "$STACK"' in diff and "--format markdown" in diff
    assert job["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    comment = step(job, name="Post or update this stack's comment")["run"]
    assert marker("$STACK") in comment and "--method PATCH" in comment
    assert "gh pr comment" not in json.dumps(job)  # no new comment per push
    pulumi = step(job, uses="pulumi/actions")["with"]
    assert (pulumi["command"], pulumi["comment-on-pr"], pulumi["edit-pr-comment"]) == ("preview", True, True)
    assert pulumi["policyPacks"] == "policies"
    assert pulumi["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    gate = step(job, name="Fail on a mandatory")
    assert gate["if"] == "always()" and 'test "$PLAN_RC" = 0 && test "$DIFF_RC" = 0' in gate["run"]
    assert step(job, uses="actions/upload-artifact")["if"] == "always()"


def test_deploy_promotes_the_previewed_commit_behind_approval():
    wf = load("deploy.yml")
    assert wf[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the `on` key as True
    jobs = wf["jobs"]
    assert jobs["preview-prod"]["needs"] == "up-dev" and jobs["promote-prod"]["needs"] == "preview-prod"
    assert jobs["promote-prod"]["environment"] == "production" and "environment" not in jobs["preview-prod"]
    sha = "${{ needs.preview-prod.outputs.sha }}"
    assert step(jobs["promote-prod"], uses="actions/checkout")["with"]["ref"] == sha
    assert step(jobs["promote-prod"], name="Deploy exactly the previewed commit")["env"]["PREVIEWED"] == sha
    assert step(jobs["preview-prod"], uses="pulumi/actions")["with"]["command"] == "preview"
    assert step(jobs["promote-prod"], uses="pulumi/actions")["with"]["command"] == "up"


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


FAKE_GH = r'''#!{python}
"""Stand-in for `gh api`: the PR's comments live in $GH_STATE (a JSON list of {{id, body}})."""
import json, os, re, sys
state = os.environ["GH_STATE"]
comments = json.load(open(state)) if os.path.exists(state) else []
args = sys.argv[1:]
assert args[0] == "api", args
method = args[args.index("--method") + 1] if "--method" in args else "GET"
path = next(a for a in args[1:] if a.startswith("repos/"))
if method == "GET":
    prefix = re.search(r'startswith\("(.*)"\)', args[args.index("--jq") + 1]).group(1)
    print("\n".join(str(c["id"]) for c in comments if c["body"].startswith(prefix)))
    sys.exit(0)
body = open(next(a for a in args if a.startswith("body=@"))[len("body=@"):]).read()
if method == "PATCH":
    cid = int(path.rsplit("/", 1)[-1])
    next(c for c in comments if c["id"] == cid)["body"] = body
else:
    comments.append({{"id": 1000 + len(comments), "body": body}})
json.dump(comments, open(state, "w"))
'''


def test_sticky_comment_is_created_once_then_edited_in_place(tmp_path):
    script = step(load("preview.yml")["jobs"]["preview"], name="Post or update this stack's comment")["run"]
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir()
    fake.write_text(FAKE_GH.format(python=sys.executable))
    fake.chmod(0o755)
    state = tmp_path / "comments.json"
    state.write_text(json.dumps([{"id": 7, "body": "LGTM"}, {"id": 8, "body": marker("dev") + "\nold dev"}]))
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}", "GH_STATE": str(state),
           "GH_TOKEN": "x", "PR": "12", "REPO": "o/r", "STACK": "prod"}

    def push(body: str) -> list[dict]:
        (tmp_path / "comment-prod.md").write_text(marker("prod") + "\n" + body)
        done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(state.read_text())

    assert shutil.which("bash")
    first = push("first push")
    assert [c["id"] for c in first] == [7, 8, 1002] and first[2]["body"].endswith("first push")
    second = push("second push")
    assert [c["id"] for c in second] == [7, 8, 1002]  # the same comment, edited
    assert second[2]["body"].endswith("second push") and second[1]["body"].endswith("old dev")
