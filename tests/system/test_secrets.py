"""Secrets never reach a plan: not in the JSON, the table, the markdown or the `--out` files.

Two ways a stack carries the program's secrets (infra/program/edge_program.py reads all three with
`Config.get_secret`, so each becomes a secret Output whichever way it was given):
- `{secure: <ciphertext>}` in Pulumi.<stack>.yaml, as `pulumi config set --secret` writes it (offline
  the ciphertext cannot be decrypted; infra/offline/runner.py substitutes a placeholder marked secret);
- a plain value in the stack file (a mistake, but the program still treats it as secret).
A distinctive sentinel is used for every value and every output is grepped for it and for the
offline placeholders; the inputs that carry the secrets must show `[secret]` instead.

Database master passwords are never inputs at all: RDS manages them in Secrets Manager
(`manageMasterUserPassword`), so no `password` input may exist anywhere; the Redis `authToken` is
always a secret (config `scaling-platform:redisAuthToken`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from infra.cli import main as cli
from infra.cli import report
from infra.model.unknown import SECRET_TEXT
from tests.conftest import K8S_IMAGES, ROOT

SENTINEL = "s3ntinel-9f2c41d7"
SECRET_KEYS = ("scaling-platform:jwtSecret", "scaling-platform:kubeconfig", "cloudflare:apiToken",
               "scaling-platform:originSecret", "scaling-platform:redisAuthToken")
# What must never be printed either: the offline stand-ins for a value the plan cannot know.
PLACEHOLDERS = ("offline-placeholder-secret", "preview-placeholder")
# The inputs through which each secret enters the program (resource name, input path), all `[secret]`.
SECRET_INPUTS = {
    ("cloudflare-{stack}", ("apiToken",)),                     # the Cloudflare provider
    ("k8s-{stack}", ("kubeconfig",)),                          # the Kubernetes provider
    ("{stack}-cloudflare-auth-validator", ("bindings", 0, "text")),  # its JWT_SECRET binding
    ("{stack}-edge-cdn", ("origins", 0, "customHeaders", 0, "value")),  # the origin header CloudFront adds
    ("{stack}-us-east-1-cache-rg", ("authToken",)),           # Redis AUTH
}


def _stack_file(tmp: Path, stack: str, how: str) -> Path:
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config = doc["config"]
    config["scaling-platform:platform"]["kubernetes"] = {"enabled": True, **K8S_IMAGES}  # the kubeconfig is read
    for key in SECRET_KEYS:
        value = f"{SENTINEL}-{key}"
        config[key] = {"secure": value} if how == "secure" else value
    path = tmp / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _plan(capsys, stack_file: Path, stack: str, fmt: str, out: Path) -> tuple[int, str, dict[str, str]]:
    code = cli.main(["plan", "--stack", stack, "--config-file", str(stack_file), "--format", fmt, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert stderr == ""
    # every file of the report, charts included (read as bytes: a PNG could embed text too)
    files = {str(p.relative_to(out)): p.read_bytes().decode("utf-8" if p.suffix in (".md", ".json") else "latin-1")
             for p in out.rglob("*") if p.is_file()}
    return code, stdout, files


def _leaks(text: str) -> list[str]:
    return [s for s in (SENTINEL, *PLACEHOLDERS) if s in text]


def _at(value, path):
    for part in path:
        value = value[part]
    return value


# One CLI run per way of giving the secrets, each printing one view and writing --out (plan.json,
# plan.md). The other views are rendered from the same document by infra/cli/report.py, exactly as the
# CLI renders them, so every format is checked without another mock run.
@pytest.mark.parametrize("how, fmt", [("secure", "table"), ("plain", "json")])
def test_secret_config_never_printed_or_written(capsys, tmp_path, how, fmt):
    stack = f"secrets-{how}"
    code, stdout, files = _plan(capsys, _stack_file(tmp_path, stack, how), stack, fmt, tmp_path / "out")
    assert code in (0, 1)
    assert set(files) >= {"plan.json", "plan.md"}
    assert _leaks(stdout) == [], f"{fmt} output leaks a secret"
    for name, text in files.items():
        assert _leaks(text) == [], f"--out {name} leaks a secret"
    doc = json.loads(files["plan.json"])
    for view in (report.render_table(doc), report.render_markdown(doc), report.to_json(doc)):
        assert _leaks(view) == []
    charts = sorted(name for name in files if name.startswith("charts/"))
    expected = [f"charts/{region}-{tier}.png" for region in doc["capacity"]["regions"] for tier in ("api", "worker")]
    assert sorted(charts) == sorted(expected)
    assert files["plan.md"].endswith("\n".join(f"![{c[7:-4]}]({c})\n" for c in expected))
    if fmt == "json":
        assert json.loads(stdout) == doc
    by_name = {r["name"]: r for r in doc["resources"]}
    for name, path in SECRET_INPUTS:
        assert _at(by_name[name.format(stack=stack)]["inputs"], path) == SECRET_TEXT, (name, path)
    assert json.dumps(doc["outputs"]).count(SENTINEL) == 0


def test_unset_secrets_show_as_secret_not_as_the_preview_placeholder(prod_run):
    # Pulumi.prod.yaml sets none of the secrets: previews use a placeholder that is itself secret.
    text = json.dumps([r.inputs for r in prod_run.resources]) + json.dumps(prod_run.outputs, default=str)
    assert _leaks(text) == []
    provider = next(r for r in prod_run.resources if r.type == "pulumi:providers:cloudflare")
    script = next(r for r in prod_run.resources if r.name == "prod-cloudflare-auth-validator")
    assert provider.inputs.get("apiToken") in (None, SECRET_TEXT)  # unset: the provider reads its env var
    assert script.inputs["bindings"][0] == {"name": "JWT_SECRET", "type": "secret_text", "text": SECRET_TEXT}


_PASSWORD_KEY = re.compile(r"password|authtoken|secretstring|secretkey|privatekey", re.IGNORECASE)
# The only password-related inputs allowed: RDS manages the password in Secrets Manager, under our key.
_ALLOWED_KEYS = {"manageMasterUserPassword", "masterUserSecretKmsKeyId", "authTokenUpdateStrategy"}


def _keys(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key
            yield from _keys(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys(item, (*path, index))


def test_no_password_input_anywhere_master_passwords_from_secrets_manager(prod_run):
    for resource in prod_run.resources:
        for path, key in _keys(resource.inputs):
            if _PASSWORD_KEY.search(str(key)) and key not in _ALLOWED_KEYS:
                assert _at(resource.inputs, path) == SECRET_TEXT, f"{resource.name}: {'.'.join(map(str, path))}"
    primaries = [r for r in prod_run.resources
                 if r.type == "aws:rds/instance:Instance" and "replicateSourceDb" not in r.inputs]
    assert primaries
    for db in primaries:
        assert db.inputs["manageMasterUserPassword"] is True, db.name
        assert db.inputs["masterUserSecretKmsKeyId"] == db.inputs["kmsKeyId"], db.name  # the data key, not aws/rds
        assert "password" not in db.inputs and "passwordWo" not in db.inputs
    for cache in (r for r in prod_run.resources if r.type == "aws:elasticache/replicationGroup:ReplicationGroup"):
        assert cache.inputs["authToken"] == SECRET_TEXT, cache.name
