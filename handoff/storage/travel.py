"""Travel periods in PostgreSQL: one row per period, for its global ID.

The engine never reads these rows: it reads the `travel` list of the person's working
pattern, which `handoff.services.travel` rewrites from them in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handoff.states import TravelHolidays, TravelHours
from handoff.storage.from_row import FromRow
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one

Q = Queries("travel")


@dataclass(frozen=True)
class TravelRow(FromRow):
    """A stored travel period (local dates, both inclusive)."""

    id: int
    workspace_id: int
    person_id: int
    start_date: date
    end_date: date
    timezone: str
    hours: TravelHours
    holidays: TravelHolidays
    visited_country: str | None
    visited_subdivision: str | None
    created_at: datetime
    updated_at: datetime

    def to_engine(self) -> dict[str, Any]:
        """The period as the engine's pattern dict lists it (`TravelPeriod.to_dict`)."""
        region = (
            None
            if self.visited_country is None
            else {"country": self.visited_country, "subdivision": self.visited_subdivision}
        )
        return {
            "start": self.start_date.isoformat(),
            "end": self.end_date.isoformat(),
            "timezone": self.timezone,
            "hours": str(self.hours),
            "holidays": str(self.holidays),
            "visited_region": region,
        }


@dataclass(frozen=True)
class TravelValues:
    """What a travel period says, to insert or to store over an existing one."""

    start_date: date
    end_date: date
    timezone: str
    hours: TravelHours
    holidays: TravelHolidays
    visited_country: str | None
    visited_subdivision: str | None

    def params(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date,
            "end_date": self.end_date,
            "timezone": self.timezone,
            "hours": self.hours,
            "holidays": self.holidays,
            "visited_country": self.visited_country,
            "visited_subdivision": self.visited_subdivision,
        }


async def insert(
    conn: Conn, ws: int, person_id: int, values: TravelValues, now: datetime
) -> TravelRow:
    """A new period of `person_id`."""
    params = {"workspace_id": ws, "person_id": person_id, "now": now, **values.params()}
    found = await one(conn, Q.insert, params, TravelRow.from_row)
    assert found is not None
    return found


async def get(conn: Conn, ws: int, travel_id: int) -> TravelRow | None:
    """The period, or None outside the workspace."""
    return await one(conn, Q.get, {"workspace_id": ws, "id": travel_id}, TravelRow.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[TravelRow]:
    """The workspace's periods among `ids`."""
    return await many(conn, Q.by_ids, {"workspace_id": ws, "ids": Ids(ids)}, TravelRow.from_row)


async def for_person(conn: Conn, ws: int, person_id: int) -> list[TravelRow]:
    """A person's periods, by start."""
    params = {"workspace_id": ws, "person_id": person_id}
    return await many(conn, Q.for_person, params, TravelRow.from_row)


async def for_people(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[TravelRow]]:
    """Each person's periods, by start."""
    groups: dict[int, list[TravelRow]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for row in await many(conn, Q.for_people, params, TravelRow.from_row):
        groups[row.person_id].append(row)
    return groups


async def update(
    conn: Conn, ws: int, travel_id: int, values: TravelValues, now: datetime
) -> TravelRow:
    """Store new values over a period."""
    params = {"workspace_id": ws, "id": travel_id, "now": now, **values.params()}
    found = await one(conn, Q.update, params, TravelRow.from_row)
    assert found is not None
    return found


async def delete(conn: Conn, ws: int, travel_id: int) -> None:
    """Remove a period."""
    await execute(conn, Q.delete, {"workspace_id": ws, "id": travel_id})


async def delete_for_person(conn: Conn, ws: int, person_id: int) -> int:
    """Remove every period of a person (erasure); how many there were."""
    return await execute(conn, Q.delete_for_person, {"workspace_id": ws, "person_id": person_id})
