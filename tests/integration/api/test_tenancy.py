"""Tenant isolation: another workspace's IDs are never found, read or changed."""

from __future__ import annotations

from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    ADD_TEAM_MEMBER,
    ADD_TIME_OFF,
    AMS,
    AVAILABILITY,
    CANCEL,
    COMPLETE,
    CREATE_HANDOFF,
    CREATE_WORK_ITEM,
    INBOX,
    NODE,
    NYC,
    PERSON,
    PREVIEW,
    REASSIGN,
    REMOVE_TEAM_MEMBER,
    REMOVE_TIME_OFF,
    RETURN,
    SET_DELIVERY_POLICY,
    SET_WORKING_PATTERN,
    UPDATE_PERSON,
    create_handoff,
    create_person,
    create_team,
    create_work_item,
    handoff_input,
    mark_delivered,
    snapshot,
)

NEXT_REACHABLE = """
query($people: [ID!], $team: ID) {
  nextReachable(personIds: $people, teamId: $team) {
    __typename ... on NextReachable { candidates { person { id } } }
  }
}"""
OVERLAP = """
query($people: [ID!]!) {
  overlap(personIds: $people, from: "2026-11-30T00:00:00Z", to: "2026-12-01T00:00:00Z") {
    __typename
  }
}"""
LISTS = """{
  people { nodes { id } }
  teams { nodes { id } }
  workItems { nodes { id } }
  handoffs { nodes { id } }
}"""


async def test_another_workspace_never_sees_or_touches_acme(gql, other_gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", NYC)
    team = await create_team(gql, "Acme team", [ana])
    item = await create_work_item(gql, "Acme item", holder=ana)
    handoff = await create_handoff(gql, sam, ana, title="Acme handoff")
    delivered = await create_handoff(gql, ana, sam, title="Delivered one")
    await mark_delivered(db_url, delivered, clock.now())
    # globex has people of its own, whose IDs may well equal acme's row numbers
    bo = await create_person(other_gql, "Bo", AMS)
    cy = await create_person(other_gql, "Cy", NYC)
    globex_team = await create_team(other_gql, "Globex team", [bo, cy])
    acme_before = await snapshot(db_url)

    for obj in (ana, team, item, handoff):
        assert (await other_gql(NODE, {"id": obj["id"]}))["node"] is None
        assert (await gql(NODE, {"id": obj["id"]}))["node"]["id"] == obj["id"]
    result = (await other_gql(PERSON, {"id": ana["id"]}))["person"]
    assert result["__typename"] == "NotFound"
    assert "Ana" not in str(result)
    response = await other_gql.raw(INBOX, {"id": sam["id"]})
    assert response.json()["data"] is None or not response.json()["data"]["inbox"]["nodes"]
    assert "Delivered one" not in response.text
    result = (
        await other_gql(
            AVAILABILITY,
            {"id": ana["id"], "from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        )
    )["availability"]
    assert result["__typename"] == "NotFound"
    for variables in ({"people": [ana["id"]]}, {"team": team["id"]}):
        result = (await other_gql(NEXT_REACHABLE, variables))["nextReachable"]
        assert result["__typename"] == "NotFound", (variables, result)
    result = (await other_gql(OVERLAP, {"people": [bo["id"], ana["id"]]}))["overlap"]
    assert result["__typename"] == "NotFound"

    attempts = [
        (UPDATE_PERSON, "updatePerson", {"input": {"id": ana["id"], "name": "Hacked"}}),
        (SET_WORKING_PATTERN, "setWorkingPattern", {"id": ana["id"], "pattern": {"weekly": {}}}),
        (SET_DELIVERY_POLICY, "setDeliveryPolicy", {"id": ana["id"], "policy": {}}),
        (ADD_TIME_OFF, "addTimeOff", {"id": ana["id"], "start": "2026-12-01", "end": "2026-12-02"}),
        (
            REMOVE_TIME_OFF,
            "removeTimeOff",
            {"id": ana["id"], "start": "2026-12-01", "end": "2026-12-02"},
        ),
        (ADD_TEAM_MEMBER, "addTeamMember", {"team": team["id"], "person": bo["id"]}),
        (ADD_TEAM_MEMBER, "addTeamMember", {"team": globex_team["id"], "person": ana["id"]}),
        (REMOVE_TEAM_MEMBER, "removeTeamMember", {"team": team["id"], "person": ana["id"]}),
        (CREATE_WORK_ITEM, "createWorkItem", {"input": {"title": "x", "holderId": ana["id"]}}),
        (CREATE_HANDOFF, "createHandoff", {"input": handoff_input(bo, ana)}),
        (CREATE_HANDOFF, "createHandoff", {"input": handoff_input(ana, bo)}),
        (CREATE_HANDOFF, "createHandoff", {"input": handoff_input(bo, team=team)}),
        (
            CREATE_HANDOFF,
            "createHandoff",
            {"input": handoff_input(bo, item=item, to=None) | {"toTeamId": globex_team["id"]}},
        ),
        (PREVIEW, "previewHandoff", {"input": handoff_input(bo, ana)}),
        (ACKNOWLEDGE, "acknowledgeHandoff", {"id": delivered["id"]}),
        (COMPLETE, "completeHandoff", {"id": delivered["id"]}),
        (RETURN, "returnHandoff", {"id": delivered["id"], "note": "no"}),
        (CANCEL, "cancelHandoff", {"id": handoff["id"]}),
        (REASSIGN, "reassignHandoff", {"id": handoff["id"], "person": bo["id"]}),
    ]
    globex_before = await snapshot(db_url)
    for query, field, variables in attempts:
        result = (await other_gql(query, variables))[field]
        assert result["__typename"] == "NotFound", (field, variables, result)
        for secret in ("Ana", "Acme", "Delivered one"):
            assert secret not in str(result), (field, result)
    assert await snapshot(db_url) == globex_before == acme_before

    # Lists never show the other workspace's rows, either way round.
    theirs = await other_gql(LISTS)
    assert [n["id"] for n in theirs["people"]["nodes"]] == [bo["id"], cy["id"]]
    assert [n["id"] for n in theirs["teams"]["nodes"]] == [globex_team["id"]]
    assert theirs["workItems"]["nodes"] == theirs["handoffs"]["nodes"] == []
    ours = await gql(LISTS)
    assert [n["id"] for n in ours["people"]["nodes"]] == [ana["id"], sam["id"]]
    assert [n["id"] for n in ours["teams"]["nodes"]] == [team["id"]]
    assert len(ours["workItems"]["nodes"]) == 3
    assert [n["id"] for n in ours["handoffs"]["nodes"]] == [handoff["id"], delivered["id"]]
    assert (await other_gql("{ viewer { name } }"))["viewer"]["name"] == "globex"


FILTERED = """query($f: HandoffFilter, $w: WorkItemFilter) {
  handoffs(filter: $f) { nodes { id } }
  workItems(filter: $w) { nodes { id } }
}"""


async def test_a_list_filter_naming_a_row_the_workspace_lacks_is_not_found(gql, other_gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", NYC)
    team = await create_team(gql, "Acme team", [ana])
    await create_handoff(gql, sam, ana, title="Acme handoff")
    await create_work_item(gql, "Acme item", holder=ana)
    bo = await create_person(other_gql, "Bo", AMS)
    # (filter, the ID the error names, how many handoffs and work items acme's list holds)
    cases = [
        ({"f": {"receiverId": ana["id"]}}, ana["id"], (1, 2)),
        ({"f": {"senderId": sam["id"]}}, sam["id"], (1, 2)),
        ({"f": {"teamId": team["id"]}}, team["id"], (0, 2)),
        ({"w": {"holderId": ana["id"]}}, ana["id"], (1, 1)),
    ]
    for variables, named, counts in cases:
        # another workspace's ID: the same answer as an ID nobody has, not an empty list
        response = await other_gql.raw(FILTERED, variables)
        errors = response.json()["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"], errors
        assert named in errors[0]["message"]
        assert "Ana" not in response.text and "Acme" not in response.text
        # in its own workspace the same filter finds the rows
        ours = await gql(FILTERED, variables)
        assert (len(ours["handoffs"]["nodes"]), len(ours["workItems"]["nodes"])) == counts
    own = await other_gql(FILTERED, {"f": {"receiverId": bo["id"]}, "w": {"holderId": bo["id"]}})
    assert own == {"handoffs": {"nodes": []}, "workItems": {"nodes": []}}
