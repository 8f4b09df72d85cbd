"""An ALL team's handoff in its members' inboxes: the holder has it, the others are told."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.api._helpers import AMS, create_handoff, create_person, create_team
from tests.integration.live._live import ws_client
from tests.integration.live.test_websocket import EVENTS, INBOX


async def test_the_holder_keeps_it_and_a_member_told_of_it_gets_no_inbox_edge(live) -> None:
    gql = await live.client()
    sam = await create_person(gql, "Sam", "Australia/Sydney")
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    team = await create_team(gql, "All", [ana, bo], routing="ALL")
    handoff = await create_handoff(gql, sam, team=team)
    holder, other = (ana, bo) if handoff["receiver"]["id"] == ana["id"] else (bo, ana)
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("held", INBOX, {"p": holder["id"]})
        await ws.subscribe("told", INBOX, {"p": other["id"]})
        await ws.subscribe("events", EVENTS, {"types": ["handoff.delivered"]})
        await live.served.wait_subscribers(3)
        live.clock.set(live.clock.now() + timedelta(days=3))  # both work on Monday
        await live.run_due()
        added = (await ws.data("held"))["inboxChanged"]
        assert (added["kind"], added["handoffId"]) == ("ADDED", handoff["id"])
        told = []
        for _ in range(2):
            event = (await ws.data("events"))["events"]["data"]
            told.append(event.get("notified", {}).get("name"))
            # every delivery names the holder as the receiver
            assert event["receiver"]["id"] == holder["id"]
        assert sorted(told, key=str) == sorted([None, other["name"]], key=str)
        # the other member's inbox stays empty, and the holder's is not told it left
        await ws.nothing("told", 0.5)
        await ws.nothing("held", 0.5)
