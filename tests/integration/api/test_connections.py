"""Connections: `totalCount` of the whole (filtered) list on every page, opaque cursors,
and cursors that are not of this list refused as BAD_USER_INPUT naming `after`."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integration.api._helpers import (
    AMS,
    create_handoff,
    create_person,
    create_team,
    create_work_item,
    mark_delivered,
)

PAGE = (
    "edges { cursor node { id } }"
    " pageInfo { hasNextPage endCursor hasPreviousPage startCursor } totalCount"
)


async def page(gql: Any, field: str, args: str = "", **variables: Any) -> dict[str, Any]:
    """One page of a list; `args` are extra literal arguments."""
    query = f"query($first: Int, $after: String) {{ {field}(first: $first, after: $after{args}) {{ {PAGE} }} }}"
    return (await gql(query, variables))[field]


async def walk(gql: Any, field: str, args: str = "") -> tuple[list[str], set[int]]:
    """Every ID of a list, two at a time; and the totalCount each page reported."""
    seen: list[str] = []
    totals: set[int] = set()
    after = None
    while True:
        got = await page(gql, field, args, first=2, after=after)
        seen += [e["node"]["id"] for e in got["edges"]]
        totals.add(got["totalCount"])
        if not got["pageInfo"]["hasNextPage"]:
            return seen, totals
        after = got["pageInfo"]["endCursor"]
        assert after == got["edges"][-1]["cursor"]
        # Relay's full PageInfo: the first cursor, and no backward paging
        assert got["pageInfo"]["startCursor"] == got["edges"][0]["cursor"]
        assert got["pageInfo"]["hasPreviousPage"] is False


@pytest.fixture
async def world(gql, db_url, clock) -> dict[str, Any]:
    people = [await create_person(gql, n, AMS) for n in ("Ana", "Bo", "Cy", "Di", "Ed")]
    ana, bo, cy = people[:3]
    teams = [await create_team(gql, n, [ana, bo]) for n in ("T1", "T2", "T3")]
    items = [await create_work_item(gql, f"W{i}", ana if i % 2 else None) for i in range(3)]
    to_bo = [await create_handoff(gql, ana, bo, title=f"h{i}") for i in range(3)]
    to_cy = [await create_handoff(gql, bo, cy, title="c")]
    for h in to_bo:
        await mark_delivered(db_url, h, clock.now())
    return {"people": people, "teams": teams, "items": items, "to_bo": to_bo, "to_cy": to_cy}


async def test_total_count_on_every_list_and_every_page(gql, world) -> None:
    ana, bo, cy = world["people"][:3]
    cases = [
        ("people", "", [p["id"] for p in world["people"]]),
        ("teams", "", [t["id"] for t in world["teams"]]),
        ("handoffs", "", [h["id"] for h in world["to_bo"] + world["to_cy"]]),
        ("handoffs", f', filter: {{receiverId: "{bo["id"]}"}}', [h["id"] for h in world["to_bo"]]),
        ("handoffs", ", filter: {status: SCHEDULED}", [h["id"] for h in world["to_cy"]]),
        ("handoffs", f', filter: {{senderId: "{cy["id"]}"}}', []),
        ("inbox", f', personId: "{bo["id"]}"', [h["id"] for h in world["to_bo"]]),
        ("inbox", f', personId: "{cy["id"]}"', []),
        ("workItems", f', filter: {{holderId: "{ana["id"]}"}}', None),
    ]
    for field, args, expected in cases:
        seen, totals = await walk(gql, field, args)
        assert len(totals) == 1, (field, args, totals)  # the same on every page
        assert totals == {len(seen)}, (field, args)
        if expected is not None:
            assert seen == expected, (field, args)
    everything, totals = await walk(gql, "workItems")
    # three made directly, four with the handoffs
    assert totals == {7} and len(everything) == 7
    open_items = await page(gql, "workItems", ", filter: {status: OPEN}", first=1)
    assert open_items["totalCount"] == 3 and len(open_items["edges"]) == 1


async def test_cursors_are_opaque(gql, world) -> None:
    got = await page(gql, "people", first=2)
    for edge in got["edges"]:
        # neither the row id nor the global ID shows through
        assert edge["cursor"] != edge["node"]["id"]
        assert not edge["cursor"].isdigit()


@pytest.mark.parametrize(
    "after",
    [
        "garbage!!",
        "Zm9v",  # base64 of "foo"
        base64.urlsafe_b64encode(b"-3").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "",
        "x" * 5000,
    ],
)
async def test_a_garbage_after_is_bad_user_input_on_every_list(gql, world, after: str) -> None:
    bo = world["people"][1]
    for field, args in [
        ("people", ""),
        ("teams", ""),
        ("workItems", ""),
        ("handoffs", ""),
        ("inbox", f', personId: "{bo["id"]}"'),
    ]:
        query = f"query($after: String) {{ {field}(after: $after{args}) {{ totalCount }} }}"
        response = await gql.raw(query, {"after": after})
        assert response.status_code == 200
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, (field, error)
        assert "not a cursor of this list" in error["message"]


async def test_a_cursor_of_another_list_is_refused(gql, world) -> None:
    bo = world["people"][1]
    inbox = await page(gql, "inbox", f', personId: "{bo["id"]}"', first=1)
    people = await page(gql, "people", first=1)
    handoffs = await page(gql, "handoffs", first=1)
    for field, args, cursor in [
        ("people", "", inbox["pageInfo"]["endCursor"]),
        ("handoffs", "", inbox["pageInfo"]["endCursor"]),
        ("inbox", f', personId: "{bo["id"]}"', people["pageInfo"]["endCursor"]),
        # both ordered by id: a handoff's id would start the people somewhere unrelated
        ("handoffs", "", people["pageInfo"]["endCursor"]),
        ("people", "", handoffs["pageInfo"]["endCursor"]),
        ("workItems", "", handoffs["pageInfo"]["endCursor"]),
    ]:
        query = f"query($after: String) {{ {field}(after: $after{args}) {{ totalCount }} }}"
        [error] = (await gql.raw(query, {"after": cursor})).json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, field
    # ... while each list takes its own cursor.
    rest = await page(
        gql, "inbox", f', personId: "{bo["id"]}"', after=inbox["pageInfo"]["endCursor"]
    )
    assert [e["node"]["id"] for e in rest["edges"]] == [h["id"] for h in world["to_bo"][1:]]


@pytest.mark.parametrize("first", [0, -1, 101, 500])
async def test_page_size_out_of_bounds_names_first(gql, world, first: int) -> None:
    [error] = (await gql.raw(f"{{ people(first: {first}) {{ totalCount }} }}")).json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
