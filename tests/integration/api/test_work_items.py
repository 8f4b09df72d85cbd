"""Work items: createWorkItem and the workItems list."""

from __future__ import annotations

from tests.integration.api._helpers import (
    AMS,
    CREATE_WORK_ITEM,
    SYDNEY,
    WORK_ITEM,
    create_handoff,
    create_person,
    create_work_item,
    ok,
    snapshot,
    unknown_id,
)

LIST = """
query($filter: WorkItemFilter, $first: Int, $after: String) {
  workItems(filter: $filter, first: $first, after: $after) {
    nodes { id title status holder { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_create_work_item(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    result = await ok(
        gql,
        CREATE_WORK_ITEM,
        {"input": {"title": "  Spec  ", "description": "the API", "holderId": ana["id"]}},
        "createWorkItem",
        "WorkItemPayload",
    )
    item = result["workItem"]
    assert (item["title"], item["description"], item["status"]) == ("Spec", "the API", "OPEN")
    assert item["holder"]["id"] == ana["id"]
    assert item["handoffs"] == []
    assert item["createdAt"] == "2026-11-27T14:00:00+00:00"
    assert (await gql(WORK_ITEM, {"id": item["id"]}))["node"] == item
    loose = await create_work_item(gql, "Loose end")
    assert loose["holder"] is None and loose["description"] == ""

    before = await snapshot(db_url)
    for data, typename, field in [
        ({"title": " "}, "ValidationError", "input.title"),
        ({"title": "x" * 501}, "ValidationError", "input.title"),
        ({"title": "x", "holderId": "bad"}, "ValidationError", "input.holderId"),
        (
            {"title": "x", "holderId": unknown_id("WorkItem", 1)},
            "ValidationError",
            "input.holderId",
        ),
        ({"title": "x", "holderId": unknown_id("Person")}, "NotFound", None),
    ]:
        result = (await gql(CREATE_WORK_ITEM, {"input": data}))["createWorkItem"]
        assert result["__typename"] == typename, (data, result)
        assert result.get("field") == field, (data, result)
    assert await snapshot(db_url) == before


async def test_work_items_filters_and_pages(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    held = [await create_work_item(gql, f"Held {i}", holder=ana) for i in range(3)]
    free = await create_work_item(gql, "Free")
    moving = (await create_handoff(gql, sam, ana, title="Moving"))["workItem"]

    async def ids(**variables) -> list[str]:
        return [n["id"] for n in (await gql(LIST, variables))["workItems"]["nodes"]]

    assert await ids() == [*(h["id"] for h in held), free["id"], moving["id"]]
    assert await ids(filter={"holderId": ana["id"]}) == [h["id"] for h in held]
    assert await ids(filter={"status": "IN_HANDOFF"}) == [moving["id"]]
    assert await ids(filter={"status": "OPEN", "holderId": sam["id"]}) == []
    page = (await gql(LIST, {"first": 2}))["workItems"]
    assert [n["id"] for n in page["nodes"]] == [held[0]["id"], held[1]["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    page = (await gql(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}))["workItems"]
    assert [n["id"] for n in page["nodes"]] == [held[2]["id"], free["id"]]
    page = (await gql(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}))["workItems"]
    assert [n["id"] for n in page["nodes"]] == [moving["id"]]
    assert page["pageInfo"]["hasNextPage"] is False
