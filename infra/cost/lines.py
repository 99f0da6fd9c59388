"""Cost lines, the estimate type and the value parsing every pricer shares (unknown -> default, bad -> PricingError)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.model.unknown import UNKNOWN_VALUES


class PricingError(ValueError):
    """A resource asks for something the price table does not know (e.g. an instance type)."""


@dataclass(frozen=True)
class CostLine:
    """One priced item: `item` names the resource, `reason` shows the arithmetic."""

    item: str
    monthly_usd: float
    reason: str


@dataclass(frozen=True)
class CostEstimate:
    """All priced lines of a stack and their total per month (USD)."""

    lines: tuple[CostLine, ...]
    monthly_usd: float


def number(value: Any, default: float = 0.0, what: str = "value") -> float:
    """Inputs arrive as floats (or strings from some providers); absent or unknown means `default`.

    Any other string that is not a number raises PricingError naming `what`: defaulting it (to 0
    instances, 0 GB, ...) would under-count the estimate the budget policies check.
    """
    if value is None or value == "" or value in UNKNOWN_VALUES:
        return default
    try:
        return float(value)
    except ValueError:
        raise PricingError(f"{what} {value!r} is not a number; allowed: a number, or absent/unknown "
                           f"({', '.join(UNKNOWN_VALUES[:2])})") from None
    except TypeError:
        return default


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def table_price(table: Mapping[str, float], key: Any, what: str) -> float:
    if key not in table:
        raise PricingError(f"unknown {what} {key!r}; allowed: {', '.join(table)}")
    return table[key]


def usd(x: float) -> str:
    """$ with every significant digit of a rate below $1 (at least two decimals), cents above."""
    if x >= 1 or x == 0:
        return f"${x:,.2f}"
    digits = f"{x:.10f}".rstrip("0")
    return "$" + (digits if len(digits.split(".")[1]) >= 2 else f"{x:.2f}")


def count_text(x: float) -> str:
    """A quantity for a reason string: thousands separators, no float noise."""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-6 else f"{x:,.2f}"
