"""Urgency, quick replies and the async-health report over GraphQL: the fields, who may
answer (only the receiver, when acting as a person), and bad input (the field named,
nothing stored, another workspace's IDs NotFound)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.integration.api._helpers import (
    CREATE_HANDOFF,
    ERRORS,
    REASSIGN,
    WEEKDAYS,
    create_handoff,
    create_person,
    create_team,
    handoff_input,
    mark_delivered,
    ok,
    pk,
    snapshot,
    sql,
    unknown_id,
)
from tests.integration.api.test_rights import forbidden, person_client

# Monday 30 Nov 2026 09:30 in Amsterdam, inside Ana's focus block.
MONDAY_FOCUS = "2026-11-30T08:30:00+00:00"
FOCUS = {"focusBlocks": {d: ["09:00-11:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
MY_TABLES = (
    "urgency_policies",
    "urgency_allowed_senders",
    "urgent_handoffs",
    "urgency_pauses",
    "handoff_replies",
)

URGENCY = "urgency { reason outcome declinedBecause explanation landsAt wasUrgent ratedAt person { name } }"
POLICY = "deliveryPolicy { urgency { urgentFrom budgetPerWeek allowedSenders { name } } }"
HANDOFF_URGENCY = f"""
query($id: ID!) {{
  node(id: $id) {{ ... on Handoff {{ status explanation {URGENCY}
    replies {{ preset text sentAt deliverAt deliveredAt by {{ name }} }}
    followUps {{ kind state dueAt person {{ name }} }} history {{ type summary }} }} }}
}}"""
SET_POLICY = f"""
mutation($id: ID!, $policy: DeliveryPolicyInput!) {{
  setDeliveryPolicy(personId: $id, policy: $policy) {{
    __typename ... on PersonPayload {{ person {{ {POLICY} }} }} {ERRORS}
  }}
}}"""
PREVIEW_URGENCY = f"""
query($input: CreateHandoffInput!) {{
  previewHandoff(input: $input) {{
    __typename ... on HandoffPreview {{ deliverAt explanation {URGENCY} }} {ERRORS}
  }}
}}"""
RATE = f"""
mutation($input: RateUrgencyInput!) {{
  rateUrgency(input: $input) {{
    __typename
    ... on RateUrgencyPayload {{ senderPausedUntil handoff {{ id }} {URGENCY} }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""
REPLY = f"""
mutation($input: ReplyToHandoffInput!) {{
  replyToHandoff(input: $input) {{
    __typename
    ... on ReplyPayload {{ handoff {{ status acknowledgedAt }}
                          reply {{ preset text deliverAt by {{ name }} }} }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""
HEALTH = f"""
query($from: DateTime!, $to: DateTime!, $team: ID, $people: [ID!]) {{
  asyncHealth(from: $from, to: $to, teamId: $team, personIds: $people) {{
    __typename
    ... on AsyncHealthReport {{
      from to people {{ name }} received sent deliveredInHoursShare interruptionsAvoided
      interruptionsAvoidedShare digests bundledHandoffs handoffsPerDigest responseTimeMedian
      responseTimeP90 answeredHandoffs answeredBeforeRespondByShare remindersPerHandoff
      escalationsPerHandoff
      urgent {{ sent breakThroughs declined senders breakThroughsPerSender rated ratedUrgentShare }}
      coverage {{ gapTotal gapHoursPerWeek }}
      overlaps {{ a {{ name }} b {{ name }} total hoursPerWeek }}
    }}
    ... on GroupTooSmall {{ size minimum receivers message }}
    {ERRORS}
  }}
}}"""


async def everything(db_url: str) -> list[tuple]:
    """Every row of the domain tables and of urgency's and replies' tables."""
    rows = await snapshot(db_url)
    for table in MY_TABLES:
        rows += [(table, *r) for r in await sql(db_url, f"SELECT * FROM {table} ORDER BY 1, 2")]
    return rows


async def same_after(db_url: str, run: Any) -> Any:
    before = await everything(db_url)
    result = await run
    assert await everything(db_url) == before
    return result


@pytest.fixture
async def cast(gql: GraphQLClient, clock) -> dict[str, Any]:
    """Ana (Amsterdam, focus mornings) and Bo, Kim with person tokens; Monday morning."""
    clock.set(clock.now().replace(day=30, hour=8, minute=30))
    ana = await create_person(gql, "Ana", weekly=WEEKDAYS, deliveryPolicy=FOCUS)
    bo = await create_person(gql, "Bo", weekly=WEEKDAYS)
    kim = await create_person(gql, "Kim", weekly=WEEKDAYS)
    return {
        "ana": ana,
        "bo": bo,
        "kim": kim,
        "as_ana": await person_client(gql, ana),
        "as_bo": await person_client(gql, bo),
    }


def urgent(
    sender: dict, to: dict | None = None, reason: str = "the build is red", **kw: Any
) -> dict:
    return handoff_input(sender, to, urgent={"reason": reason}, **kw)


async def test_an_urgent_handoff_says_what_urgency_did(gql, cast) -> None:
    assert (await gql("{ viewer { name } }"))["viewer"]["name"] == "acme"
    preview = await ok(
        gql,
        PREVIEW_URGENCY,
        {"input": urgent(cast["bo"], cast["ana"])},
        "previewHandoff",
        "HandoffPreview",
    )
    assert preview["deliverAt"] == MONDAY_FOCUS
    assert preview["urgency"]["outcome"] == "BROKE_THROUGH"
    made = await create_handoff(
        gql, cast["bo"], cast["ana"], urgent={"reason": " the build is red "}
    )
    assert made["deliverAt"] == MONDAY_FOCUS
    found = (await gql(HANDOFF_URGENCY, {"id": made["id"]}))["node"]
    assert found["urgency"] == {
        "reason": "the build is red",
        "outcome": "BROKE_THROUGH",
        "declinedBecause": None,
        "explanation": "Sent as urgent: Ana lets Bo break through once a week, and this is "
        "number 1 of the week.",
        "landsAt": MONDAY_FOCUS,
        "wasUrgent": None,
        "ratedAt": None,
        "person": {"name": "Ana"},
    }
    assert found["explanation"][1] == "Urgent: lands inside Ana's focus block 09:00–11:00."
    again = await create_handoff(gql, cast["bo"], cast["ana"], urgent={"reason": "still red"})
    assert again["deliverAt"] == "2026-11-30T10:00:00+00:00"
    assert again["explanation"][0] == (
        "Not delivered early: the budget of 1 urgent handoff a week to Ana was used on Mon 30 Nov."
    )
    declined = (await gql(HANDOFF_URGENCY, {"id": again["id"]}))["node"]
    assert (declined["urgency"]["outcome"], declined["urgency"]["declinedBecause"]) == (
        "DECLINED",
        "BUDGET_USED",
    )
    assert declined["history"][-1] == {
        "type": "handoff.urgency_declined",
        "summary": again["explanation"][0],
    }
    plain = await create_handoff(gql, cast["bo"], cast["ana"])
    assert (await gql(HANDOFF_URGENCY, {"id": plain["id"]}))["node"]["urgency"] is None


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "must not be empty"), ("   ", "must not be empty"), ("x" * 10_240, "at most 500")],
)
async def test_a_bad_reason_is_refused_and_nothing_is_stored(gql, cast, db_url, reason, message):
    data = urgent(cast["bo"], cast["ana"], reason=reason)
    result = await same_after(db_url, gql(CREATE_HANDOFF, {"input": data}))
    assert result["createHandoff"]["__typename"] == "ValidationError"
    assert result["createHandoff"]["field"] == "input.urgent.reason"
    assert message in result["createHandoff"]["message"]


async def test_urgency_to_a_team_whose_members_all_refuse_it(gql, cast, db_url) -> None:
    team = await create_team(gql, "Ops", [cast["ana"], cast["kim"]])
    for who in ("ana", "kim"):
        await ok(
            gql,
            SET_POLICY,
            {"id": cast[who]["id"], "policy": {"urgentFrom": "NOBODY"}},
            "setDeliveryPolicy",
            "PersonPayload",
        )
    data = urgent(cast["bo"], team=team)
    result = (await same_after(db_url, gql(CREATE_HANDOFF, {"input": data})))["createHandoff"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "input.urgent"
    assert "no member of team 'Ops' takes urgent handoffs from Bo" in result["message"]


async def test_the_urgency_policy_is_part_of_the_delivery_policy(gql, cast, other_gql, db_url):
    default = await ok(
        gql,
        SET_POLICY,
        {"id": cast["kim"]["id"], "policy": {}},
        "setDeliveryPolicy",
        "PersonPayload",
    )
    assert default["person"]["deliveryPolicy"]["urgency"] == {
        "urgentFrom": "ANYONE",
        "budgetPerWeek": 1,
        "allowedSenders": [],
    }
    policy = {
        **FOCUS,
        "urgentFrom": "ALLOWED_SENDERS",
        "urgentAllowedSenderIds": [cast["bo"]["id"]],
        "urgentBudgetPerWeek": 3,
    }
    mine = await ok(
        cast["as_ana"],
        SET_POLICY,
        {"id": cast["ana"]["id"], "policy": policy},
        "setDeliveryPolicy",
        "PersonPayload",
    )
    assert mine["person"]["deliveryPolicy"]["urgency"] == {
        "urgentFrom": "ALLOWED_SENDERS",
        "budgetPerWeek": 3,
        "allowedSenders": [{"name": "Bo"}],
    }
    # someone else's policy is their own business
    response = await same_after(
        db_url,
        cast["as_bo"].raw(
            SET_POLICY, {"id": cast["ana"]["id"], "policy": {"urgentFrom": "NOBODY"}}
        ),
    )
    forbidden(response.json(), "personId")

    stranger = await create_person(other_gql, "Zed", weekly=WEEKDAYS)
    bad = [
        ({"urgentBudgetPerWeek": 0}, "ValidationError", "policy.urgentBudgetPerWeek"),
        ({"urgentFrom": "ALLOWED_SENDERS"}, "ValidationError", "policy.urgentAllowedSenderIds"),
        (
            {"urgentAllowedSenderIds": [cast["bo"]["id"]]},
            "ValidationError",
            "policy.urgentAllowedSenderIds",
        ),
        (
            {"urgentFrom": "ALLOWED_SENDERS", "urgentAllowedSenderIds": ["nope"]},
            "ValidationError",
            "policy.urgentAllowedSenderIds.0",
        ),
        (
            {"urgentFrom": "ALLOWED_SENDERS", "urgentAllowedSenderIds": [stranger["id"]]},
            "NotFound",
            None,
        ),
        (  # the index as sent, repeats included
            {
                "urgentFrom": "ALLOWED_SENDERS",
                "urgentAllowedSenderIds": [cast["bo"]["id"], cast["bo"]["id"], cast["ana"]["id"]],
            },
            "ValidationError",
            "policy.urgentAllowedSenderIds.2",
        ),
    ]
    for given, typename, field in bad:
        result = await same_after(
            db_url, gql(SET_POLICY, {"id": cast["ana"]["id"], "policy": given})
        )
        value = result["setDeliveryPolicy"]
        assert value["__typename"] == typename, (given, value)
        if field:
            assert value["field"] == field


async def test_create_person_takes_the_urgency_policy(gql, cast) -> None:
    made = await create_person(
        gql,
        "Lee",
        weekly=WEEKDAYS,
        deliveryPolicy={
            "urgentFrom": "ALLOWED_SENDERS",
            "urgentAllowedSenderIds": [cast["kim"]["id"]],
        },
    )
    found = (
        await gql(
            f"query($id: ID!) {{ node(id: $id) {{ ... on Person {{ {POLICY} }} }} }}",
            {"id": made["id"]},
        )
    )["node"]
    assert found["deliveryPolicy"]["urgency"]["allowedSenders"] == [{"name": "Kim"}]
    result = await gql(
        "mutation($input: CreatePersonInput!) { createPerson(input: $input) { __typename "
        "... on ValidationError { field } } }",
        {
            "input": {
                "name": "Mo",
                "handle": "mo",
                "timezone": "UTC",
                "deliveryPolicy": {"urgentBudgetPerWeek": 99},
            }
        },
    )
    assert result["createPerson"] == {
        "__typename": "ValidationError",
        "field": "input.deliveryPolicy.urgentBudgetPerWeek",
    }
    assert (await gql("{ people { totalCount } }"))["people"]["totalCount"] == 4


async def test_only_the_receiver_rates_urgency(gql, cast, db_url, clock, other_gql) -> None:
    made = await create_handoff(gql, cast["bo"], cast["ana"], urgent={"reason": "red"})
    rating = {"input": {"handoffId": made["id"], "wasUrgent": False}}
    early = await same_after(db_url, cast["as_ana"](RATE, rating))
    assert early["rateUrgency"]["__typename"] == "Conflict"
    await mark_delivered(db_url, made, clock.now())
    response = await same_after(db_url, cast["as_bo"].raw(RATE, rating))
    forbidden(response.json(), "input.handoffId")
    rated = (await cast["as_ana"](RATE, rating))["rateUrgency"]
    assert rated["__typename"] == "RateUrgencyPayload"
    assert (rated["urgency"]["wasUrgent"], rated["senderPausedUntil"]) == (False, None)
    assert rated["urgency"]["ratedAt"] == MONDAY_FOCUS

    plain = await create_handoff(gql, cast["bo"], cast["ana"])
    not_urgent = await same_after(
        db_url, gql(RATE, {"input": {"handoffId": plain["id"], "wasUrgent": True}})
    )
    assert not_urgent["rateUrgency"]["__typename"] == "ValidationError"
    assert not_urgent["rateUrgency"]["field"] == "input.handoffId"
    elsewhere = await other_gql(RATE, rating)
    assert elsewhere["rateUrgency"]["__typename"] == "NotFound"
    unknown = await gql(RATE, {"input": {"handoffId": unknown_id("Handoff"), "wasUrgent": True}})
    assert unknown["rateUrgency"]["__typename"] == "NotFound"
    changed = await same_after(
        db_url, gql(RATE, {"input": {"handoffId": made["id"], "wasUrgent": True}})
    )
    assert changed["rateUrgency"]["__typename"] == "Conflict"


async def test_each_member_an_all_team_broke_through_to_rates_it(gql, cast, db_url, clock):
    lee = await create_person(gql, "Lee", weekly=WEEKDAYS, deliveryPolicy=FOCUS)
    team = await create_team(gql, "Ops", [cast["ana"], cast["kim"], lee], routing="ALL")
    made = await create_handoff(gql, cast["bo"], team=team, urgent={"reason": "red"})
    holder = (await gql(HANDOFF_URGENCY, {"id": made["id"]}))["node"]["urgency"]["person"]
    assert holder["name"] == "Ana"  # the holder; Lee is interrupted too, Kim was working
    as_lee, as_kim = await person_client(gql, lee), await person_client(gql, cast["kim"])
    rating = {"input": {"handoffId": made["id"], "wasUrgent": False}}
    early = await same_after(db_url, as_lee(RATE, rating))
    assert early["rateUrgency"]["__typename"] == "Conflict"  # not landed with Lee yet
    await sql(
        db_url,
        "UPDATE urgent_handoffs SET delivered_at = %s WHERE person_id = %s",
        (clock.now(), pk(lee["id"])),
    )
    rated = (await as_lee(RATE, rating))["rateUrgency"]
    assert rated["__typename"] == "RateUrgencyPayload", rated
    assert (rated["urgency"]["person"]["name"], rated["urgency"]["wasUrgent"]) == ("Lee", False)
    # Ana's own rating is still hers to give, and Lee's stays as it was
    assert (
        await sql(db_url, "SELECT count(*) FROM urgent_handoffs WHERE rated_at IS NOT NULL")
    ) == [(1,)]
    # Kim was working when it landed: nothing broke through to her to rate
    kims = await same_after(db_url, as_kim(RATE, rating))
    assert kims["rateUrgency"]["__typename"] == "ValidationError"
    # a person token rates only for its own person; a workspace token names the member
    named = {"input": {**rating["input"], "personId": lee["id"]}}
    forbidden((await same_after(db_url, as_kim.raw(RATE, named))).json(), "input.personId")
    again = (await gql(RATE, named))["rateUrgency"]
    assert again["urgency"]["person"]["name"] == "Lee"


async def test_a_reassigned_urgent_handoff_is_ordinary_for_its_new_receiver(
    gql, cast, db_url, clock
) -> None:
    made = await create_handoff(gql, cast["bo"], cast["ana"], urgent={"reason": "red"})
    moved = await gql(REASSIGN, {"id": made["id"], "person": cast["kim"]["id"]})
    assert moved["reassignHandoff"]["__typename"] == "HandoffPayload", moved
    await mark_delivered(db_url, made, clock.now())
    # not Ana's break-through any more, and never Kim's
    found = (await gql(HANDOFF_URGENCY, {"id": made["id"]}))["node"]
    assert found["urgency"] is None
    as_kim = await person_client(gql, cast["kim"])
    rating = {"input": {"handoffId": made["id"], "wasUrgent": False}}
    rated = (await same_after(db_url, as_kim(RATE, rating)))["rateUrgency"]
    assert rated["__typename"] == "ValidationError"
    assert "routed again as an ordinary handoff" in rated["message"]


async def test_only_the_receiver_replies(gql, cast, db_url, clock, other_gql) -> None:
    made = await create_handoff(gql, cast["bo"], cast["ana"], expectResponseWithin="PT4H")
    answer = {"input": {"handoffId": made["id"], "preset": "NEED_INFO", "text": "which branch?"}}
    early = await same_after(db_url, cast["as_ana"](REPLY, answer))
    assert early["replyToHandoff"]["__typename"] == "Conflict"
    await mark_delivered(db_url, made, clock.now())
    response = await same_after(db_url, cast["as_bo"].raw(REPLY, answer))
    forbidden(response.json(), "input.handoffId")
    too_long = {"input": {**answer["input"], "text": "x" * 1_001}}
    long_result = await same_after(db_url, cast["as_ana"](REPLY, too_long))
    assert long_result["replyToHandoff"]["__typename"] == "ValidationError"
    assert long_result["replyToHandoff"]["field"] == "input.text"
    assert (await other_gql(REPLY, answer))["replyToHandoff"]["__typename"] == "NotFound"

    replied = (await cast["as_ana"](REPLY, answer))["replyToHandoff"]
    assert replied["__typename"] == "ReplyPayload"
    assert replied["handoff"] == {"status": "ACKNOWLEDGED", "acknowledgedAt": MONDAY_FOCUS}
    # Bo works 09:00-17:00 in Amsterdam too: it reaches him at once
    assert replied["reply"] == {
        "preset": "NEED_INFO",
        "text": "which branch?",
        "deliverAt": MONDAY_FOCUS,
        "by": {"name": "Ana"},
    }
    found = (await gql(HANDOFF_URGENCY, {"id": made["id"]}))["node"]
    assert found["replies"][0]["by"] == {"name": "Ana"}
    assert [(f["kind"], f["state"]) for f in found["followUps"]] == [
        ("DELIVERY", "DONE"),
        ("REMINDER", "CANCELLED"),
        ("REPLY", "PENDING"),
    ]


async def _a_small_history(gql, cast, db_url, clock) -> list[dict]:
    dee = await create_person(gql, "Dee", weekly=WEEKDAYS)
    eve = await create_person(gql, "Eve", weekly=WEEKDAYS)
    made = await create_handoff(
        gql, cast["bo"], cast["ana"], urgent={"reason": "red"}, expectResponseWithin="PT2H"
    )
    await mark_delivered(db_url, made, clock.now())
    clock.advance(timedelta(minutes=90))
    await ok(
        cast["as_ana"],
        REPLY,
        {"input": {"handoffId": made["id"], "preset": "OK"}},
        "replyToHandoff",
        "ReplyPayload",
    )
    await ok(
        cast["as_ana"],
        RATE,
        {"input": {"handoffId": made["id"], "wasUrgent": True}},
        "rateUrgency",
        "RateUrgencyPayload",
    )
    return [cast["ana"], cast["bo"], cast["kim"], dee, eve]


async def test_the_report_over_graphql(gql, cast, db_url, clock) -> None:
    five = await _a_small_history(gql, cast, db_url, clock)
    week = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-07T00:00:00Z"}
    group = {**week, "people": [p["id"] for p in five]}
    # Only Ana received anything: four idle people would make her figures "a report".
    padded = (await gql(HEALTH, group))["asyncHealth"]
    assert padded["__typename"] == "GroupTooSmall"
    assert (padded["size"], padded["minimum"], padded["receivers"]) == (5, 5, None)
    assert padded["message"].endswith("nobody's figures stand alone; fewer did here")
    # ...and the answer is the same for a range in which nothing landed with Ana: it
    # cannot tell whether she received anything
    quiet = {"from": "2026-12-21T00:00:00Z", "to": "2026-12-28T00:00:00Z"}
    assert (await gql(HEALTH, {**group, **quiet}))["asyncHealth"] == padded
    for other in five[1:]:  # a plain handoff lands with each of the others
        extra = await create_handoff(gql, cast["ana"], other, title=f"for {other['name']}")
        await mark_delivered(db_url, extra, datetime.fromisoformat(extra["deliverAt"]))
    report = (await gql(HEALTH, group))["asyncHealth"]
    assert report["__typename"] == "AsyncHealthReport"
    assert report["from"] == "2026-11-30T00:00:00+00:00"
    # the same range given in Kolkata's offset is the same report, echoed in UTC
    kolkata = {"from": "2026-11-30T05:30:00+05:30", "to": "2026-12-07T05:30:00+05:30"}
    assert (await gql(HEALTH, {**group, **kolkata}))["asyncHealth"] == report
    assert [p["name"] for p in report["people"]] == ["Ana", "Bo", "Kim", "Dee", "Eve"]
    assert (report["received"], report["sent"]) == (5, 5)
    assert report["deliveredInHoursShare"] == 1.0  # a break-through in working time
    assert report["responseTimeMedian"] == report["responseTimeP90"] == "PT1H30M"
    assert report["answeredBeforeRespondByShare"] == 1.0
    assert report["handoffsPerDigest"] is None
    assert report["urgent"] == {
        "sent": 1,
        "breakThroughs": 1,
        "declined": 0,
        "senders": 1,
        "breakThroughsPerSender": 1.0,
        "rated": 1,
        "ratedUrgentShare": 1.0,
    }
    # everyone works 09:00-17:00 in Amsterdam: 128 of the week's 168 hours nobody works
    assert report["coverage"] == {"gapTotal": "P5DT8H", "gapHoursPerWeek": 128.0}
    assert len(report["overlaps"]) == 10
    assert report["overlaps"][0] == {
        "a": {"name": "Ana"},
        "b": {"name": "Bo"},
        "total": "P1DT16H",
        "hoursPerWeek": 40.0,
    }
    team = await create_team(gql, "All", five)
    by_team = (await gql(HEALTH, {**week, "team": team["id"]}))["asyncHealth"]
    assert by_team == report


async def test_the_report_refuses_small_groups_and_bad_input(gql, cast, other_gql) -> None:
    week = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-07T00:00:00Z"}
    three = [cast[n]["id"] for n in ("ana", "bo", "kim")]
    small = (await gql(HEALTH, {**week, "people": [*three, three[0]]}))["asyncHealth"]
    assert small["__typename"] == "GroupTooSmall"
    assert (small["size"], small["minimum"]) == (3, 5)
    team = await create_team(gql, "Few", [cast["ana"], cast["bo"]])
    assert (await gql(HEALTH, {**week, "team": team["id"]}))["asyncHealth"]["size"] == 2
    cases = [
        ({"from": "2026-12-07T00:00:00Z", "to": "2026-11-30T00:00:00Z", "people": three}, "to"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2028-01-03T00:00:00Z", "people": three}, "to"),
        ({**week}, "personIds"),
        ({**week, "people": three, "team": team["id"]}, "personIds"),
        ({**week, "people": ["nope"]}, "personIds.0"),
        ({**week, "team": cast["ana"]["id"]}, "teamId"),  # a person's ID is not a team's
    ]
    for variables, field in cases:
        result = (await gql(HEALTH, variables))["asyncHealth"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field), variables
    naive = {"from": "2026-11-30T00:00:00", "to": week["to"], "people": three}
    no_offset = (await gql(HEALTH, naive))["asyncHealth"]
    assert (no_offset["__typename"], no_offset["field"]) == ("ValidationError", "from")
    stranger = await create_person(other_gql, "Zed", weekly=WEEKDAYS)
    elsewhere = (await gql(HEALTH, {**week, "people": [*three, stranger["id"]]}))["asyncHealth"]
    assert elsewhere["__typename"] == "NotFound"
