"""reachabilityChanged on a moved clock: transitions from the engine's instants, recomputed
when a person's availability changes; the stream sleeps on the clock, it does not poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.api._helpers import AMS, SET_DELIVERY_POLICY, WEEKDAYS, create_person, ok
from tests.integration.live._live import until, ws_client
from tests.integration.live.test_websocket import REACH

ADD_TRAVEL = """
mutation($input: AddTravelInput!) {
  addTravel(input: $input) { __typename ... on ValidationError { field message } }
}"""


def utc(*args: int) -> str:
    return datetime(*args, tzinfo=UTC).isoformat()


async def _focus(gql, person, blocks: list[str]) -> None:
    await ok(
        gql,
        SET_DELIVERY_POLICY,
        {"id": person["id"], "policy": {"focusBlocks": {"fri": blocks}}},
        "setDeliveryPolicy",
        "PersonPayload",
    )


async def test_reachability_follows_working_time_and_focus_blocks_on_a_moved_clock(live) -> None:
    # the clock: Friday 27 Nov 2026 14:00 UTC = 15:00 in Amsterdam
    gql = await live.client()
    ana = await create_person(gql, "Ana", AMS, weekly=WEEKDAYS)
    bo = await create_person(gql, "Bo", "America/New_York", weekly=WEEKDAYS)
    await _focus(gql, ana, ["15:00-16:00"])
    clock = live.clock

    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("r", REACH, {"ids": [ana["id"], bo["id"]]})
        now = [(await ws.data("r"))["reachabilityChanged"] for _ in range(2)]
        assert [(r["person"]["name"], r["reachable"], r["at"], r["nextChangeAt"]) for r in now] == [
            # in her focus block since 15:00 Amsterdam, free at 16:00
            ("Ana", False, utc(2026, 11, 27, 14), utc(2026, 11, 27, 15)),
            # 09:00 in New York: working since 09:00, until 17:00
            ("Bo", True, utc(2026, 11, 27, 14), utc(2026, 11, 27, 22)),
        ]
        await until(lambda: clock.sleepers >= 1, "the stream sleeps until a transition")

        clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
        change = (await ws.data("r"))["reachabilityChanged"]
        assert (change["person"]["name"], change["reachable"]) == ("Ana", True)
        assert (change["at"], change["nextChangeAt"]) == (
            utc(2026, 11, 27, 15),
            utc(2026, 11, 27, 16),  # 17:00 in Amsterdam
        )
        clock.advance(timedelta(minutes=30))  # no transition: nothing
        await ws.nothing("r", 0.3)

        # a new focus block: recomputed at once (person.availability_changed)
        await _focus(gql, ana, ["16:00-16:45"])  # 16:30 in Amsterdam now
        change = (await ws.data("r"))["reachabilityChanged"]
        assert (change["person"]["name"], change["reachable"]) == ("Ana", False)
        assert change["nextChangeAt"] == utc(2026, 11, 27, 15, 45)

        # the weekend passes in one jump: every transition, in time order, at its instant
        clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))  # Monday 09:30 Amsterdam
        seen = [(await ws.data("r"))["reachabilityChanged"] for _ in range(4)]
        assert [(r["person"]["name"], r["reachable"], r["at"]) for r in seen] == [
            ("Ana", True, utc(2026, 11, 27, 15, 45)),
            ("Ana", False, utc(2026, 11, 27, 16)),
            ("Bo", False, utc(2026, 11, 27, 22)),
            ("Ana", True, utc(2026, 11, 30, 8)),
        ]
        await ws.nothing("r", 0.3)

        # she flies to New York today (its hours there): recomputed at once too
        # (person.travel_changed); 03:30 in New York, working from 09:00 there
        trip = {"personId": ana["id"], "start": "2026-11-30", "end": "2026-12-04"}
        await ok(
            gql,
            ADD_TRAVEL,
            {"input": {**trip, "timezone": "America/New_York"}},
            "addTravel",
            "TravelPayload",
        )
        change = (await ws.data("r"))["reachabilityChanged"]
        assert (change["person"]["name"], change["reachable"]) == ("Ana", False)
        assert change["nextChangeAt"] == utc(2026, 11, 30, 14)
