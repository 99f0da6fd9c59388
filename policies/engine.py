"""Offline policy evaluation: the CrossGuard pack's rules over mock-recorded resources.

`scaling plan` calls `evaluate` with what the SDK mocks registered and the stack's policy config
(the same JSON file `pulumi preview --policy-pack-config` reads, validated by
`policies.config_file`). It runs exactly the registry's rules (`policies.rules.RULES`) with the
same defaults resolution (`Rule.settings`) and the same enforcement overrides the CLI honours,
so the offline verdicts equal the CLI's.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.model.recorded import RecordedResource
from policies.config_file import ALL, LEVEL_KEY, read_policy_config
from policies.rules import RULES, Rule
from policies.rules.base import ENFORCEMENT_LEVELS, PolicyConfig
from policies.rules.props import prepare_props

CONFIG_DIR = Path(__file__).parent / "config"
__all__ = ["CONFIG_DIR", "ENFORCEMENT_LEVELS", "Verdict", "enforcement_for", "evaluate", "has_mandatory",
           "load_policy_config", "rule_config", "settings_for", "with_budget"]


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
    time); {} when the stack has none. A file that is not valid against the registry (unknown
    policy or key, wrong type, bad enforcement level, oversized) raises ConfigError naming the
    file, the key and what is allowed (`policies.config_file`)."""
    path = (CONFIG_DIR if directory is None else directory) / f"{stack}.json"
    if not path.exists():
        return {}
    return read_policy_config(path)


BUDGET_POLICIES = ("stack-budget", "stack-budget-advisory")


def with_budget(policy_config: Mapping[str, Any], budget_usd: float, **extra: Any) -> dict[str, Any]:
    """`policy_config` with `budget_usd` (and any other budget keys, e.g. `emergency=True`) set on
    both budget policies, so `scaling plan` can take the budget from the stack's
    `budget_usd_month` without the two entries drifting apart."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in policy_config.items()}
    for name in BUDGET_POLICIES:
        entry = out.get(name)
        # The string form ("stack-budget": "advisory") is a level: keep it as the entry's level.
        own = dict(entry) if isinstance(entry, Mapping) else {LEVEL_KEY: entry} if isinstance(entry, str) else {}
        out[name] = {**own, "budget_usd": budget_usd, **extra}
    return out


def _level_of(entry: Any) -> str | None:
    """The level an entry sets: the string form, or the object form's `enforcementLevel`."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and isinstance(entry.get(LEVEL_KEY), str):
        return str(entry[LEVEL_KEY])
    return None


def enforcement_for(rule: Rule, policy_config: Mapping[str, Any]) -> str:
    """The rule's level after the config's overrides, as the Pulumi CLI applies them: `"all"`
    first (`"all": LEVEL` or `{"enforcementLevel": LEVEL}`), then the policy's own entry
    (`"<policy>": LEVEL` or `{"enforcementLevel": LEVEL, ...}`). Remediate is reported as
    mandatory, as the analyzer does."""
    level = _level_of(policy_config.get(rule.name)) or _level_of(policy_config.get(ALL)) or rule.enforcement
    if level not in ENFORCEMENT_LEVELS:
        raise ValueError(f"policy config for {rule.name}: enforcementLevel {level!r} is not one of "
                         f"{', '.join(ENFORCEMENT_LEVELS)}")
    return "mandatory" if level == "remediate" else level


def settings_for(rule: Rule, policy_config: Mapping[str, Any]) -> PolicyConfig:
    """The typed config one rule sees: schema defaults overlaid by its entry in `policy_config`."""
    own = policy_config.get(rule.name)
    return rule.settings(own if isinstance(own, Mapping) else None)


def rule_config(rule: Rule, policy_config: Mapping[str, Any]) -> dict[str, Any]:
    """`settings_for` as a plain dict (every key, defaults filled), for callers that print it."""
    return settings_for(rule, policy_config).model_dump()


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
    active = [(rule, enforcement_for(rule, policy_config), settings_for(rule, policy_config)) for rule in RULES]
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
