"""Outbox rows as `storage.live` returns them, for the pure live-update tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.ids import encode
from handoff.live.events import LiveEvent, from_row

_positions = itertools.count(1)
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def ref(pk: int) -> dict[str, Any]:
    return {"id": encode("Person", pk), "name": f"P{pk}", "handle": f"p{pk}", "timezone": "UTC"}


def handoff_data(hid: int, sender: int, receiver: int, status: str) -> dict[str, Any]:
    return {
        "handoff": {
            "id": encode("Handoff", hid),
            "status": status,
            "deliverAt": "2026-11-30T08:00:00+00:00",
            "respondBy": None,
            "explanation": ["why"],
        },
        "sender": ref(sender),
        "receiver": ref(receiver),
    }


def event(
    type_: str,
    data: dict[str, Any],
    *,
    person_id: int | None = None,
    handoff_id: int | None = None,
    previous_receiver: int | None = None,
    ws: int = 1,
) -> LiveEvent:
    position = next(_positions)
    return from_row(
        {
            "position": position,
            "workspace_id": ws,
            "type": type_,
            "handoff_id": handoff_id,
            "person_id": person_id,
            "payload": data,
            "occurred_at": T0 + timedelta(seconds=position),
            "public_id": f"msg_{position}",
            "previous_receiver": encode("Person", previous_receiver) if previous_receiver else None,
        }
    )


def on_handoff(
    type_: str, hid: int, sender: int, receiver: int, status: str, **kw: Any
) -> LiveEvent:
    data = handoff_data(hid, sender, receiver, status)
    data.update(kw.pop("extra", {}))
    return event(type_, data, person_id=receiver, handoff_id=hid, **kw)


def digest(person: int, handoffs: list[tuple[int, int]]) -> LiveEvent:
    """A digest for `person` bundling (handoff id, sender) pairs (status as the worker
    writes it: the rows were SCHEDULED when bundled)."""
    data = {
        "person": ref(person),
        "count": len(handoffs),
        "handoffs": [handoff_data(h, s, person, "SCHEDULED") for h, s in handoffs],
    }
    return event("digest.delivered", data, person_id=person)
