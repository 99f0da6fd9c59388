"""Record an emergency in `Pulumi.<stack>.yaml`, so the next `pulumi up` keeps it instead of reverting it.

Only the value of `scaling-platform:platform.emergency` changes: the file is edited as text at that
node's span (found with the YAML composer), so comments, layout and every other key stay byte for
byte. The new value is a one-line flow mapping. Before the file is replaced (temp file in the same
directory + rename, mode kept) the result is checked: the rest of the config parses to the same
values, and the whole platform config validates as every plan's does.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from infra.config import PLATFORM_KEY, ConfigError, parse_platform

RECORDED_KEYS = ("mode", "target", "live_desired", "declared_at")  # what `scaling emergency` owns


def emergency_section(current: Mapping[str, Any], mode: str, target: str, live_desired: Mapping[str, Any],
                      declared_at: str | None) -> dict[str, Any]:
    """The new `emergency` mapping: the owned keys replaced, the others (worker_step, budget ceiling) kept.
    `none` drops the recorded counts and time."""
    out = {k: v for k, v in current.items() if k not in RECORDED_KEYS}
    out["mode"] = mode
    if mode != "none":
        out["target"] = target
        if live_desired:
            out["live_desired"] = {region: dict(tiers) for region, tiers in live_desired.items()}
        if declared_at:
            out["declared_at"] = declared_at
    return out


def _child(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _flow(section: Mapping[str, Any]) -> str:
    return str(yaml.safe_dump(dict(section), default_flow_style=True, sort_keys=False, width=1_000_000)).strip()


def render(text: str, section: Mapping[str, Any], source: str) -> str:
    """`text` (a stack file) with its emergency value replaced by `section`, everything else unchanged."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    config = _child(root, "config") if isinstance(root, yaml.MappingNode) else None
    platform = _child(config[1], PLATFORM_KEY) if config and isinstance(config[1], yaml.MappingNode) else None
    if platform is None or not isinstance(platform[1], yaml.MappingNode) or not platform[1].value:
        raise ConfigError(source, PLATFORM_KEY, "missing or not a mapping; cannot record the emergency")
    mapping = platform[1]
    found = _child(mapping, "emergency")
    if found is not None:
        value = found[1]
        end = value.value[-1][1].end_mark.index if isinstance(value, yaml.MappingNode) and value.value \
            and not value.flow_style else value.end_mark.index
        out = text[:value.start_mark.index] + _flow(section) + text[end:]
    else:  # after the last entry of the platform mapping, at its indentation
        last = mapping.value[-1][1]
        indent = " " * mapping.value[0][0].start_mark.column
        at = last.end_mark.index
        if mapping.flow_style is not False:
            raise ConfigError(source, PLATFORM_KEY, "is a flow mapping; add `emergency: {mode: none}` to it first")
        out = (text[:at].rstrip(" ") + ("" if text[:at].endswith("\n") else "\n")
               + f"{indent}emergency: {_flow(section)}\n" + text[at:].lstrip("\n"))
    before, after = yaml.safe_load(text), yaml.safe_load(out)
    old_platform, new_platform = before["config"][PLATFORM_KEY], after["config"][PLATFORM_KEY]
    if dict(new_platform.get("emergency") or {}) != dict(section) or \
            {k: v for k, v in old_platform.items() if k != "emergency"} != \
            {k: v for k, v in new_platform.items() if k != "emergency"} or \
            {k: v for k, v in before["config"].items() if k != PLATFORM_KEY} != \
            {k: v for k, v in after["config"].items() if k != PLATFORM_KEY}:
        raise ConfigError(source, "emergency", "could not be rewritten in place; edit it by hand")
    parse_platform(new_platform, source)  # never write a file the next plan would refuse
    return out


def write_emergency(path: Path, section: Mapping[str, Any]) -> None:
    """Replace `path` with the same file whose emergency mapping is `section` (atomic, mode kept). A
    symlinked stack file stays a symlink: the file it points to is the one replaced."""
    path = path.resolve()  # os.replace on the link itself swapped the symlink for a regular file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(str(path), "(file)", f"cannot be read ({err.strerror})") from None
    out = render(text, section, str(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(out)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
