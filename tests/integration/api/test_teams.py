"""Teams: create, members, and routing a handoff to a team."""

from __future__ import annotations

from tests.integration.api._helpers import (
    ADD_TEAM_MEMBER,
    ADD_TIME_OFF,
    AMS,
    CREATE_HANDOFF,
    CREATE_TEAM,
    HANDOFF,
    KOLKATA,
    MON_TO_THU,
    NYC,
    REMOVE_TEAM_MEMBER,
    SYDNEY,
    TEAM,
    create_handoff,
    create_person,
    create_team,
    handoff_input,
    ok,
    snapshot,
    unknown_id,
)


async def test_create_team_and_members(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", NYC)
    team = await create_team(gql, "Platform", [ana], routing="ROUND_ROBIN")
    assert (team["name"], team["routing"]) == ("Platform", "ROUND_ROBIN")
    assert [m["id"] for m in team["members"]] == [ana["id"]]
    added = await ok(
        gql,
        ADD_TEAM_MEMBER,
        {"team": team["id"], "person": bo["id"]},
        "addTeamMember",
        "TeamPayload",
    )
    assert {m["id"] for m in added["team"]["members"]} == {ana["id"], bo["id"]}
    before = await snapshot(db_url)
    # adding a member twice is a no-op
    await ok(
        gql,
        ADD_TEAM_MEMBER,
        {"team": team["id"], "person": bo["id"]},
        "addTeamMember",
        "TeamPayload",
    )
    assert await snapshot(db_url) == before
    stored = (await gql(TEAM, {"id": team["id"]}))["node"]
    assert {m["id"] for m in stored["members"]} == {ana["id"], bo["id"]}
    listed = (await gql("{ teams { nodes { id name routing } } }"))["teams"]["nodes"]
    assert listed == [{"id": team["id"], "name": "Platform", "routing": "ROUND_ROBIN"}]

    removed = await ok(
        gql,
        REMOVE_TEAM_MEMBER,
        {"team": team["id"], "person": ana["id"]},
        "removeTeamMember",
        "TeamPayload",
    )
    assert [m["id"] for m in removed["team"]["members"]] == [bo["id"]]
    assert [m["id"] for m in (await gql(TEAM, {"id": team["id"]}))["node"]["members"]] == [bo["id"]]

    gone = await gql(REMOVE_TEAM_MEMBER, {"team": team["id"], "person": ana["id"]})
    # not a member any more: NotFound names the person (the schema has no membership type)
    assert gone["removeTeamMember"]["id"] == ana["id"]
    assert gone["removeTeamMember"]["message"].endswith(f"is not a member of {team['name']}")
    before = await snapshot(db_url)
    for query, field, variables, typename, path in [
        (REMOVE_TEAM_MEMBER, "removeTeamMember", {"person": ana["id"]}, "NotFound", None),
        (ADD_TEAM_MEMBER, "addTeamMember", {"person": unknown_id("Person")}, "NotFound", None),
        (ADD_TEAM_MEMBER, "addTeamMember", {"team": unknown_id("Team")}, "NotFound", None),
        (REMOVE_TEAM_MEMBER, "removeTeamMember", {"team": unknown_id("Team")}, "NotFound", None),
        (ADD_TEAM_MEMBER, "addTeamMember", {"team": "bad"}, "ValidationError", "teamId"),
        (ADD_TEAM_MEMBER, "addTeamMember", {"person": team["id"]}, "ValidationError", "personId"),
        (REMOVE_TEAM_MEMBER, "removeTeamMember", {"person": "bad"}, "ValidationError", "personId"),
    ]:
        result = (await gql(query, {"team": team["id"], "person": ana["id"]} | variables))[field]
        assert result["__typename"] == typename, (variables, result)
        assert result.get("field") == path, (variables, result)
    for data, path in [
        ({"name": "Platform"}, "input.name"),  # taken
        ({"name": " "}, "input.name"),
        ({"name": "New", "memberIds": [ana["id"], unknown_id("Person")]}, "input.memberIds.1"),
        ({"name": "New", "memberIds": ["bad"]}, "input.memberIds.0"),
    ]:
        result = (await gql(CREATE_TEAM, {"input": data}))["createTeam"]
        assert (result["__typename"], result["field"]) == ("ValidationError", path), result
    assert await snapshot(db_url) == before


async def test_follow_the_sun_picks_the_soonest_reachable_member(gql) -> None:
    # Friday 15:00 Amsterdam: nobody works now. Kolkata's Monday 09:00 IST (03:30 UTC)
    # comes before Amsterdam's Monday 09:00 (08:00 UTC) and New York's (14:00 UTC).
    sam = await create_person(gql, "Sam", SYDNEY)
    ams = await create_person(gql, "Ams", AMS, weekly=MON_TO_THU)
    nyc = await create_person(gql, "Nyc", NYC, weekly=MON_TO_THU)
    kol = await create_person(gql, "Kol", KOLKATA)
    team = await create_team(gql, "Sun", [ams, nyc, kol])
    handoff = await create_handoff(gql, sam, team=team)
    assert handoff["receiver"]["id"] == kol["id"]
    assert handoff["team"]["id"] == team["id"]
    assert handoff["deliverAt"] == "2026-11-30T03:30:00+00:00"
    assert "follow-the-sun" in handoff["explanation"][0]
    assert [(f["kind"], f["person"]["id"]) for f in handoff["followUps"]] == [
        ("DELIVERY", kol["id"])
    ]


async def test_round_robin_rotates(gql) -> None:
    sam = await create_person(gql, "Sam", SYDNEY)
    members = [await create_person(gql, n, AMS) for n in ("Ana", "Bo", "Cy")]
    team = await create_team(gql, "Rota", members, routing="ROUND_ROBIN")
    receivers = [
        (await create_handoff(gql, sam, team=team, title=f"Item {i}"))["receiver"]["id"]
        for i in range(4)
    ]
    assert sorted(receivers[:3]) == sorted(m["id"] for m in members)
    assert receivers[3] == receivers[0]


async def test_all_routing_notifies_every_member(gql) -> None:
    sam = await create_person(gql, "Sam", SYDNEY)
    ams = await create_person(gql, "Ams", AMS, weekly=MON_TO_THU)
    nyc = await create_person(gql, "Nyc", NYC, weekly=MON_TO_THU)
    kol = await create_person(gql, "Kol", KOLKATA)
    team = await create_team(gql, "Everyone", [ams, nyc, kol], routing="ALL")
    handoff = await create_handoff(gql, sam, team=team, expectResponseWithin="PT2H")
    assert handoff["receiver"]["id"] == kol["id"]
    deliveries = {f["person"]["id"]: f for f in handoff["followUps"] if f["kind"] == "DELIVERY"}
    assert len(handoff["followUps"]) == 3
    assert set(deliveries) == {ams["id"], nyc["id"], kol["id"]}
    assert deliveries[kol["id"]]["dueAt"] == "2026-11-30T03:30:00+00:00"
    assert deliveries[ams["id"]]["dueAt"] == "2026-11-30T08:00:00+00:00"
    assert deliveries[nyc["id"]]["dueAt"] == "2026-11-30T14:00:00+00:00"
    assert all(f["state"] == "PENDING" for f in handoff["followUps"])


async def test_time_off_before_delivery_reroutes_a_team_handoff(gql, db_url) -> None:
    sam = await create_person(gql, "Sam", SYDNEY)
    ams = await create_person(gql, "Ams", AMS, weekly=MON_TO_THU)
    kol = await create_person(gql, "Kol", KOLKATA)
    team = await create_team(gql, "Sun", [ams, kol])
    handoff = await create_handoff(gql, sam, team=team)
    assert handoff["receiver"]["id"] == kol["id"]
    # Kol takes Monday off: Tuesday 09:00 IST is after Amsterdam's Monday 09:00.
    await ok(
        gql,
        ADD_TIME_OFF,
        {"id": kol["id"], "start": "2026-11-30", "end": "2026-11-30"},
        "addTimeOff",
        "PersonPayload",
    )
    moved = (await gql(HANDOFF, {"id": handoff["id"]}))["node"]
    assert moved["receiver"]["id"] == ams["id"]
    assert moved["deliverAt"] == "2026-11-30T08:00:00+00:00"
    assert moved["status"] == "SCHEDULED"
    assert [(f["person"]["id"], f["state"]) for f in moved["followUps"]] == [
        (kol["id"], "CANCELLED"),
        (ams["id"], "PENDING"),
    ]


async def test_a_team_of_only_the_sender_is_refused(gql, db_url) -> None:
    sam = await create_person(gql, "Sam", SYDNEY)
    nobody = await create_person(gql, "Nobody", AMS, weekly={})
    solo = await create_team(gql, "Solo", [sam])
    idle = await create_team(gql, "Idle", [sam, nobody])
    before = await snapshot(db_url)
    for team in (solo, idle):
        result = (await gql(CREATE_HANDOFF, {"input": handoff_input(sam, team=team)}))[
            "createHandoff"
        ]
        assert (result["__typename"], result["field"]) == ("ValidationError", "input.toTeamId")
    assert await snapshot(db_url) == before


async def test_create_team_caps_its_member_list(gql) -> None:
    from handoff.ids import encode

    ids = [encode("Person", n) for n in range(1, 102)]  # 101 distinct ids
    result = (
        await gql(
            """mutation($ids: [ID!]) { createTeam(input: {name: "Big", memberIds: $ids}) {
                __typename ... on ValidationError { field message } } }""",
            {"ids": ids},
        )
    )["createTeam"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "input.memberIds"
    assert (await gql("{ teams { nodes { id } } }"))["teams"]["nodes"] == []
