"""A person's inbox as a stream of changes, from outbox events (pure).

A handoff is in P's inbox when it has landed with P and P has not answered it yet: the
event that touches it names P as its receiver and says it is delivered (a
`handoff.delivered`, or a digest for P that bundles it). The tracker follows which
handoffs are in the inbox and turns each event into edges:

- ADDED: a handoff lands with P (a delivery, or a digest);
- UPDATED: a handoff in the inbox changed but stays (a reminder moved its respond-by,
  it escalated back to its sender, ...);
- REMOVED: it left: acknowledged, completed, returned, cancelled, reassigned, or
  escalated to another member of its team.

Started from the inbox as it is (`inside`), every edge is exact. Resumed from a cursor
(`inside=None`) the tracker does not know what the client's inbox held at that cursor,
so a handoff's first event may give a REMOVED for a handoff the client never had (one
cancelled before it landed, say); after its first event each handoff is followed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handoff.live.events import DIGEST, LiveEvent, Touched, visible_handoff
from handoff.services.rights import Actor

LEAVING = frozenset(
    {
        "handoff.acknowledged",
        "handoff.completed",
        "handoff.returned",
        "handoff.cancelled",
        "handoff.reassigned",
        "handoff.escalated",
    }
)


class InboxChangeKind(StrEnum):
    """What happened to a handoff in the inbox."""

    ADDED = "ADDED"
    UPDATED = "UPDATED"
    REMOVED = "REMOVED"


@dataclass(frozen=True, slots=True)
class InboxEdge:
    """One change of the inbox, at an outbox position (its cursor)."""

    kind: InboxChangeKind
    handoff_id: int
    position: int
    at: datetime
    event_type: str | None = None  # None for the inbox as it was when the stream started


class InboxTracker:
    """Which handoffs are in `person_id`'s inbox, as far as `actor` may see."""

    def __init__(self, person_id: int, actor: Actor, inside: set[int] | None) -> None:
        self.person_id = person_id
        self.actor = actor
        self.exact = inside is not None
        self.inside: set[int] = set(inside or ())
        self.seen: set[int] = set()

    def lands(self, event: LiveEvent, touched: Touched) -> bool:
        """Whether, after the event, the handoff is in the inbox."""
        if touched.receiver_id != self.person_id:
            return False
        return event.type == DIGEST or touched.data.get("status") == "DELIVERED"

    @staticmethod
    def notice(event: LiveEvent, touched: Touched) -> bool:
        """An ALL team's member told of a handoff another member holds: nobody's inbox
        changes (the event names the holder as `receiver`)."""
        if event.type == DIGEST:
            return touched.receiver_id != event.person_id
        return "notified" in event.data

    def apply(self, event: LiveEvent) -> list[InboxEdge]:
        """The edges one event makes (usually none or one)."""
        edges: list[InboxEdge] = []
        for handoff_id, touched in event.handoffs.items():
            kind = self._change(event, handoff_id, touched)
            self.seen.add(handoff_id)
            if kind is not None:
                edges.append(
                    InboxEdge(kind, handoff_id, event.position, event.occurred_at, event.type)
                )
        return edges

    def _change(
        self, event: LiveEvent, handoff_id: int, touched: Touched
    ) -> InboxChangeKind | None:
        if self.notice(event, touched):
            return None
        was_in = handoff_id in self.inside
        if self.lands(event, touched):
            if not visible_handoff(self.actor, touched):
                return None
            self.inside.add(handoff_id)
            return InboxChangeKind.UPDATED if was_in else InboxChangeKind.ADDED
        if was_in:
            # it was shown as in the inbox, so its leaving is shown whoever holds it now
            self.inside.discard(handoff_id)
            return InboxChangeKind.REMOVED
        maybe_was_in = not self.exact and handoff_id not in self.seen
        held = self.person_id in (touched.receiver_id, touched.previous_receiver_id)
        if maybe_was_in and held and event.type in LEAVING and visible_handoff(self.actor, touched):
            return InboxChangeKind.REMOVED
        return None
