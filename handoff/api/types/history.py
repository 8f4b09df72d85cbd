"""A handoff's history: its events, one line each, and the digests it landed in (a digest
is one event for many handoffs, so the handoff's own DELIVERY row tells when it landed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from handoff.calendar import deadline_text
from handoff.states import FollowUpKind, FollowUpState
from handoff.storage import models as m


@strawberry.type(description="One thing that happened to a handoff (its event).")
class HandoffHistoryEntry:
    type: str = strawberry.field(description="The event type, e.g. handoff.delivered")
    at: datetime = strawberry.field(description="When it happened")
    summary: str = strawberry.field(description="What happened, in one line")


def _name(ref: Any) -> str:
    return str(ref["name"]) if isinstance(ref, dict) else "someone"


def summarize(event: m.Event) -> str:
    """One line for a handoff's history, from the event's own data."""
    data = event.payload
    receiver = _name(data.get("receiver"))
    handoff = data.get("handoff", {})
    kind = event.type.removeprefix("handoff.")
    if kind == "created":
        return f"{_name(data.get('sender'))} handed it to {receiver}."
    if kind == "delivered":
        return f"Landed with {receiver}."
    if kind == "reminded":
        reminder = data.get("reminder", {})
        by = reminder.get("respondBy")
        zone = (data.get("receiver") or {}).get("timezone") or "UTC"
        due = f"; respond by {deadline_text(datetime.fromisoformat(by), zone)}" if by else ""
        return f"Reminder {reminder.get('number')} of {reminder.get('of')} to {receiver}{due}."
    if kind == "escalated":
        escalation = data.get("escalation", {})
        where = {
            "sender": "back to the sender",
            "successor": "to who took over the sender's work",
        }.get(escalation.get("to"), "within the team")
        return f"Escalated {where}: {_name(escalation.get('person'))} has it now."
    if kind == "reassigned":
        why = (data.get("move") or {}).get("why")
        return f"Reassigned to {receiver}." + (f" {why}" if why else "")
    if kind == "returned":
        return f"{receiver} returned it: {handoff.get('returnNote')}"
    if kind == "replied":
        reply = data.get("reply", {})
        return f"{_name(reply.get('by'))} replied {reply.get('preset')}; it reached the sender."
    if kind in ("urgent_delivered", "urgency_declined"):
        return str(data.get("urgency", {}).get("explanation", ""))
    return f"{kind.capitalize()} ({receiver} was the receiver)."


def is_digest_landing(row: m.FollowUp) -> bool:
    """A delivery that went out bundled in a digest."""
    return (
        row.kind == FollowUpKind.DELIVERY
        and row.digest
        and row.state == FollowUpState.DONE
        and row.handled_at is not None
    )


def history(
    events: Sequence[m.Event], bundled: Sequence[m.FollowUp], names: dict[int, str]
) -> list[HandoffHistoryEntry]:
    """The events and the digest landings, in the order they happened."""
    entries = [
        (e.occurred_at, 0, HandoffHistoryEntry(type=e.type, at=e.occurred_at, summary=summarize(e)))
        for e in events
    ]
    for row in bundled:
        assert row.handled_at is not None
        who = names.get(row.person_id, "someone")
        line = f"Landed with {who}, bundled in their digest."
        entries.append(
            (
                row.handled_at,
                1,
                HandoffHistoryEntry(type="digest.delivered", at=row.handled_at, summary=line),
            )
        )
    return [entry for _, _, entry in sorted(entries, key=lambda e: (e[0], e[1]))]
