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
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    person: Person,
    field: str = "workingPattern",
) -> int:
    """Recompute every open follow-up for `person` in the caller's transaction.

    - A delivery is recomputed from when the handoff was made (or now, if later). When
      `person` is the member a team chose and their delivery instant changed, the team
      routes the handoff again, so a member going on leave does not hold it.
    - A reminder, or an escalation back to the sender, waits for the person's next
      delivery instant after the deadline, under the new rules.
    - A team escalation stays due at the deadline itself: the receiver's availability
      must not delay handing it to someone else.

    `field` names the input blamed when the change leaves a pending handoff with no
    working time. Returns the number of rows moved.
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
        if row.kind == "ESCALATION" and row.person_id != handoff.sender_id:
            continue
        try:
            if row.kind == "DELIVERY":
                chosen = handoff.receiver_id == person.id and handoff.status == "SCHEDULED"
                try:
                    times = times_from(person, max(now, handoff.created_at), handoff.respond_within)
                except NoWorkingTime:
                    times = None
                if chosen and handoff.team_id is not None:
                    if times is None or times.deliver_at != row.due_at:
                        await reroute_team_handoff(conn, ws, now, handoff)
                        moved += 1
                    continue
                if times is None:
                    raise NoWorkingTime(person.name)
                due, explanation = times.deliver_at, list(times.explanation)
                if chosen:
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
                basis = max(now, handoff.respond_by or now)
                delivery = next_delivery(person.pattern, person.policy, basis, name=person.name)
                due, explanation = delivery.at, list(delivery.reasons)
        except NoWorkingTime:
            raise Invalid(
                field,
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
