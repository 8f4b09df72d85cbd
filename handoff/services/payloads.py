"""Event data: what a webhook receiver needs without calling back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handoff.ids import encode
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
