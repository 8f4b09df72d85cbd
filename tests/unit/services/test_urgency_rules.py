"""The urgency decision as a pure function: the order of its checks and its sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.services.errors import Invalid
from handoff.services.urgency import check_reason, decide
from handoff.states import UrgencyDeclined, UrgencyOutcome, UrgentFrom
from handoff.storage.models import Person
from handoff.storage.urgency import AllowanceFacts

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)  # Tuesday, 10:00 in Amsterdam


def person(pid: int, name: str, zone: str = "Europe/Amsterdam") -> Person:
    week = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    return Person(
        id=pid,
        workspace_id=1,
        name=name,
        handle=name.lower(),
        email=None,
        timezone=zone,
        pattern_json={"timezone": zone, "weekly": week},
        policy_json={},
        created_at=AT,
        updated_at=AT,
    )


BO, ANA = person(1, "Bo", "America/New_York"), person(2, "Ana")


def facts(
    urgent_from: UrgentFrom = UrgentFrom.ANYONE,
    budget: int = 1,
    listed: bool = False,
    used: tuple[datetime, ...] = (),
    paused_until: datetime | None = None,
) -> AllowanceFacts:
    return AllowanceFacts(2, urgent_from, budget, listed, used, paused_until)


EARLIER, LATER = AT, AT + timedelta(hours=2)


@pytest.mark.parametrize(
    ("given", "urgent_at", "outcome", "declined"),
    [
        # refusing comes first, even when urgency would change nothing
        (facts(UrgentFrom.NOBODY), LATER, UrgencyOutcome.DECLINED, UrgencyDeclined.REFUSED),
        (
            facts(UrgentFrom.ALLOWED_SENDERS),
            EARLIER,
            UrgencyOutcome.DECLINED,
            UrgencyDeclined.NOT_ALLOWED,
        ),
        (
            facts(UrgentFrom.ALLOWED_SENDERS, listed=True),
            EARLIER,
            UrgencyOutcome.BROKE_THROUGH,
            None,
        ),
        # a pause before "not needed": the sender learns about it either way
        (
            facts(paused_until=AT + timedelta(days=3)),
            LATER,
            UrgencyOutcome.DECLINED,
            UrgencyDeclined.PAUSED,
        ),
        # not needed before the budget: it uses none
        (facts(used=(AT,)), LATER, UrgencyOutcome.NOT_NEEDED, None),
        (facts(used=(AT,)), EARLIER, UrgencyOutcome.DECLINED, UrgencyDeclined.BUDGET_USED),
        (facts(budget=2, used=(AT,)), EARLIER, UrgencyOutcome.BROKE_THROUGH, None),
    ],
)
def test_the_order_of_the_checks(
    given: AllowanceFacts,
    urgent_at: datetime,
    outcome: UrgencyOutcome,
    declined: UrgencyDeclined | None,
) -> None:
    decided = decide(BO, ANA, given, urgent_at, LATER)
    assert (decided.outcome, decided.declined) == (outcome, declined)
    assert decided.person is ANA


def test_the_sentences() -> None:
    monday, tuesday = datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert decide(BO, ANA, facts(budget=3, used=(monday, tuesday)), EARLIER, LATER).line == (
        "Sent as urgent: Ana lets Bo break through 3 times a week, and this is number 3 of "
        "the week."
    )
    assert decide(BO, ANA, facts(budget=2), EARLIER, LATER).line.startswith(
        "Sent as urgent: Ana lets Bo break through twice a week"
    )
    used = facts(budget=2, used=(monday, tuesday, tuesday))
    assert decide(BO, ANA, used, EARLIER, LATER).line == (
        "Not delivered early: the budget of 2 urgent handoffs a week to Ana was used on "
        "Mon 30 Nov and Tue 1 Dec."
    )
    # the dates are the receiver's: 23:30 UTC on Monday is Tuesday in Amsterdam
    late = facts(used=(datetime(2026, 11, 30, 23, 30, tzinfo=UTC),))
    assert decide(BO, ANA, late, EARLIER, LATER).line.endswith("was used on Tue 1 Dec.")
    paused = facts(paused_until=datetime(2026, 12, 31, 9, tzinfo=UTC))
    assert decide(BO, ANA, paused, EARLIER, LATER).line.endswith(
        "so Bo may not break through to Ana until Thu 31 Dec 10:00 Europe/Amsterdam."
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [(None, None), ("  server down ", "server down"), ("x" * 500, "x" * 500)],
)
def test_reasons(reason: str | None, expected: str | None) -> None:
    assert check_reason(reason) == expected


@pytest.mark.parametrize("reason", ["", " \n ", "x" * 501, "y" * 10_240])
def test_bad_reasons(reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_reason(reason)
    assert caught.value.field == "urgent.reason"


def test_a_receiver_only_urgency_reaches_breaks_through() -> None:
    # focus blocks over all of their working time: an ordinary handoff never lands
    decided = decide(BO, ANA, facts(), EARLIER, None)
    assert decided.outcome == UrgencyOutcome.BROKE_THROUGH


def test_not_needed_says_whether_it_waits_for_working_time() -> None:
    # sent at 10:00 in Ana's working time: nothing holds it back
    now = decide(BO, ANA, facts(), AT, AT, AT)
    assert now.outcome == UrgencyOutcome.NOT_NEEDED
    assert now.line.startswith("Sent as urgent, but nothing holds it back:")
    # sent on Saturday: urgency does not reach Ana outside her hours; it says when it lands
    saturday = datetime(2026, 12, 5, 9, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 8, tzinfo=UTC)
    held = decide(BO, ANA, facts(), monday, monday, saturday)
    assert held.outcome == UrgencyOutcome.NOT_NEEDED
    assert held.line == (
        "Sent as urgent, but urgency never reaches Ana outside Ana's working time: it lands "
        "at Mon 7 Dec 09:00 Europe/Amsterdam, when an ordinary handoff would, and uses none "
        "of Bo's urgent budget with Ana."
    )
