"""`--set a.b[0].c=VALUE`: one platform value changed on the command line, VALUE read as YAML.

Pure (no pulumi, no boto3). VALUE is read with the stack file's own YAML rules (infra/config/yaml_io.py),
so `--set events[0].start=2027-01-01` means what the same text means in the file. The result is
validated by `parse_platform` like the file itself.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from infra.config import yaml_io
from infra.config.errors import ConfigError
from infra.config.platform import PLATFORM_KEY

_PATH_PART = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")
# The whole path: names joined by dots, [N] list indexes after a name (`regions[0].min_instances`).
# Anything else (`demand..peak_rps`, `regions[-1]`, `regions[x]`, `a]b`) is refused, not half-read.
_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[[0-9]+\])*")
PATH_SYNTAX = "not a key path: names joined by dots and [N] list indexes, e.g. regions[0].min_instances"
MAX_PATH_PARTS = 12          # the config nests 6 levels deep
MAX_VALUE_CHARS = 64 * 1024  # one value; a whole stack file is a few kB
MAX_INDEX = 10_000           # lists in the config hold at most a few dozen items


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        if index:
            parts.append(int(index[:6]) if len(index) <= 6 else MAX_INDEX + 1)
        elif name.isascii() and name.isdigit():  # "²".isdigit() is True but int() refuses it
            parts.append(int(name[:6]) if len(name) <= 6 else MAX_INDEX + 1)
        else:
            parts.append(name)
    return parts


def _shown(path: str) -> str:
    return path if len(path) <= 80 else f"{path[:60]}... ({len(path)} characters)"


def _check_container(node: Any, part: str | int, before: list[str | int], shown: str) -> None:
    """`node` (reached by `before`) can take `part`: an existing index of a list, a key of a mapping."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in before).lstrip(".") or "the platform config"
    if isinstance(part, int):
        if isinstance(node, dict):
            raise ConfigError("--set", shown, f"{where} is a mapping, not a list; name one of its keys instead of [{part}]")
        if not isinstance(node, list) or part >= len(node):
            raise ConfigError("--set", shown, f"index {part} does not exist in the stack file")
    elif not isinstance(node, dict):
        kind = f"a list; pick an item first, e.g. {where}[0].{part}" if isinstance(node, list) else \
            f"a single value ({repr(node)[:40]}), not a mapping"
        raise ConfigError("--set", shown, f"{where} is {kind}")


def apply_overrides(platform: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """Apply `--set a.b[0].c=VALUE` overrides (VALUE parsed as YAML) to a copy of the platform dict."""
    result = copy.deepcopy(platform)
    for item in overrides:
        path, sep, text = item.partition("=")
        path = path.strip()
        if path.startswith(PLATFORM_KEY + "."):
            path = path[len(PLATFORM_KEY) + 1:]
        # `.=1` or `[]=x` has a path but no key in it: the same syntax error as a missing `=`.
        parts = _split_path(path)
        if not sep or not path or not parts:
            raise ConfigError("--set", _shown(item), "expected key.path=VALUE, e.g. --set demand.peak_rps=40000")
        shown = _shown(path)
        if not _PATH.fullmatch(path):
            raise ConfigError("--set", shown, PATH_SYNTAX)
        if len(parts) > MAX_PATH_PARTS:
            raise ConfigError("--set", shown, f"{len(parts)} levels; the config nests at most {MAX_PATH_PARTS}")
        if len(text) > MAX_VALUE_CHARS:
            raise ConfigError("--set", shown, f"value of {len(text):,} characters; at most {MAX_VALUE_CHARS:,}")
        try:
            value = yaml_io.load(text) if text.strip() else ""
        except yaml_io.YamlProblem as err:
            if err.problem.startswith("YAML"):
                raise ConfigError("--set", shown, f"value {text[:40]!r} is not valid YAML") from None
            raise ConfigError("--set", shown, err.problem) from None
        node: Any = result
        for depth, part in enumerate(parts[:-1]):
            nxt = parts[depth + 1]
            _check_container(node, part, parts[:depth], shown)
            if isinstance(part, int):
                node = node[part]
            else:
                node = node.setdefault(part, [] if isinstance(nxt, int) else {})
        last = parts[-1]
        _check_container(node, last, parts[:-1], shown)
        node[last] = value
    try:
        yaml_io.check_plain(result)
    except yaml_io.YamlProblem as err:
        raise ConfigError("--set", PLATFORM_KEY, err.problem) from None
    return result
