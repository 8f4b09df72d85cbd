"""Moving pending follow-ups when a person's working time or delivery policy changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from handoff.calendar import NoWorkingTime, next_delivery
from handoff.services.errors import Invalid
from handoff.storage.models import FollowUp, Handoff, Person
from handoff.storage.run import execute, many, one


async def reschedule_person(
    conn: AsyncConnection[Any], ws: int, now: datetime, person: Person
) -> int:
    """Recompute every open follow-up for `person` in the caller's transaction.

    A scheduled team handoff whose chosen member changed is routed again, so a member
    going on leave before delivery does not hold it. Returns the number of rows moved.
    """
    from handoff.services.handoffs import reroute_team_handoff, times_from

    moved = 0
    for row in await many(
        conn,
        "follow_ups_open_for_person",
        {"workspace_id": ws, "person_id": person.id},
        FollowUp.from_row,
    ):
        handoff = await one(
            conn,
            "handoff_get_for_update",
            {"workspace_id": ws, "id": row.handoff_id},
            Handoff.from_row,
        )
        assert handoff is not None
        try:
            if row.kind == "DELIVERY" and handoff.status == "SCHEDULED":
                if handoff.team_id is not None and handoff.receiver_id == person.id:
                    await reroute_team_handoff(conn, ws, now, handoff)
                    moved += 1
                    continue
                times = times_from(person, max(now, handoff.created_at), handoff.respond_within)
                due, explanation = times.deliver_at, list(times.explanation)
                if handoff.receiver_id == person.id:
                    await execute(
                        conn,
                        "handoff_set_times",
                        {
                            "workspace_id": ws,
                            "id": handoff.id,
                            "deliver_at": times.deliver_at,
                            "respond_by": times.respond_by,
                            "explanation": Jsonb(explanation),
                            "now": now,
                        },
                    )
            else:
                # Reminders and escalations wait for the next delivery instant after
                # the deadline that triggered them, under the new rules.
                basis = max(now, handoff.respond_by or now)
                delivery = next_delivery(person.pattern, person.policy, basis, name=person.name)
                due, explanation = delivery.at, list(delivery.reasons)
        except NoWorkingTime:
            raise Invalid(
                "workingPattern",
                f"{person.name} would have no working time in the next two years "
                f"for a pending handoff ({handoff.summary!r})",
            ) from None
        if due != row.due_at or explanation != row.explanation:
            await execute(
                conn,
                "follow_up_reschedule",
                {
                    "workspace_id": ws,
                    "id": row.id,
                    "due_at": due,
                    "digest": bool(person.policy.digest_times),
                    "explanation": Jsonb(explanation),
                },
            )
            moved += 1
    return moved
