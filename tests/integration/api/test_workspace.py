"""Workspace settings: reminders before escalation, per workspace and per handoff."""

from __future__ import annotations

UPDATE = """
mutation($n: Int!) { updateWorkspace(remindersBeforeEscalation: $n) {
  __typename
  ... on WorkspacePayload { workspace { name remindersBeforeEscalation } }
  ... on ValidationError { field message }
} }"""

PERSON = """
mutation($input: CreatePersonInput!) { createPerson(input: $input) {
  ... on PersonPayload { person { id } } } }"""

HANDOFF = """
mutation($input: CreateHandoffInput!) { createHandoff(input: $input) {
  ... on CreateHandoffPayload { handoff { maxReminders } } } }"""


async def _handoff(gql, sender: str, receiver: str, **extra) -> int:
    data = await gql(
        HANDOFF,
        {
            "input": {
                "senderId": sender,
                "toPersonId": receiver,
                "newWorkItem": {"title": "t"},
                "note": {"summary": "s"},
                **extra,
            }
        },
    )
    return data["createHandoff"]["handoff"]["maxReminders"]


async def test_reminders_default_per_workspace_and_override_per_handoff(gql, other_gql) -> None:
    ana = await gql(
        PERSON, {"input": {"name": "Ana", "handle": "ana", "timezone": "Europe/Amsterdam"}}
    )
    sam = await gql(
        PERSON, {"input": {"name": "Sam", "handle": "sam", "timezone": "Australia/Sydney"}}
    )
    a, s = ana["createPerson"]["person"]["id"], sam["createPerson"]["person"]["id"]
    assert await _handoff(gql, s, a) == 1  # the default

    result = (await gql(UPDATE, {"n": 3}))["updateWorkspace"]
    assert result == {
        "__typename": "WorkspacePayload",
        "workspace": {"name": "acme", "remindersBeforeEscalation": 3},
    }
    assert await _handoff(gql, s, a) == 3
    assert await _handoff(gql, s, a, maxReminders=0) == 0
    # another workspace keeps its own setting
    assert (await other_gql("{ viewer { remindersBeforeEscalation } }"))["viewer"] == {
        "remindersBeforeEscalation": 1
    }


async def test_out_of_range_reminders_are_refused_and_nothing_changes(gql) -> None:
    result = (await gql(UPDATE, {"n": 21}))["updateWorkspace"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "remindersBeforeEscalation"
    assert "between 0 and 20" in result["message"]
    assert (await gql("{ viewer { remindersBeforeEscalation } }"))["viewer"] == {
        "remindersBeforeEscalation": 1
    }
