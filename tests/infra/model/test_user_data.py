"""User data: the CloudWatch agent everywhere, the drain handler on batch tiers -- its text, its syntax
(bash -n, shellcheck when installed) and its behaviour, run for real under bash with stub `curl` (IMDSv2),
`aws` and `sleep` on PATH."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from infra.model.drain import DrainPlan
from infra.model.user_data import DRAIN_SCRIPT, drain_handler_script, drain_unit, user_data_script

PLAN = DrainPlan("drain-jobs", "autoscaling:EC2_INSTANCE_TERMINATING", 3600, 3600, "CONTINUE", None, 10, "test")
GROUP_ARGS = "--auto-scaling-group-name t-worker-asg --region eu-west-1"

CURL = r"""#!/bin/bash
# IMDSv2 stub: a token for the PUT, then answers only with that token.
log="$STUB/curl.log"; echo "$*" >> "$log"
case "$*" in
  *"-X PUT"*api/token*) echo TOKEN; exit 0 ;;
esac
case "$*" in *"X-aws-ec2-metadata-token: TOKEN"*) ;; *) exit 22 ;; esac
case "$*" in
  *meta-data/instance-id) echo i-0abc ;;
  *meta-data/placement/region) echo eu-west-1 ;;
  *meta-data/tags/instance/aws:autoscaling:groupName) echo t-worker-asg ;;
  *meta-data/autoscaling/target-lifecycle-state)
    state=$(head -n1 "$STUB/states"); [ "$(wc -l < "$STUB/states")" -gt 1 ] && sed -i 1d "$STUB/states"
    echo "$state" ;;
  *) exit 22 ;;
esac
"""
AWS = '#!/bin/bash\necho "$*" >> "$STUB/aws.log"\n'
SLEEP = r"""#!/bin/bash
# each sleep runs the next scripted action (touch/rm of the busy file), then returns at once
action=$(head -n1 "$STUB/actions" 2>/dev/null); sed -i 1d "$STUB/actions" 2>/dev/null
[ -n "$action" ] && eval "$action"
exit 0
"""


def _run(tmp_path: Path, plan: DrainPlan, states: list[str], actions: list[str], busy: bool) -> list[str]:
    stub, run_dir, etc = tmp_path / "stub", tmp_path / "run", tmp_path / "etc"
    stub.mkdir()
    for name, text in (("curl", CURL), ("aws", AWS), ("sleep", SLEEP)):
        (stub / name).write_text(text)
        (stub / name).chmod(0o755)
    (stub / "states").write_text("\n".join(states) + "\n")
    (stub / "actions").write_text("".join(f"{a.format(busy=run_dir / 'busy')}\n" for a in actions))
    script = drain_handler_script(plan).replace("/run/scaling-platform", str(run_dir)).replace(
        "/etc/scaling-platform", str(etc))
    run_dir.mkdir()
    if busy:
        (run_dir / "busy").touch()
    env = {"PATH": f"{stub}:/usr/bin:/bin", "STUB": str(stub)}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert (run_dir / "draining").exists()
    assert (etc / "env").read_text() == "ACCEPT_NEW_JOBS=false\n"
    return (stub / "aws.log").read_text().splitlines()


def test_handler_protects_while_busy_then_drains_and_completes_with_continue(tmp_path):
    # busy at start -> protect; job ends -> unprotect; new job -> protect; scale-in picks it anyway
    # (Terminated): stop taking jobs, wait for the job (two polls), complete the hook.
    calls = _run(tmp_path, PLAN, ["InService", "InService", "InService", "Terminated"],
                 ["rm {busy}", "touch {busy}", "true", "true", "rm {busy}"], busy=True)
    assert calls == [
        f"autoscaling set-instance-protection --instance-ids i-0abc --protected-from-scale-in {GROUP_ARGS}",
        f"autoscaling set-instance-protection --instance-ids i-0abc --no-protected-from-scale-in {GROUP_ARGS}",
        f"autoscaling set-instance-protection --instance-ids i-0abc --protected-from-scale-in {GROUP_ARGS}",
        "autoscaling complete-lifecycle-action --lifecycle-hook-name drain-jobs --instance-id i-0abc "
        f"--lifecycle-action-result CONTINUE {GROUP_ARGS}"]


def test_idle_worker_completes_at_once(tmp_path):
    calls = _run(tmp_path, PLAN, ["Terminated"], [], busy=False)
    assert calls == ["autoscaling complete-lifecycle-action --lifecycle-hook-name drain-jobs --instance-id i-0abc "
                     f"--lifecycle-action-result CONTINUE {GROUP_ARGS}"]


def test_a_job_past_the_heartbeat_records_heartbeats_up_to_the_longest_job(tmp_path):
    plan = DrainPlan("drain-jobs", "autoscaling:EC2_INSTANCE_TERMINATING", 30, 30, "CONTINUE", 10, 10, "test")
    calls = _run(tmp_path, plan, ["Terminated"], [], busy=True)  # the job never ends: give up at 30 s
    beat = f"autoscaling record-lifecycle-action-heartbeat --lifecycle-hook-name drain-jobs --instance-id i-0abc {GROUP_ARGS}"
    assert calls == [beat, beat, beat, "autoscaling complete-lifecycle-action --lifecycle-hook-name drain-jobs "
                     f"--instance-id i-0abc --lifecycle-action-result CONTINUE {GROUP_ARGS}"]


def test_user_data_installs_the_handler_only_with_a_drain_plan():
    api = user_data_script({})
    assert "scaling-platform-drain" not in api and "amazon-cloudwatch-agent" in api
    worker = user_data_script({}, PLAN)
    assert worker.startswith(api)  # the agent first, then the handler
    assert worker[len(api):] == (f"cat > {DRAIN_SCRIPT} <<'DRAIN'\n{drain_handler_script(PLAN)}DRAIN\n"
                                 f"chmod 0755 {DRAIN_SCRIPT}\n"
                                 f"cat > /etc/systemd/system/scaling-platform-drain.service <<'EOF'\n{drain_unit()}EOF\n"
                                 "systemctl daemon-reload\nsystemctl enable --now scaling-platform-drain.service\n")
    handler = drain_handler_script(PLAN)
    for line in ("HOOK=drain-jobs", "LONGEST_JOB_S=3600", "HEARTBEAT_EVERY_S=0", "POLL_S=10",
                 "BUSY=/run/scaling-platform/busy", "DRAINING=/run/scaling-platform/draining",
                 "--lifecycle-action-result CONTINUE"):
        assert line in handler
    # IMDSv2 only: every read carries the session token
    assert "X-aws-ec2-metadata-token-ttl-seconds: 300" in handler and 'X-aws-ec2-metadata-token: $token' in handler
    assert "ExecStart=/usr/local/sbin/scaling-platform-drain\nRestart=always" in drain_unit()


@pytest.mark.parametrize("drain", [None, PLAN])
def test_user_data_is_valid_bash(tmp_path, drain):
    script = tmp_path / "user-data.sh"
    script.write_text(user_data_script({"MAX_CONCURRENT_JOBS": "50"}, drain))
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    handler = tmp_path / "handler.sh"
    handler.write_text(drain_handler_script(PLAN))
    assert subprocess.run(["bash", "-n", str(handler)], capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_handler_passes_shellcheck(tmp_path):
    handler = tmp_path / "handler.sh"
    handler.write_text(drain_handler_script(PLAN))
    done = subprocess.run(["shellcheck", "-s", "bash", str(handler)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
