"""Config errors and how a pydantic validation error becomes one line: `file: key.path: what is allowed`.

Pure (no pulumi, no boto3). Every bad value of a stack file, of `--set` or of the stack name ends as a
`ConfigError`; the CLI prints `str(err)` and exits 2, the Pulumi program raises it as a RunError.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

# User text echoed in a message (`got ...`) is cut to this many characters: a 5,000-digit number or a
# 200 kB string must not turn the one line into a page.
MAX_ECHO_CHARS = 60


class ConfigError(Exception):
    """A bad stack configuration: `str()` is one line naming the file, the key and what is allowed."""

    def __init__(self, source: str, key: str, message: str):
        self.source, self.key, self.message = source, key, message
        super().__init__(one_line(f"{source}: {key}: {message}"))


class KeyPathError(ValueError):
    """Raised by cross-field checks with the exact key path; `parse_platform` turns it into a ConfigError.

    A ValueError so that pydantic, which wraps a ValueError raised inside a validator, keeps the
    instance: `describe` reads `key` back from the error context.
    """

    def __init__(self, key: str, message: str):
        self.key, self.message = key, message
        super().__init__(f"{key}: {message}")


def one_line(text: str) -> str:
    """`text` with its line breaks (and other control characters) escaped: a message is one line."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append(" ")
        elif ord(ch) < 32 or ch in "\x7f\u2028\u2029\x85":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def echo(value: Any) -> str:
    """`repr(value)`, shortened to MAX_ECHO_CHARS with the full length named, for messages."""
    text = repr(value)
    if len(text) <= MAX_ECHO_CHARS:
        return text
    return f"{text[:MAX_ECHO_CHARS - 20]}... ({len(text)} characters)"


def loc_to_key(loc: tuple[Any, ...]) -> str:
    """pydantic `loc` -> key path as written in a stack file: `regions[0].name`."""
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key or "(root)"


def _unwrap(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    out: list[Any] = []
    for arg in args:
        out.extend(_unwrap(arg))
    return out


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model under `root` that owns the last element of `loc` (for listing allowed keys)."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        for candidate in _unwrap(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


# pydantic's wording for a wrong type, said the way a stack-file author reads it.
_TYPE_WORDS = {
    "int_type": "must be a whole number", "float_type": "must be a number", "bool_type": "must be true or false",
    "string_type": "must be a string", "list_type": "must be a list", "dict_type": "must be a mapping",
    "model_type": "must be a mapping of settings", "finite_number": "must be a finite number (not .inf or .nan)",
    "datetime_type": "must be an ISO 8601 timestamp such as 2026-11-27T08:00:00Z",
}


def describe(error: Any, root: type[BaseModel]) -> tuple[str, str]:
    """(key path, message) for the first error of a pydantic ValidationError over `root`."""
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, KeyPathError):
        return cause.key, cause.message
    key = loc_to_key(loc)
    if kind == "extra_forbidden":
        model = model_at(root, loc)
        allowed = ", ".join(model.model_fields) if model else "see the config reference"
        return key, f"unknown key; allowed keys: {allowed}"
    if kind == "missing":
        return key, "required key is missing"
    got = error.get("input")
    if kind == "string_pattern_mismatch":
        wanted = _description(root, loc)
        if wanted:
            return key, f"{echo(got)} is not {wanted}"
    if kind in _TYPE_WORDS:
        message = _TYPE_WORDS[kind]
    else:
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
    if kind != "value_error" and not isinstance(got, (dict, list)):
        message = f"{message} (got {echo(got)})"
    return key, message


def _description(root: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The `description` of the field at `loc` (what a pattern-checked value must look like)."""
    for cut in range(len(loc), 0, -1):  # list items and dict values: the field that holds them
        if isinstance(loc[cut - 1], str):
            model = model_at(root, loc[:cut])
            field = model.model_fields.get(loc[cut - 1]) if model else None
            if field is not None:
                return field.description or _inner_description(field.annotation)
    return None


def _inner_description(annotation: Any) -> str | None:
    """The description inside `Annotated[str, Field(description=...)] | None` (an optional pattern type)."""
    for meta in getattr(annotation, "__metadata__", ()):
        if getattr(meta, "description", None):
            return meta.description
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_description(arg)
        if found:
            return found
    return None


def first_problem(err: ValidationError, root: type[BaseModel]) -> tuple[str, str]:
    """(key path, message) of the first problem pydantic found."""
    return describe(err.errors()[0], root)
