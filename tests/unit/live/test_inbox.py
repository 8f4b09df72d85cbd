"""The inbox as edges, from outbox events."""

from __future__ import annotations

from handoff.live.inbox import InboxTracker
from handoff.services.rights import Actor
from tests.unit.live._rows import digest, on_handoff, ref

ANA = 1  # the inbox's owner
WS = Actor(1)


def kinds(tracker: InboxTracker, *events) -> list[tuple[str, int]]:
    return [(e.kind.value, e.handoff_id) for ev in events for e in tracker.apply(ev)]


def test_a_handoff_lands_changes_and_leaves() -> None:
    inbox = InboxTracker(ANA, WS, set())
    assert kinds(
        inbox,
        on_handoff("handoff.created", 7, 2, ANA, "SCHEDULED"),
        on_handoff("handoff.delivered", 7, 2, ANA, "DELIVERED"),
        on_handoff("handoff.reminded", 7, 2, ANA, "DELIVERED"),
        on_handoff("handoff.acknowledged", 7, 2, ANA, "ACKNOWLEDGED"),
        on_handoff("handoff.completed", 7, 2, ANA, "COMPLETED"),
    ) == [("ADDED", 7), ("UPDATED", 7), ("REMOVED", 7)]
    assert inbox.inside == set()


def test_reassignment_and_escalation_take_it_out_of_one_inbox_into_another() -> None:
    ana, cy = InboxTracker(ANA, WS, {7, 8}), InboxTracker(3, WS, set())
    moved = on_handoff("handoff.reassigned", 7, 2, 3, "SCHEDULED", previous_receiver=ANA)
    escalated = on_handoff(
        "handoff.escalated",
        8,
        2,
        3,
        "SCHEDULED",
        extra={"escalation": {"to": "team", "from": ref(ANA), "person": ref(3)}},
    )
    assert kinds(ana, moved, escalated) == [("REMOVED", 7), ("REMOVED", 8)]
    assert kinds(cy, moved, escalated) == []  # scheduled for Cy: not landed yet
    landed = on_handoff("handoff.delivered", 7, 2, 3, "DELIVERED")
    assert kinds(cy, landed) == [("ADDED", 7)]
    # escalated back to its sender: it stays in the receiver's inbox
    back = on_handoff(
        "handoff.escalated",
        7,
        2,
        3,
        "DELIVERED",
        extra={"escalation": {"to": "sender", "person": ref(2)}},
    )
    assert kinds(cy, back) == [("UPDATED", 7)]


def test_a_digest_lands_every_handoff_it_bundles() -> None:
    inbox = InboxTracker(ANA, WS, set())
    assert kinds(inbox, digest(ANA, [(7, 2), (8, 3)])) == [("ADDED", 7), ("ADDED", 8)]
    assert kinds(InboxTracker(4, WS, set()), digest(ANA, [(7, 2)])) == []


def test_a_cancelled_handoff_that_never_landed_is_no_edge_when_the_start_is_known() -> None:
    inbox = InboxTracker(ANA, WS, set())
    assert kinds(inbox, on_handoff("handoff.cancelled", 7, 2, ANA, "CANCELLED")) == []


def test_resumed_a_first_leaving_event_is_reported_then_tracking_is_exact() -> None:
    inbox = InboxTracker(ANA, WS, None)  # what the client held at its cursor is unknown
    assert kinds(inbox, on_handoff("handoff.acknowledged", 7, 2, ANA, "ACKNOWLEDGED")) == [
        ("REMOVED", 7)
    ]
    assert kinds(inbox, on_handoff("handoff.completed", 7, 2, ANA, "COMPLETED")) == []
    # a handoff first seen being created is known not to be there
    assert (
        kinds(
            inbox,
            on_handoff("handoff.created", 9, 2, ANA, "SCHEDULED"),
            on_handoff("handoff.cancelled", 9, 2, ANA, "CANCELLED"),
        )
        == []
    )
    # someone else's handoff leaving someone else is not ours
    assert kinds(inbox, on_handoff("handoff.acknowledged", 11, 2, 3, "ACKNOWLEDGED")) == []


def test_a_person_token_sees_only_what_it_sent_into_anothers_inbox() -> None:
    sender = Actor(1, 2, 20)
    inbox = InboxTracker(ANA, sender, set())
    assert kinds(
        inbox,
        on_handoff("handoff.delivered", 7, 2, ANA, "DELIVERED"),
        on_handoff("handoff.delivered", 8, 3, ANA, "DELIVERED"),
    ) == [("ADDED", 7)]
    # a handoff it was shown leaving is shown leaving, whoever holds it now
    moved = on_handoff("handoff.reassigned", 7, 5, 4, "SCHEDULED", previous_receiver=ANA)
    assert kinds(inbox, moved) == [("REMOVED", 7)]
