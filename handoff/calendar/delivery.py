"""Delivery policy: when, inside working time, a person accepts a handoff.

Focus blocks are weekly wall-clock intervals that are never interrupted;
digest times bundle deliveries into a few local times a day. Everything here
is pure and works on the same lazily built timelines as ``WorkingPattern``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from handoff.calendar.timeline import HORIZON_US, Timeline, window_start
from handoff.calendar.wallclock import from_us, resolve, to_us

__all__ = ["Delivery", "DeliveryPolicy", "HandoffTimes", "next_delivery", "schedule_handoff"]

_US = timedelta(microseconds=1)
# Explanations list at most this many skipped candidates, then summarise.
_MAX_SKIP_LINES = 6


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

    def add(self, line: str) -> None:
        self.lines.append(line)

    def skip(self, line: str) -> None:
        self.skips += 1
        if self.skips <= _MAX_SKIP_LINES:
            self.lines.append(line)
        else:
            self.hidden += 1

    def done(self, final: str) -> tuple[str, ...]:
        # The summary of hidden lines goes before the final "Lands ..." line.
        if self.hidden:
            self.lines.append(wording.more_skipped(self.hidden))
        return (*self.lines, final)


def _focus_timeline(pattern: WorkingPattern, policy: DeliveryPolicy) -> Timeline:
    # A focus schedule is a weekly-only pattern in the person's zone, so it
    # reuses (and shares) the same cached timelines.
    return WorkingPattern(pattern.timezone, policy.focus_blocks)._timeline


def _explain_not_working(pattern: WorkingPattern, us: int, name: str) -> str:
    local_day = from_us(us).astimezone(pattern.zone).date()
    source = pattern.day_source(local_day)
    if not source.intervals:
        return wording.day_off(name, local_day, source)
    return wording.outside_hours(name, us, pattern.zone, source)


def _explain_days_between(
    pattern: WorkingPattern, start: int, end: int, name: str, reasons: _Reasons
) -> None:
    # Mention dates in between that are off: a holiday, time off, an override, or a
    # weekday the person does not work (a "trail Friday" is worth saying); Saturdays
    # and Sundays off are what everyone expects and stay silent.
    zone = pattern.zone
    first = from_us(start).astimezone(zone).date().toordinal() + 1
    last = from_us(end).astimezone(zone).date().toordinal()
    for ordinal in range(first, min(last, first + 60)):
        d = date.fromordinal(ordinal)
        source = pattern.day_source(d)
        if not source.intervals and (source.kind != "weekly" or d.weekday() < 5):
            reasons.skip(wording.day_off(name, d, source))


def _without_digests(
    pattern: WorkingPattern, focus: Timeline, at: int, name: str, reasons: _Reasons
) -> int:
    work = pattern._timeline
    zone = pattern.zone
    limit = at + HORIZON_US
    c = at
    while True:
        if c > limit:
            raise NoWorkingTime("no deliverable working time within 730 days")
        if not work.contains(c):
            if c == at:
                reasons.add(_explain_not_working(pattern, c, name))
            nxt = work.next_working(c)
            _explain_days_between(pattern, c, nxt, name, reasons)
            reasons.add(wording.next_working(name, nxt, zone))
            c = nxt
        if focus.contains(c):
            end = focus.window_end(c)
            reasons.skip(wording.focus_wait(name, window_start(focus, c), end, zone))
            c = end
            continue
        if c == at:
            reasons.add(wording.lands_at_once(name))
        return c


def _with_digests(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    focus: Timeline,
    at: int,
    name: str,
    reasons: _Reasons,
) -> int:
    work = pattern._timeline
    zone = pattern.zone
    if not work.contains(at):
        reasons.add(_explain_not_working(pattern, at, name))
        reasons.add(wording.next_working(name, work.next_working(at), zone))
    reasons.add(wording.digests_bundled(name, policy.digest_times))
    first = from_us(at).astimezone(zone).toordinal() - 1
    for ordinal in range(first, first + 733):
        has_work = bool(pattern.day_source(date.fromordinal(ordinal)).intervals)
        for minute in policy.digest_times:
            t = resolve(zone, ordinal, minute)
            if t < at:
                continue
            if not work.contains(t):
                # Only working dates are worth a line; days off were explained.
                if has_work:
                    reasons.skip(wording.digest_outside(name, t, zone))
                continue
            if focus.contains(t):
                reasons.skip(wording.digest_focus(name, t, zone))
                continue
            reasons.add(wording.wait_digest(t, zone))
            return t
    raise NoWorkingTime("no digest time inside working time within 730 days")


def _deliver(
    pattern: WorkingPattern, policy: DeliveryPolicy, at: int, name: str
) -> tuple[int, tuple[str, ...]]:
    reasons = _Reasons()
    focus = _focus_timeline(pattern, policy)
    if policy.digest_times:
        t = _with_digests(pattern, policy, focus, at, name, reasons)
    else:
        t = _without_digests(pattern, focus, at, name, reasons)
    return t, reasons.done(wording.lands(t, pattern.zone))


def next_delivery(
    pattern: WorkingPattern, policy: DeliveryPolicy, at: datetime, name: str = "the receiver"
) -> Delivery:
    """The earliest instant ``>= at`` when a handoff may land, with reasons.

    Without digest times: the first working instant outside focus blocks.
    With digest times: the first digest time that is working time and not in
    a focus block. Raises ``NoWorkingTime`` when nothing within 730 days qualifies.
    """
    t, reasons = _deliver(pattern, policy, to_us(at, "at"), name)
    return Delivery(from_us(t), reasons)


def schedule_handoff(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    at: datetime,
    respond_within: timedelta | None,
    name: str = "the receiver",
) -> HandoffTimes:
    """Deliver-at plus respond-by (``respond_within`` of the receiver's working time)."""
    us = to_us(at, "at")
    if respond_within is not None:
        if not isinstance(respond_within, timedelta):
            raise TypeError(f"respond_within {respond_within!r} must be a timedelta or None")
        if respond_within < timedelta(0):
            raise ValueError(f"respond_within {respond_within} is negative")
    t, reasons = _deliver(pattern, policy, us, name)
    if respond_within is None:
        return HandoffTimes(from_us(t), None, reasons)
    due = pattern._timeline.add(t, respond_within // _US)
    line = wording.respond_by(name, respond_within, due, pattern.zone)
    return HandoffTimes(from_us(t), from_us(due), (*reasons, line))
