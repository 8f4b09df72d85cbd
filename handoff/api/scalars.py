"""Scalars: instants (RFC 3339, one form everywhere) and ISO 8601 durations.

Every DateTime the API returns reads `2026-11-30T08:00:00+00:00`: whole seconds and a
numeric offset (`+00:00` for instants, the person's offset for their local time). Input
instants must carry an offset; a naive one is ambiguous and refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NewType, TypeVar

import strawberry
from strawberry.types.scalar import ScalarDefinition

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: str) -> timedelta:
    """`PT4H`, `P2D`, `PT1H30M`, `P1W`; years and months are refused (their length varies)."""
    match = _DURATION.match(value.strip().upper()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"{value!r} is not an ISO 8601 duration like 'PT4H' or 'P1DT2H' "
            "(weeks, days, hours, minutes and seconds only)"
        )
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    try:
        return timedelta(
            weeks=parts["w"],
            days=parts["d"],
            hours=parts["h"],
            minutes=parts["m"],
            seconds=parts["s"],
        )
    except OverflowError:
        raise ValueError(f"{value!r} is longer than any duration this API accepts") from None


@lru_cache(maxsize=4096)  # answers repeat the same few durations (working time, totals)
def format_duration(value: timedelta) -> str:
    """The shortest ISO 8601 form: `PT4H`, `P1DT30M`, `PT0S`."""
    # whole microseconds: a float would print 1e-05 seconds or round 59.999999 up to 60
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    seconds, micro = divmod(abs(micros), 1_000_000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, whole = divmod(rest, 60)
    secs = f"{whole}.{micro:06d}".rstrip("0") if micro else (f"{whole}" if whole else "")
    date_part = f"{days}D" if days else ""
    time_part = "".join(
        f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n
    )
    if not date_part and not time_part:
        return "PT0S"
    return f"{sign}P{date_part}{'T' + time_part if time_part else ''}"


def serialize_datetime(value: datetime) -> str:
    """RFC 3339 with whole seconds and a numeric offset: `value.isoformat(timespec=
    "seconds")`, put together from cached parts (the day, two-digit numbers, the offset)
    at half its cost: a timeline answer holds some 1,500 instants."""
    offset = value.utcoffset() if value.tzinfo is not None else None
    if offset is None:
        raise ValueError("the API never returns a naive datetime")
    suffix = _OFFSET_TEXT.get(offset)
    if suffix is None:
        if offset.seconds % 60 or offset.microseconds:
            # a local mean time offset (Amsterdam was +00:19:32 until 1937): RFC 3339
            # offsets are whole minutes, so the instant is given in UTC rather than shifted
            value, suffix = value.astimezone(UTC), "+00:00"
        else:
            minutes = offset // timedelta(minutes=1)
            sign = "-" if minutes < 0 else "+"
            hours, minutes = divmod(abs(minutes), 60)
            suffix = _OFFSET_TEXT[offset] = f"{sign}{hours:02d}:{minutes:02d}"
    day = _DAY_TEXT.get(value.toordinal())
    if day is None:
        if len(_DAY_TEXT) >= _DAYS_KEPT:
            _DAY_TEXT.clear()
        day = _DAY_TEXT[value.toordinal()] = value.date().isoformat() + "T"
    two = _TWO_DIGITS
    return day + two[value.hour] + ":" + two[value.minute] + ":" + two[value.second] + suffix


_TWO_DIGITS = [f"{n:02d}" for n in range(60)]
# whole-minute offsets as text ("+05:30"): a few dozen exist
_OFFSET_TEXT: dict[timedelta, str] = {}
# "2026-11-30T" by the day's ordinal, for the days answers have shown lately
_DAY_TEXT: dict[int, str] = {}
_DAYS_KEPT = 4096


_T = TypeVar("_T")

# Instants and dates the API accepts: wide enough for any plan, far enough from the ends
# of Python's and PostgreSQL's ranges that no arithmetic on them overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def _in_range(parsed: date, value: object) -> None:
    year = parsed.year
    if EARLIEST_YEAR <= year <= LATEST_YEAR and isinstance(parsed, datetime):
        offset = parsed.utcoffset()
        if offset is not None:
            year = (parsed - offset).year  # the instant's year, not its wall clock's
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(
            f"{value!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR} this API accepts"
        )


def _iso(parse: Callable[[str], _T], text: str) -> _T | None:
    try:
        return parse(text) if text else None
    except ValueError:
        return None


def parse_datetime(value: object) -> datetime:
    """An instant: `2026-11-27T15:00:00+01:00` or `...Z`. A naive one parses, so the field
    that takes it can refuse it as a ValidationError naming itself (`check_text`)."""
    text = value.strip() if isinstance(value, str) else ""
    parsed = _iso(datetime.fromisoformat, text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    if parsed is None:
        raise ValueError(
            f"{value!r} is not an RFC 3339 instant like '2026-11-27T15:00:00+01:00' or "
            "'2026-11-27T14:00:00Z'"
        )
    _in_range(parsed, value)
    return parsed


def parse_date(value: object) -> date:
    """A calendar date: `2026-12-01`."""
    parsed = _iso(date.fromisoformat, value.strip() if isinstance(value, str) else "")
    if parsed is None:
        raise ValueError(f"{value!r} is not a date like '2026-12-01'")
    _in_range(parsed, value)
    return parsed


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    description="An instant, RFC 3339 with an offset: 2026-11-30T08:00:00+00:00. Returned "
    f"with whole seconds; inputs without an offset, or outside the years {EARLIEST_YEAR} to "
    f"{LATEST_YEAR}, are refused.",
)

DATE_SCALAR = strawberry.scalar(
    name="Date",
    serialize=date.isoformat,
    parse_value=parse_date,
    description=f"A calendar date, ISO 8601: 2026-12-01 (years {EARLIEST_YEAR} to {LATEST_YEAR}).",
)

Duration = NewType("Duration", timedelta)

DURATION_SCALAR = strawberry.scalar(
    name="Duration",
    serialize=format_duration,
    parse_value=parse_duration,
    description="An ISO 8601 duration such as PT4H (weeks, days, hours, minutes, seconds).",
)
SCALAR_MAP: dict[object, ScalarDefinition] = {
    Duration: DURATION_SCALAR,
    datetime: DATETIME_SCALAR,
    date: DATE_SCALAR,
}
