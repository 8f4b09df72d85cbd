"""A person's time as typed spans for a UI, and when handoffs can reach them.

``person_segments`` lays the layers of a range side by side: travel, days
without work (holiday, time off, day off), working time, focus blocks inside
it and digest instants. Layers may nest (a focus block lies inside working
time, working time inside a travel period); within a layer spans do not
overlap. Each span carries the zone whose wall clock applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from handoff.calendar.delivery import DeliveryPolicy, digest_instants, focus_timeline
from handoff.calendar.overlap import Spans, intersect, subtract
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.timeline import Timeline
from handoff.calendar.wallclock import from_us, resolve, to_us

__all__ = ["DeliveryWindows", "Segment", "SegmentKind", "delivery_windows", "person_segments"]


class SegmentKind(StrEnum):
    """What a span of a person's time is."""

    TRAVEL = "TRAVEL"
    HOLIDAY = "HOLIDAY"
    TIME_OFF = "TIME_OFF"
    DAY_OFF = "DAY_OFF"
    WORKING = "WORKING"
    FOCUS = "FOCUS"
    DIGEST = "DIGEST"


# Outer layers first when spans start together.
_ORDER = {kind: i for i, kind in enumerate(SegmentKind)}


@dataclass(frozen=True, slots=True)
class Segment:
    """One span ``[start, end)`` in UTC (zero length for a ``DIGEST`` instant).

    ``zone`` is the IANA zone whose wall clock applies: the zone in force on the
    span's local date (for ``TRAVEL``, the visited zone). ``label`` is the
    holiday's name, the time-off reason, ``"date override"`` for a day an
    override leaves empty, or the travel period's hours (``"LOCAL"``/``"HOME"``).
    """

    kind: SegmentKind
    start: datetime
    end: datetime
    zone: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryWindows:
    """When handoffs can reach a person in a range.

    ``windows``: working time minus focus blocks (where an undelayed handoff
    lands). ``digests``: digest instants inside working time and outside focus
    blocks. When ``bundled`` (the policy has digest times), ordinary handoffs
    land only at ``digests``; urgent ones may land anywhere in working time.
    """

    windows: tuple[tuple[datetime, datetime], ...]
    digests: tuple[datetime, ...]
    bundled: bool


def _layers(
    pattern: WorkingPattern, policy: DeliveryPolicy, a: int, b: int
) -> tuple[Spans, Timeline, Spans, list[int]]:
    """Working windows, the focus timeline, focus inside work, deliverable digests."""
    work = pattern._timeline.windows(a, b)
    focus_tl = focus_timeline(pattern, policy)
    focus = intersect(work, focus_tl.windows(a, b)) if work and any(policy.focus_blocks) else []
    digests: list[int] = []
    if policy.digest_times and work:
        contains = pattern._timeline.contains
        for t, _ in digest_instants(pattern, policy, a):
            if t >= b:
                break
            if contains(t) and not focus_tl.contains(t):
                digests.append(t)
    return work, focus_tl, focus, digests


def _day_segments(pattern: WorkingPattern, a: int, b: int, work: Spans, out: list[Segment]) -> None:
    # Each local date spans the time it is in force, so these spans tile time
    # even across a changeover (an eastward flight shortens a day). Same rule
    # as WorkingPattern._in_force, with each midnight resolved once. A night shift
    # of the day before that runs into a day off is working time, not the day off's.
    zone_on = pattern._timeline.zone_on
    first = pattern._date_at(a)
    last = pattern._date_at(b - 1)
    midnights = [resolve(zone_on(o), o, 0) for o in range(first, last + 3)]
    # Dates with intervals need no lookup: the weekly day unless an exception says otherwise.
    changed = pattern._exceptions(first, last)
    weekly = pattern.weekly
    for i, ordinal in enumerate(range(first, last + 1)):
        if changed.get(ordinal, weekly[(ordinal - 1) % 7]):
            continue
        s, e = max(midnights[i], a), min(midnights[i + 1], midnights[i + 2], b)
        if s >= e:
            continue
        source = pattern.day_source(date.fromordinal(ordinal))
        if source.kind == "time_off":
            kind, label = SegmentKind.TIME_OFF, source.label
        elif source.kind == "holiday":
            kind, label = SegmentKind.HOLIDAY, source.label
        else:
            kind = SegmentKind.DAY_OFF
            label = "date override" if source.kind == "override" else None
        zone = zone_on(ordinal).key
        for piece_s, piece_e in subtract([(s, e)], work):
            out.append(Segment(kind, from_us(piece_s), from_us(piece_e), zone, label))


def _travel_segments(pattern: WorkingPattern, a: int, b: int, out: list[Segment]) -> None:
    itinerary = pattern._itinerary
    if itinerary is None:
        return
    for first, last, period in itinerary.between(pattern._date_at(a), pattern._date_at(b - 1)):
        begin, finish = pattern._in_force(first, last)
        s, e = max(begin, a), min(finish, b)
        if s < e:
            seg = Segment(SegmentKind.TRAVEL, from_us(s), from_us(e), period.timezone, period.hours)
            out.append(seg)


def person_segments(
    pattern: WorkingPattern, policy: DeliveryPolicy, start: datetime, end: datetime
) -> list[Segment]:
    """Typed spans of the person's time in ``[start, end)``, sorted by start.

    ``WORKING`` (merged working windows), ``FOCUS`` (focus blocks inside working
    time), ``DIGEST`` (zero-length: digest times inside working time and
    outside focus blocks, i.e. when bundled handoffs land), ``HOLIDAY`` /
    ``TIME_OFF`` / ``DAY_OFF`` (a local date without intervals: a public
    holiday, time off, or none by the weekly pattern or an override, such as a
    trail Friday or a weekend; the part a night shift of the day before runs into
    is working time instead), and ``TRAVEL`` (a travel period in force).
    """
    a = to_us(start, "start")
    b = to_us(end, "end")
    if b <= a:
        return []
    key = (pattern, policy, a, b)
    known = _SEGMENTS.get(key)
    if known is None:
        known = _SEGMENTS[key] = _segments(pattern, policy, a, b)
        if len(_SEGMENTS) > _SEGMENTS_LIMIT:
            # Drop the oldest tenth; dicts keep insertion order.
            for old in list(_SEGMENTS)[: _SEGMENTS_LIMIT // 10]:
                del _SEGMENTS[old]
    return list(known)


# A team's week is asked for again and again (every member's timeline view) while the
# patterns stay as they are. Patterns and policies compare by value, so an edited one
# is a new key and never meets an old answer.
_SEGMENTS: dict[tuple[WorkingPattern, DeliveryPolicy, int, int], tuple[Segment, ...]] = {}
_SEGMENTS_LIMIT = 5_000


def _segments(
    pattern: WorkingPattern, policy: DeliveryPolicy, a: int, b: int
) -> tuple[Segment, ...]:
    out: list[Segment] = []
    work, _, focus, digests = _layers(pattern, policy, a, b)
    _travel_segments(pattern, a, b, out)
    _day_segments(pattern, a, b, work, out)
    zone_at = pattern._zone_at
    for kind, spans in ((SegmentKind.WORKING, work), (SegmentKind.FOCUS, focus)):
        for s, e in spans:
            out.append(Segment(kind, from_us(s), from_us(e), zone_at(s).key))
    for t in digests:
        at = from_us(t)
        out.append(Segment(SegmentKind.DIGEST, at, at, zone_at(t).key))
    out.sort(key=lambda seg: (seg.start, _ORDER[seg.kind], seg.end))
    return tuple(out)


def delivery_windows(
    pattern: WorkingPattern, policy: DeliveryPolicy, start: datetime, end: datetime
) -> DeliveryWindows:
    """Working time minus focus blocks, plus the deliverable digest instants, in ``[start, end)``."""
    a = to_us(start, "start")
    b = to_us(end, "end")
    if b <= a:
        return DeliveryWindows((), (), bool(policy.digest_times))
    work, _, focus, digests = _layers(pattern, policy, a, b)
    return DeliveryWindows(
        tuple((from_us(s), from_us(e)) for s, e in subtract(work, focus)),
        tuple(from_us(t) for t in digests),
        bool(policy.digest_times),
    )
