"""Every text input of every mutation, found by introspecting the served schema, refuses a
NUL byte, a lone surrogate and a 1 MB string with a ValidationError naming the field.

Each mutation has an otherwise valid base input (BASE); one String or ID leaf at a time
(input objects walked recursively, lists at index 0, optional objects filled in with their
required fields) gets the bad text. Nothing is stored; afterwards each base input is
sent as it is, to show that only the bad text was refused.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
)

from tests.integration.api._helpers import (
    AMS,
    create_handoff,
    create_person,
    create_team,
    create_work_item,
    mark_delivered,
    snapshot,
    sql,
)

BAD = {
    "NUL": ("a\x00b", "NUL byte"),
    "surrogate": ("a\udfffb", "surrogate"),
    "1 MB": ("x" * 1_000_000, "at most"),
}
MINIMAL_SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": "x",
    "Int": 1,
    "Boolean": True,
    "Date": "2026-12-01",
    "DateTime": "2026-11-30T08:00:00Z",
    "Duration": "PT4H",
}
WEBHOOK_TABLES = (
    "SELECT (SELECT count(*) FROM webhook_endpoints), (SELECT count(*) FROM webhook_deliveries)"
)
WEEK = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def base_inputs(w: dict[str, str]) -> dict[str, dict[str, Any]]:
    """An otherwise valid input per mutation, in an order in which each succeeds."""
    pattern = {
        "timezone": AMS,
        "weekly": WEEK,
        "holidays": {"country": "US", "subdivision": "NY"},
        "timeOff": [{"start": "2026-12-24", "end": "2026-12-26", "reason": "holiday"}],
        "overrides": [{"date": "2026-12-31", "intervals": ["09:00-12:00"]}],
    }
    policy = {"focusBlocks": WEEK | {"mon": ["10:00-11:00"]}, "digestTimes": ["09:00"]}
    return {
        "updateWorkspace": {"remindersBeforeEscalation": 2},
        "createPerson": {
            "input": {
                "name": "Cy",
                "handle": "cy",
                "timezone": AMS,
                "email": "cy@example.com",
                "workingPattern": pattern,
                "deliveryPolicy": policy,
            }
        },
        "updatePerson": {
            "input": {"id": w["bo"], "name": "Bo B", "handle": "bob", "email": "b@x.io"}
        },
        "setWorkingPattern": {"personId": w["bo"], "pattern": pattern},
        "setDeliveryPolicy": {"personId": w["bo"], "policy": policy},
        "addTimeOff": {
            "personId": w["bo"],
            "start": "2027-01-04",
            "end": "2027-01-05",
            "reason": "r",
        },
        "removeTimeOff": {"personId": w["bo"], "start": "2027-01-04", "end": "2027-01-05"},
        "createTeam": {
            "input": {"name": "Second", "routing": "ROUND_ROBIN", "memberIds": [w["ana"]]}
        },
        "addTeamMember": {"teamId": w["team"], "personId": w["bo"]},
        "removeTeamMember": {"teamId": w["team"], "personId": w["bo"]},
        "createWorkItem": {"input": {"title": "T", "description": "D", "holderId": w["ana"]}},
        "createHandoff": {
            "input": {
                "senderId": w["ana"],
                "toPersonId": w["bo"],
                "newWorkItem": {"title": "T", "description": "D"},
                "note": {"summary": "S", "done": "D", "next": "N", "openQuestions": ["Q?"]},
                "expectResponseWithin": "PT4H",
                "idempotencyKey": "key-1",
                "maxReminders": 1,
            }
        },
        "reassignHandoff": {"id": w["scheduled"], "toPersonId": w["leaver"]},
        "acknowledgeHandoff": {"id": w["delivered"]},
        "completeHandoff": {"id": w["delivered"]},
        "returnHandoff": {"id": w["returnable"], "note": "not mine"},
        "cancelHandoff": {"id": w["scheduled"]},
        "createWebhookEndpoint": {
            "input": {
                "url": "https://93.184.215.14/a",
                "eventTypes": ["handoff.created"],
                "description": "d",
            }
        },
        "updateWebhookEndpoint": {
            "input": {
                "id": w["endpoint"],
                "url": "https://93.184.215.14/b",
                "eventTypes": ["handoff.delivered"],
                "description": "e",
                "enabled": True,
            }
        },
        "rotateWebhookSecret": {"id": w["endpoint"]},
        "testWebhookEndpoint": {"id": w["endpoint"]},
        "redeliverWebhook": {"deliveryId": w["delivery"]},
        "deleteWebhookEndpoint": {"id": w["endpoint"]},
        "createPersonToken": {"personId": w["bo"], "name": "phone"},
        "revokeToken": {"id": w["token"]},
        "replyToHandoff": {"input": {"handoffId": w["delivered"], "preset": "OK", "text": "t"}},
        "rateUrgency": {"input": {"handoffId": w["urgent"], "wasUrgent": True}},
        "addTravel": {
            "input": {
                "personId": w["bo"],
                "start": "2027-02-01",
                "end": "2027-02-05",
                "timezone": "Asia/Tokyo",
                "hours": "LOCAL",
                "holidays": "VISITED",
                "visitedRegion": {"country": "JP", "subdivision": None},
            }
        },
        "updateTravel": {
            "input": {
                "id": w["travel"],
                "start": "2027-03-01",
                "end": "2027-03-02",
                "timezone": "Asia/Tokyo",
                "hours": "HOME",
                "holidays": "VISITED",
                "visitedRegion": {"country": "JP", "subdivision": None},
            }
        },
        "removeTravel": {"id": w["travel"]},
        "setDelegation": {
            "input": {
                "personId": w["ana"],
                "start": "2027-04-01T00:00:00Z",
                "end": "2027-04-02T00:00:00Z",
                "delegateId": w["bo"],
                "openHandoffs": "KEEP",
                "handBack": True,
            }
        },
        "endDelegation": {"personId": w["ana"]},
        "deactivatePerson": {"input": {"id": w["leaver"], "reassignTo": w["bo"]}},
        "erasePerson": {"id": w["leaver"]},
    }


def unwrap(t: Any) -> Any:
    return t.of_type if isinstance(t, GraphQLNonNull) else t


def minimal(t: GraphQLInputType) -> Any:
    """The smallest valid value of an input type: required fields only."""
    t = unwrap(t)
    if isinstance(t, GraphQLList):
        return []
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {
            name: minimal(f.type)
            for name, f in t.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is None
        }
    return MINIMAL_SCALARS[t.name]


def text_leaves(t: GraphQLInputType, path: tuple[str | int, ...] = ()) -> Iterator[tuple]:
    """Paths to every String and ID inside a type."""
    t = unwrap(t)
    if isinstance(t, GraphQLList):
        yield from text_leaves(t.of_type, (*path, 0))
    elif isinstance(t, GraphQLInputObjectType):
        for name, f in t.fields.items():
            yield from text_leaves(f.type, (*path, name))
    elif getattr(t, "name", None) in ("String", "ID"):
        yield path


def put(value: Any, t: GraphQLInputType, path: tuple[str | int, ...], bad: str) -> Any:
    """`value` with `bad` at `path`, creating what is missing on the way."""
    t = unwrap(t)
    if not path:
        return bad
    head, *rest = path
    if isinstance(t, GraphQLList):
        items = list(value) if value else [minimal(t.of_type)]
        items[0] = put(items[0], t.of_type, tuple(rest), bad)
        return items
    assert isinstance(t, GraphQLInputObjectType)
    obj = dict(value) if isinstance(value, dict) else minimal(t)
    obj[head] = put(obj.get(head), t.fields[str(head)].type, tuple(rest), bad)
    return obj


def document(schema: GraphQLSchema, name: str, variables: dict[str, Any]) -> str:
    field = schema.mutation_type.fields[name]  # type: ignore[union-attr]
    declared = ", ".join(f"${a}: {field.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    result = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    members = result.types if isinstance(result, GraphQLUnionType) else [result]
    spread = (
        "... on ValidationError { field message }"
        if "ValidationError" in {m.name for m in members}
        else ""
    )
    head = f"mutation({declared}) " if declared else "mutation "
    return (
        f"{head}{{ {name}({passed}) {{ __typename {spread} }} }}"
        if passed
        else f"{head}{{ {name} {{ __typename }} }}"
    )


async def post(gql: Any, query: str, variables: dict[str, Any]) -> Any:
    return await gql.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}).encode("ascii"),
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "application/json"},
    )


@pytest.fixture
async def world(gql, db_url, clock) -> dict[str, str]:
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    team = await create_team(gql, "First", [ana])
    await create_work_item(gql, "Existing", ana)
    delivered = await create_handoff(gql, ana, bo, title="one")
    returnable = await create_handoff(gql, ana, bo, title="two")
    scheduled = await create_handoff(gql, bo, ana, title="three")
    urgent = await create_handoff(gql, ana, bo, title="four", urgent={"reason": "red"})
    for h in (delivered, returnable, urgent):
        await mark_delivered(db_url, h, clock.now())
    made = await post(
        gql,
        'mutation { createWebhookEndpoint(input: {url: "https://93.184.215.14/w", eventTypes: '
        '["handoff.created"]}) { ... on WebhookEndpointWithSecretPayload { endpoint { id } } } }',
        {},
    )
    endpoint = made.json()["data"]["createWebhookEndpoint"]["endpoint"]["id"]
    pinged = await post(
        gql,
        "mutation($id: ID!) { testWebhookEndpoint(id: $id) "
        "{ ... on WebhookDeliveryPayload { delivery { id } } } }",
        {"id": endpoint},
    )
    delivery = pinged.json()["data"]["testWebhookEndpoint"]["delivery"]["id"]
    token = await post(
        gql,
        'mutation($p: ID!) { createPersonToken(personId: $p, name: "laptop") '
        "{ ... on CreatePersonTokenPayload { token { id } } } }",
        {"p": bo["id"]},
    )
    travel = await post(
        gql,
        'mutation($p: ID!) { addTravel(input: {personId: $p, start: "2027-03-01", '
        'end: "2027-03-03", timezone: "Asia/Tokyo"}) { ... on TravelPayload { travel { id } } } }',
        {"p": ana["id"]},
    )
    leaver = await create_person(gql, "Lee", AMS)
    return {
        "urgent": urgent["id"],
        "travel": travel.json()["data"]["addTravel"]["travel"]["id"],
        "leaver": leaver["id"],
        "token": token.json()["data"]["createPersonToken"]["token"]["id"],
        "ana": ana["id"],
        "bo": bo["id"],
        "team": team["id"],
        "delivered": delivered["id"],
        "returnable": returnable["id"],
        "scheduled": scheduled["id"],
        "endpoint": endpoint,
        "delivery": delivery,
    }


async def test_every_mutations_text_inputs_refuse_bad_text_with_the_field(
    gql, db_url, world
) -> None:
    introspection = await post(gql, get_introspection_query(), {})
    schema = build_client_schema(introspection.json()["data"])
    assert isinstance(schema.mutation_type, GraphQLObjectType)
    bases = base_inputs(world)
    assert set(bases) == set(schema.mutation_type.fields), "give every mutation a base input"
    before = (await snapshot(db_url), await sql(db_url, WEBHOOK_TABLES))
    checked: list[str] = []
    for name, base in bases.items():
        field = schema.mutation_type.fields[name]
        has_union_value = "ValidationError" in document(schema, name, base)
        for arg, arg_def in field.args.items():
            for path in text_leaves(arg_def.type):
                where = ".".join(map(str, (arg, *path)))
                for label, (text, says) in BAD.items():
                    variables = copy.deepcopy(base)
                    variables[arg] = put(variables.get(arg), arg_def.type, path, text)
                    response = await post(gql, document(schema, name, variables), variables)
                    assert response.status_code < 500, (name, where, label)
                    body = response.json()
                    assert "Unexpected error" not in response.text, (name, where, label)
                    if has_union_value:
                        result = (body.get("data") or {}).get(name)
                        assert result is not None, (name, where, label, body)
                        assert result["__typename"] == "ValidationError", (
                            name,
                            where,
                            label,
                            result,
                        )
                        assert result["field"] == where, (name, where, label, result)
                        assert says in result["message"], (name, where, label, result)
                    else:
                        codes = {e["extensions"]["code"] for e in body["errors"]}
                        assert "INTERNAL" not in codes, (name, where, label, body)
                checked.append(where)
    # The walk reached deep leaves, not only top-level arguments.
    assert {"input.workingPattern.overrides.0.intervals.0", "input.note.openQuestions.0"} <= {
        w for w in checked
    }
    assert "input.deliveryPolicy.focusBlocks.sun.0" in checked
    assert len(checked) > 80
    assert (await snapshot(db_url), await sql(db_url, WEBHOOK_TABLES)) == before

    # Each base input on its own is accepted: the bad text alone was refused.
    for name, base in bases.items():
        response = await post(gql, document(schema, name, base), base)
        result = response.json()["data"][name]
        assert result["__typename"] not in ("ValidationError", "NotFound"), (name, result)
