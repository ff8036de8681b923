"""W3C dates (W3C-DTF, the profile of ISO 8601 that Dublin Core and XMP use)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

# ASCII digits only: Python's \d also takes '２' or '٢', which would reach the XMP and the
# oai_dc record as a date no reader of W3C dates accepts.
_W3C = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?",
    re.ASCII,
)


# A PDF date and an XMP date carry the year in four digits, and Python's datetime has no
# year 0: a year before 1000 cannot be written in the archive's dates, so it is refused
# when the record or the article is read, never half-way through a build.
FIRST_YEAR = 1000


def check_w3c_date(text: str) -> str | None:
    """Return why ``text`` is not a possible W3C date, or None when it is one."""
    match = _W3C.fullmatch(text)
    if not match:
        return "is not a W3C date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss]TZD)"
    year, month, day = (match[k] for k in ("year", "month", "day"))
    if int(year) < FIRST_YEAR:
        return f"has year {year}, before {FIRST_YEAR}, which archivist cannot date"
    if month is not None and not 1 <= int(month) <= 12:
        return f"has month {month}, which does not exist"
    if day is not None:
        last = calendar.monthrange(int(year), int(month))[1]
        if not 1 <= int(day) <= last:
            return f"has day {day}, but {year}-{month} has {last} days"
    if match["hour"] is not None:
        if int(match["hour"]) > 23 or int(match["minute"]) > 59 or int(match["second"] or 0) > 59:
            return "has a time of day that does not exist"
        if match["tz"] != "Z" and (int(match["tz"][1:3]) > 14 or int(match["tz"][4:6]) > 59):
            return "has a time zone offset that does not exist"
    return None


def date_parts(text: str) -> tuple[int, ...]:
    """(year,), (year, month) or (year, month, day) of a valid W3C date."""
    match = _W3C.fullmatch(text)
    assert match, text
    return tuple(int(match[k]) for k in ("year", "month", "day") if match[k] is not None)


def dates_agree(a: str, b: str) -> bool:
    """Two dates agree when the less precise one contains the more precise one."""
    pa, pb = date_parts(a), date_parts(b)
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]


def start_instant(text: str) -> datetime:
    """The first instant (UTC) of the period a W3C date names."""
    parts = (*date_parts(text), 1, 1)
    return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
