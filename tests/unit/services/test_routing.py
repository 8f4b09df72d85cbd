"""Team routing as pure functions: who receives a handoff, and when, from people's hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.services.errors import Invalid
from handoff.services.routing import (
    plan_for_person,
    plan_for_team,
    reachable,
    soonest,
)
from handoff.states import Routing
from handoff.storage.models import Person, Team

# Friday 27 Nov 2026 14:00 UTC: 15:00 in Amsterdam, 09:00 in New York, 01:00 Sat in Sydney
AT = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
WEEK = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def person(
    pid: int, name: str, zone: str, weekly: dict[str, Any] | None = None, **policy: Any
) -> Person:
    return Person(
        id=pid,
        workspace_id=1,
        name=name,
        handle=name.lower(),
        email=None,
        timezone=zone,
        pattern_json={"timezone": zone, "weekly": WEEK if weekly is None else weekly},
        policy_json=policy,
        created_at=AT,
        updated_at=AT,
    )


def team(routing: Routing) -> Team:
    return Team(id=9, workspace_id=1, name="Sun", routing=routing, rr_counter=0, created_at=AT)


ANA = person(1, "Ana", "Europe/Amsterdam")  # working now (15:00)
MAYA = person(2, "Maya", "America/New_York")  # working now (09:00)
LIAM = person(3, "Liam", "Australia/Sydney")  # Saturday 01:00: Monday 09:00 Sydney
NOBODY = person(4, "Never", "Europe/Amsterdam", weekly={})


def test_a_person_plan_lands_at_their_next_delivery_instant() -> None:
    plan = plan_for_person(LIAM, AT, timedelta(hours=2), "toPersonId")
    assert plan.receiver.person is LIAM
    assert plan.receiver.times.deliver_at == datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
    assert plan.receiver.times.respond_by == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert plan.recipients == (plan.receiver,)
    assert plan.reasons == ()


def test_a_person_without_working_time_is_a_validation_error_on_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        plan_for_person(NOBODY, AT, None, "toPersonId")
    assert caught.value.field == "toPersonId"
    assert "no working time" in caught.value.message


def test_reachable_skips_people_without_working_time_and_orders_by_id() -> None:
    found = reachable([LIAM, NOBODY, ANA], AT, None)
    assert [r.person.id for r in found] == [1, 3]


def test_soonest_breaks_ties_by_the_lower_id_and_is_none_for_nobody() -> None:
    both_now = reachable([MAYA, ANA], AT, None)
    assert both_now[0].times.deliver_at == both_now[1].times.deliver_at == AT
    chosen = soonest(both_now)
    assert chosen is not None and chosen.person is ANA
    assert soonest([]) is None


def test_follow_the_sun_picks_whoever_is_reachable_soonest_and_says_why() -> None:
    plan = plan_for_team(team(Routing.FOLLOW_THE_SUN), [LIAM, MAYA], AT, None, 0, "toTeamId")
    assert plan.receiver.person is MAYA
    assert plan.recipients == (plan.receiver,)
    assert plan.reasons == (
        "Team Sun routes follow-the-sun: Maya (America/New_York) is reachable soonest.",
    )
    assert plan.explanation[0] == plan.reasons[0]


@pytest.mark.parametrize(("position", "expected"), [(0, ANA), (1, LIAM), (2, ANA), (7, LIAM)])
def test_round_robin_takes_reachable_members_in_turn(position: int, expected: Person) -> None:
    plan = plan_for_team(
        team(Routing.ROUND_ROBIN), [LIAM, NOBODY, ANA], AT, None, position, "toTeamId"
    )
    assert plan.receiver.person is expected
    assert plan.reasons == (f"Team Sun routes round-robin; it is {expected.name}'s turn.",)


def test_all_routing_notifies_everyone_and_the_soonest_holds_the_clock() -> None:
    plan = plan_for_team(team(Routing.ALL), [LIAM, ANA], AT, timedelta(hours=4), 0, "toTeamId")
    assert plan.receiver.person is ANA
    assert [r.person for r in plan.recipients] == [ANA, LIAM]
    liam = plan.recipients[1]
    # Liam's row explains his own landing but not Ana's response deadline
    assert plan.explanation_for(liam)[0] == plan.reasons[0]
    assert plan.explanation_for(liam)[1:] == list(liam.times.explanation[:-1])
    assert plan.explanation_for(plan.receiver) == plan.explanation
    assert plan.explanation[-1].startswith("Expects a response within 4h")


def test_a_team_nobody_can_receive_is_a_validation_error() -> None:
    with pytest.raises(Invalid) as caught:
        plan_for_team(team(Routing.FOLLOW_THE_SUN), [NOBODY], AT, None, 0, "toTeamId")
    assert caught.value.field == "toTeamId"
    assert "no member of team 'Sun'" in caught.value.message
