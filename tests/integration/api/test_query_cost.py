"""A short query may not ask for millions of objects: nested lists multiply its cost."""

from __future__ import annotations

from tests.integration.api._helpers import AMS, create_handoff, create_person, create_work_item

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
