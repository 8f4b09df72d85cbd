"""Who may break through to a person (their urgency policy), and the receiver's ratings.

The policy is part of a person's delivery policy (`setDeliveryPolicy`, `createPerson`):
`urgentFrom` ANYONE | ALLOWED_SENDERS | NOBODY, the allow-list, and a budget of
break-throughs per sender per week. `rate_urgency` stores the receiver's answer to "was it
urgent?"; when a sender's last three rated urgent handoffs to the receiver (ratings since
the pair's previous pause) were all "not urgent", that sender may not break through to
that receiver for 30 days (`urgency_pauses`). A pause starts a clean slate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.ids import encode
from handoff.services import lookups
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.rights import Actor, Right, require
from handoff.services.urgency import short_day
from handoff.states import UrgencyOutcome, UrgentFrom
from handoff.storage import people
from handoff.storage import urgency as store
from handoff.storage.models import Handoff
from handoff.storage.run import Conn
from handoff.storage.urgency import UrgencyPolicy, UrgentHandoff

MAX_BUDGET = 20
MAX_ALLOWED = 100
PAUSE_AFTER = 3
PAUSE = timedelta(days=30)


@dataclass(frozen=True)
class PolicyInput:
    """An urgency policy as a client sends it (sender ids already decoded)."""

    urgent_from: UrgentFrom = UrgentFrom.ANYONE
    allowed_sender_ids: Sequence[int] = ()
    weekly_budget: int = store.DEFAULT_BUDGET


async def check_policy(
    conn: Conn, ws: int, person_id: int, given: PolicyInput, field: str
) -> UrgencyPolicy:
    """Validate a policy for `person_id`; `field` is the input the paths hang under.

    Every allowed sender must be a person of the workspace (else NotFound).
    """
    if not 1 <= given.weekly_budget <= MAX_BUDGET:
        raise Invalid(
            f"{field}.urgentBudgetPerWeek",
            f"urgentBudgetPerWeek must be 1 to {MAX_BUDGET} (use urgentFrom NOBODY to refuse "
            f"urgent handoffs), got {given.weekly_budget}",
        )
    ids = list(dict.fromkeys(given.allowed_sender_ids))
    path = f"{field}.urgentAllowedSenderIds"
    if given.urgent_from == UrgentFrom.ALLOWED_SENDERS and not ids:
        raise Invalid(path, "urgentFrom ALLOWED_SENDERS needs at least one allowed sender")
    if given.urgent_from != UrgentFrom.ALLOWED_SENDERS and ids:
        raise Invalid(
            path,
            f"the allow-list applies only with urgentFrom ALLOWED_SENDERS, not {given.urgent_from}",
        )
    if len(ids) > MAX_ALLOWED:
        raise Invalid(path, f"at most {MAX_ALLOWED} allowed senders")
    if person_id in ids:
        # the index as the client sent the list (repeats included)
        at = given.allowed_sender_ids.index(person_id)
        raise Invalid(f"{path}.{at}", "a person cannot send to themselves")
    found = {p.id for p in await people.by_ids(conn, ws, ids)}
    for sender_id in ids:
        if sender_id not in found:
            raise NotFound("Person", sender_id)
    return UrgencyPolicy(person_id, given.urgent_from, given.weekly_budget, tuple(sorted(ids)))


async def set_policy(
    conn: Conn, ws: int, now: datetime, person_id: int, given: PolicyInput, field: str
) -> None:
    """Validate and store a person's urgency policy (the caller checked the right)."""
    policy = await check_policy(conn, ws, person_id, given, field)
    await store.set_policy(conn, ws, policy, now)


@dataclass(frozen=True)
class Rated:
    """A rating given: the handoff, its urgent row, and a pause of the pair now in force."""

    handoff: Handoff
    urgency: UrgentHandoff
    paused_until: datetime | None


def _rating(was_urgent: bool) -> str:
    return "urgent" if was_urgent else "not urgent"


async def rate_urgency(
    conn: Conn,
    ws: int,
    now: datetime,
    handoff_id: int,
    was_urgent: bool,
    person_id: int | None = None,
    actor: Actor | None = None,
) -> Rated:
    """The receiver says whether an urgent handoff was urgent; so may each member of an
    `ALL` team it broke through to (`person_id`, or a person token's own person).

    Only a handoff sent as urgent to them, once it has landed with them; a rating is final
    (the same answer again changes nothing, another one is a Conflict). The third "not
    urgent" in a row pauses the sender's break-throughs to that person for 30 days.
    """
    handoff = await lookups.handoff(conn, ws, handoff_id, lock=True)
    receiver, sender = handoff.receiver_id, handoff.sender_id
    rater, row = await _rater(conn, handoff, person_id, actor)
    if rater == receiver:
        require(actor, Right.ANSWER, field="handoffId", handoff=handoff)
        landed = handoff.delivered_at
    else:
        require(actor, Right.OWN, field="personId", person_id=rater)
        # a member who does not hold it rates only a break-through that reached them
        if row is not None and row.outcome != UrgencyOutcome.BROKE_THROUGH:
            row = None
        landed = None if row is None else row.delivered_at
    if row is None or row.given_back_at is not None:
        whom = "its receiver" if rater == receiver else (await lookups.person(conn, ws, rater)).name
        raise Invalid(
            "personId" if person_id not in (None, receiver) else "handoffId",
            f"handoff {encode('Handoff', handoff.id)} did not reach {whom} as urgent "
            "(it was not sent as urgent to them, or was routed again as an ordinary "
            "handoff); only urgent handoffs can be rated",
        )
    if landed is None:
        raise Conflict("the handoff has not landed yet; rate it once it has")
    if row.was_urgent is not None:
        if row.was_urgent != was_urgent:
            assert row.rated_at is not None
            who = await lookups.person(conn, ws, rater)
            raise Conflict(
                f"it was rated {_rating(row.was_urgent)} on {short_day(who, row.rated_at)}; "
                "a rating cannot be changed"
            )
        return Rated(handoff, row, await store.paused_until(conn, rater, sender, now))
    # the same lock as urgent decisions about this receiver: a pause and a break-through
    # decided at the same moment see each other
    await store.lock_receivers(conn, [rater])
    rated = await store.rate(conn, ws, handoff.id, rater, was_urgent, now)
    if not was_urgent:
        latest = await store.latest_ratings(conn, rater, sender, PAUSE_AFTER)
        if len(latest) == PAUSE_AFTER and not any(latest):
            await store.start_pause(conn, ws, rater, sender, now, now + PAUSE)
    return Rated(handoff, rated, await store.paused_until(conn, rater, sender, now))


async def _rater(
    conn: Conn, handoff: Handoff, person_id: int | None, actor: Actor | None
) -> tuple[int, UrgentHandoff | None]:
    """Who rates, and their urgent row (locked): `person_id`; when nobody is named, a
    person token's own person if the handoff broke through to them as a member of its
    team, else the receiver."""
    ws = handoff.workspace_id
    if person_id is None:
        me = actor.person_id if actor is not None and actor.acts_as_person else None
        if me is not None and me != handoff.receiver_id and handoff.team_id is not None:
            mine = await store.get_for_update(conn, ws, handoff.id, me)
            if mine is not None:
                return me, mine
        person_id = handoff.receiver_id
    return person_id, await store.get_for_update(conn, ws, handoff.id, person_id)
