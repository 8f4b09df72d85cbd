"""Event data: what a webhook receiver needs without calling back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from handoff.ids import encode
from handoff.states import HandoffStatus
from handoff.storage.handoffs import NewHandoffRow
from handoff.storage.models import Handoff, Person, Team, WorkItem


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def person_ref(person: Person) -> dict[str, Any]:
    """A person as events show them."""
    return {
        "id": encode("Person", person.id),
        "name": person.name,
        "handle": person.handle,
        "timezone": person.timezone,
    }


def handoff_data(
    handoff: Handoff,
    work_item: WorkItem,
    sender: Person,
    receiver: Person,
    team: Team | None = None,
) -> dict[str, Any]:
    """The `data` of every handoff.* event."""
    return {
        "handoff": {
            "id": encode("Handoff", handoff.id),
            "status": handoff.status,
            "summary": handoff.summary,
            "done": handoff.done,
            "next": handoff.next_steps,
            "openQuestions": handoff.open_questions,
            "createdAt": _iso(handoff.created_at),
            "deliverAt": _iso(handoff.deliver_at),
            "respondBy": _iso(handoff.respond_by),
            "explanation": handoff.explanation,
            "returnNote": handoff.return_note,
        },
        "workItem": {
            "id": encode("WorkItem", work_item.id),
            "title": work_item.title,
            "status": work_item.status,
        },
        "sender": person_ref(sender),
        "receiver": person_ref(receiver),
        "team": None if team is None else {"id": encode("Team", team.id), "name": team.name},
    }


def delegation_data(via: Sequence[int], delegation_ids: Sequence[int]) -> dict[str, Any]:
    """`{"delegation": ...}` for a handoff delegations sent on (addressee first); `{}` when
    none did, so it merges into any handoff event's data."""
    if not via:
        return {}
    return {
        "delegation": {
            "addressedTo": encode("Person", via[0]),
            "via": [encode("Person", p) for p in via],
            "delegations": [encode("Delegation", d) for d in delegation_ids],
        }
    }


def as_stored(row: NewHandoffRow, now: datetime) -> Handoff:
    """The handoff as its row will read back (instants in UTC), for the created event."""

    def utc(value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    created = now.astimezone(UTC)
    return Handoff(
        id=row.id,
        workspace_id=row.workspace_id,
        work_item_id=row.work_item_id,
        sender_id=row.sender_id,
        receiver_id=row.receiver_id,
        team_id=row.team_id,
        summary=row.summary,
        done=row.done,
        next_steps=row.next_steps,
        open_questions=row.open_questions,
        respond_within=row.respond_within,
        status=HandoffStatus.SCHEDULED,
        created_at=created,
        deliver_at=row.deliver_at.astimezone(UTC),
        respond_by=utc(row.respond_by),
        explanation=row.explanation,
        max_reminders=row.max_reminders,
        reminders_sent=0,
        escalated_at=None,
        delivered_at=None,
        acknowledged_at=None,
        completed_at=None,
        returned_at=None,
        return_note=None,
        cancelled_at=None,
        updated_at=created,
        idempotency_key=row.idempotency_key,
        addressed_to_id=row.addressed_to_id,
        delegated_via=row.delegated_via,
        delegation_ids=row.delegation_ids,
        request_fingerprint=row.request_fingerprint,
        route_reasons=row.route_reasons,
    )
