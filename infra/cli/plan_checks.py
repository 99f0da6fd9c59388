"""What `scaling plan` checks beyond the policy pack, and reading earlier plan files.

- `--previous OLD.json`: the earlier plan is what exists. Its capacity and VPCs become the stack's
  `deployed` section (infra/planning/deployed.py), so the change guard refuses, with exit 2, what
  AWS cannot do to that estate (a moved VPC, a storage shrink, an engine downgrade...); its
  resources become the `stateful-guard` policy's `previous_resources`, so the pack itself
  (policies/rules/stateful.py) reports every stateful resource the new plan deletes or replaces, as
  it would under `pulumi preview` with that config (exit 1);
- `--mode update`: the plan as `pulumi up` would run it. A preview runs with a placeholder for a
  secret that is not set; `up` stops. Every secret the stack needs (infra/config/review.py) that
  the stack file does not set is a mandatory verdict, so a pull request fails where `up` would.

`load_plan` reads a `scaling plan --format json` file for `--previous` and `scaling diff`; a file
that is missing, not JSON or not a plan raises ConfigError (one line: file, key, what is expected).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.config import PROJECT, ConfigError, PlatformConfig
from infra.config.review import missing_secrets
from infra.planning.deployed import deployed_from_plan, with_deployed

# A prod plan is ~0.6 MB; the 10,000-group scale benchmark's ~60 MB. Beyond this it is not a plan.
MAX_PLAN_BYTES = 256 * 2**20
GUARD = "stateful-guard"
SECRETS_CHECK = "required-secrets"
MODES = ("preview", "update")


class _NotFinite(ValueError):
    def __init__(self, constant: str):
        super().__init__(constant)
        self.constant = constant


def _no_constant(constant: str) -> Any:
    """json's hook for NaN/Infinity/-Infinity, which Python would read (and write back) as floats."""
    raise _NotFinite(constant)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)  # true is not $1


def load_plan(path: str | Path, flag: str) -> dict[str, Any]:
    """The plan document in `path` (given as `flag`), checked for the keys a comparison reads."""
    source = f"{flag} {path}"
    try:
        if Path(path).exists() and not Path(path).is_file():  # /dev/zero, a FIFO: never-ending reads
            raise ConfigError(source, "(file)", "is not a regular file; pass the output of "
                              "`scaling plan --format json`")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
        if len(raw) > MAX_PLAN_BYTES:
            raise ConfigError(source, "(file)", f"is over {MAX_PLAN_BYTES:,} bytes; a plan file is a few MB")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "file not found; pass the output of `scaling plan --format json`") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(source, "(file)",
                          f"cannot be read ({err.__class__.__name__}); need a UTF-8 JSON file") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except _NotFinite as err:
        line = text.count("\n", 0, text.find(err.constant)) + 1 if err.constant in text else 1
        raise ConfigError(source, f"line {line}", f"{err.constant} is not a number a plan can hold (JSON has no "
                          "NaN or Infinity); need the output of `scaling plan --format json`") from None
    except json.JSONDecodeError as err:
        raise ConfigError(source, f"line {err.lineno}", f"JSON syntax error: {err.msg}; need the output of "
                          "`scaling plan --format json`") from None
    if not isinstance(doc, dict):
        raise ConfigError(source, "(file)", f"must be a JSON object (a scaling plan), got {type(doc).__name__}")
    resources = doc.get("resources")
    if not isinstance(resources, list):
        raise ConfigError(source, "resources", "missing or not a list; need the output of `scaling plan --format json`")
    seen: dict[tuple[str, str], int] = {}
    for i, res in enumerate(resources):
        if not isinstance(res, dict) or not isinstance(res.get("type"), str) or not isinstance(res.get("name"), str):
            raise ConfigError(source, f"resources[{i}]", "need an object with string type and name")
        first = seen.setdefault((res["type"], res["name"]), i)
        if first != i:  # one URN, two states: which one the guard or the diff compared would be luck
            raise ConfigError(source, f"resources[{i}]", f"{res['name']} ({res['type']}) is listed twice (first "
                              f"at resources[{first}]); a plan has each resource once")
        if not isinstance(res.get("inputs", {}), dict) or not isinstance(res.get("options", {}), dict):
            raise ConfigError(source, f"resources[{i}]", "inputs and options must be objects")
    for key, kind in (("cost", dict), ("capacity", dict), ("policies", list)):
        if key in doc and not isinstance(doc[key], kind):
            raise ConfigError(source, key, f"must be a JSON {'object' if kind is dict else 'array'}")
    cost = doc.get("cost") or {}
    if not _is_number(cost.get("monthly_usd", 0)):
        raise ConfigError(source, "cost.monthly_usd", "must be a number")
    for i, line in enumerate(cost.get("lines") or []):
        if not isinstance(line, dict) or not _is_number(line.get("monthly_usd", 0)):
            raise ConfigError(source, f"cost.lines[{i}]", "need an object with item and a numeric monthly_usd")
    for i, verdict in enumerate(doc.get("policies") or []):
        if not isinstance(verdict, dict):
            raise ConfigError(source, f"policies[{i}]", "need an object with policy, enforcement, resource, message")
    return doc


def check_same_stack(previous: Mapping[str, Any], stack: str, path: str) -> None:
    """`--previous` must be an earlier plan of this project's `stack`: another stack's resources all
    have other names, so every one of them would read as deleted (or the guard would compare nothing)."""
    for key, want in (("project", PROJECT), ("stack", stack)):
        got = previous.get(key)
        if got is not None and got != want:
            raise ConfigError(f"--previous {path}", key, f"{got!r} is not {want!r}; pass an earlier plan of this "
                              f"stack (scaling plan --stack {stack} --format json)")


def with_deployed_from(platform: Mapping[str, Any], previous: Mapping[str, Any], path: str) -> dict[str, Any]:
    """`platform` with its `deployed` section (and `database.previous_shards`) read from the earlier
    plan (infra/planning/deployed.py), so the change guard refuses what AWS cannot do to that estate."""
    return with_deployed(platform, deployed_from_plan(previous, f"--previous {path}"))


def with_previous(policy_config: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """`policy_config` whose stateful-guard compares with the earlier plan `previous`."""
    out = dict(policy_config)
    entry = out.get(GUARD)
    out[GUARD] = {**(entry if isinstance(entry, Mapping) else {}), "previous_resources": previous["resources"]}
    return out


def secret_verdicts(cfg: PlatformConfig, other: Mapping[str, Any], stack: str, mode: str) -> list[dict[str, str]]:
    """In update mode, one mandatory verdict per secret `pulumi up` needs that the stack does not set."""
    if mode != "update":
        return []
    return [{"policy": SECRETS_CHECK, "enforcement": "mandatory", "resource": "",
             "message": f"secret {key} is not set; `pulumi up` needs it for {why}: run "
                        f"`pulumi config set --secret {key} <value> --stack {stack}`"}
            for key, why in sorted(missing_secrets(cfg, other).items())]
