"""Offline policy evaluation: the CrossGuard pack's rules over mock-recorded resources.

`scaling plan` calls `evaluate` with what the SDK mocks registered and the stack's policy config
(the same JSON file `pulumi preview --policy-pack-config` reads). It runs exactly the functions
in `policies.rules.RULES` with the same defaults resolution (`rules.resolve_config`) and the same
per-policy enforcement overrides the CLI honours, so the offline verdicts equal the CLI's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from infra.config import ConfigError
from infra.model.recorded import RecordedResource
from policies.rules import RULES, Rule, prepare_props, resolve_config

CONFIG_DIR = Path(__file__).parent / "config"
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class Verdict:
    """One violation: policy name, enforcement ("mandatory" | "advisory"), resource name
    ("" for a stack-wide finding or a resource no longer in the plan) and the rule's exact message."""

    policy: str
    enforcement: str
    resource: str
    message: str


def load_policy_config(stack: str, directory: Path | None = None) -> dict[str, Any]:
    """The per-stack pack config `<directory>/<stack>.json` (default `CONFIG_DIR`, looked up at call
    time); {} when the stack has none. A file that is not a JSON object, or an enforcement level
    the pack does not know, raises ConfigError naming the file, the key and what is allowed."""
    path = (CONFIG_DIR if directory is None else directory) / f"{stack}.json"
    if not path.exists():
        return {}
    source = str(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(source, f"line {err.lineno}", f"JSON syntax error: {err.msg}; need a JSON object "
                          "of policy name -> enforcement level or config") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(source, "(file)", f"cannot be read ({err.__class__.__name__}); need a UTF-8 JSON file") from None
    if not isinstance(config, dict):
        raise ConfigError(source, "(file)", f"must be a JSON object of policy name -> enforcement level or config, "
                          f"got {type(config).__name__}")
    for rule in RULES:  # the entries enforcement_for reads, checked here so `scaling plan` fails early
        key, level = _level_entry(rule, config)
        if level not in ENFORCEMENT_LEVELS:
            raise ConfigError(source, key or rule.name, f"enforcement level {level!r} is not allowed; allowed: "
                              f"{', '.join(ENFORCEMENT_LEVELS)}")
    return config


BUDGET_POLICIES = ("stack-budget", "stack-budget-advisory")


def with_budget(policy_config: Mapping[str, Any], budget_usd: float, **extra: Any) -> dict[str, Any]:
    """`policy_config` with `budget_usd` (and any other budget keys, e.g. `emergency=True`) set on
    both budget policies, so `scaling plan` can take the budget from the stack's
    `budget_usd_month` without the two entries drifting apart."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in policy_config.items()}
    for name in BUDGET_POLICIES:
        entry = out.get(name)
        out[name] = {**(entry if isinstance(entry, Mapping) else {}), "budget_usd": budget_usd, **extra}
    return out


def _level_entry(rule: Rule, policy_config: Mapping[str, Any]) -> tuple[str | None, Any]:
    """(config key that sets the rule's level, that level): the last present of `"all"`,
    `"<policy>"` and `"<policy>".enforcementLevel`; (None, the rule's own level) when none is."""
    key, level = None, rule.enforcement
    if isinstance(policy_config.get("all"), str):
        key, level = "all", policy_config["all"]
    own = policy_config.get(rule.name)
    if isinstance(own, str):
        key, level = rule.name, own
    elif isinstance(own, Mapping) and own.get("enforcementLevel"):
        key, level = f"{rule.name}.enforcementLevel", own["enforcementLevel"]
    return key, level


def enforcement_for(rule: Rule, policy_config: Mapping[str, Any]) -> str:
    """The rule's level after the config's overrides: `"all": LEVEL`, then `"<policy>": LEVEL`
    or `"<policy>": {"enforcementLevel": LEVEL}` (the `--policy-pack-config` file format).
    Remediate is reported as mandatory, as the analyzer does."""
    _, level = _level_entry(rule, policy_config)
    if level not in ENFORCEMENT_LEVELS:
        raise ValueError(f"policy config for {rule.name}: enforcementLevel {level!r} is not one of "
                         f"{', '.join(ENFORCEMENT_LEVELS)}")
    return "mandatory" if level == "remediate" else level


def rule_config(rule: Rule, policy_config: Mapping[str, Any]) -> dict[str, Any]:
    """The config one rule sees: schema defaults overlaid by its entry in `policy_config`."""
    own = policy_config.get(rule.name)
    return resolve_config(rule, own if isinstance(own, Mapping) else None)


def _with_provider_tags(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Each resource with its explicit provider's defaultTags merged, as `prepare_props` does in the pack."""
    providers = {r.name: r.inputs for r in resources if r.type.startswith("pulumi:providers:")}
    return [RecordedResource(r.type, r.name, prepare_props(r.inputs, providers.get(r.provider or "")),
                             r.parent, r.provider, r.options, r.urn, r.custom)
            for r in resources]


def evaluate(resources: Iterable[RecordedResource], policy_config: Mapping[str, Any] | None = None) -> list[Verdict]:
    """Every violation of the pack over `resources`: resource rules per resource (in order),
    then stack rules. Disabled policies are skipped. `scaling plan` exits 1 on any mandatory one."""
    policy_config = policy_config or {}
    prepared = _with_provider_tags(list(resources))
    verdicts: list[Verdict] = []
    active = [(rule, enforcement_for(rule, policy_config), rule_config(rule, policy_config)) for rule in RULES]
    active = [(rule, level, cfg) for rule, level, cfg in active if level != "disabled"]
    for res in prepared:
        for rule, level, cfg in active:
            if rule.kind == "resource":
                for msg in rule.check(res.type, res.inputs, cfg, name=res.name):
                    verdicts.append(Verdict(rule.name, level, res.name, msg))
    # A stack finding names a resource only when it is in this plan (the CLI can attribute it to
    # a URN); a removed resource is named in the message instead, exactly as under the CLI.
    present = {r.name for r in prepared}
    for rule, level, cfg in active:
        if rule.kind == "stack":
            for v in rule.check(prepared, cfg):
                verdicts.append(Verdict(rule.name, level, v.resource if v.resource in present else "", v.message))
    return verdicts


def has_mandatory(verdicts: Iterable[Verdict]) -> bool:
    """True when any verdict blocks the plan (`scaling plan` exit code 1)."""
    return any(v.enforcement == "mandatory" for v in verdicts)
