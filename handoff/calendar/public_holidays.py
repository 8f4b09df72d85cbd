"""Public holidays of a region, from the ``holidays`` package, cached per year.

Constructing ``holidays`` objects is slow, so each (country, subdivision, year)
is computed once per process and kept as a plain ``ordinal -> name`` dict.
"""

from __future__ import annotations

from dataclasses import dataclass

import holidays as _holidays

from handoff.calendar.errors import InvalidPattern

__all__ = ["HolidayRegion", "holiday_name", "holiday_table", "weekend_days"]

_CACHE: dict[tuple[str, str | None, int], dict[int, str]] = {}
_WEEKENDS: dict[str, frozenset[int]] = {}
# (country, subdivision) pairs already validated: building a ``holidays``
# object just to validate costs about a millisecond per pattern.
_VALID: set[tuple[str, str | None]] = set()


@dataclass(frozen=True, slots=True)
class HolidayRegion:
    """A country (ISO 3166-1 alpha-2, e.g. ``"NL"``) and optional subdivision."""

    country: str
    subdivision: str | None = None

    @classmethod
    def parse(cls, value: object, field: str) -> HolidayRegion | None:
        """Validate ``{"country": "NL", "subdivision": None}``; ``None`` means no holidays."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InvalidPattern(f"{field} {value!r} must be a mapping with 'country'", field)
        unknown = set(value) - {"country", "subdivision"}
        if unknown:
            key = sorted(map(str, unknown))[0]
            raise InvalidPattern(f"unknown key {key!r} in {field}", f"{field}.{key}")
        country = value.get("country")
        if not isinstance(country, str) or not country.strip():
            raise InvalidPattern(
                f"holiday country {country!r} must be a country code like 'NL'",
                f"{field}.country",
            )
        subdivision = value.get("subdivision")
        if subdivision is not None and not isinstance(subdivision, str):
            raise InvalidPattern(
                f"holiday subdivision {subdivision!r} must be a string or null",
                f"{field}.subdivision",
            )
        country = country.strip().upper()
        if subdivision is not None:
            subdivision = subdivision.strip() or None
        if (country, subdivision) in _VALID:
            return cls(country, subdivision)
        try:
            national = _holidays.country_holidays(country)
        except NotImplementedError:
            raise InvalidPattern(
                f"unknown holiday country {value.get('country')!r}", f"{field}.country"
            ) from None
        known = national.subdivisions
        if subdivision is not None and subdivision not in known:
            # codes are upper case ("BY", "NSW"), as a country's; a few are digits
            if subdivision.upper() in known:
                subdivision = subdivision.upper()
            # (not a code: the library may know it as an alias; it says when it does not)
            try:
                _holidays.country_holidays(country, subdiv=subdivision)
            except NotImplementedError:
                raise InvalidPattern(
                    f"unknown holiday subdivision {subdivision!r} for country {country!r}",
                    f"{field}.subdivision",
                ) from None
        _VALID.add((country, subdivision))
        return cls(country, subdivision)

    def to_dict(self) -> dict[str, str | None]:
        """Canonical JSON-serialisable form."""
        return {"country": self.country, "subdivision": self.subdivision}


def _year_table(region: HolidayRegion, year: int) -> dict[int, str]:
    key = (region.country, region.subdivision, year)
    table = _CACHE.get(key)
    if table is None:
        found = _holidays.country_holidays(region.country, subdiv=region.subdivision, years=year)
        table = {d.toordinal(): str(name) for d, name in found.items() if d.year == year}
        _CACHE[key] = table
    return table


def holiday_name(region: HolidayRegion, year: int, ordinal: int) -> str | None:
    """The holiday name on local date ``ordinal`` (in ``year``), or None."""
    return _year_table(region, year).get(ordinal)


def holiday_table(region: HolidayRegion, year: int) -> dict[int, str]:
    """Every holiday of ``year`` as ``local date ordinal -> name`` (do not modify)."""
    return _year_table(region, year)


def weekend_days(region: HolidayRegion | None) -> frozenset[int]:
    """The weekdays (Monday 0) a region rests on: Friday and Saturday in Israel or
    Saudi Arabia, Saturday and Sunday where no region is known."""
    if region is None:
        return frozenset((5, 6))
    days = _WEEKENDS.get(region.country)
    if days is None:
        days = frozenset(_holidays.country_holidays(region.country).weekend)
        _WEEKENDS[region.country] = days
    return days
