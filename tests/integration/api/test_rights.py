"""Acting as a person: every right of the table, both ways, with person and workspace
tokens; refusals are FORBIDDEN with the field, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from handoff.services.rights import readme_table
from tests.conftest import GraphQLClient
from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    ADD_TIME_OFF,
    CANCEL,
    COMPLETE,
    CREATE_HANDOFF,
    PREVIEW,
    REASSIGN,
    RETURN,
    SET_DELIVERY_POLICY,
    SET_WORKING_PATTERN,
    UPDATE_PERSON,
    WEEKDAYS,
    create_handoff,
    create_person,
    create_work_item,
    handoff_input,
    mark_delivered,
    pk,
    snapshot,
)

TOKEN = """
mutation($person: ID!, $name: String!, $expires: DateTime) {
  createPersonToken(personId: $person, name: $name, expiresAt: $expires) {
    __typename
    ... on CreatePersonTokenPayload { secret token { id name person { id } lastUsedAt } }
    ... on ValidationError { field message }
    ... on NotFound { id message }
  }
}"""
TOKENS = "query($person: ID) { tokens(personId: $person) { id name revokedAt person { id } } }"
REVOKE = """
mutation($id: ID!) {
  revokeToken(id: $id) { __typename ... on RevokeTokenPayload { token { id revokedAt } } }
}"""


async def person_client(gql: GraphQLClient, person: dict[str, Any]) -> GraphQLClient:
    """A client with a new token acting as `person` (made with the workspace token)."""
    made = (await gql(TOKEN, {"person": person["id"], "name": "app"}))["createPersonToken"]
    assert made["__typename"] == "CreatePersonTokenPayload", made
    return GraphQLClient(gql.http, made["secret"])


def forbidden(body: dict[str, Any], field: str | None) -> None:
    assert body["data"] is None or all(v is None for v in body["data"].values()), body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN", error
    assert error["extensions"].get("field") == field, error


async def refused(
    client: GraphQLClient, db_url: str, query: str, variables: dict, field: str | None
) -> None:
    """The request is FORBIDDEN on `field` and leaves every row as it was."""
    before = await snapshot(db_url)
    response = await client.raw(query, variables)
    assert response.status_code == 200
    forbidden(response.json(), field)
    assert await snapshot(db_url) == before


@pytest.fixture
async def cast(gql: GraphQLClient) -> dict[str, Any]:
    """Ana and Sam with person tokens; Ana sent Sam a delivered handoff."""
    ana = await create_person(gql, "Ana", weekly=WEEKDAYS)
    sam = await create_person(gql, "Sam", weekly=WEEKDAYS)
    kim = await create_person(gql, "Kim", weekly=WEEKDAYS)
    return {
        "ana": ana,
        "sam": sam,
        "kim": kim,
        "as_ana": await person_client(gql, ana),
        "as_sam": await person_client(gql, sam),
        "as_kim": await person_client(gql, kim),
    }


def test_the_readme_has_the_rights_table_of_the_code() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert readme_table() in readme


async def test_viewer_person_is_the_token_s_person_and_null_for_a_workspace_token(
    gql, cast
) -> None:
    query = "{ viewer { name person { id name } } }"
    assert (await gql(query))["viewer"] == {"name": "acme", "person": None}
    ana = (await cast["as_ana"](query))["viewer"]
    assert ana == {"name": "acme", "person": {"id": cast["ana"]["id"], "name": "Ana"}}


async def test_a_person_token_reads_the_whole_workspace(gql, cast) -> None:
    await create_handoff(gql, cast["sam"], cast["kim"])
    query = "{ people { totalCount } handoffs { nodes { sender { name } receiver { name } } } teams { totalCount } }"
    data = await cast["as_ana"](query)
    assert data["people"]["totalCount"] == 3
    assert data["handoffs"]["nodes"] == [{"sender": {"name": "Sam"}, "receiver": {"name": "Kim"}}]


async def test_create_handoff_sends_as_the_token_s_person(gql, cast, db_url) -> None:
    data = handoff_input(cast["ana"], cast["sam"])
    del data["senderId"]
    made = (await cast["as_ana"](CREATE_HANDOFF, {"input": data}))["createHandoff"]
    assert made["__typename"] == "CreateHandoffPayload", made
    assert made["handoff"]["sender"]["name"] == "Ana"
    # a workspace token acts for no one: it must say who sends
    missing = (await gql(CREATE_HANDOFF, {"input": data}))["createHandoff"]
    assert missing["__typename"] == "ValidationError"
    assert missing["field"] == "input.senderId"
    # and a person token cannot send as someone else
    other = handoff_input(cast["sam"], cast["kim"])
    await refused(cast["as_ana"], db_url, CREATE_HANDOFF, {"input": other}, "input.senderId")
    # not even by repeating the idempotency key of a handoff that person sent
    keyed = handoff_input(cast["sam"], cast["kim"], idempotencyKey="sams-key")
    sent = (await cast["as_sam"](CREATE_HANDOFF, {"input": keyed}))["createHandoff"]
    assert sent["__typename"] == "CreateHandoffPayload", sent
    await refused(cast["as_ana"], db_url, CREATE_HANDOFF, {"input": keyed}, "input.senderId")


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (SET_WORKING_PATTERN, {"pattern": {"weekly": {"mon": ["10:00-12:00"]}}}, "personId"),
        (SET_DELIVERY_POLICY, {"policy": {"digestTimes": ["10:00"]}}, "personId"),
        (ADD_TIME_OFF, {"start": "2026-12-24", "end": "2026-12-26"}, "personId"),
    ],
)
async def test_a_person_changes_only_their_own_hours(cast, db_url, query, variables, field) -> None:
    mine = await cast["as_ana"](query, {"id": cast["ana"]["id"], **variables})
    assert next(iter(mine.values()))["__typename"] == "PersonPayload", mine
    await refused(cast["as_ana"], db_url, query, {"id": cast["sam"]["id"], **variables}, field)


async def test_a_person_updates_only_their_own_profile(cast, db_url) -> None:
    mine = await cast["as_ana"](
        UPDATE_PERSON, {"input": {"id": cast["ana"]["id"], "name": "Ana V"}}
    )
    assert mine["updatePerson"]["person"]["name"] == "Ana V"
    await refused(
        cast["as_ana"],
        db_url,
        UPDATE_PERSON,
        {"input": {"id": cast["sam"]["id"], "name": "X"}},
        "input.id",
    )


async def test_only_the_receiver_answers_only_the_sender_cancels(gql, cast, db_url, clock) -> None:
    handoff = await create_handoff(gql, cast["ana"], cast["sam"])
    await mark_delivered(db_url, handoff, clock.now())
    hid = {"id": handoff["id"]}
    for query in (ACKNOWLEDGE, COMPLETE):
        await refused(cast["as_ana"], db_url, query, hid, "id")
        await refused(cast["as_kim"], db_url, query, hid, "id")
    await refused(cast["as_ana"], db_url, RETURN, {**hid, "note": "no"}, "id")
    await refused(cast["as_sam"], db_url, CANCEL, hid, "id")
    done = await cast["as_sam"](ACKNOWLEDGE, hid)
    assert done["acknowledgeHandoff"]["handoff"]["status"] == "ACKNOWLEDGED"
    cancelled = await cast["as_ana"](CANCEL, hid)
    assert cancelled["cancelHandoff"]["handoff"]["status"] == "CANCELLED"


async def test_sender_or_receiver_reassign_nobody_else(gql, cast, db_url) -> None:
    handoff = await create_handoff(gql, cast["ana"], cast["sam"])
    variables = {"id": handoff["id"], "person": cast["kim"]["id"]}
    await refused(cast["as_kim"], db_url, REASSIGN, variables, "id")
    moved = await cast["as_sam"](REASSIGN, variables)
    assert moved["reassignHandoff"]["handoff"]["receiver"]["name"] == "Kim"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            'mutation { createPerson(input: {name: "X", handle: "x", timezone: "UTC"}) { __typename } }',
            {},
        ),
        ('mutation { createTeam(input: {name: "T"}) { __typename } }', {}),
        ("mutation { updateWorkspace(remindersBeforeEscalation: 2) { __typename } }", {}),
        (
            'mutation { createWebhookEndpoint(input: {url: "https://example.com/h", '
            'eventTypes: ["handoff.created"]}) { __typename } }',
            {},
        ),
        ("{ webhookEndpoints { id } }", {}),
    ],
)
async def test_administration_needs_a_workspace_token(gql, cast, db_url, query, variables) -> None:
    await refused(cast["as_ana"], db_url, query, variables, None)


async def test_tokens_a_person_manages_only_their_own(gql, cast, db_url) -> None:
    everyone = await gql(TOKENS)
    assert len(everyone["tokens"]) == 4  # the workspace token and three person tokens
    mine = (await cast["as_ana"](TOKENS))["tokens"]
    assert {t["person"]["id"] for t in mine} == {cast["ana"]["id"]}
    await refused(cast["as_ana"], db_url, TOKENS, {"person": cast["sam"]["id"]}, "personId")
    await refused(
        cast["as_ana"], db_url, TOKEN, {"person": cast["sam"]["id"], "name": "x"}, "personId"
    )
    own = await cast["as_ana"](TOKEN, {"person": cast["ana"]["id"], "name": "phone"})
    assert own["createPersonToken"]["__typename"] == "CreatePersonTokenPayload"
    sams = [t for t in everyone["tokens"] if (t["person"] or {}).get("id") == cast["sam"]["id"]]
    await refused(cast["as_ana"], db_url, REVOKE, {"id": sams[0]["id"]}, "id")


async def test_node_finds_a_token_for_those_who_may_list_it(gql, cast, other_gql) -> None:
    node = "query($id: ID!) { node(id: $id) { __typename ... on ApiToken { name person { id } } } }"
    everyone = (await gql(TOKENS))["tokens"]
    sams = next(t for t in everyone if (t["person"] or {}).get("id") == cast["sam"]["id"])
    assert (await gql(node, {"id": sams["id"]}))["node"] == {
        "__typename": "ApiToken",
        "name": "app",
        "person": {"id": cast["sam"]["id"]},
    }
    assert (await cast["as_sam"](node, {"id": sams["id"]}))["node"]["name"] == "app"
    # another person's token, and another workspace's, are not there for them
    assert (await cast["as_ana"](node, {"id": sams["id"]}))["node"] is None
    assert (await other_gql(node, {"id": sams["id"]}))["node"] is None


async def test_a_short_lived_token_makes_only_tokens_that_die_with_it(gql, cast, clock) -> None:
    ana = cast["ana"]["id"]
    soon = clock.now() + timedelta(minutes=30)
    made = await cast["as_ana"](TOKEN, {"person": ana, "name": "tab", "expires": soon.isoformat()})
    short = GraphQLClient(gql.http, made["createPersonToken"]["secret"])
    before = len((await gql(TOKENS))["tokens"])
    # a URL's token (logged somewhere) must not become a lasting one
    for expires in (None, (soon + timedelta(seconds=1)).isoformat()):
        answer = (await short(TOKEN, {"person": ana, "name": "keep", "expires": expires}))[
            "createPersonToken"
        ]
        assert answer["__typename"] == "ValidationError", answer
        assert answer["field"] == "expiresAt" and "must expire by then" in answer["message"]
    assert len((await gql(TOKENS))["tokens"]) == before
    # one that expires with it (to renew a stream's URL) is fine
    renewed = await short(TOKEN, {"person": ana, "name": "next tab", "expires": soon.isoformat()})
    assert renewed["createPersonToken"]["__typename"] == "CreatePersonTokenPayload"


async def test_a_revoked_token_stops_within_a_second(gql, cast, clock) -> None:
    assert (await cast["as_ana"]("{ viewer { name } }"))["viewer"]["name"] == "acme"
    [token] = (await cast["as_ana"](TOKENS))["tokens"]
    revoked = await cast["as_ana"](REVOKE, {"id": token["id"]})
    assert revoked["revokeToken"]["token"]["revokedAt"] is not None
    clock.advance(timedelta(seconds=1))
    response = await cast["as_ana"].raw("{ viewer { name } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_tokens_made_with_a_revoked_token_stop_with_it(gql, cast, clock) -> None:
    ana = cast["ana"]["id"]
    child = (await cast["as_ana"](TOKEN, {"person": ana, "name": "phone"}))["createPersonToken"]
    as_child = GraphQLClient(gql.http, child["secret"])
    grandchild = (await as_child(TOKEN, {"person": ana, "name": "tablet"}))["createPersonToken"]
    as_grandchild = GraphQLClient(gql.http, grandchild["secret"])
    lineage = "{ tokens { name madeBy { name } } }"
    made_by = {t["name"]: t["madeBy"] for t in (await cast["as_ana"](lineage))["tokens"]}
    # "app" was made by the workspace token, which a person token does not see
    assert made_by == {"app": None, "phone": {"name": "app"}, "tablet": {"name": "phone"}}
    # the workspace revokes the token Ana's app started from: what it made stops too
    [app] = [t for t in (await gql(TOKENS, {"person": ana}))["tokens"] if t["name"] == "app"]
    await gql(REVOKE, {"id": app["id"]})
    clock.advance(timedelta(seconds=1))
    for client in (as_child, as_grandchild):
        assert (await client.raw("{ viewer { name } }")).status_code == 401
    assert (await cast["as_sam"]("{ viewer { name } }"))["viewer"]["name"] == "acme"


async def test_revoking_sign_in_links_revokes_what_they_made(cast, app_pool, clock) -> None:
    from handoff.storage import tokens, workspaces

    ana = pk(cast["ana"]["id"])
    async with app_pool.connection() as conn:
        ws = (await workspaces.ensure(conn, "acme", clock.now(), 1)).id
        link, _ = await tokens.insert(conn, ws, clock.now(), label="sign-in", person_id=ana)
        child, _ = await tokens.insert(
            conn, ws, clock.now(), label="phone", person_id=ana, made_by=link.id
        )
        assert await tokens.revoke_labelled(conn, ws, "sign-in", clock.now()) == 2
        revoked = await tokens.get(conn, ws, child.id)
        assert revoked is not None and revoked.revoked_at is not None


async def test_a_person_holds_at_most_20_working_tokens(gql, cast, clock) -> None:
    ana = cast["ana"]["id"]
    for i in range(19):  # and the one of `cast`
        made = await gql(TOKEN, {"person": ana, "name": f"t{i}"})
        assert made["createPersonToken"]["__typename"] == "CreatePersonTokenPayload"
    refused = (await cast["as_ana"](TOKEN, {"person": ana, "name": "one more"}))[
        "createPersonToken"
    ]
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "personId" and "revoke one first" in refused["message"]
    # a revoked one makes room
    [t0] = [t for t in (await gql(TOKENS, {"person": ana}))["tokens"] if t["name"] == "t0"]
    await gql(REVOKE, {"id": t0["id"]})
    again = await cast["as_ana"](TOKEN, {"person": ana, "name": "one more"})
    assert again["createPersonToken"]["__typename"] == "CreatePersonTokenPayload"
    # and so does an expired one
    soon = (clock.now() + timedelta(minutes=5)).isoformat()
    await gql(REVOKE, {"id": again["createPersonToken"]["token"]["id"]})
    short = await gql(TOKEN, {"person": ana, "name": "short", "expires": soon})
    assert short["createPersonToken"]["__typename"] == "CreatePersonTokenPayload"
    full = (await gql(TOKEN, {"person": ana, "name": "no room"}))["createPersonToken"]
    assert full["__typename"] == "ValidationError"
    clock.advance(timedelta(minutes=6))
    room = (await gql(TOKEN, {"person": ana, "name": "room again"}))["createPersonToken"]
    assert room["__typename"] == "CreatePersonTokenPayload", room


async def test_a_deactivated_person_s_token_stops_within_a_second(gql, cast, clock) -> None:
    assert (await cast["as_kim"]("{ viewer { person { name } } }"))["viewer"]["person"][
        "name"
    ] == "Kim"
    done = await gql(
        "mutation($input: DeactivatePersonInput!) { deactivatePerson(input: $input) { __typename } }",
        {"input": {"id": cast["kim"]["id"]}},
    )
    assert done["deactivatePerson"]["__typename"] == "DeactivatePersonPayload"
    clock.advance(timedelta(seconds=1))
    response = await cast["as_kim"].raw("{ viewer { name } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await cast["as_ana"]("{ viewer { name } }"))["viewer"]["name"] == "acme"


async def test_an_expired_token_is_refused_and_last_use_is_recorded(gql, cast, clock) -> None:
    made = await gql(
        TOKEN,
        {
            "person": cast["kim"]["id"],
            "name": "short",
            "expires": (clock.now() + timedelta(minutes=5)).isoformat(),
        },
    )
    client = GraphQLClient(gql.http, made["createPersonToken"]["secret"])
    assert (await client("{ viewer { person { name } } }"))["viewer"]["person"]["name"] == "Kim"
    listed = {t["name"]: t for t in (await gql("{ tokens { name lastUsedAt } }"))["tokens"]}
    assert listed["short"]["lastUsedAt"] is not None
    clock.advance(timedelta(minutes=5))
    assert (await client.raw("{ viewer { name } }")).status_code == 401
    past = await gql(
        TOKEN, {"person": cast["kim"]["id"], "name": "old", "expires": "2020-01-01T00:00:00Z"}
    )
    assert past["createPersonToken"] == {
        "__typename": "ValidationError",
        "field": "expiresAt",
        "message": "expiresAt must be in the future",
    }


async def test_another_workspace_s_ids_are_not_found_for_a_person_token(cast, other_gql) -> None:
    stranger = await create_person(other_gql, "Zoe", weekly=WEEKDAYS)
    found = await cast["as_ana"](
        SET_WORKING_PATTERN,
        {"id": stranger["id"], "pattern": {"weekly": {"mon": ["10:00-12:00"]}}},
    )
    assert found["setWorkingPattern"]["__typename"] == "NotFound"


async def test_malformed_and_unknown_tokens_are_unauthenticated(http) -> None:
    for header in ("Bearer", "Bearer hnd_nope", "Basic abc", "Bearer " + "x" * 500):
        response = await http.post(
            "/graphql", json={"query": "{ viewer { name } }"}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_person_token_hands_off_only_work_items_it_holds(gql, cast, db_url) -> None:
    sams = await create_work_item(gql, "Sam's report", holder=cast["sam"])
    nobodys = await create_work_item(gql, "Unclaimed")
    theirs = handoff_input(cast["ana"], cast["kim"], item=sams)
    del theirs["senderId"]
    await refused(cast["as_ana"], db_url, CREATE_HANDOFF, {"input": theirs}, "input.workItemId")
    await refused(cast["as_ana"], db_url, PREVIEW, {"input": theirs}, "input.workItemId")
    # the holder may; so may anyone with an item nobody holds, and the workspace token
    mine = (await cast["as_sam"](CREATE_HANDOFF, {"input": theirs}))["createHandoff"]
    assert mine["__typename"] == "CreateHandoffPayload", mine
    free = handoff_input(cast["ana"], cast["kim"], item=nobodys)
    del free["senderId"]
    made = (await cast["as_ana"](CREATE_HANDOFF, {"input": free}))["createHandoff"]
    assert made["__typename"] == "CreateHandoffPayload", made
    kims = await create_work_item(gql, "Kim's", holder=cast["kim"])
    given = handoff_input(cast["ana"], cast["sam"], item=kims)
    assert (await gql(CREATE_HANDOFF, {"input": given}))["createHandoff"]["created"] is True
