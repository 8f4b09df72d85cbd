"""Queries: viewer, node, lists, inbox, availability, overlap, nextReachable, previewHandoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    AMS,
    AVAILABILITY,
    CREATE_HANDOFF,
    INBOX,
    KOLKATA,
    MON_TO_THU,
    NYC,
    PREVIEW,
    SYDNEY,
    create_handoff,
    create_person,
    create_team,
    handoff_input,
    mark_delivered,
    ok,
    snapshot,
    unknown_id,
)

PEOPLE = """
query($first: Int, $after: String) {
  people(first: $first, after: $after) {
    edges { cursor node { id } }
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}"""
HANDOFFS = """
query($filter: HandoffFilter) { handoffs(filter: $filter) { nodes { id } } }"""
OVERLAP = """
query($people: [ID!]!, $from: DateTime!, $to: DateTime!) {
  overlap(personIds: $people, from: $from, to: $to) {
    __typename
    ... on Overlap { total windows { start end } }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}"""
NEXT_REACHABLE = """
query($people: [ID!], $team: ID, $at: DateTime) {
  nextReachable(personIds: $people, teamId: $team, at: $at) {
    __typename
    ... on NextReachable {
      soonest { person { id } at }
      candidates { person { id } at explanation }
    }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}"""


async def test_viewer_and_node(gql) -> None:
    viewer = (await gql("{ viewer { id name remindersBeforeEscalation } }"))["viewer"]
    assert (viewer["name"], viewer["remindersBeforeEscalation"]) == ("acme", 1)
    node = await gql("query($id: ID!) { node(id: $id) { __typename id } }", {"id": viewer["id"]})
    assert node["node"] == {"__typename": "Workspace", "id": viewer["id"]}
    for bad in (
        "garbage",
        unknown_id("Person"),
        unknown_id("Nothing", 1),
        unknown_id("Workspace", 99),
    ):
        assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad}))["node"] is None


async def test_people_pagination(gql) -> None:
    people = [await create_person(gql, f"P{i}", AMS) for i in range(5)]
    seen, after, pages = [], None, 0
    while True:
        page = (await gql(PEOPLE, {"first": 2, "after": after}))["people"]
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        seen += [n["id"] for n in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == [p["id"] for p in people]
    assert pages == 3
    everyone = (await gql(PEOPLE, {}))["people"]
    assert len(everyone["nodes"]) == 5 and everyone["pageInfo"]["hasNextPage"] is False
    body = (await gql.raw(PEOPLE, {"first": 2, "after": "not a cursor"})).json()
    assert body["data"] is None and body["errors"]


async def test_handoff_filters(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    kol = await create_person(gql, "Kol", KOLKATA)
    team = await create_team(gql, "Sun", [ana, kol])
    a = await create_handoff(gql, sam, ana, title="a")
    b = await create_handoff(gql, ana, sam, title="b")
    c = await create_handoff(gql, sam, team=team, title="c")
    await mark_delivered(db_url, b, clock.now())

    async def ids(**f) -> list[str]:
        return [n["id"] for n in (await gql(HANDOFFS, {"filter": f}))["handoffs"]["nodes"]]

    assert await ids() == [a["id"], b["id"], c["id"]]
    assert await ids(status="DELIVERED") == [b["id"]]
    assert await ids(status="SCHEDULED") == [a["id"], c["id"]]
    assert await ids(senderId=sam["id"]) == [a["id"], c["id"]]
    assert await ids(receiverId=ana["id"]) == [a["id"], c["id"]]  # c: Ana works now
    assert await ids(teamId=team["id"]) == [c["id"]]
    assert await ids(senderId=sam["id"], status="DELIVERED") == []


async def test_handoffs_newest_first_page_backwards_in_time(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    made = [await create_handoff(gql, sam, ana, title=t) for t in ("a", "b", "c")]
    query = """query($sam: ID!, $after: String) {
      handoffs(filter: {senderId: $sam}, first: 2, after: $after, newestFirst: true) {
        nodes { id } pageInfo { hasNextPage endCursor } totalCount } }"""
    first = (await gql(query, {"sam": sam["id"]}))["handoffs"]
    assert [n["id"] for n in first["nodes"]] == [made[2]["id"], made[1]["id"]]
    assert first["pageInfo"]["hasNextPage"] is True and first["totalCount"] == 3
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(query, {"sam": sam["id"], "after": after}))["handoffs"]
    assert [n["id"] for n in rest["nodes"]] == [made[0]["id"]]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_inbox_is_delivered_and_unacknowledged_oldest_first(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    first, second, third, waiting, acked = [
        await create_handoff(gql, sam, ana, title=t, note={"summary": t})
        for t in ("first", "second", "third", "waiting", "acked")
    ]
    t0 = datetime(2026, 11, 27, 14, tzinfo=UTC)
    await mark_delivered(db_url, second, t0 + timedelta(minutes=1))
    await mark_delivered(db_url, first, t0)
    await mark_delivered(db_url, third, t0 + timedelta(minutes=2))
    await mark_delivered(db_url, acked, t0)
    await ok(gql, ACKNOWLEDGE, {"id": acked["id"]}, "acknowledgeHandoff", "HandoffPayload")
    inbox = (await gql(INBOX, {"id": ana["id"]}))["inbox"]
    assert [n["id"] for n in inbox["nodes"]] == [first["id"], second["id"], third["id"]]
    assert inbox["nodes"][0]["deliveredAt"] == "2026-11-27T14:00:00+00:00"
    page = (await gql(INBOX, {"id": ana["id"], "first": 2}))["inbox"]
    assert [n["id"] for n in page["nodes"]] == [first["id"], second["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    page = (
        await gql(INBOX, {"id": ana["id"], "first": 2, "after": page["pageInfo"]["endCursor"]})
    )["inbox"]
    assert [n["id"] for n in page["nodes"]] == [third["id"]]
    assert page["pageInfo"]["hasNextPage"] is False
    assert (await gql(INBOX, {"id": sam["id"]}))["inbox"]["nodes"] == []
    assert waiting["id"] not in str(inbox)


async def test_inbox_of_an_unknown_person_says_not_found(gql) -> None:
    body = (await gql.raw(INBOX, {"id": unknown_id("Person")})).json()
    assert body["data"] is None
    # An expected failure, so the client is told what was wrong, not "Unexpected error."
    assert "not found" in body["errors"][0]["message"], body


async def test_availability_in_utc_and_local_across_dst(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    # Amsterdam springs forward on Sunday 2027-03-28: 09:00 is 08:00 UTC before, 07:00 after.
    result = await ok(
        gql,
        AVAILABILITY,
        {"id": ana["id"], "from": "2027-03-26T00:00:00+01:00", "to": "2027-03-30T00:00:00Z"},
        "availability",
        "Availability",
    )
    assert result["person"]["id"] == ana["id"]
    assert result["windows"] == [
        {
            "start": "2027-03-26T08:00:00+00:00",
            "end": "2027-03-26T16:00:00+00:00",
            "startLocal": "2027-03-26T09:00:00+01:00",
            "endLocal": "2027-03-26T17:00:00+01:00",
        },
        {
            "start": "2027-03-29T07:00:00+00:00",
            "end": "2027-03-29T15:00:00+00:00",
            "startLocal": "2027-03-29T09:00:00+02:00",
            "endLocal": "2027-03-29T17:00:00+02:00",
        },
    ]
    assert result["workingTime"] == "PT16H"
    # A range starting mid-window is clipped.
    result = await ok(
        gql,
        AVAILABILITY,
        {"id": ana["id"], "from": "2026-11-27T14:00:00Z", "to": "2026-11-28T00:00:00Z"},
        "availability",
        "Availability",
    )
    assert [(w["start"], w["end"]) for w in result["windows"]] == [
        ("2026-11-27T14:00:00+00:00", "2026-11-27T16:00:00+00:00")
    ]
    for variables, typename, field in [
        ({"from": "2026-12-01T00:00:00", "to": "2026-12-02T00:00:00Z"}, "ValidationError", "from"),
        ({"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00"}, "ValidationError", "to"),
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "ValidationError", "to"),
        ({"from": "2026-12-01T00:00:00Z", "to": "2027-03-15T00:00:00Z"}, "ValidationError", "to"),
        ({"id": unknown_id("Person")}, "NotFound", None),
    ]:
        data = {"id": ana["id"], "from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"}
        result = (await gql(AVAILABILITY, data | variables))["availability"]
        assert result["__typename"] == typename, (variables, result)
        assert result.get("field") == field, (variables, result)


async def test_overlap_of_amsterdam_and_new_york(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    nia = await create_person(gql, "Nia", NYC)
    span = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-05T00:00:00Z"}
    result = await ok(gql, OVERLAP, {"people": [ana["id"], nia["id"]]} | span, "overlap", "Overlap")
    # 09-17 Amsterdam (08-16 UTC) and 09-17 New York (14-22 UTC): 14:00-16:00 UTC daily.
    assert result["windows"] == [
        {"start": f"2026-{d}T14:00:00+00:00", "end": f"2026-{d}T16:00:00+00:00"}
        for d in ("11-30", "12-01", "12-02", "12-03", "12-04")
    ]
    assert result["total"] == "PT10H"
    for people, typename in [
        ([], "ValidationError"),
        ([ana["id"], unknown_id("Person")], "NotFound"),
        ([ana["id"], "bad"], "ValidationError"),
    ]:
        result = (await gql(OVERLAP, {"people": people} | span))["overlap"]
        assert result["__typename"] == typename, (people, result)


async def test_next_reachable(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    ams = await create_person(gql, "Ams", AMS, weekly=MON_TO_THU)
    kol = await create_person(gql, "Kol", KOLKATA)
    team = await create_team(gql, "Sun", [ams, kol])
    result = await ok(
        gql,
        NEXT_REACHABLE,
        {"people": [kol["id"], ana["id"]]},
        "nextReachable",
        "NextReachable",
    )
    assert result["soonest"] == {"person": {"id": ana["id"]}, "at": "2026-11-27T14:00:00+00:00"}
    assert [(c["person"]["id"], c["at"]) for c in result["candidates"]] == [
        (ana["id"], "2026-11-27T14:00:00+00:00"),
        (kol["id"], "2026-11-30T03:30:00+00:00"),
    ]
    assert all(c["explanation"] for c in result["candidates"])
    result = await ok(gql, NEXT_REACHABLE, {"team": team["id"]}, "nextReachable", "NextReachable")
    assert result["soonest"] == {"person": {"id": kol["id"]}, "at": "2026-11-30T03:30:00+00:00"}
    assert [c["person"]["id"] for c in result["candidates"]] == [kol["id"], ams["id"]]
    # `at` moves the question: Monday 10:00 UTC, Amsterdam is working.
    result = await ok(
        gql,
        NEXT_REACHABLE,
        {"team": team["id"], "at": "2026-11-30T10:00:00+00:00"},
        "nextReachable",
        "NextReachable",
    )
    assert result["soonest"]["at"] == "2026-11-30T10:00:00+00:00"
    for variables, typename in [
        ({}, "ValidationError"),
        ({"people": [ana["id"]], "team": team["id"]}, "ValidationError"),
        ({"people": [ana["id"]], "at": "2026-11-30T10:00:00"}, "ValidationError"),
        ({"team": unknown_id("Team")}, "NotFound"),
        ({"people": [unknown_id("Person")]}, "NotFound"),
    ]:
        result = (await gql(NEXT_REACHABLE, variables))["nextReachable"]
        assert result["__typename"] == typename, (variables, result)


async def test_preview_writes_nothing_and_matches_create(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS, weekly=MON_TO_THU)
    sam = await create_person(gql, "Sam", SYDNEY)
    kol = await create_person(gql, "Kol", KOLKATA)
    rota = await create_team(gql, "Rota", [ana, kol], routing="ROUND_ROBIN")
    sun = await create_team(gql, "Sun", [ana, kol])
    for target in ({"to": ana}, {"team": sun}, {"team": rota}, {"team": rota}):
        data = handoff_input(sam, expectResponseWithin="PT4H", **target)
        before = await snapshot(db_url)
        preview = await ok(gql, PREVIEW, {"input": data}, "previewHandoff", "HandoffPreview")
        assert await snapshot(db_url) == before
        created = (
            await ok(gql, CREATE_HANDOFF, {"input": data}, "createHandoff", "CreateHandoffPayload")
        )["handoff"]
        assert preview == {
            "__typename": "HandoffPreview",
            "deliverAt": created["deliverAt"],
            "respondBy": created["respondBy"],
            "explanation": created["explanation"],
            "receiver": created["receiver"],
            "team": created["team"],
        }, target
    before = await snapshot(db_url)
    for change, typename in [
        ({"toPersonId": sam["id"]}, "ValidationError"),
        ({"toPersonId": unknown_id("Person")}, "NotFound"),
        ({"note": {"summary": ""}}, "ValidationError"),
    ]:
        result = (await gql(PREVIEW, {"input": handoff_input(sam, ana) | change}))["previewHandoff"]
        assert result["__typename"] == typename, (change, result)
    # an item already being handed off: the same Conflict as createHandoff would give
    busy = handoff_input(sam, ana, item=created["workItem"])
    said = (await gql(PREVIEW, {"input": busy}))["previewHandoff"]
    assert said["__typename"] == "Conflict", said
    assert said == (await gql(CREATE_HANDOFF, {"input": busy}))["createHandoff"] | {
        "__typename": "Conflict"
    }
    assert "already being handed off" in said["message"]
    assert await snapshot(db_url) == before
