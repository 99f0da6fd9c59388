"""The base of every config section and the value types shared by the sections.

Pure (no pulumi, no boto3). Every section is strict (a boolean is not a number, a number is not a
string), forbids unknown keys, refuses `.inf`/`.nan` and is frozen. The annotated types below carry
the rules AWS, Kubernetes and Cloudflare apply to a value, so a value they would reject at deploy
time is rejected here with the key that holds it.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from typing import Annotated, Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from infra.model.aws_regions import AWS_REGIONS, PRICED_REGIONS, partition_of
from infra.model.catalog import CACHE_NODE_TYPES, DB_INSTANCE_CLASSES, INSTANCE_TYPES


class Section(BaseModel):
    """Base of every config section: strict types, unknown keys are errors, finite numbers, frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def member_of(catalog: Iterable[str], what: str) -> AfterValidator:
    """Validator: the value is one of `catalog`; the error lists what is allowed."""
    allowed = tuple(catalog)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} {_short(value)}; allowed: {', '.join(allowed)}")
        return value
    return AfterValidator(check)


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(value)} characters)"


def _region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"unknown AWS region {_short(value)}; allowed: {', '.join(PRICED_REGIONS)}")
    partition = partition_of(value)
    if partition != "aws":
        # components/ write `arn:aws:` ARNs (managed policies, account roots): other partitions need
        # their own ARNs, accounts and price lists, which this program does not have.
        raise ValueError(f"{value} is in the {partition} partition; this program deploys to the aws "
                         f"partition only; allowed: {', '.join(PRICED_REGIONS)}")
    if value not in PRICED_REGIONS:
        raise ValueError(f"{value} has no prices in the price table (infra/model/aws_regions.py "
                         f"REGION_PRICE_MULTIPLIER), so its cost would be a guess; allowed: {', '.join(PRICED_REGIONS)}")
    return value


def _text(max_len: int, what: str) -> AfterValidator:
    """Printable text: no control characters (a line break in a name or tag breaks what AWS stores)."""
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError(f"must not be empty; need {what}")
        if len(value) > max_len:
            raise ValueError(f"{len(value)} characters; at most {max_len} allowed ({what})")
        bad = next((ch for ch in value if unicodedata.category(ch)[0] == "C"), None)
        if bad is not None:
            raise ValueError(f"contains the control character {bad!r}; need {what} without control characters")
        return value
    return AfterValidator(check)


# AWS tag values: letters, digits, spaces and `_ . : / = + - @` (Unicode letters/digits allowed), <= 256.
_TAG_EXTRA = set(" _.:/=+-@")


def _tag_value(value: str) -> str:
    if len(value) > 256:
        raise ValueError(f"{len(value)} characters; AWS tag values hold at most 256")
    for ch in value:
        if ch not in _TAG_EXTRA and unicodedata.category(ch)[0] not in "LN" and unicodedata.category(ch) != "Zs":
            raise ValueError(f"contains {ch!r}; AWS tag values allow letters, digits, spaces and _ . : / = + - @")
    if not value.strip():
        raise ValueError("must not be empty; AWS tag values need at least one letter or digit here")
    return value


def hostname_rule(value: str) -> str:
    """A fully qualified DNS name (RFC 1123 labels, <= 253 characters); ValueError otherwise."""
    name = value[:-1] if value.endswith(".") else value
    if len(name) > 253:
        raise ValueError(f"{len(name)} characters; a DNS name holds at most 253")
    labels = name.split(".")
    if len(labels) < 2:
        raise ValueError(f"{_short(value)} is not a fully qualified DNS name; need e.g. www.example.com")
    for label in labels:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", label):
            raise ValueError(f"{_short(value)} is not a DNS name: each dot-separated label is 1-63 letters, "
                             "digits or hyphens, not starting or ending with a hyphen")
    return value


def _zone(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}", value) or not _zone_exists(value):
        raise ValueError(f"unknown IANA time zone {_short(value)}; need a tz database name such as Europe/Dublin")
    return value


@lru_cache(maxsize=1024)
def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _timestamp(value: Any) -> Any:
    """A datetime or date object (an unquoted YAML timestamp) or ISO text; naive means UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if hasattr(value, "isoformat") and hasattr(value, "year"):  # a date: midnight UTC
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise ValueError(f"{_short(value)} is not an ISO 8601 timestamp; need e.g. 2026-11-27T08:00:00Z")
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{_short(value)} is not an ISO 8601 timestamp; need e.g. 2026-11-27T08:00:00Z "
                             "(a real date and time)") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise ValueError(f"must be an ISO 8601 timestamp such as 2026-11-27T08:00:00Z (got {type(value).__name__})")


def _timestamp_range(value: datetime) -> datetime:
    # A plan looks months ahead, not centuries: outside this the window arithmetic overflows.
    if not 2000 <= value.year <= 2199:
        raise ValueError(f"year {value.year} is out of range; allowed years 2000..2199")
    return value.astimezone(timezone.utc)


def _calendar_date(value: str) -> str:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{_short(value)} is not a real calendar date; need YYYY-MM-DD, e.g. 2024-09-23") from None
    return value


def _date_text(value: Any) -> Any:
    """An unquoted YAML date (a date object) where a YYYY-MM-DD string is expected: its ISO text."""
    if hasattr(value, "isoformat") and hasattr(value, "year") and not isinstance(value, datetime):
        return value.isoformat()
    return value


AwsRegionName = Annotated[str, AfterValidator(_region)]
InstanceType = Annotated[str, member_of(INSTANCE_TYPES, "instance type")]
DbInstanceClass = Annotated[str, member_of(DB_INSTANCE_CLASSES, "DB instance class")]
CacheNodeType = Annotated[str, member_of(CACHE_NODE_TYPES, "cache node type")]
NonNegInt = Annotated[int, Field(ge=0, le=10_000)]
Pct = Annotated[float, Field(ge=0, le=100)]
TagValue = Annotated[str, AfterValidator(_tag_value)]
Hostname = Annotated[str, AfterValidator(hostname_rule)]
TimeZoneName = Annotated[str, AfterValidator(_zone)]
# Unquoted `2026-11-27T08:00:00Z`, a quoted one, or a bare date: all accepted, kept as UTC.
Timestamp = Annotated[datetime, BeforeValidator(_timestamp), AfterValidator(_timestamp_range)]
CalendarDate = Annotated[str, BeforeValidator(_date_text), AfterValidator(_calendar_date)]
# URL path such as /health: what an ALB / Route53 health check accepts (<= 1024, no spaces).
UrlPath = Annotated[str, Field(pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$",
                               description="a URL path starting with / (no spaces), e.g. /health")]


def Text(max_len: int, what: str) -> Any:  # noqa: N802 (a type factory, read like a type)
    """A printable string of at most `max_len` characters."""
    return Annotated[str, _text(max_len, what)]


# SQS queue names: 1-80 of letters, digits, hyphens and underscores (FIFO queues end in .fifo).
QueueName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,75}(\.fifo|[A-Za-z0-9_-]{0,5})$",
                                 description="an SQS queue name: 1-80 letters, digits, - and _ (FIFO: .fifo)")]
