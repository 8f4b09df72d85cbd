"""The API end to end over ASGI: auth, people, a Friday-afternoon handoff."""

from __future__ import annotations

CREATE_PERSON = """
mutation($input: CreatePersonInput!) {
  createPerson(input: $input) {
    __typename
    ... on PersonPayload { person { id name timezone isWorkingNow nextReachableAt
                                    workingPattern { weekly { fri } } } }
    ... on ValidationError { field message }
  }
}"""


async def test_no_token_is_401_with_graphql_errors(http) -> None:
    response = await http.post("/graphql", json={"query": "{ viewer { name } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await http.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert "invalid" in response.json()["errors"][0]["message"]


async def test_viewer_and_a_handoff(gql) -> None:
    assert (await gql("{ viewer { name } }"))["viewer"]["name"] == "acme"
    ana = (
        await gql(
            CREATE_PERSON,
            {
                "input": {
                    "name": "Ana",
                    "handle": "ana",
                    "timezone": "Europe/Amsterdam",
                    "workingPattern": {"weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"]}},
                }
            },
        )
    )["createPerson"]
    assert ana["__typename"] == "PersonPayload", ana
    sam = (
        await gql(
            CREATE_PERSON,
            {"input": {"name": "Sam", "handle": "sam", "timezone": "Australia/Sydney"}},
        )
    )["createPerson"]
    result = (
        await gql(
            """
      mutation($input: CreateHandoffInput!) { createHandoff(input: $input) {
        __typename
        ... on CreateHandoffPayload { created handoff { deliverAt respondBy explanation status
              receiver { name } sender { name } workItem { title status } } }
        ... on ValidationError { field message }
      } }""",
            {
                "input": {
                    "senderId": sam["person"]["id"],
                    "toPersonId": ana["person"]["id"],
                    "newWorkItem": {"title": "Release notes"},
                    "note": {"summary": "Draft ready"},
                    "expectResponseWithin": "PT4H",
                }
            },
        )
    )["createHandoff"]
    assert result["__typename"] == "CreateHandoffPayload", result
    handoff = result["handoff"]
    assert handoff["deliverAt"] == "2026-11-30T08:00:00+00:00"
    assert handoff["respondBy"] == "2026-11-30T12:00:00+00:00"
    # The README's worked example shows exactly these lines.
    assert handoff["explanation"] == [
        "Friday 27 Nov is Ana's day off.",
        "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
        "Lands Monday 30 Nov 09:00 Europe/Amsterdam (08:00 UTC).",
        "Expects a response within 4h of Ana's working time: "
        "respond by Monday 30 Nov 13:00 Europe/Amsterdam (12:00 UTC).",
    ]
    assert handoff["status"] == "SCHEDULED"
    assert handoff["workItem"]["status"] == "IN_HANDOFF"


async def test_graphiql_page_loads_without_a_token_but_queries_need_one(http) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    query = await http.get("/graphql", params={"query": "{ viewer { name } }"})
    assert query.status_code == 401


async def test_a_get_that_carries_a_query_needs_a_token_even_from_a_browser(http) -> None:
    response = await http.get(
        "/graphql",
        params={"query": "{ people { nodes { id } } }"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
