"""Delivery policy: when, inside working time, a person accepts a handoff.

Focus blocks are weekly wall-clock intervals that are never interrupted;
digest times bundle deliveries into a few local times a day. Both are wall
clock in the zone in force on each date, so they follow a traveller with
local hours. An urgent handoff breaks through focus blocks and digest waits
but never lands outside working time. Everything here is pure and works on
the same lazily built timelines as ``WorkingPattern``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from handoff.calendar import wording
from handoff.calendar.errors import InvalidPattern, NoWorkingTime
from handoff.calendar.intervals import (
    WEEKDAYS,
    WallInterval,
    format_clock,
    parse_clock,
    parse_weekly,
)
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.public_holidays import weekend_days
from handoff.calendar.timeline import HORIZON_US, Away, Timeline, window_start
from handoff.calendar.travel import TravelPeriod
from handoff.calendar.wallclock import DAY_US, EPOCH_ORDINAL, from_us, resolve, to_us

__all__ = ["Delivery", "DeliveryPolicy", "HandoffTimes", "next_delivery", "schedule_handoff"]

_US = timedelta(microseconds=1)
# Explanations list at most this many skipped candidates, then summarise.
_MAX_SKIP_LINES = 6
# A local date's wall times come at most this long before its UTC midnight
# (UTC offsets reach +14 h; the margin covers historical oddities).
_EARLIEST_US = 26 * 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Focus blocks (Monday-first weekly intervals) and digest times (minutes after midnight)."""

    focus_blocks: tuple[tuple[WallInterval, ...], ...] = ((),) * 7
    digest_times: tuple[int, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeliveryPolicy:
        """Validate ``{"focus_blocks": {...}, "digest_times": [...]}``; both optional."""
        if not isinstance(data, Mapping):
            raise InvalidPattern(f"delivery policy {data!r} must be a mapping", "")
        for key in data:
            if key not in ("focus_blocks", "digest_times"):
                raise InvalidPattern(f"unknown delivery policy key {key!r}", str(key))
        focus = parse_weekly(data.get("focus_blocks"), "focus_blocks")
        raw = data.get("digest_times") or []
        if isinstance(raw, str) or not isinstance(raw, list | tuple):
            raise InvalidPattern(f"digest_times {raw!r} must be a list of 'HH:MM'", "digest_times")
        digests = sorted({parse_clock(v, f"digest_times.{i}") for i, v in enumerate(raw)})
        return cls(focus, tuple(digests))

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON form; round-trips through ``from_dict``."""
        return {
            "focus_blocks": {
                name: [str(iv) for iv in day]
                for name, day in zip(WEEKDAYS, self.focus_blocks, strict=True)
            },
            "digest_times": [format_clock(m) for m in self.digest_times],
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """When a handoff lands (UTC) and why, in order."""

    at: datetime
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandoffTimes:
    """Deliver-at, respond-by (None without a response window) and the explanation."""

    deliver_at: datetime
    respond_by: datetime | None
    explanation: tuple[str, ...]


class _Reasons:
    """Collects explanation lines, summarising skipped candidates past a cap."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.skips = 0
        self.hidden = 0
        self.after_skips = 0  # where the summary of hidden skips goes

    def add(self, line: str) -> None:
        self.lines.append(line)

    def skip(self, line: str) -> None:
        self.skips += 1
        if self.skips <= _MAX_SKIP_LINES:
            self.lines.append(line)
            self.after_skips = len(self.lines)
        else:
            self.hidden += 1

    def done(self, final: str) -> tuple[str, ...]:
        # The summary of hidden lines follows the skips it summarises, before the lines
        # that came after them (the next working time, the final "Lands ...").
        if self.hidden:
            self.lines.insert(self.after_skips, wording.more_skipped(self.hidden))
        return (*self.lines, final)


# (home zone, focus blocks, dates away) -> focus timeline; bounded by clearing.
_FOCUS: dict[tuple[str, tuple[tuple[WallInterval, ...], ...], Away], Timeline] = {}
_FOCUS_LIMIT = 10_000


def focus_timeline(pattern: WorkingPattern, policy: DeliveryPolicy) -> Timeline:
    """The focus blocks as a timeline, wall clock in the zone in force on each date."""
    key = (pattern.timezone, policy.focus_blocks, pattern._timeline._away)
    timeline = _FOCUS.get(key)
    if timeline is None:
        # A focus schedule is a weekly-only pattern with the person's zones, so
        # it reuses (and shares) the same cached timelines.
        travel = tuple(
            TravelPeriod(t.start, t.end, t.timezone) for t in pattern.travel if t.local_hours
        )
        timeline = WorkingPattern(pattern.timezone, policy.focus_blocks, travel=travel)._timeline
        if len(_FOCUS) >= _FOCUS_LIMIT:
            _FOCUS.clear()
        _FOCUS[key] = timeline
    return timeline


def _explain_not_working(pattern: WorkingPattern, us: int, name: str, reasons: _Reasons) -> None:
    ordinal = pattern._date_at(us)
    local_day = date.fromordinal(ordinal)
    source = pattern.day_source(local_day)
    if not source.intervals:
        reasons.add(wording.day_off(name, local_day, source))
        return
    # A night shift belongs to the date it starts on: early on a working date, the
    # shift that would run into it is the night before's, so say why there is none.
    before = local_day - timedelta(days=1)
    zone = pattern._timeline.zone_on(ordinal - 1)
    would_end = max(
        (resolve(zone, ordinal - 1, iv.end) for iv in pattern.weekly[before.weekday()]),
        default=0,
    )
    if us < would_end:  # the night before's usual shift would have covered it
        previous = pattern.day_source(before)
        if previous.kind != "weekly" and not any(iv.overnight for iv in previous.intervals):
            reasons.add(wording.day_off(name, before, previous))
    reasons.add(wording.outside_hours(name, us, pattern._timeline.zone_on(ordinal), source))


def _explain_days_between(
    pattern: WorkingPattern, start: int, end: int, name: str, reasons: _Reasons
) -> None:
    # Mention dates in between that are off: a holiday, time off, an override, or a
    # weekday the person does not work beyond their weekend (a "trail Friday" is worth
    # saying); the weekend is what everyone expects and stays silent.
    first = pattern._date_at(start) + 1
    last = pattern._date_at(end)
    weekend = usual_weekend(pattern)
    for ordinal in range(first, min(last, first + 60)):
        d = date.fromordinal(ordinal)
        source = pattern.day_source(d)
        # a holiday or time off on a day the person never works changes nothing
        usually = bool(pattern.weekly[d.weekday()])
        if not source.intervals and (
            (source.kind != "weekly" and usually)
            or (source.kind == "weekly" and d.weekday() not in weekend)
        ):
            reasons.skip(wording.day_off(name, d, source))


def usual_weekend(pattern: WorkingPattern) -> frozenset[int]:
    """The weekdays (Monday 0) an explanation need not name as days off.

    Up to two days off in a row (Saturday and Sunday, Friday and Saturday, Sunday and
    Monday) are the person's weekend, whatever it is. With more days off, or two apart,
    the weekend is their holiday region's (Saturday and Sunday without one) and the
    other days off are worth saying: a trail Friday, a Wednesday off.
    """
    off = frozenset(day for day in range(7) if not pattern.weekly[day])
    if len(off) <= 1 or (len(off) == 2 and any((day + 1) % 7 in off for day in off)):
        return off
    return off & weekend_days(pattern.holidays)


def _to_working(pattern: WorkingPattern, at: int, name: str, reasons: _Reasons) -> int:
    """``at`` when working, else the next working instant, explaining the wait."""
    work = pattern._timeline
    if work.contains(at):
        return at
    _explain_not_working(pattern, at, name, reasons)
    nxt = work.next_working(at)
    _explain_days_between(pattern, at, nxt, name, reasons)
    reasons.add(wording.next_working(name, nxt, pattern._zone_at(nxt)))
    return nxt


def _without_digests(
    pattern: WorkingPattern, focus: Timeline, at: int, name: str, reasons: _Reasons
) -> int:
    work = pattern._timeline
    limit = at + HORIZON_US
    c = at
    while True:
        if c > limit:
            raise NoWorkingTime(
                "their focus blocks cover all of their working time within 730 days"
            )
        if not work.contains(c):
            if c == at:
                _explain_not_working(pattern, c, name, reasons)
            nxt = work.next_working(c)
            _explain_days_between(pattern, c, nxt, name, reasons)
            reasons.add(wording.next_working(name, nxt, pattern._zone_at(nxt)))
            c = nxt
        if focus.contains(c):
            start = window_start(focus, c)
            end = focus.window_end(c)
            reasons.skip(wording.focus_wait(name, start, end, pattern._zone_at(start)))
            c = end
            continue
        if c == at:
            reasons.add(wording.lands_at_once(name))
        return c


def digest_instants(
    pattern: WorkingPattern, policy: DeliveryPolicy, at: int
) -> Iterator[tuple[int, int]]:
    """``(instant, date ordinal)`` of every digest time from ``at`` on, in time order.

    Dates read in different zones can interleave, so candidates wait in a heap
    until no later date can bring an earlier one.
    """
    zone_on = pattern._timeline.zone_on
    heap: list[tuple[int, int]] = []
    first = pattern._date_at(at) - 2
    for ordinal in range(first, first + 735):
        zone = zone_on(ordinal)
        for minute in policy.digest_times:
            t = resolve(zone, ordinal, minute)
            if t >= at:
                heapq.heappush(heap, (t, ordinal))
        settled = (ordinal + 1 - EPOCH_ORDINAL) * DAY_US - _EARLIEST_US
        while heap and heap[0][0] < settled:
            yield heapq.heappop(heap)
    while heap:
        yield heapq.heappop(heap)


def _with_digests(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    focus: Timeline,
    at: int,
    name: str,
    reasons: _Reasons,
) -> int:
    work = pattern._timeline
    if not work.contains(at):
        _explain_not_working(pattern, at, name, reasons)
        nxt = work.next_working(at)
        reasons.add(wording.next_working(name, nxt, pattern._zone_at(nxt)))
    reasons.add(wording.digests_bundled(name, policy.digest_times))
    has_work: dict[int, bool] = {}
    for t, ordinal in digest_instants(pattern, policy, at):
        zone = pattern._timeline.zone_on(ordinal)
        if not work.contains(t):
            # Only working dates are worth a line; days off are explained below.
            if ordinal not in has_work:
                has_work[ordinal] = bool(pattern.day_source(date.fromordinal(ordinal)).intervals)
            if has_work[ordinal]:
                reasons.skip(wording.digest_outside(name, t, zone))
            continue
        if focus.contains(t):
            reasons.skip(wording.digest_focus(name, t, zone))
            continue
        _explain_days_between(pattern, at, t, name, reasons)
        reasons.add(wording.wait_digest(t, zone))
        return t
    times = ", ".join(format_clock(m) for m in policy.digest_times)
    raise NoWorkingTime(
        f"none of their digest times ({times}) falls in their working time outside focus "
        "blocks within 730 days"
    )


def _urgent(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    focus: Timeline,
    at: int,
    name: str,
    reasons: _Reasons,
) -> int:
    t = _to_working(pattern, at, name, reasons)
    if focus.contains(t):
        start, end = window_start(focus, t), focus.window_end(t)
        if end - start >= HORIZON_US:  # focus blocks around the clock: no span to name
            reasons.add(wording.urgent_focus_always(name))
        else:
            reasons.add(wording.urgent_focus(name, start, end, pattern._zone_at(start)))
    if policy.digest_times:
        reasons.add(wording.urgent_digest(name))
    if t == at and not focus.contains(t) and not policy.digest_times:
        reasons.add(wording.lands_at_once(name))
    return t


def _travel_line(pattern: WorkingPattern, at: int, t: int, name: str) -> str | None:
    # Say where the person is when it lands, or that they are back by then.
    itinerary = pattern._itinerary
    if itinerary is None:
        return None
    now = itinerary.on(pattern._date_at(at))
    then = itinerary.on(pattern._date_at(t))
    if then is not None:
        return wording.travelling(name, then, pattern.timezone, started=then is now)
    if now is not None:
        return wording.back_home(name, now, pattern.timezone)
    return None


def _deliver(
    pattern: WorkingPattern, policy: DeliveryPolicy, at: int, name: str, urgent: bool
) -> tuple[int, tuple[str, ...]]:
    reasons = _Reasons()
    focus = focus_timeline(pattern, policy)
    if urgent:
        t = _urgent(pattern, policy, focus, at, name, reasons)
    elif policy.digest_times:
        t = _with_digests(pattern, policy, focus, at, name, reasons)
    else:
        t = _without_digests(pattern, focus, at, name, reasons)
    travel = _travel_line(pattern, at, t, name)
    if travel is not None:
        reasons.add(travel)
    return t, reasons.done(wording.lands(t, pattern._zone_at(t)))


def next_delivery(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    at: datetime,
    name: str = "the receiver",
    *,
    urgent: bool = False,
) -> Delivery:
    """The earliest instant ``>= at`` when a handoff may land, with reasons.

    Without digest times: the first working instant outside focus blocks.
    With digest times: the first digest time that is working time and not in
    a focus block. ``urgent``: the first working instant, focus blocks and
    digest times notwithstanding. Raises ``NoWorkingTime`` when nothing within
    730 days qualifies.
    """
    t, reasons = _deliver(pattern, policy, to_us(at, "at"), name, urgent)
    return Delivery(from_us(t), reasons)


def schedule_handoff(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    at: datetime,
    respond_within: timedelta | None,
    name: str = "the receiver",
    *,
    urgent: bool = False,
) -> HandoffTimes:
    """Deliver-at plus respond-by (``respond_within`` of the receiver's working time).

    ``urgent`` lands at the next working instant, inside a focus block or
    between digest times if need be (see :func:`next_delivery`).
    """
    us = to_us(at, "at")
    if respond_within is not None:
        if not isinstance(respond_within, timedelta):
            raise TypeError(f"respond_within {respond_within!r} must be a timedelta or None")
        if respond_within < timedelta(0):
            raise ValueError(f"respond_within {respond_within} is negative")
    t, reasons = _deliver(pattern, policy, us, name, urgent)
    if respond_within is None:
        return HandoffTimes(from_us(t), None, reasons)
    try:
        due = pattern._timeline.add(t, respond_within // _US)
    except NoWorkingTime as e:
        raise NoWorkingTime(wording.no_time_to_respond(respond_within, str(e))) from None
    line = wording.respond_by(name, respond_within, due, pattern._zone_at(due))
    return HandoffTimes(from_us(t), from_us(due), (*reasons, line))
