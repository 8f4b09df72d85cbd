"""A short query may not ask for millions of objects: nested lists multiply its cost."""

from __future__ import annotations

import httpx

from handoff.api.app import create_app
from handoff.settings import Settings
from handoff.storage.tokens import create_token
from tests.conftest import GraphQLClient
from tests.integration.api._helpers import (
    AMS,
    CANCEL,
    create_handoff,
    create_person,
    create_work_item,
    ok,
)

NESTED = """query($id: ID!) { node(id: $id) { ... on WorkItem { %s } } }"""


def _nest(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"handoffs {{ workItem {{ {inner} }} }}"
    return inner


async def test_nested_lists_are_refused_before_anything_runs(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", AMS)
    item = await create_work_item(gql, "Q4 numbers", sam)
    await create_handoff(gql, sam, ana, item=item)
    # three levels of a work item's handoffs: fine
    fine = await gql.raw(NESTED % _nest(3), {"id": item["id"]})
    body = fine.json()
    assert "errors" not in body, body
    assert body["data"]["node"]["handoffs"][0]["workItem"]["handoffs"]
    # four: 20 x 20 x 20 x 20 items at the assumed list size: refused, with the reason
    refused = (await gql.raw(NESTED % _nest(4), {"id": item["id"]})).json()
    assert "data" not in refused or refused["data"] is None
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "would cost about" in error["message"] and "at most 50,000" in error["message"]


async def test_aliases_add_up(gql) -> None:
    page = "handoffs(first: 100) { nodes { id replies { id text } history { type at } } }"
    one = (await gql.raw("{ " + page + " }")).json()
    assert "errors" not in one, one
    many = " ".join(f"a{i}: {page}" for i in range(30))
    refused = (await gql.raw("{ " + many + " }")).json()
    assert "would cost about" in refused["errors"][0]["message"]


async def test_an_answer_with_more_list_items_than_allowed_stops_there(
    app_pool, clock, db_url
) -> None:
    # a work item's handoffs grow with use, past the 20 the estimate assumes: counted as
    # they are completed (here with a limit of 30 items)
    app = create_app(Settings(database_url=db_url, max_result_items=30), clock=clock, pool=app_pool)
    async with app.router.lifespan_context(app):
        async with app_pool.connection() as conn:
            token = await create_token(conn, "acme", clock.now())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://handoff.test") as http:
            gql = GraphQLClient(http, token)
            ana = await create_person(gql, "Ana", AMS)
            sam = await create_person(gql, "Sam", AMS)
            item = await create_work_item(gql, "Q4 numbers", sam)
            for _ in range(4):
                made = await create_handoff(gql, sam, ana, item=item)
                await ok(gql, CANCEL, {"id": made["id"]}, "cancelHandoff", "HandoffPayload")
            # 4 + 16 items: fine
            two = (await gql.raw(NESTED % _nest(2), {"id": item["id"]})).json()
            assert "errors" not in two, two
            # 4 + 16 + 64: the third level stops, with the reason
            three = (await gql.raw(NESTED % _nest(3), {"id": item["id"]})).json()
            errors = three["errors"]
            assert {e["extensions"]["code"] for e in errors} == {"RESULT_TOO_LARGE"}, errors
            assert "more than 30 list items" in errors[0]["message"]
            assert errors[0]["path"][:4] == ["node", "handoffs", 0, "workItem"]
