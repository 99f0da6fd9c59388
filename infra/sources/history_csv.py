"""The hourly demand CSV loader (pure): column 1 hour start, column 2 demand.

Returns a `HourlyHistory` (infra/sources/history.py); gaps, duplicates, offsets and blank values
stay NaN and are described in its `issues`.

Time zones: timestamps without an offset are taken as they are (the grid is "wall clock of the
file"; `shared/traces/nasa_http_hourly_1995.csv` is EDT, the Wikipedia trace is UTC). Timestamps
with an offset (`+02:00`, `Z`) are converted to UTC and the offset dropped, so every
`HourlyHistory` holds naive datetimes. A file mixing naive and offset timestamps is rejected:
there is no safe way to line the two up.

Bad input raises `HistoryError`, whose message is one line naming the file, the row and what is
allowed; the CLI maps it to exit code 2. Refused (never guessed): files over MAX_FILE_BYTES or not
regular files, cells over MAX_CELL_CHARS, years outside MIN_YEAR..MAX_YEAR, spans over MAX_SPAN_HOURS,
numbers with thousands separators (`1,000,000` quoted, or split into cells unquoted), values above
MAX_VALUE, data that is not hourly (daily or 30-minute rows), and one hour given twice with two
different values. The same hour twice with the same value is kept once and reported.
"""
from __future__ import annotations

import csv
import math
import re
from datetime import datetime, timezone
from pathlib import Path

from infra.sources.history import _MAX_LISTED_RANGES, HOUR, HistoryError, HourlyHistory, grid_from_points
from infra.sources.history import fmt_hour as _fmt

# Blank cells and these spellings mean "not measured this hour": kept as a reported gap.
_MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})

# Size limits: ten years of hourly rows are ~3 MB; a timestamp or a number is a few dozen characters.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_CELL_CHARS = 64
# Calendar range: the forecast looks up to a year past the last hour, which must stay representable.
MIN_YEAR, MAX_YEAR = 1970, 2199
# At most 20 years between the first and the last hour (the grid holds one value per hour).
MAX_SPAN_HOURS = 20 * 366 * 24
# Requests per hour (or per second) above this are not a measurement: 1e12/h is 280 M rps.
MAX_VALUE = 1e12
_THOUSANDS_HEAD = re.compile(r"\s*\d{1,3}\s*")
_THOUSANDS_GROUP = re.compile(r"\s*\d{3}(\.\d*)?\s*")


def _parse_timestamp(text: str) -> datetime | None:
    """ISO-8601 (`2009-10-15 00:00:00`, `...T00:00Z`, `...+02:00`) or Unix seconds; else None."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and len(text) >= 9:
        try:
            return datetime.fromtimestamp(int(text), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            # Seconds beyond what datetime/the C library can represent (e.g. year > 9999): not a timestamp.
            return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _parse_number(text: str) -> float | None:
    """A finite float, NaN for a recognised 'missing' token, None if not a number at all."""
    t = text.strip()
    if t.lower() in _MISSING_TOKENS:
        return math.nan
    if "_" in t:  # float() reads 1_000; a CSV export never writes it
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    if math.isinf(v) or math.isnan(v):  # "nan" is a missing token above; "inf" is no measurement
        return None
    return v


def _read_bounded(p: Path, name: str) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, UTF-8 (a BOM is allowed)."""
    try:
        if not p.exists():
            raise HistoryError(f"{name}: file not found (expected an hourly demand CSV)")
        if p.is_dir():
            raise HistoryError(f"{name}: is a directory (expected an hourly demand CSV)")
        if not p.is_file():  # /dev/zero, a FIFO: never read without end
            raise HistoryError(f"{name}: is not a regular file (expected an hourly demand CSV)")
        with p.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except HistoryError:
        raise
    except (OSError, ValueError) as exc:
        raise HistoryError(f"{name}: cannot read ({getattr(exc, 'strerror', None) or exc.__class__.__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise HistoryError(f"{name}: larger than {MAX_FILE_BYTES // 2**20} MiB "
                           "(expected an hourly demand CSV; 20 years of hours are ~6 MB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HistoryError(f"{name}: not a UTF-8 text file (expected an hourly demand CSV)") from None


def _check_cells(name: str, rowno: int, row: list[str]) -> None:
    """Refuse oversized cells and numbers split by thousands separators, naming the row."""
    for col, cell in enumerate(row[:2], start=1):
        if len(cell) > MAX_CELL_CHARS:
            raise HistoryError(f"{name}: row {rowno} column {col}: a cell of {len(cell):,} characters "
                               f"(expected a timestamp or a number, at most {MAX_CELL_CHARS} characters)")
    if len(row) >= 3 and _THOUSANDS_HEAD.fullmatch(row[1]) and all(_THOUSANDS_GROUP.fullmatch(c) for c in row[2:]):
        raise HistoryError(f"{name}: row {rowno} column 2: {','.join(c.strip() for c in row[1:])} looks like a "
                           "number with thousands separators split into columns (expected a plain number "
                           "such as 1000000)")
    if "," in row[1] and re.fullmatch(r"\s*[\d,]+(\.\d*)?\s*", row[1]):
        raise HistoryError(f"{name}: row {rowno} column 2: {row[1].strip()!r} has thousands separators "
                           "(expected a plain number such as 1000000)")


def _check_hourly(name: str, hours: list[datetime]) -> None:
    """The rows are hourly: the most common step between consecutive hours is one hour."""
    if len(hours) < 3:
        return
    steps: dict[int, int] = {}
    for a, b in zip(hours, hours[1:]):
        step = int((b - a) / HOUR)
        steps[step] = steps.get(step, 0) + 1
    common = max(steps, key=lambda k: (steps[k], -k))
    if common > 1:
        kind = "daily data" if common % 24 == 0 else f"one row every {common} hours"
        raise HistoryError(f"{name}: rows are {common} hours apart ({kind}); expected one row per hour "
                           "(aggregate or resample to hourly first)")


def load_history_csv(path: str | Path) -> HourlyHistory:
    """Load an hourly demand CSV: column 1 hour-start timestamp, column 2 demand.

    A header row is recognised (first row whose first cell is not a timestamp). Further columns
    are ignored. Reported, not fatal: missing hours (NaN), blank/`nan` demand cells (NaN),
    duplicate hours (the first row is kept), rows out of order (sorted), UTC offsets (converted
    to UTC). Fatal (`HistoryError`): missing/empty file, unparseable timestamp, a timestamp not
    on the hour, non-numeric or negative demand, mixed naive/offset timestamps, fewer than
    `MIN_OBSERVED_HOURS` observed hours.
    """
    p = Path(path)
    name = str(p)  # the path as given, so the message names the file the user passed
    text = _read_bounded(p, name)
    reader = csv.reader(text.splitlines())
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:  # a field over the csv module's limit, a NUL byte
        problem = (f"a cell over {csv.field_size_limit():,} characters" if "field limit" in str(exc)
                   else str(exc)[:80])
        raise HistoryError(f"{name}: row {reader.line_num}: {problem} (expected a timestamp or a number, "
                           f"at most {MAX_CELL_CHARS} characters)") from None
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    if not numbered:
        raise HistoryError(
            f"{name}: file is empty (expected rows of 'hour start timestamp, demand')"
        )

    # Header: the first non-blank row, if its first cell is not a timestamp.
    if len(numbered[0][1][0]) > MAX_CELL_CHARS or _parse_timestamp(numbered[0][1][0]) is None:
        numbered = numbered[1:]
    if not numbered:
        raise HistoryError(f"{name}: only a header row (expected rows of 'hour start, demand')")

    points: dict[datetime, float] = {}
    first_row: dict[datetime, int] = {}
    issues: list[str] = []
    duplicates: list[str] = []
    blanks = 0
    offsets: set[str] = set()
    naive_row = aware_row = None
    out_of_order = False
    prev: datetime | None = None
    for rowno, row in numbered:
        if len(row) < 2:
            raise HistoryError(
                f"{name}: row {rowno}: {len(row)} column (expected 'hour start timestamp, demand')"
            )
        _check_cells(name, rowno, row)
        ts = _parse_timestamp(row[0])
        if ts is None:
            raise HistoryError(
                f"{name}: row {rowno} column 1: {row[0].strip()!r} is not a timestamp "
                "(expected an ISO hour start such as 2009-10-15 00:00:00)"
            )
        local = ts
        if ts.tzinfo is not None:
            aware_row = aware_row or rowno
            offsets.add(ts.strftime("%z") or "+0000")
            ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
        else:
            naive_row = naive_row or rowno
        if naive_row and aware_row:
            raise HistoryError(
                f"{name}: row {max(naive_row, aware_row)} column 1: mixes timestamps with and "
                f"without a UTC offset (rows {min(naive_row, aware_row)} and "
                f"{max(naive_row, aware_row)}; expected one convention for the whole file)"
            )
        if not MIN_YEAR <= ts.year <= MAX_YEAR:
            raise HistoryError(f"{name}: row {rowno} column 1: year {ts.year} is out of range "
                               f"(expected years {MIN_YEAR}..{MAX_YEAR})")
        if (ts.minute or ts.second or ts.microsecond) and local.tzinfo is not None and not (local.minute or local.second):
            # +05:30 (India) or +05:45 (Nepal): a local hour start, but hours are counted in UTC here.
            raise HistoryError(
                f"{name}: row {rowno} column 1: {row[0].strip()!r} is {ts:%H:%M} UTC, not a UTC hour start "
                "(a UTC offset of a fraction of an hour; expected hourly rows whose UTC time is on the hour: "
                "export them in UTC)"
            )
        if ts.minute or ts.second or ts.microsecond:
            raise HistoryError(
                f"{name}: row {rowno} column 1: {row[0].strip()!r} is not an hour start "
                "(expected minutes and seconds of 00)"
            )
        v = _parse_number(row[1])
        if v is None:
            raise HistoryError(
                f"{name}: row {rowno} column 2: {row[1].strip()!r} is not a number "
                "(expected a non-negative request count)"
            )
        if v > MAX_VALUE:
            raise HistoryError(f"{name}: row {rowno} column 2: {row[1].strip()[:30]} is above {MAX_VALUE:g} "
                               "(expected a request count)")
        if v < 0:
            raise HistoryError(
                f"{name}: row {rowno} column 2: {row[1].strip()} is negative "
                "(expected a non-negative request count)"
            )
        if math.isnan(v):
            blanks += 1
        if prev is not None and ts < prev:
            out_of_order = True
        prev = ts
        if ts in points:
            first = points[ts]
            if not (first == v or (math.isnan(first) and math.isnan(v))):
                raise HistoryError(f"{name}: row {rowno} column 1: hour {_fmt(ts)} is given twice with different "
                                   f"values ({first:g} at row {first_row[ts]}, {v:g} here); expected one value "
                                   "per hour")
            duplicates.append(f"{_fmt(ts)} (row {rowno})")
            continue
        points[ts] = v
        first_row[ts] = rowno

    if offsets:
        issues.append(
            f"timestamps carry UTC offsets ({', '.join(sorted(offsets))}); converted to UTC"
        )
    if out_of_order:
        issues.append("rows were not in time order; sorted by hour")
    if duplicates:
        shown = ", ".join(duplicates[:_MAX_LISTED_RANGES])
        more = f" and {len(duplicates) - _MAX_LISTED_RANGES} more" if len(duplicates) > _MAX_LISTED_RANGES else ""
        issues.append(
            f"{len(duplicates)} duplicate hour{'s' if len(duplicates) != 1 else ''} "
            f"(same value, kept once): {shown}{more}"
        )
    if blanks:
        issues.append(f"{blanks} row{'s' if blanks != 1 else ''} with a blank/NaN demand (treated as missing)")
    hours = sorted(points)
    if hours and int((hours[-1] - hours[0]) / HOUR) > MAX_SPAN_HOURS:
        raise HistoryError(f"{name}: spans {_fmt(hours[0])}..{_fmt(hours[-1])}, more than "
                           f"{MAX_SPAN_HOURS // (366 * 24)} years (expected at most {MAX_SPAN_HOURS:,} hours)")
    _check_hourly(name, hours)
    return grid_from_points(points, str(p), issues)
