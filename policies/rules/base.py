"""What a policy is: a named, pure check with its enforcement, config schema and exact messages.

Each `policies/rules/<area>.py` defines its checks and, next to each, the registration:
a `ResourcePolicy` (`check(resource_type, props, config, *, name="") -> list[str]`) or a
`StackPolicy` (`check(resources, config) -> list[Violation]`). `config` is the policy's
`PolicyConfig` model: pydantic, strict JSON types, unknown keys refused, every key with its
documented default. The same model validates `policies/config/<stack>.json` (offline), builds
the JSON schema the CrossGuard pack serves to the Pulumi CLI, and gives the rule typed values, so
a key has one type and one default everywhere. No pulumi import here: `policies/pack.py` wraps
these objects as pulumi_policy `ResourceValidationPolicy` / `StackValidationPolicy`.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, NamedTuple, Self, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from infra.config import PlatformConfig

MANDATORY = "mandatory"
ADVISORY = "advisory"
# The levels the Pulumi CLI accepts in a policy config file (apitype.EnforcementLevel).
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
EnforcementLevel = Literal["advisory", "mandatory", "remediate", "disabled"]


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The values of a `Literal[...]` annotation, through `Annotated[...]` wrappers."""
    args = get_args(annotation)
    if args and all(isinstance(a, str) for a in args):
        return tuple(args)
    return _literal_values(args[0]) if args else ()


# The stack environments (the platform config's `environment`): policy configs name the same ones.
ENVIRONMENTS: tuple[str, ...] = _literal_values(PlatformConfig.model_fields["environment"].annotation)
if TYPE_CHECKING:  # a Literal built from a tuple is a runtime type only; mypy sees plain strings
    EnvironmentName = str
    StackEnvironment = str
else:
    EnvironmentName = Literal[ENVIRONMENTS]
    # The `environment` setting of asg-min-max and multi-az-in-prod.
    StackEnvironment = Annotated[
        Literal[("",) + ENVIRONMENTS],
        Field(description=f"Stack environment ({'|'.join(ENVIRONMENTS)}); empty = the resource's environment tag")]


class Violation(NamedTuple):
    """A stack rule's finding: the resource it is about (None = the whole stack) and the message."""

    resource: str | None
    message: str


def _whole_number_as_int(value: Any) -> Any:
    """JSON has one number type: 300.0 is the integer 300 (the Pulumi CLI hands the pack every
    number as a float, and its JSON-schema check accepts 300.0 as an integer). Booleans stay
    booleans, so strict validation refuses them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The constraint goes before the BeforeValidator, so that the JSON schema shows it as minimum/maximum.
Port = Annotated[int, Field(ge=1, le=65535), BeforeValidator(_whole_number_as_int)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_whole_number_as_int)]
NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, Field(min_length=1, max_length=256)]


class PolicyConfig(BaseModel):
    """A policy's config schema. Strict: a string is not a list, a boolean is not a number, a
    number is finite, unknown keys are errors; defaults are validated too."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              validate_default=True)

    @classmethod
    def of(cls, config: Self | Mapping[str, Any] | None) -> Self:
        """`config` as this model: an instance passes through; a mapping (e.g. `{"budget_usd": 10}`
        from a caller or test) is validated over the defaults."""
        return config if isinstance(config, cls) else cls.model_validate(dict(config or {}))

    @classmethod
    def schema_properties(cls) -> dict[str, dict[str, Any]]:
        """JSON-schema `properties` for pulumi_policy's `PolicyConfigSchema`: one entry per key with
        its type, bounds, `default` and `description`; `$ref`s inlined and titles dropped (the CLI
        receives each policy's properties alone, without `$defs`)."""
        schema = cls.model_json_schema()
        return _inline(schema.get("properties", {}), schema.get("$defs", {}))


class NoConfig(PolicyConfig):
    """The config of a policy without settings (only `enforcementLevel` may be given)."""


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = dict(defs[node["$ref"].rsplit("/", 1)[-1]])
            return _inline({**target, **{k: v for k, v in node.items() if k != "$ref"}}, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


_FIELD = re.compile(r"\{(\w+)[^{}]*\}")


def message_pattern(template: str) -> str:
    """A message template as docs/policies.md writes it: `{lo:g}` -> `{lo}`."""
    return _FIELD.sub(r"{\1}", template)


@dataclass(frozen=True)
class Rule:
    """One policy. `check` is pure; `config` is its `PolicyConfig` model (the config schema);
    `messages` are the exact message templates `check` formats (docs/policies.md lists each)."""

    name: str
    description: str
    enforcement: str
    check: Callable[..., Any]
    config: type[PolicyConfig] = NoConfig
    messages: tuple[str, ...] = ()
    kind: ClassVar[str] = ""

    @cached_property
    def schema(self) -> dict[str, dict[str, Any]]:
        """The config schema as JSON-schema properties (each key with `default` and `description`)."""
        return self.config.schema_properties()

    def defaults(self) -> dict[str, Any]:
        """Every config key with its documented default (as the CLI fills them from the schema)."""
        return {k: copy.deepcopy(v["default"]) for k, v in self.schema.items() if "default" in v}

    def settings(self, given: Mapping[str, Any] | None = None) -> PolicyConfig:
        """The config the check sees: schema defaults overlaid, top-level key by key, by `given`
        (as the Pulumi CLI applies a policy's defaults to `--policy-pack-config`).
        `enforcementLevel` is not a setting and is dropped. Raises pydantic's ValidationError."""
        return self.config.model_validate({k: v for k, v in (given or {}).items() if k != "enforcementLevel"})


@dataclass(frozen=True)
class ResourcePolicy(Rule):
    """`check(resource_type, props, config, *, name="") -> list[str]`, run per resource."""

    kind: ClassVar[str] = "resource"


@dataclass(frozen=True)
class StackPolicy(Rule):
    """`check(resources, config) -> list[Violation]`, run once over the whole stack."""

    kind: ClassVar[str] = "stack"
