"""Who may see an outbox event, and cursors."""

from __future__ import annotations

import pytest

from handoff.live.events import decode_cursor, encode_cursor, visible, visible_handoff
from handoff.services.errors import Invalid
from handoff.services.rights import Actor
from tests.unit.live._rows import digest, event, on_handoff, ref

WS = Actor(1)
ANA, BO, CY, DEE = (Actor(1, p, 10 + p) for p in (1, 2, 3, 4))


def test_a_handoff_event_is_its_senders_and_receivers() -> None:
    created = on_handoff("handoff.created", 7, sender=1, receiver=2, status="SCHEDULED")
    assert created.audience == {1, 2}
    assert [visible(a, created) for a in (WS, ANA, BO, CY)] == [True, True, True, False]
    assert set(created.handoffs) == {7}


def test_a_reassignment_is_also_the_previous_holders_an_escalation_both_ends() -> None:
    moved = on_handoff(
        "handoff.reassigned", 7, sender=1, receiver=3, status="SCHEDULED", previous_receiver=2
    )
    assert moved.audience == {1, 2, 3}
    assert moved.handoffs[7].previous_receiver_id == 2
    escalated = on_handoff(
        "handoff.escalated",
        8,
        sender=1,
        receiver=3,
        status="SCHEDULED",
        extra={"escalation": {"to": "team", "from": ref(2), "person": ref(3)}},
    )
    assert escalated.audience == {1, 2, 3}
    assert escalated.handoffs[8].previous_receiver_id == 2
    assert not visible(DEE, escalated)


def test_a_digest_is_its_persons_though_each_handoff_is_its_senders_too() -> None:
    bundle = digest(2, [(7, 1), (8, 3)])
    assert bundle.audience == {2}
    assert [visible(a, bundle) for a in (ANA, BO, CY)] == [False, True, False]
    assert set(bundle.handoffs) == {7, 8}
    assert visible_handoff(ANA, bundle.handoffs[7])
    assert not visible_handoff(ANA, bundle.handoffs[8])
    assert visible_handoff(CY, bundle.handoffs[8])


def test_availability_is_only_its_persons() -> None:
    changed = event(
        "person.availability_changed", {"person": ref(4), "change": "time_off"}, person_id=4
    )
    assert changed.audience == {4}
    assert changed.handoffs == {}
    assert [visible(a, changed) for a in (WS, ANA, DEE)] == [True, False, True]


def test_malformed_data_makes_an_event_nobodys_but_the_workspaces() -> None:
    odd = event("handoff.created", {"n": 1})
    assert odd.audience == frozenset() and odd.handoffs == {}
    assert visible(WS, odd) and not visible(ANA, odd)
    wrong = event("handoff.created", {"handoff": {"id": "not-an-id"}, "sender": {"id": 5}})
    assert wrong.audience == frozenset()


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    for position in (0, 1, 42, 10**15):
        assert decode_cursor(encode_cursor(position)) == position
    for bad in ("", "abc", encode_cursor(1).replace("=", "") + "!!", "b3V0Ym94Oi0x", "YWJjOjE="):
        with pytest.raises(Invalid) as info:
            decode_cursor(bad)
        assert info.value.field == "after"
