"""An outbox event as live updates see it: its position, its data, and who may see it.

A person token receives the events of the handoffs it sent or holds, and of its own
availability (README, "Tokens and rights"). Each event therefore carries its *audience*:

- a `handoff.*` event: the handoff's sender and receiver, for an escalation the person
  it went to and the one it came from, for a reassignment the receiver it was taken
  from (who held it until then);
- `digest.delivered`: the person the digest is for (it lists handoffs of many senders);
- `person.availability_changed`, `person.travel_changed`, `person.deactivated`, ...: that
  person.

For a subscription about one handoff (`handoffChanged`, `inboxChanged`) each handoff an
event touches has an audience of its own: a digest touches every handoff it bundles, and
each of those is its sender's business too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.ids import BadId, decode_as
from handoff.services.errors import Invalid
from handoff.services.rights import Actor, may_follow

DIGEST = "digest.delivered"
# what changes when a person can be reached: their hours and policy, where they are, and
# whether they are still here
AVAILABILITY = frozenset(
    {"person.availability_changed", "person.travel_changed", "person.deactivated"}
)
_CURSOR_PREFIX = "outbox:"


@dataclass(frozen=True, slots=True)
class Touched:
    """One handoff an event touches, as the event shows it."""

    handoff_id: int
    data: dict[str, Any]  # the event's `handoff` object: status, deliverAt, respondBy, ...
    receiver_id: int | None
    previous_receiver_id: int | None  # whom a reassignment or escalation took it from
    audience: frozenset[int]


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One dispatched outbox event."""

    position: int
    workspace_id: int
    type: str
    occurred_at: datetime
    public_id: str
    data: dict[str, Any]
    person_id: int | None
    handoffs: dict[int, Touched]
    audience: frozenset[int]

    @property
    def cursor(self) -> str:
        return encode_cursor(self.position)


def _person(ref: Any) -> int | None:
    """The row id of a person reference in event data ({"id": global id, ...})."""
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
        return None
    try:
        return decode_as(ref["id"], "Person")
    except BadId:
        return None


def _touched(
    item: dict[str, Any], *extra: int | None, previous: int | None = None
) -> Touched | None:
    handoff = item.get("handoff")
    if not isinstance(handoff, dict) or not isinstance(handoff.get("id"), str):
        return None
    try:
        handoff_id = decode_as(handoff["id"], "Handoff")
    except BadId:
        return None
    receiver = _person(item.get("receiver"))
    people = {_person(item.get("sender")), receiver, previous, *extra}
    audience = frozenset(p for p in people if p is not None)
    return Touched(handoff_id, handoff, receiver, previous, audience)


def from_row(row: dict[str, Any]) -> LiveEvent:
    """A LiveEvent from a row of `storage.live` (after_position / replay)."""
    data: dict[str, Any] = row["payload"] if isinstance(row["payload"], dict) else {}
    type_: str = row["type"]
    person_id: int | None = row["person_id"]
    handoffs: dict[int, Touched] = {}
    if type_ == DIGEST:
        for item in data.get("handoffs") or []:
            found = _touched(item, person_id) if isinstance(item, dict) else None
            if found is not None:
                handoffs[found.handoff_id] = found
        audience = frozenset({person_id} if person_id is not None else ())
    elif type_.startswith("handoff."):
        escalation = data.get("escalation") or {}
        reassigned_from = row.get("previous_receiver")
        previous = _person(escalation.get("from") or {"id": reassigned_from})
        found = _touched(data, person_id, _person(escalation.get("person")), previous=previous)
        if found is not None:
            handoffs[found.handoff_id] = found
        audience = found.audience if found is not None else frozenset()
    else:
        subject = _person(data.get("person"))
        audience = frozenset(p for p in (subject, person_id) if p is not None)
    return LiveEvent(
        position=int(row["position"]),
        workspace_id=int(row["workspace_id"]),
        type=type_,
        occurred_at=row["occurred_at"],
        public_id=row["public_id"],
        data=data,
        person_id=person_id,
        handoffs=handoffs,
        audience=audience,
    )


def visible(actor: Actor, event: LiveEvent) -> bool:
    """Whether the actor may receive the event (its workspace is checked by the hub)."""
    return may_follow(actor, event.audience)


def visible_handoff(actor: Actor, touched: Touched) -> bool:
    """Whether the actor may see what the event says about one handoff."""
    return may_follow(actor, touched.audience)


def encode_cursor(position: int) -> str:
    """The opaque cursor of an outbox position."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> int:
    """The outbox position behind a cursor; `Invalid` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    number = raw.removeprefix(_CURSOR_PREFIX)
    if (
        not raw.startswith(_CURSOR_PREFIX)
        or not (number.isascii() and number.isdigit())
        or len(number) > 18
    ):
        raise Invalid(field, f"{cursor!r} is not a cursor of a live-update stream")
    return int(number)
