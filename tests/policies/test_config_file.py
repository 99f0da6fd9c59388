"""policies/config_file.py: a policy config file is validated against each policy's config schema;
every bad file is one line naming the file, the key path and what is allowed, and `scaling plan`
exits 2 without running anything."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra.cli import main as cli
from infra.config import ConfigError
from policies import engine
from policies.config_file import MAX_BYTES, read_policy_config
from policies.rules import RULES_BY_NAME
from tests.conftest import ROOT

NAMES = ", ".join(RULES_BY_NAME)
LEVELS = "advisory, mandatory, remediate, disabled"

# (file text, key path, what the line says after "<file>: <key>: ")
BAD_FILES = [
    ('{"asg-min-max": {"hard_limits": "abc"}}', "asg-min-max.hard_limits",
     "'abc' is not allowed; allowed: an object mapping one of dev, staging, prod to an object "
     "{min_size: an integer >= 0, max_size: an integer >= 0}"),
    ('{"no-public-ingress": {"alb_public_ports": ["https"]}}', "no-public-ingress.alb_public_ports[0]",
     "'https' is not allowed; allowed: an integer 1..65535"),
    ('{"required-tags": {"required_tags": 5}}', "required-tags.required_tags",
     "5 is not allowed; allowed: a list of strings of 1..128 characters"),
    ('{"stack-budget": {"pricing_model": "bogus"}}', "stack-budget.pricing_model",
     "'bogus' is not allowed; allowed: one of aws, flat"),
    ('{"rds-not-pub": "advisory"}', "rds-not-pub", f"unknown policy; allowed: all, {NAMES}"),
    ('{"rds-not-public": {"enforcementLevel": "warn"}}', "rds-not-public.enforcementLevel",
     f"enforcement level 'warn' is not allowed; allowed: {LEVELS}"),
    ('{"stack-budget": "blocking"}', "stack-budget", f"enforcement level 'blocking' is not allowed; allowed: {LEVELS}"),
    ('{"all": {"enforcementLevel": ""}}', "all.enforcementLevel", f"enforcement level '' is not allowed; allowed: {LEVELS}"),
    ('{"all": {"enforcementLevel": "advisory", "budget_usd": 1}}', "all.budget_usd",
     "unknown key; allowed keys: enforcementLevel"),
    ('{"instance-type-allowlist": {"allowed_instance_types": "t3.medium"}}',
     "instance-type-allowlist.allowed_instance_types", "'t3.medium' is not allowed; allowed: a list of strings of 1..256 characters"),
    ('{"instance-type-allowlist": {"allowed_db_instance_classes": []}}',
     "instance-type-allowlist.allowed_db_instance_classes", "[] is not allowed; allowed: a list of strings of 1..256 characters"),
    ('{"stack-budget-advisory": {"advisory_pct": NaN}}', "stack-budget-advisory.advisory_pct",
     "NaN is not allowed; allowed: a number 0..100"),
    ('{"stack-budget-advisory": {"advisory_pct": 120}}', "stack-budget-advisory.advisory_pct",
     "120 is not allowed; allowed: a number 0..100"),
    ('{"stack-budget": {"budget_usd": true}}', "stack-budget.budget_usd", "true is not allowed; allowed: a number >= 0"),
    ('{"stack-budget": {"budget_usd": "3000"}}', "stack-budget.budget_usd", "'3000' is not allowed; allowed: a number >= 0"),
    ('{"stack-budget": {"budget_usd": 1e999}}', "stack-budget.budget_usd", "Infinity is not allowed; allowed: a number >= 0"),
    ('{"stack-budget": {"emergency_ceiling_factor": 0.5}}', "stack-budget.emergency_ceiling_factor",
     "0.5 is not allowed; allowed: a number >= 1"),
    ('{"edge-tls-minimum": {"minimum_protocol_version": "SSLv3"}}', "edge-tls-minimum.minimum_protocol_version",
     "'SSLv3' is not allowed; allowed: one of TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021, TLSv1.2_2025, TLSv1.3_2025"),
    ('{"asg-min-max": {"environment": "production"}}', "asg-min-max.environment",
     "'production' is not allowed; allowed: one of '', dev, staging, prod"),
    ('{"asg-min-max": {"hard_limits": {"qa": {"min_size": 0, "max_size": 5}}}}', "asg-min-max.hard_limits.qa",
     "'qa' is not allowed as a key; allowed: dev, staging, prod"),
    ('{"asg-min-max": {"hard_limits": {"prod": {"min_size": 5, "max_size": 2}}}}', "asg-min-max.hard_limits.prod",
     "min_size 5 is greater than max_size 2; allowed: min_size <= max_size"),
    ('{"asg-min-max": {"hard_limits": {"prod": {"min_size": 2}}}}', "asg-min-max.hard_limits.prod.max_size",
     "required key is missing; allowed: an integer >= 0"),
    ('{"asg-min-max": {"hard_limits": {"prod": {"min_size": 2.5, "max_size": 300}}}}',
     "asg-min-max.hard_limits.prod.min_size", "2.5 is not allowed; allowed: an integer >= 0"),
    ('{"asg-min-max": {"hard_limit": {}}}', "asg-min-max.hard_limit",
     "unknown key; allowed keys: enforcementLevel, environment, hard_limits"),
    ('{"rds-not-public": {"publiclyAccessible": false}}', "rds-not-public.publiclyAccessible",
     "unknown key; allowed keys: enforcementLevel"),
    ('{"asg-min-max": 5}', "asg-min-max",
     f"5 is not allowed; allowed: an enforcement level ({LEVELS}) or an object of enforcementLevel, environment, hard_limits"),
    ('{"deletion-protection": {"require_final_snapshot": "false"}}', "deletion-protection.require_final_snapshot",
     "'false' is not allowed; allowed: true or false"),
    ('{"multi-az-in-prod": {"multi_az_environments": ["qa"]}}', "multi-az-in-prod.multi_az_environments[0]",
     "'qa' is not allowed; allowed: one of dev, staging, prod"),
    ('{"required-tags": {"required_tags": ["aws:createdBy"]}}', "required-tags.required_tags[0]",
     "tag key 'aws:createdBy' uses the reserved aws: prefix; allowed: a key not starting with aws:"),
    ('{"stateful-guard": {"previous_stateful": "prod-db-primary"}}', "stateful-guard.previous_stateful",
     "'prod-db-primary' is not allowed; allowed: a list of strings of 1..256 characters"),
    ('{"edge-api-protection": {"rate_limiter_script_suffix": "Rate Limiter"}}',
     "edge-api-protection.rate_limiter_script_suffix",
     "'Rate Limiter' is not allowed; allowed: a string matching ^[a-z0-9_-]+$ of 1..63 characters"),
    ('{"stack-budget": {"budget_usd": 1}, "stack-budget": {"budget_usd": 2}}', "stack-budget",
     "appears twice in one object; each key may appear once"),
    ('{"stack-budget": {"budget_usd": 1,}}', "line 1",
     "JSON syntax error: Expecting property name enclosed in double quotes; need a JSON object of policy name "
     "-> enforcement level or config"),
    ("[1, 2]", "(file)", "must be a JSON object of policy name -> enforcement level or config, got an array"),
    ('"mandatory"', "(file)", "must be a JSON object of policy name -> enforcement level or config, got a string"),
]


def _write(tmp_path, text: str):
    path = tmp_path / "qa.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, key, message", BAD_FILES)
def test_bad_file_is_one_line_naming_file_key_and_allowed(tmp_path, text, key, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        read_policy_config(path)
    assert str(err.value) == f"{path}: {key}: {message}"


@pytest.mark.parametrize("text", [
    "{}",
    '{"all": "advisory", "rds-not-public": {"enforcementLevel": "mandatory"}}',
    '{"all": {"enforcementLevel": "disabled"}, "stack-budget": "remediate"}',
    # Numbers as the CLI hands them to the pack (floats) are the same integers.
    '{"asg-min-max": {"hard_limits": {"prod": {"min_size": 2.0, "max_size": 300.0}}}, '
    '"no-public-ingress": {"alb_public_ports": [443.0]}}',
    '{"asg-min-max": {"environment": "", "hard_limits": {}}, "stack-budget": {"budget_usd": 0}}',
])
def test_good_files_are_accepted_unchanged(tmp_path, text):
    assert read_policy_config(_write(tmp_path, text)) == json.loads(text)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shipped_files_are_valid(stack):
    assert engine.load_policy_config(stack) == json.loads((engine.CONFIG_DIR / f"{stack}.json").read_text())


def test_size_and_depth_are_bounded(tmp_path):
    path = _write(tmp_path, '{"stack-budget": {"budget_usd": 1}}' + " " * MAX_BYTES)
    with pytest.raises(ConfigError) as err:
        read_policy_config(path)
    assert str(err.value) == f"{path}: (file): larger than 1,048,576 bytes; a policy config is a small JSON object"
    path = _write(tmp_path, '{"all": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ConfigError) as err:
        read_policy_config(path)
    assert str(err.value) == f"{path}: (file): nested too deeply; a policy config is at most a few levels deep"
    path = _write(tmp_path, '{"stack-budget": {"budget_usd": 1' + "0" * 5000 + "}}")
    with pytest.raises(ConfigError) as err:
        read_policy_config(path)
    assert str(err.value) == f"{path}: stack-budget.budget_usd: Infinity is not allowed; allowed: a number >= 0"


def test_a_file_that_cannot_be_read(tmp_path):
    (tmp_path / "qa.json").mkdir()
    with pytest.raises(ConfigError) as err:
        engine.load_policy_config("qa", tmp_path)
    assert str(err.value) == f"{tmp_path / 'qa.json'}: (file): cannot be read (Is a directory); need a JSON file"
    (tmp_path / "qa.json").rmdir()
    (tmp_path / "qa.json").write_bytes(b'{"all": "advisory\xff"}')
    with pytest.raises(ConfigError) as err:
        engine.load_policy_config("qa", tmp_path)
    assert str(err.value) == f"{tmp_path / 'qa.json'}: (file): not UTF-8 text; need a UTF-8 JSON file"


# ---- scaling plan: exit 2 and the one line on stderr, nothing written

CLI_CASES = [BAD_FILES[i] for i in (0, 1, 2, 3, 4, 5, 9, 11, 17)]


@pytest.mark.parametrize("text, key, message", CLI_CASES)
def test_scaling_plan_exits_2_with_the_line(capsys, tmp_path, monkeypatch, text, key, message):
    monkeypatch.setattr(engine, "CONFIG_DIR", tmp_path)  # load_policy_config looks it up per call
    (tmp_path / "dev.json").write_text(text)
    code = cli.main(["plan", "--project-dir", str(ROOT), "--stack", "dev", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path / 'dev.json'}: {key}: {message}\n"
    assert not (tmp_path / "out").exists()


def test_scaling_plan_process_exits_2_without_a_traceback(tmp_path):
    """The console script as a process: exit status 2 and exactly the one line on stderr."""
    (tmp_path / "dev.json").write_text('{"required-tags": {"required_tags": 5}}')
    code = ("import sys; from pathlib import Path; from policies import engine; "
            f"engine.CONFIG_DIR = Path({str(tmp_path)!r}); from infra.cli.main import entry; sys.exit(entry())")
    proc = subprocess.run([sys.executable, "-c", code, "plan", "--stack", "dev", "--project-dir", str(ROOT)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"error: {tmp_path / 'dev.json'}: required-tags.required_tags: 5 is not allowed; "
                           "allowed: a list of strings of 1..128 characters\n")
