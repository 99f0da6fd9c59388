"""Hypothesis strategies generated from the config schema itself and from a history-CSV grammar.

Every leaf field of `PlatformConfig` (nested sections, list items, dict entries) is found by walking
the pydantic models, so a field added tomorrow is fuzzed without new test code. Values come from a
pool of every YAML type (and the oddities YAML 1.1 and users produce), plus edge values read from
the field's own bounds (ge/gt/le/lt, just inside and just outside).
"""
from __future__ import annotations

import copy
import math
import typing
from datetime import date, datetime, timezone
from typing import Any

import yaml
from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from hypothesis import strategies as st
from pydantic import BaseModel

from infra.config import PlatformConfig
from tests.conftest import ROOT

Path_ = tuple[Any, ...]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _container(annotation: Any) -> str | None:
    origins = {typing.get_origin(a) for a in [annotation, *typing.get_args(annotation)]}
    if list in origins:
        return "list"
    if dict in origins:
        return "dict"
    return None


def leaf_fields(model: type[BaseModel] = PlatformConfig, prefix: Path_ = (), depth: int = 0) -> list[tuple[Path_, Any]]:
    """(path, FieldInfo) of every field under `model`; list items are index 0, dict values key `stateless`."""
    out: list[tuple[Path_, Any]] = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        out.append((path, field))
        if depth > 6:
            continue
        for sub in _models_in(field.annotation):
            kind = _container(field.annotation)
            inner = (*path, 0) if kind == "list" else (*path, "stateless") if kind == "dict" else path
            out += leaf_fields(sub, inner, depth + 1)
    return out


FIELDS = leaf_fields()


def bound_values(field: Any) -> list[Any]:
    """Values at and just past the field's numeric and length bounds."""
    values: list[Any] = []
    for meta in field.metadata:
        for kind, attr in ((Ge, "ge"), (Gt, "gt"), (Le, "le"), (Lt, "lt")):
            if isinstance(meta, kind):
                bound = getattr(meta, attr)
                values += [bound, bound - 1, bound + 1, bound * 10, -bound, bound / 3, math.nextafter(bound, math.inf),
                           math.nextafter(bound, -math.inf)]
        if isinstance(meta, (MaxLen, MinLen)):
            n = getattr(meta, "max_length", None) or getattr(meta, "min_length", 0)
            values += ["a" * (n + 1), ["a"] * (n + 1), []]
    return values


WEIRD_TEXT = ["", " ", "1:00:00", "0x1F", "012", "1e5", "yes", "NO", "on", "~", "null", ".inf", ".nan", "2024-02-30",
              "2026-11-27T08:00:00Z", "9999-12-31", "banana", "a\nb", "tab\there", "emoji 🚀", "x" * 5000, "9" * 5000,
              "us-east-1", "cn-north-1", "me-south-1", "Mars/Olympus_Mons", "0 9 * * ZZZ", "0 9 * * ,,,",
              "arn:aws-cn:acm:cn-north-1:123456789012:certificate/x", "c5.large", "500m", "1Gi", "-1", "1,000",
              "\x00", "../../etc/passwd", "%s%s", "{region}"]

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([5e-324, 1e-300, 1e300, -0.0, 0.5, 1.5]),
    st.sampled_from(WEIRD_TEXT), st.text(max_size=40),
    st.dates(min_value=date(1, 1, 1)), st.datetimes(timezones=st.sampled_from([None, timezone.utc])),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def prod_platform() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["scaling-platform:platform"]


def set_path(raw: dict, path: Path_, value: Any) -> dict:
    """`raw` with `path` set to `value`, creating (or replacing) the mappings/lists on the way."""
    raw = copy.deepcopy(raw)
    node: Any = raw
    for part, nxt in zip(path[:-1], path[1:]):
        want = list if isinstance(nxt, int) else dict
        if isinstance(node, list):
            while len(node) <= part:
                node.append(want())
        if isinstance(node, dict) and not isinstance(node.get(part), want) or \
                isinstance(node, list) and not isinstance(node[part], want):
            node[part] = want()
        node = node[part]
    if isinstance(node, list):
        while len(node) <= path[-1]:
            node.append({})
    node[path[-1]] = value
    return raw


def _leaf_types(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return [annotation]
    if not args:
        return [annotation]
    out: list[Any] = []
    for arg in args:
        out += _leaf_types(arg)
    return out


def typed_values(field: Any) -> st.SearchStrategy:
    """Values of the field's own type (mostly valid), so planning runs on the edges of what is accepted."""
    lo = next((getattr(m, a) for m in field.metadata for a in ("ge", "gt") if hasattr(m, a)), -1e6)
    hi = next((getattr(m, a) for m in field.metadata for a in ("le", "lt") if hasattr(m, a)), 1e6)
    options: list[st.SearchStrategy] = []
    for kind in _leaf_types(field.annotation):
        if typing.get_origin(kind) is typing.Literal:
            options.append(st.sampled_from(typing.get_args(kind)))
        elif kind is bool:
            options.append(st.booleans())
        elif kind is int:
            options.append(st.integers(int(max(lo, -1e6)), int(min(hi, 1e6))))
        elif kind is float:
            options.append(st.floats(max(lo, -1e9), min(hi, 1e9), allow_nan=False))
    return st.one_of(*options) if options else VALUES


@st.composite
def mutated_platforms(draw: Any) -> tuple[Path_, Any, dict]:
    """The prod platform with one to three schema fields set to generated values."""
    raw = prod_platform()
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        path, field = draw(st.sampled_from(FIELDS))
        bounds = bound_values(field)
        pools = [VALUES, typed_values(field), typed_values(field)] + ([st.sampled_from(bounds)] if bounds else [])
        value = draw(st.one_of(*pools))
        raw = set_path(raw, path, value)
        changes.append((path, value))
    return tuple(changes), raw


# --- history CSV grammar ----------------------------------------------------------------------------

TIMESTAMP_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+02:00", "%Y-%m-%d", "%Y-%m-%dT%H:30"]
CELL_NOISE = ["", "nan", "-", "inf", "-5", "1e400", '"1,000,000"', "1,000,000", "abc", "x" * 200_000, "1_000",
              "9999-12-31 23:00:00", "1e13", "0"]


@st.composite
def history_csvs(draw: Any) -> str:
    """A CSV text: mostly hourly rows, with the oddities real exports have mixed in."""
    year = draw(st.sampled_from([1995, 2009, 2024, 9999, 1900, 2199]))
    start = datetime(year, draw(st.integers(1, 12)), draw(st.integers(1, 28)), draw(st.integers(0, 23)))
    step_h = draw(st.sampled_from([1, 1, 1, 24, 2]))
    fmt = draw(st.sampled_from(TIMESTAMP_FORMATS))
    n = draw(st.integers(0, 80))
    lines = [draw(st.sampled_from(["hour_start,requests", "", "a,b,c"]))]
    for i in range(n):
        try:
            ts = datetime.fromtimestamp(start.timestamp() + 3600 * step_h * i).strftime(fmt)
        except (OverflowError, ValueError, OSError):
            break
        value = draw(st.one_of(st.integers(0, 10**6).map(str), st.floats(0, 1e6).map(repr))) \
            if draw(st.integers(0, 9)) else draw(st.sampled_from(CELL_NOISE))
        lines.append(f"{ts},{value}")
        if draw(st.integers(0, 30)) == 0:
            lines.append(lines[-1] if draw(st.booleans()) else f"{ts},{draw(st.integers(0, 999))}")
    return "\n".join(lines) + "\n"
