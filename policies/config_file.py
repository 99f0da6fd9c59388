"""Policy config files (`policies/config/<stack>.json`, the `--policy-pack-config` file) checked
against the registry before anything runs.

The file maps a policy name (or `"all"`) to an enforcement level, or to an object of that policy's
settings plus an optional `enforcementLevel` — the format the Pulumi CLI reads. Each policy's
settings are validated by its own config model (`Rule.config`: pydantic, strict JSON types,
unknown keys refused), so a wrong type, an unknown policy or key, or a bad level is one
`ConfigError` line naming the file, the key path and what is allowed (`scaling plan` exits 2).
The file is bounded in size and depth; NaN, Infinity and a key written twice (which the Pulumi CLI
would refuse or read ambiguously) are refused too.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.config import ConfigError
from policies.rules import RULES_BY_NAME, Rule
from policies.rules.base import ENFORCEMENT_LEVELS

ALL = "all"  # the key that sets every policy's enforcement level
LEVEL_KEY = "enforcementLevel"
MAX_BYTES = 1 << 20  # a policy config is a few hundred bytes; 1 MiB bounds what is read (e.g. /dev/zero)
_SHOWN_CHARS = 60  # how much of a bad value an error line quotes
_MAX_INT_DIGITS = 20  # 2**64 has 20 digits


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _int(digits: str) -> int | float:
    """JSON integers; one longer than any sane setting becomes a float (inf when huge), which the
    settings' validation then refuses with its key, instead of Python's int-length error."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else float(digits)


def read_policy_config(path: Path) -> dict[str, Any]:
    """The validated file as a plain dict (policy name -> level or settings). ConfigError otherwise."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise ConfigError(source, "(file)", f"cannot be read ({err.strerror or err.__class__.__name__}); "
                          "need a JSON file") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(source, "(file)", f"larger than {MAX_BYTES:,} bytes; a policy config is a small JSON object")
    try:
        # NaN and Infinity parse (Python's json accepts them) and are refused with their key below.
        raw = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_int=_int)
    except UnicodeDecodeError:
        raise ConfigError(source, "(file)", "not UTF-8 text; need a UTF-8 JSON file") from None
    except json.JSONDecodeError as err:
        raise ConfigError(source, f"line {err.lineno}", f"JSON syntax error: {err.msg}; need a JSON object "
                          "of policy name -> enforcement level or config") from None
    except _DuplicateKey as err:
        raise ConfigError(source, err.key, "appears twice in one object; each key may appear once") from None
    except RecursionError:
        raise ConfigError(source, "(file)", "nested too deeply; a policy config is at most a few levels deep") from None
    return validate_policy_config(raw, source)


def validate_policy_config(raw: Any, source: str) -> dict[str, Any]:
    """Check a parsed policy config against the registry; returns it unchanged when valid."""
    if not isinstance(raw, dict):
        raise ConfigError(source, "(file)", "must be a JSON object of policy name -> enforcement level or config, "
                          f"got {_json_type(raw)}")
    for key, entry in raw.items():
        if key == ALL:
            _check_level_entry(source, key, entry, allowed_keys=[LEVEL_KEY])
            continue
        rule = RULES_BY_NAME.get(key)
        if rule is None:
            raise ConfigError(source, key, f"unknown policy; allowed: {ALL}, {', '.join(RULES_BY_NAME)}")
        _check_level_entry(source, key, entry, allowed_keys=[LEVEL_KEY, *rule.schema])
        if isinstance(entry, dict):
            try:
                rule.settings(entry)
            except ValidationError as err:
                path, message = describe_error(rule, err)
                raise ConfigError(source, f"{key}.{path}", message) from None
    return raw


def _check_level_entry(source: str, key: str, entry: Any, allowed_keys: list[str]) -> None:
    """An entry is a level string or an object; a level (alone or under `enforcementLevel`) is one
    the CLI accepts. For "all", an object may hold nothing but `enforcementLevel`."""
    if isinstance(entry, str):
        _check_level(source, key, entry)
    elif isinstance(entry, dict):
        if key == ALL and set(entry) - {LEVEL_KEY}:
            extra = min(set(entry) - {LEVEL_KEY})
            raise ConfigError(source, f"{key}.{extra}", f"unknown key; allowed keys: {LEVEL_KEY}")
        if LEVEL_KEY in entry:
            _check_level(source, f"{key}.{LEVEL_KEY}", entry[LEVEL_KEY])
    else:
        raise ConfigError(source, key, f"{_show(entry)} is not allowed; allowed: an enforcement level "
                          f"({', '.join(ENFORCEMENT_LEVELS)}) or an object of {', '.join(allowed_keys)}")


def _check_level(source: str, key: str, level: Any) -> None:
    if not isinstance(level, str) or level not in ENFORCEMENT_LEVELS:
        raise ConfigError(source, key, f"enforcement level {_show(level)} is not allowed; "
                          f"allowed: {', '.join(ENFORCEMENT_LEVELS)}")


# ---------------------------------------------------------------------------- error lines


def describe_error(rule: Rule, err: ValidationError) -> tuple[str, str]:
    """(key path inside the policy's entry, what is wrong and what is allowed) for the first error
    of validating the policy's settings; the allowed values come from its config schema."""
    first = err.errors()[0]
    loc = [part for part in first["loc"] if part != "[key]"]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    root = {"type": "object", "properties": rule.schema, "additionalProperties": False}
    kind = first["type"]
    if kind == "extra_forbidden":
        keys = list(_schema_at(root, loc[:-1]).get("properties", {}))
        if len(loc) == 1:
            keys = [LEVEL_KEY, *keys]
        return path, f"unknown key; allowed keys: {', '.join(keys)}"
    if "[key]" in first["loc"]:  # a mapping key outside the allowed names, e.g. an unknown environment
        names = _schema_at(root, loc[:-1]).get("propertyNames", {}).get("enum", [])
        return path, f"{_show(loc[-1])} is not allowed as a key; allowed: {', '.join(map(_plain, names))}"
    expected = _describe(_schema_at(root, loc))
    if kind == "missing":
        return path, f"required key is missing; allowed: {expected}"
    if kind == "value_error":
        return path, str(first["msg"]).removeprefix("Value error, ")
    return path, f"{_show(first['input'])} is not allowed; allowed: {expected}"


def _schema_at(schema: Mapping[str, Any], loc: list[Any]) -> Mapping[str, Any]:
    for part in loc:
        if isinstance(part, int):
            schema = schema.get("items", {})
        elif part in schema.get("properties", {}):
            schema = schema["properties"][part]
        else:
            extra = schema.get("additionalProperties")
            schema = extra if isinstance(extra, Mapping) else {}
    return schema


def _describe(schema: Mapping[str, Any], plural: bool = False) -> str:
    """A JSON-schema node as the words an error line uses: "an integer 1..65535", "a list of strings"."""
    if "anyOf" in schema:
        return " or ".join(_describe(s, plural) for s in schema["anyOf"])
    if "enum" in schema:
        return ("each one of " if plural else "one of ") + ", ".join(map(_plain, schema["enum"]))
    kind = schema.get("type")
    if kind in ("integer", "number"):
        noun = {"integer": ("an integer", "integers"), "number": ("a number", "numbers")}[kind][plural]
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if lo is not None and hi is not None:
            return f"{noun} {lo:g}..{hi:g}"
        return f"{noun} >= {lo:g}" if lo is not None else f"{noun} <= {hi:g}" if hi is not None else noun
    if kind == "string":
        noun = "strings" if plural else "a string"
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        if schema.get("pattern"):
            noun += f" matching {schema['pattern']}"
        return f"{noun} of {lo}..{hi} characters" if lo and hi else f"non-empty {noun}" if lo else noun
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        return f"{'lists' if plural else 'a list'} of {_describe(schema.get('items', {}), plural=True)}"
    if kind == "object":
        if schema.get("properties"):
            fields = ", ".join(f"{k}: {_describe(v)}" for k, v in schema["properties"].items())
            return f"{'objects' if plural else 'an object'} {{{fields}}}"
        keys = schema.get("propertyNames", {}).get("enum")
        value = _describe(schema.get("additionalProperties") or {})
        return f"an object mapping {'one of ' + ', '.join(keys) if keys else 'a name'} to {value}"
    return "see docs/policies.md"


def _plain(value: Any) -> str:
    return "''" if value == "" else str(value)


def _show(value: Any) -> str:
    """A bad value as an error line quotes it: strings as 'text', everything else as JSON; shortened."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 3] + "..."


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)
