"""`Handoff.workingTimeLeft`: the response window that is left, counted in the receiver's
working time from the server's now, in one query for a whole inbox."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.api._helpers import AMS, WEEKDAYS, create_handoff, create_person

LEFT = "query($id: ID!) { node(id: $id) { ... on Handoff { respondBy workingTimeLeft } } }"


async def test_the_window_left_runs_only_in_the_receivers_working_time(gql, clock) -> None:
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # Friday 15:00 in Amsterdam
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H")
    asked = await create_handoff(gql, ana, bo)

    async def left(h: dict) -> str | None:
        return (await gql(LEFT, {"id": h["id"]}))["node"]["workingTimeLeft"]

    assert await left(handoff) == "PT4H"
    assert await left(asked) is None  # no answer needed
    clock.set(datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # 17:30: Bo's day ended at 17:00
    assert await left(handoff) == "PT2H"
    clock.set(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))  # the weekend does not count
    assert await left(handoff) == "PT2H"
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))  # Monday 10:30
    assert await left(handoff) == "PT30M"
    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # past respondBy
    assert await left(handoff) == "PT0S"
