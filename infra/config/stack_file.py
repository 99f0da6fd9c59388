"""Reading a `Pulumi.<stack>.yaml`: bounded, YAML 1.2, and the keys beside the platform key checked.

Pure (no pulumi, no boto3). `read_stack_file` returns the platform dict (validated later by
`parse_platform`, after `--set`) and the other config keys, of which the project's own secrets and
`aws:region` are checked here: the offline plan never sees their values again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from infra.config import yaml_io
from infra.config.alerts import PAGERDUTY_SECRET_KEYS
from infra.config.errors import ConfigError
from infra.config.platform import PLATFORM_KEY, PROJECT
from infra.model.catalog import AWS_REGIONS

# The project's config keys besides the platform key (infra/program/edge_program.py reads them).
SECRET_KEYS = (f"{PROJECT}:jwtSecret", f"{PROJECT}:kubeconfig",
               # issue 16: CloudFront origin header (current, previous) and the Redis AUTH token
               f"{PROJECT}:originSecret", f"{PROJECT}:originSecretPrevious", f"{PROJECT}:redisAuthToken",
               # issue 17: PagerDuty integration URLs per severity (infra/config/alerts.py)
               *(f"{PROJECT}:{key}" for key in PAGERDUTY_SECRET_KEYS.values()))
# auth-validator signs HS256 JWTs: RFC 7518 3.2 wants a key of at least the hash size, 32 bytes.
JWT_SECRET_MIN_BYTES = 32


class StackFile(BaseModel):
    """A `Pulumi.<stack>.yaml` as read from disk: the platform dict plus the other config keys."""

    model_config = ConfigDict(frozen=True)

    path: str
    platform: dict[str, Any]
    other: dict[str, Any]  # every other key, e.g. aws:region, secrets as {"secure": ...}


def read_text_bounded(path: Path, source: str, limit: int = yaml_io.MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; ConfigError otherwise."""
    try:
        if not path.exists():
            raise ConfigError(source, "(file)", "file not found; pass an existing Pulumi.<stack>.yaml")
        if not path.is_file():  # a directory, /dev/zero, a FIFO: never read without end
            raise ConfigError(source, "(file)", "is not a regular file; pass a Pulumi.<stack>.yaml file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except ConfigError:
        raise
    except (OSError, ValueError) as err:
        raise ConfigError(source, "(file)", f"cannot be read ({err.__class__.__name__}); need a readable YAML file") from None
    if len(data) > limit:
        raise ConfigError(source, "(file)", f"larger than {limit // 1024} KiB; a stack file is a few KiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(source, "(file)", "is not UTF-8 text; need a UTF-8 YAML file") from None


def read_stack_file(path: str | Path) -> StackFile:
    """Read a stack YAML file; ConfigError names the file and the key (or line) of the first problem."""
    path = Path(path)
    source = str(path)
    text = read_text_bounded(path, source)
    try:
        doc = yaml_io.load(text)
    except yaml_io.YamlProblem as err:
        raise ConfigError(source, f"line {err.line}" if err.line else "(yaml)", err.problem) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise ConfigError(source, "config", "missing top-level `config:` mapping (Pulumi stack file format)")
    config = dict(doc["config"])
    if PLATFORM_KEY not in config:
        raise ConfigError(source, PLATFORM_KEY, "required key is missing")
    platform = config.pop(PLATFORM_KEY)
    if not isinstance(platform, dict):
        raise ConfigError(source, PLATFORM_KEY, f"must be a mapping of settings, got {type(platform).__name__}")
    check_other_keys(config, source)
    return StackFile(path=source, platform=platform, other=config)


def check_other_keys(config: dict[str, Any], source: str) -> None:
    """The config keys beside the platform key: the project's secrets, `aws:region`, no stray project keys."""
    for key, value in config.items():
        if key.startswith(f"{PROJECT}:") and key not in SECRET_KEYS:
            raise ConfigError(source, key, f"unknown key; allowed keys: {', '.join((PLATFORM_KEY, *SECRET_KEYS))}")
        if key in SECRET_KEYS or key == "cloudflare:apiToken":
            _check_secret(key, value, source)
    region = config.get("aws:region")
    if region is not None and region not in AWS_REGIONS:
        raise ConfigError(source, "aws:region", f"unknown AWS region {str(region)[:60]!r}; need e.g. us-east-1")


def _check_secret(key: str, value: Any, source: str) -> None:
    if isinstance(value, dict):
        if set(value) != {"secure"} or not isinstance(value["secure"], str) or not value["secure"]:
            raise ConfigError(source, key, "must be {secure: <ciphertext>} as `pulumi config set --secret` writes it")
        return
    if not isinstance(value, str) or not value:
        raise ConfigError(source, key, "must be a secret (`pulumi config set --secret " + key + " ...`)")
    if key == f"{PROJECT}:jwtSecret" and len(value.encode("utf-8")) < JWT_SECRET_MIN_BYTES:
        raise ConfigError(source, key, f"{len(value.encode('utf-8'))} bytes; the HS256 JWT secret needs at least "
                                       f"{JWT_SECRET_MIN_BYTES} random bytes (RFC 7518 3.2)")
