"""YAML as a stack file means it: the YAML 1.2 core schema, bounded in size and depth, no duplicate keys.

Pure (no pulumi, no boto3). PyYAML implements YAML 1.1, whose implicit types surprise: `1:00:00` is
the base-60 number 3600, `012` is octal 10, `2024-02-30` is a date that crashes the loader, `1e5` is
a string. The Pulumi CLI reads stack files as YAML 1.2 (core schema), so this loader does too:
- integers are decimal (`012` = 12), `0o17` octal, `0x1F` hex; floats include `1e5`, `.inf`, `.nan`;
- booleans are `true`/`false` only (`yes`, `on` stay strings, so `country: NO` is the string "NO");
- timestamps stay text (`start: 2026-11-27T08:00:00Z` is the string the config then parses);
- base-60 numbers stay text (`budget_usd_month: 1:00:00` is refused as not a number).
Limits (a stack file is a few kB): MAX_BYTES of text, MAX_DEPTH levels of nesting, MAX_NODES values
after alias expansion, MAX_DIGITS digits in a number. `YamlProblem` carries the line and what is wrong.
"""
from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

MAX_BYTES = 1024 * 1024       # a stack file of 1 MiB is already 100x the prod one
MAX_DEPTH = 32                # the config nests 6 levels deep
MAX_NODES = 200_000           # values after anchors/aliases are expanded ("billion laughs")
MAX_DIGITS = 30               # 1e30 is beyond every bound in the config


class YamlProblem(Exception):
    """Unusable YAML: `line` (1-based, or None) and `problem` (what is wrong, what is allowed)."""

    def __init__(self, problem: str, line: int | None = None):
        self.problem, self.line = problem, line
        super().__init__(f"line {line}: {problem}" if line else problem)


_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL = re.compile(r"~|null|Null|NULL|")


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types, a depth limit and no duplicate keys."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels; a stack file needs a few", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = key_node.value
                    if key in seen:
                        raise YamlProblem(f"key {key[:60]!r} appears twice in one mapping (first on line "
                                          f"{seen[key]}); give each key once", key_node.start_mark.line + 1)
                    seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {}
for _tag, _regex, _first in (
        ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
        ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
        ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
        ("tag:yaml.org,2002:merge", re.compile(r"<<"), ["<"])):
    _Loader.add_implicit_resolver(_tag, re.compile(f"^(?:{_regex.pattern})$"), _first)


def _construct_int(loader: _Loader, node: Any) -> Any:
    text = loader.construct_scalar(node)
    digits = text.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        # Kept as text: the config then says "must be a number (got '1111...' (5000 characters))".
        return text
    if digits.startswith("0o"):
        value = int(digits[2:], 8)
    elif digits.startswith("0x"):
        value = int(digits[2:], 16)
    else:
        value = int(digits, 10)
    return -value if text.startswith("-") else value


def _construct_float(loader: _Loader, node: Any) -> Any:
    text = loader.construct_scalar(node)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    if len(text) > MAX_DIGITS + 10:
        return text
    return float(text)


def _construct_text(loader: _Loader, node: Any) -> Any:
    # `!!timestamp 2024-02-30` and friends: the text itself, which the config validates.
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_Loader.add_constructor("tag:yaml.org,2002:bool",
                        lambda loader, node: loader.construct_scalar(node).lower() == "true")


def load(text: str) -> Any:
    """Parse YAML text (a stack file or a `--set` value); raise YamlProblem on anything unusable."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(f"more than {MAX_BYTES // 1024} KiB; a stack file is a few KiB")
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise YamlProblem(f"YAML syntax error: {err.problem or err.context or 'invalid YAML'}; need valid YAML",
                          mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
        raise YamlProblem(f"YAML cannot be read ({err.__class__.__name__}); need valid YAML") from None
    check_plain(value)
    return value


def check_plain(value: Any, path: str = "") -> None:
    """`value` is plain JSON-like data (mappings with string keys, lists, text, numbers, booleans,
    null) of at most MAX_NODES values and MAX_DEPTH levels; raise YamlProblem naming the key otherwise."""
    count = 0
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise YamlProblem(f"more than {MAX_NODES:,} values (anchors and aliases expanded); a stack file has a few hundred")
        if depth > MAX_DEPTH:
            raise YamlProblem(f"{where or '(root)'}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    raise YamlProblem(f"{where or '(root)'}: key {key!r} is a {type(key).__name__}; keys must be text")
                stack.append((item, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(node))
        elif node is not None and not isinstance(node, (str, int, float, bool)):
            raise YamlProblem(f"{where or '(root)'}: a {type(node).__name__} value is not allowed; "
                              "use text, numbers, true/false, lists and mappings")
