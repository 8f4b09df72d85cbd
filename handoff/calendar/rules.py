"""The precedence rule of one local date, as a mixin of ``WorkingPattern``.

Time off > date override > public holiday > weekly pattern. Holidays come from
the home region, or from the visited region on the dates of a travel period
that says so. Kept apart from the queries so each module has one job.
"""

from __future__ import annotations

from datetime import date

from handoff.calendar.days import DaySource, TimeOff
from handoff.calendar.intervals import WallInterval
from handoff.calendar.public_holidays import HolidayRegion, holiday_name, holiday_table
from handoff.calendar.travel import Itinerary, TravelPeriod

__all__ = ["DayRules"]


class DayRules:
    """Which intervals start on a local date, and why (``WorkingPattern`` fills the data)."""

    __slots__ = ()

    weekly: tuple[tuple[WallInterval, ...], ...]
    holidays: HolidayRegion | None
    time_off: tuple[TimeOff, ...]
    _override_map: dict[int, tuple[WallInterval, ...]]
    _off_ranges: tuple[tuple[int, int], ...]
    _itinerary: Itinerary | None

    def _period_on(self, ordinal: int) -> TravelPeriod | None:
        return self._itinerary.on(ordinal) if self._itinerary is not None else None

    def _region_on(self, ordinal: int) -> HolidayRegion | None:
        if self._itinerary is not None:
            period = self._itinerary.on(ordinal)
            if period is not None and period.holidays == "VISITED":
                return period.visited_region
        return self.holidays

    def _day_intervals(self, ordinal: int) -> tuple[WallInterval, ...]:
        # The precedence rule for one date, without allocations.
        for lo, hi in self._off_ranges:
            if lo <= ordinal <= hi:
                return ()
        ivs = self._override_map.get(ordinal)
        if ivs is not None:
            return ivs
        day = self.weekly[(ordinal - 1) % 7]
        if day:
            region = self._region_on(ordinal)
            if region is not None:
                year = date.fromordinal(ordinal).year
                if holiday_name(region, year, ordinal) is not None:
                    return ()
        return day

    def _exceptions(self, first: int, last: int) -> dict[int, tuple[WallInterval, ...]]:
        """Local dates in ``[first, last]`` whose intervals differ from the weekly pattern.

        Maps each to its intervals; agrees with :meth:`_day_intervals` on every
        date. This is the hot path of chunk building.
        """
        out: dict[int, tuple[WallInterval, ...]] = {}
        weekly = self.weekly
        for lo, hi in self._off_ranges:
            if lo <= last and hi >= first:
                for o in range(max(lo, first), min(hi, last) + 1):
                    if weekly[(o - 1) % 7]:
                        out[o] = ()
        overrides = self._override_map
        if overrides:
            for o, ivs in overrides.items():
                if (
                    first <= o <= last
                    and o not in out
                    and not self._is_off(o)
                    and ivs != weekly[(o - 1) % 7]
                ):
                    out[o] = ivs
        # Holidays by region: the home region's, except on dates of a period
        # that takes the visited region's instead.
        visited: list[tuple[int, int, HolidayRegion | None]] = []
        if self._itinerary is not None:
            visited = [
                (max(a, first), min(b, last), p.visited_region)
                for a, b, p in self._itinerary.between(first, last)
                if p.holidays == "VISITED"
            ]
        sources: list[tuple[int, int, HolidayRegion | None]] = [
            (first, last, self.holidays),
            *visited,
        ]
        for i, (lo, hi, region) in enumerate(sources):
            if region is None:
                continue
            for year in range(date.fromordinal(lo).year, date.fromordinal(hi).year + 1):
                for o in holiday_table(region, year):
                    if (
                        lo <= o <= hi
                        and o not in out
                        and o not in overrides
                        and weekly[(o - 1) % 7]
                        and (i or not any(a <= o <= b for a, b, _ in visited))
                    ):
                        out[o] = ()
        return out

    def _is_off(self, ordinal: int) -> bool:
        return any(lo <= ordinal <= hi for lo, hi in self._off_ranges)

    def day_source(self, local_date: date) -> DaySource:
        """Which rule decides ``local_date`` and the intervals that start on it.

        The date is read in the zone in force on it (see :meth:`zone_on`);
        ``travel`` names the period the date lies in, if any.
        """
        ordinal = local_date.toordinal()
        period = self._period_on(ordinal)
        for t in self.time_off:
            if t.start <= local_date <= t.end:
                return DaySource("time_off", t.label, (), period)
        ivs = self._override_map.get(ordinal)
        if ivs is not None:
            return DaySource("override", None, ivs, period)
        region = self._region_on(ordinal)
        if region is not None:
            name = holiday_name(region, local_date.year, ordinal)
            if name is not None:
                return DaySource("holiday", name, (), period)
        return DaySource("weekly", None, self.weekly[local_date.weekday()], period)
