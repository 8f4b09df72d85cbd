"""Every sentence of a delivery explanation, in one place.

Sentences are built from the person's name and local times; ``sentence``
capitalises the first letter so a lower-case default name reads well.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from handoff.calendar.days import DaySource
from handoff.calendar.intervals import format_clock
from handoff.calendar.travel import TravelPeriod
from handoff.calendar.wallclock import from_us

__all__ = [
    "back_home",
    "day_off",
    "digest_focus",
    "digest_outside",
    "digests_bundled",
    "focus_wait",
    "lands",
    "lands_at_once",
    "local_time",
    "more_skipped",
    "next_working",
    "outside_hours",
    "respond_by",
    "travelling",
    "urgent_digest",
    "urgent_focus",
    "urgent_focus_always",
    "wait_digest",
]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# English names fixed here rather than strftime, whose output follows the locale.
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(d: date) -> str:
    # "Monday 30 Nov": weekday, day without padding, month abbreviation.
    return f"{_WEEKDAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]}"


def _local(us: int, zone: ZoneInfo) -> str:
    t = from_us(us).astimezone(zone)
    text = f"{_day(t.date())} {t.strftime('%H:%M')} {zone.key}"
    # in the hour a fall-back repeats, the wall time alone names two instants
    if t.replace(fold=1 - t.fold).utcoffset() != t.utcoffset():
        offset = t.strftime("%z")
        text += f" ({offset[:3]}:{offset[3:]})"
    return text


def local_time(us: int, zone: ZoneInfo) -> str:
    """An instant as explanations write it: "Monday 30 Nov 13:00 Europe/Amsterdam"."""
    return _local(us, zone)


def _clock(us: int, zone: ZoneInfo) -> str:
    return from_us(us).astimezone(zone).strftime("%H:%M")


def _region(travel: TravelPeriod) -> str:
    region = travel.visited_region
    if region is None:
        return ""
    return region.country + (f"-{region.subdivision}" if region.subdivision else "")


def _duration(d: timedelta) -> str:
    total = int(d.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    parts.append(f"{seconds}s" if seconds else "")
    return "".join(parts) or ("0m" if not d else "under 1s")


def day_off(name: str, local_day: date, source: DaySource) -> str:
    """Why a whole local date has no working time."""
    if source.kind == "time_off":
        reason = f" ({source.label})" if source.label else ""
        return _sentence(f"{name} is on time off on {_day(local_day)}{reason}.")
    if source.kind == "holiday":
        where = ""
        travel = source.travel
        if travel is not None and travel.holidays == "VISITED" and travel.visited_region:
            where = f" in {_region(travel)}"
        return _sentence(
            f"{_day(local_day)} is a public holiday for {name}{where} ({source.label})."
        )
    if source.kind == "override":
        return _sentence(f"{_day(local_day)} is marked as a day off for {name} (date override).")
    return _sentence(f"{_day(local_day)} is {name}'s day off.")


def outside_hours(name: str, us: int, zone: ZoneInfo, source: DaySource) -> str:
    """Why an instant on a working date is not working time (a night shift is that
    date's when it starts then: it runs into the next day)."""
    hours = ", ".join(
        iv.display() + (" into the next day" if iv.overnight else "") for iv in source.intervals
    )
    which = "date override: " if source.kind == "override" else ""
    return _sentence(f"{_local(us, zone)} is outside {name}'s working hours ({which}{hours}).")


def next_working(name: str, us: int, zone: ZoneInfo) -> str:
    """Where the next working time begins."""
    return _sentence(f"{name}'s next working time starts {_local(us, zone)}.")


def _span(start: int, end: int, zone: ZoneInfo) -> tuple[str, str, str]:
    """A span as ("10:00–12:00", " on Monday 30 Nov", "12:00"), or with both days when it
    ends on another day than it starts (focus blocks may run over days)."""
    a, b = from_us(start).astimezone(zone), from_us(end).astimezone(zone)
    until = _clock(end, zone)
    if a.date() == b.date():
        return f"{_clock(start, zone)}–{until}", f" on {_day(a.date())}", until
    until = f"{_day(b.date())} {until}"
    return f"{_day(a.date())} {_clock(start, zone)} – {until}", "", until


def focus_wait(name: str, start: int, end: int, zone: ZoneInfo) -> str:
    """A focus block that delays delivery until its end."""
    span, on, until = _span(start, end, zone)
    return _sentence(
        f"{span}{on} is {name}'s focus time (never interrupted), so it waits until {until}."
    )


def lands_at_once(name: str) -> str:
    """Delivery needs no waiting (said of a handoff sent now and of a follow-up planned for
    later alike, so not "working now")."""
    return f"It is within {name}'s working hours, so it lands at once."


def digests_bundled(name: str, digests: tuple[int, ...]) -> str:
    """The person only takes notifications at digest times."""
    times = ", ".join(format_clock(m) for m in digests)
    return _sentence(f"{name} bundles notifications into digests at {times}.")


def digest_outside(name: str, us: int, zone: ZoneInfo) -> str:
    """A digest time skipped because it is not working time."""
    t = from_us(us).astimezone(zone)
    return _sentence(
        f"Digest time {t.strftime('%H:%M')} on {_day(t.date())} is outside {name}'s "
        "working time, so it is skipped."
    )


def digest_focus(name: str, us: int, zone: ZoneInfo) -> str:
    """A digest time skipped because it falls in a focus block."""
    t = from_us(us).astimezone(zone)
    return _sentence(
        f"Digest time {t.strftime('%H:%M')} on {_day(t.date())} falls in {name}'s "
        "focus time, so it is skipped."
    )


def wait_digest(us: int, zone: ZoneInfo) -> str:
    """The digest slot that will carry the handoff."""
    t = from_us(us).astimezone(zone)
    return f"Waits for digest time {t.strftime('%H:%M')} on {_day(t.date())}."


def more_skipped(count: int) -> str:
    """Summary of reasons left out to keep explanations short."""
    return f"…and {count} more similar reasons left out."


# Zones that are UTC under another name: their local time needs no UTC beside it.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)


def local_and_utc(us: int, zone: ZoneInfo) -> str:
    """An instant as explanations write a deadline, local and UTC: "Monday 30 Nov 09:00
    Europe/Amsterdam (08:00 UTC)"; the UTC date only when it differs, and no UTC at all for
    a zone that is UTC."""
    if zone.key in _UTC_NAMES:
        return _local(us, zone)
    local = from_us(us).astimezone(zone)
    utc = from_us(us).astimezone(UTC)
    utc_text = utc.strftime("%H:%M")
    if utc.date() != local.date():
        utc_text = f"{_day(utc.date())} {utc_text}"
    return f"{_local(us, zone)} ({utc_text} UTC)"


def lands(us: int, zone: ZoneInfo) -> str:
    """The final delivery line, local and UTC."""
    return f"Lands {local_and_utc(us, zone)}."


def no_time_to_respond(within: timedelta, why: str) -> str:
    """Why a response window cannot end: a phrase, as NoWorkingTime's messages are."""
    return f"a response window of {_duration(within)} of working time cannot end: {why}"


def respond_by(name: str, within: timedelta, us: int, zone: ZoneInfo) -> str:
    """The response deadline line."""
    return _sentence(
        f"Expects a response within {_duration(within)} of {name}'s working time: "
        f"respond by {local_and_utc(us, zone)}."
    )


def travelling(name: str, travel: TravelPeriod, home: str, started: bool) -> str:
    """Where the person is when it lands: the travel period in force then."""
    when = f"until {_day(travel.end)}"
    if not started:
        when = f"from {_day(travel.start)} {when}"
    extra = "" if travel.local_hours else f", keeping {home} hours"
    if travel.holidays == "VISITED" and travel.visited_region is not None:
        extra += f", with the public holidays of {_region(travel)}"
    return _sentence(f"{name} is in {travel.timezone} {when}{extra}.")


def back_home(name: str, travel: TravelPeriod, home: str) -> str:
    """The person travels now but is home again when it lands."""
    return _sentence(
        f"{name} is in {travel.timezone} until {_day(travel.end)} and back in {home} "
        f"from {_day(travel.end + timedelta(days=1))}."
    )


def urgent_focus(name: str, start: int, end: int, zone: ZoneInfo) -> str:
    """An urgent handoff that lands inside a focus block."""
    return f"Urgent: lands inside {name}'s focus block {_span(start, end, zone)[0]}."


def urgent_focus_always(name: str) -> str:
    """An urgent handoff for a person whose focus blocks cover every hour."""
    return f"Urgent: lands although {name}'s focus blocks cover every hour."


def urgent_digest(name: str) -> str:
    """An urgent handoff that does not wait for a digest time."""
    return f"Urgent: lands without waiting for {name}'s next digest time."
