"""A delivery policy that would leave no moment for a handoff to land is refused when it
is saved, naming the part that does it; what cannot be planned says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api._helpers import (
    ADD_TIME_OFF,
    AMS,
    CREATE_PERSON,
    PREVIEW,
    SET_DELIVERY_POLICY,
    SET_WORKING_PATTERN,
    WEEKDAYS,
    create_person,
    handoff_input,
    snapshot,
)

FOCUS_ALL_DAY = {"focusBlocks": {d: ["08:00-18:00"] for d in WEEKDAYS}}
EVENING_DIGEST = {"digestTimes": ["20:00"]}


@pytest.mark.parametrize(
    ("policy", "field", "why"),
    [
        (FOCUS_ALL_DAY, "focusBlocks", "focus blocks cover all of their working time"),
        (EVENING_DIGEST, "digestTimes", "none of their digest times (20:00)"),
        ({**FOCUS_ALL_DAY, "digestTimes": ["10:00"]}, "focusBlocks", "digest times (10:00)"),
    ],
    ids=["focus all day", "digests after hours", "digests in focus"],
)
async def test_a_policy_leaving_no_moment_to_land_is_refused(
    gql, db_url, policy: dict[str, Any], field: str, why: str
) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    before = await snapshot(db_url)
    refused = (await gql(SET_DELIVERY_POLICY, {"id": ana["id"], "policy": policy}))[
        "setDeliveryPolicy"
    ]
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == f"policy.{field}"
    assert refused["message"].startswith("Ana could never receive a handoff: ")
    assert why in refused["message"]
    made = await gql(
        CREATE_PERSON,
        {
            "input": {
                "name": "Bo",
                "handle": "bo",
                "timezone": AMS,
                "workingPattern": {"weekly": WEEKDAYS},
                "deliveryPolicy": policy,
            }
        },
    )
    assert made["createPerson"]["field"] == f"input.deliveryPolicy.{field}"
    assert await snapshot(db_url) == before


async def test_someone_with_no_working_time_ahead_may_still_set_a_policy(gql) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    away = {"id": ana["id"], "start": "2026-11-01", "end": "2029-12-31", "reason": "sabbatical"}
    assert (await gql(ADD_TIME_OFF, away))["addTimeOff"]["__typename"] == "PersonPayload"
    saved = await gql(
        SET_DELIVERY_POLICY,
        {"id": ana["id"], "policy": {"digestTimes": ["10:00"]}},
    )
    assert saved["setDeliveryPolicy"]["__typename"] == "PersonPayload", saved
    # and a handoff to her says why it cannot be planned
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    preview = (await gql(PREVIEW, {"input": handoff_input(bo, ana)}))["previewHandoff"]
    assert preview["__typename"] == "ValidationError"
    assert preview["message"] == "Ana cannot receive it: no working time within 730 days"


async def test_hours_that_leave_the_policy_no_moment_to_land_are_refused(gql, db_url) -> None:
    # focus 09:00-17:00 inside 08:00-18:00 is fine; hours shrunk to 09:00-17:00 are not
    long_days = {d: ["08:00-18:00"] for d in WEEKDAYS}
    ana = await create_person(gql, "Ana", AMS, long_days)
    focus = {"focusBlocks": WEEKDAYS}
    saved = await gql(SET_DELIVERY_POLICY, {"id": ana["id"], "policy": focus})
    assert saved["setDeliveryPolicy"]["__typename"] == "PersonPayload", saved
    before = await snapshot(db_url)
    refused = (await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": WEEKDAYS}}))[
        "setWorkingPattern"
    ]
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "pattern.weekly"
    assert refused["message"].startswith("Ana could never receive a handoff with these hours: ")
    assert "focus blocks or digest times first" in refused["message"]
    assert await snapshot(db_url) == before
    # hours that still leave an hour outside focus are fine
    later = {d: ["09:00-18:00"] for d in WEEKDAYS}
    kept = await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": later}})
    assert kept["setWorkingPattern"]["__typename"] == "PersonPayload", kept
