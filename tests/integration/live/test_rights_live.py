"""Who receives what: a person token gets the events of the handoffs it sent or holds and of
its own availability (README, "Tokens and rights"); a workspace token gets everything of
its workspace. Over a real WebSocket against the served app."""

from __future__ import annotations

from typing import Any

from handoff.ids import decode_as
from tests.integration.api._helpers import (
    AMS,
    REASSIGN,
    SET_DELIVERY_POLICY,
    create_handoff,
    create_person,
    ok,
)
from tests.integration.live._live import ws_client
from tests.integration.live.test_websocket import EVENTS, HANDOFF, INBOX, REACH, until_dispatched


async def _person_token(live, person: dict[str, Any]) -> str:
    return await live.token("acme", person_id=decode_as(person["id"], "Person"))


async def test_a_person_token_gets_only_its_handoffs_and_its_own_availability(live) -> None:
    gql = await live.client()
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", AMS)
    ana_token = await _person_token(live, ana)

    async with (
        ws_client(live.served.ws, ana_token) as mine,
        ws_client(live.served.ws, gql.token) as everything,
    ):
        await mine.subscribe("e", EVENTS)
        await everything.subscribe("e", EVENTS)
        await live.served.wait_subscribers(2)
        to_ana = await create_handoff(gql, bo, ana, title="to Ana")
        between_others = await create_handoff(gql, bo, cy, title="Bo to Cy")
        from_ana = await create_handoff(gql, ana, cy, title="from Ana")
        await ok(
            gql,
            SET_DELIVERY_POLICY,
            {"id": cy["id"], "policy": {"focusBlocks": {"mon": ["09:00-11:00"]}}},
            "setDeliveryPolicy",
            "PersonPayload",
        )
        await ok(
            gql,
            SET_DELIVERY_POLICY,
            {"id": ana["id"], "policy": {"focusBlocks": {"tue": ["09:00-11:00"]}}},
            "setDeliveryPolicy",
            "PersonPayload",
        )
        # reassigned from Cy to Ana: Ana holds it now; then back to Cy: Ana held it
        await ok(
            gql,
            REASSIGN,
            {"id": between_others["id"], "person": ana["id"]},
            "reassignHandoff",
            "HandoffPayload",
        )
        await ok(
            gql,
            REASSIGN,
            {"id": between_others["id"], "person": cy["id"]},
            "reassignHandoff",
            "HandoffPayload",
        )
        await until_dispatched(live)

        seen_all = [(await everything.data("e"))["events"] for _ in range(7)]
        await everything.nothing("e", 0.3)
        seen = []
        for _ in range(5):
            event = (await mine.data("e"))["events"]
            seen.append((event["type"], _subject(event)))
        await mine.nothing("e", 0.5)

    assert [e["type"] for e in seen_all] == [
        "handoff.created",
        "handoff.created",
        "handoff.created",
        "person.availability_changed",
        "person.availability_changed",
        "handoff.reassigned",
        "handoff.reassigned",
    ]
    assert seen == [
        ("handoff.created", to_ana["id"]),
        ("handoff.created", from_ana["id"]),
        ("person.availability_changed", ana["id"]),
        ("handoff.reassigned", between_others["id"]),  # to Ana
        ("handoff.reassigned", between_others["id"]),  # away from Ana (she held it)
    ]


def _subject(event: dict[str, Any]) -> str:
    data = event["data"]
    return data["handoff"]["id"] if "handoff" in data else data["person"]["id"]


async def test_a_person_token_may_not_follow_others_handoffs_or_reachability(live) -> None:
    gql = await live.client()
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", AMS)
    others = await create_handoff(gql, bo, cy)
    own = await create_handoff(gql, bo, ana)
    async with ws_client(live.served.ws, await _person_token(live, ana)) as ws:
        await ws.subscribe("h", HANDOFF, {"id": others["id"]})
        await ws.subscribe("r", REACH, {"ids": [ana["id"], bo["id"]]})
        for op, field in (("h", "id"), ("r", "personIds.1")):
            message = await ws.next(op)
            assert message["type"] == "error", message
            [error] = message["payload"]
            assert error["extensions"] == {"code": "FORBIDDEN", "field": field}, error
        # its own handoff and its own reachability are fine
        await ws.subscribe("own", HANDOFF, {"id": own["id"]})
        assert (await ws.data("own"))["handoffChanged"]["status"] == "SCHEDULED"
        await ws.subscribe("me", REACH, {"ids": [ana["id"]]})
        reach = (await ws.data("me"))["reachabilityChanged"]
        assert reach["person"]["id"] == ana["id"]
        # another person's inbox: only what it sent there
        await ws.subscribe("cy", INBOX, {"p": cy["id"]})
        await ws.nothing("cy", 0.3)


async def test_resuming_a_handoff_that_was_taken_away_meanwhile_shows_how(live) -> None:
    gql = await live.client()
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", AMS)
    handoff = await create_handoff(gql, ana, bo)
    bo_token = await _person_token(live, bo)
    async with ws_client(live.served.ws, bo_token) as ws:
        await ws.subscribe("h", HANDOFF, {"id": handoff["id"]})
        cursor = (await ws.data("h"))["handoffChanged"]["cursor"]
    # while Bo is away, the sender gives it to Cy
    moved = {"id": handoff["id"], "person": cy["id"]}
    await ok(gql, REASSIGN, moved, "reassignHandoff", "HandoffPayload")
    await until_dispatched(live)
    async with ws_client(live.served.ws, bo_token) as ws:
        await ws.subscribe("h", HANDOFF, {"id": handoff["id"], "after": cursor})
        missed = (await ws.data("h"))["handoffChanged"]
        assert missed["type"] == "handoff.reassigned", missed
        await ws.nothing("h", 0.3)  # and nothing of Cy's after that
    # with no cursor it is not Bo's to follow
    async with ws_client(live.served.ws, bo_token) as ws:
        await ws.subscribe("h", HANDOFF, {"id": handoff["id"]})
        refused = await ws.next("h")
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
