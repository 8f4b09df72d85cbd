"""Exact instants as integer microseconds, and the one place wall times become instants.

The DST rule lives here and nowhere else: a local wall time resolves with the
"compatible" rule (RFC 5545 / Temporal): a time in a spring-forward gap moves
forward by the gap, an ambiguous time in a fall-back overlap takes the earlier
instant. That is exactly what ``datetime(..., tzinfo=zone, fold=0)`` does, so
the careful path simply builds that datetime. Because building datetimes is
slow, days without a transition use a cached per-day UTC offset instead.

A working interval is the time whose wall-clock reading lies in it, so its start or
end in a gap is the clock change itself (``resolve_edge``): 02:30-03:15 on the night
the clocks jump from 02:00 to 03:00 is 03:00-03:15, and a longer interval never holds
less working time than a shorter one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DAY_US",
    "EPOCH",
    "EPOCH_ORDINAL",
    "MINUTE_US",
    "from_us",
    "local_date_ordinal",
    "resolve",
    "to_us",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
DAY_US = 86_400 * SECOND_US
_MIN_ORDINAL = date(1, 1, 3).toordinal()
_MAX_ORDINAL = date(9999, 12, 29).toordinal()

# zone key -> {local date ordinal -> offset in µs, or None on a transition day}.
# Shared by every pattern in that zone; bounded by clearing (it refills cheaply).
_DAY_OFFSETS: dict[str, dict[int, int | None]] = {}
_DAY_OFFSETS_LIMIT = 400_000
_day_offsets_size = 0


def to_us(value: datetime, field: str) -> int:
    """Convert an aware datetime to integer microseconds since the Unix epoch.

    These are programming mistakes, not bad pattern data, so they raise plain
    errors naming ``field``: a naive datetime ``ValueError``, anything that is
    not a datetime ``TypeError``.
    """
    try:
        # Subtracting an aware epoch is the fastest exact conversion; a naive
        # value makes it raise TypeError, which we turn into a clear error.
        return (value - EPOCH) // _ONE_US
    except TypeError:
        pass
    if isinstance(value, datetime):
        raise ValueError(
            f"{field} {value.isoformat()!r} is a naive datetime; an aware datetime is needed"
        ) from None
    raise TypeError(
        f"{field} {value!r} is a {type(value).__name__}; an aware datetime is needed"
    ) from None


def from_us(us: int) -> datetime:
    """Microseconds since the epoch to an aware UTC datetime."""
    return EPOCH + _ONE_US * us  # faster than timedelta(0, 0, us), equally exact


def local_date_ordinal(us: int, zone: ZoneInfo) -> int:
    """The proleptic ordinal of the local date of instant ``us`` in ``zone``."""
    return from_us(us).astimezone(zone).toordinal()


def _offset_us(zone: ZoneInfo, ordinal: int, hour: int) -> int:
    d = date.fromordinal(ordinal)
    off = datetime(d.year, d.month, d.day, hour, tzinfo=zone).utcoffset()
    assert off is not None
    return off // _ONE_US


def _day_offset(zone: ZoneInfo, ordinal: int) -> int | None:
    """The single offset used by every wall time of this local day, or None.

    Under the compatible rule the offset is a step function of wall time, so
    when midnight, noon and the next midnight agree (each resolved with
    fold=0) no transition affects the day.
    """
    global _day_offsets_size
    cache = _DAY_OFFSETS.get(zone.key)
    if cache is None:
        cache = _DAY_OFFSETS[zone.key] = {}
    try:
        return cache[ordinal]
    except KeyError:
        pass
    if _day_offsets_size > _DAY_OFFSETS_LIMIT:
        for other in _DAY_OFFSETS.values():
            other.clear()
        _day_offsets_size = 0
    first = _offset_us(zone, ordinal, 0)
    result: int | None = first
    if _offset_us(zone, ordinal, 12) != first or _offset_us(zone, ordinal + 1, 0) != first:
        result = None
    cache[ordinal] = result
    _day_offsets_size += 1
    return result


def resolve(zone: ZoneInfo, ordinal: int, minute: int) -> int:
    """The instant (µs) of wall time ``minute`` after local midnight of date ``ordinal``.

    ``minute`` may exceed 1440 (overnight ends, ``24:00``); it then refers to the
    following local date(s). Resolution uses the compatible rule.
    """
    if minute >= 1440:
        ordinal += minute // 1440
        minute %= 1440
    if not _MIN_ORDINAL <= ordinal <= _MAX_ORDINAL:
        raise OverflowError("date out of supported range")
    off = _day_offset(zone, ordinal)
    if off is not None:
        return (ordinal - EPOCH_ORDINAL) * DAY_US + minute * MINUTE_US - off
    # Transition day: let zoneinfo apply fold=0, which is the compatible rule.
    d = date.fromordinal(ordinal)
    wall = datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=zone, fold=0)
    return (wall - EPOCH) // _ONE_US


def _clock_change(zone: ZoneInfo, t: int) -> int:
    """The first instant, to the minute, of the offset in force at ``t`` within the day
    before it: where the clock jumped, for a ``t`` just past a spring-forward gap."""

    def offset(us: int) -> timedelta | None:
        return (EPOCH + us * _ONE_US).astimezone(zone).utcoffset()

    target = offset(t)
    lo, hi = (t - DAY_US) // MINUTE_US, t // MINUTE_US  # minutes; offset(hi) == target
    if offset(lo * MINUTE_US) == target:
        return t
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if offset(mid * MINUTE_US) == target:
            hi = mid
        else:
            lo = mid
    return hi * MINUTE_US


def resolve_edge(zone: ZoneInfo, ordinal: int, minute: int) -> int:
    """`resolve` for the start or end of a working interval: a wall time in a
    spring-forward gap is the clock change itself (so an interval starting or ending in
    the gap keeps what exists of it, and a longer interval never holds less)."""
    t = resolve(zone, ordinal, minute)
    if _day_offset(zone, ordinal + minute // 1440) is not None:
        return t  # no clock change that day
    local = from_us(t).astimezone(zone)
    if local.hour * 60 + local.minute == minute % 1440:
        return t
    return _clock_change(zone, t)
