"""Who may do what: the one place rights are decided (the README has the same table).

A request acts through an `Actor`. A workspace token (integrations, administration) may do
everything in its workspace. A person token acts as that person: it reads the whole
workspace (people, teams, work items, handoffs, schedules), sends handoffs as itself,
answers only the handoffs it holds, and changes only its own profile, hours and tokens.

Services call `require` once they have read what the decision depends on (inside their
transaction, so the answer holds for the change they make). A refusal is `Forbidden`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from handoff.services.errors import Forbidden
from handoff.storage.models import Handoff


@dataclass(frozen=True)
class Actor:
    """Who is acting: a workspace (person_id None) or one person of it."""

    workspace_id: int
    person_id: int | None = None
    token_id: int | None = None

    @property
    def acts_as_person(self) -> bool:
        return self.person_id is not None

    @property
    def budget_key(self) -> str | None:
        """Whose rate-limit buckets a request spends: a person's tokens share one budget
        (minting more tokens must not multiply it); a workspace token has its own."""
        if self.person_id is not None:
            return f"{PERSON_BUDGET}{self.person_id}"
        return None if self.token_id is None else f"t{self.token_id}"


# how a person's budget key starts (`Actor.budget_key`)
PERSON_BUDGET = "p"


def whose_budget(key: str) -> str:
    """Whose budget a key names, as refusals say it."""
    return "this person's tokens" if key.startswith(PERSON_BUDGET) else "this token"


class Right(StrEnum):
    """The kinds of decision; `RULES` says who has each."""

    ADMINISTER = "administer"
    SEND_AS = "send_as"
    ANSWER = "answer"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    OWN = "own"


# right -> (what it covers, what a person token may do); workspace tokens may do all.
RULES: dict[Right, tuple[str, str]] = {
    Right.ADMINISTER: (
        "createPerson, createTeam, addTeamMember, removeTeamMember, updateWorkspace, "
        "deactivatePerson, erasePerson, webhook endpoints and deliveries, another person's "
        "tokens",
        "nothing (FORBIDDEN)",
    ),
    Right.SEND_AS: (
        "createHandoff's senderId",
        "only as itself (senderId may be left out)",
    ),
    Right.ANSWER: (
        "acknowledgeHandoff, completeHandoff, returnHandoff, and answers to a handoff "
        "(quick replies, urgency ratings)",
        "only the handoff's receiver",
    ),
    Right.CANCEL: ("cancelHandoff", "only the handoff's sender"),
    Right.REASSIGN: ("reassignHandoff", "its sender or its receiver"),
    Right.OWN: (
        "updatePerson, setWorkingPattern, setDeliveryPolicy, addTimeOff, removeTimeOff, "
        "addTravel, updateTravel, removeTravel, setDelegation, endDelegation, "
        "createPersonToken, revokeToken, tokens, a work item's holder (createWorkItem's "
        "holderId; createHandoff and previewHandoff of a held workItemId), reading the "
        "reason of private time off",
        "only for itself",
    ),
}


def require(
    actor: Actor | None,
    right: Right,
    *,
    field: str | None = None,
    person_id: int | None = None,
    handoff: Handoff | None = None,
) -> None:
    """Refuse (`Forbidden`) unless `actor` has `right` over the subject.

    `actor` None is the system itself (the seed, tests of services): it may do everything.
    """
    if actor is None or not actor.acts_as_person:
        return
    me = actor.person_id
    if right is Right.ADMINISTER:
        raise Forbidden(field, "this needs a workspace token; a person token cannot do it")
    if right in (Right.SEND_AS, Right.OWN):
        if person_id != me:
            raise Forbidden(field, "a person token acts only for its own person")
        return
    assert handoff is not None, right
    allowed = {
        Right.ANSWER: {handoff.receiver_id},
        Right.CANCEL: {handoff.sender_id},
        Right.REASSIGN: {handoff.sender_id, handoff.receiver_id},
    }[right]
    if me not in allowed:
        who = {Right.ANSWER: "its receiver", Right.CANCEL: "its sender"}.get(
            right, "its sender or its receiver"
        )
        raise Forbidden(field, f"only {who} may do this to the handoff")


def has(
    actor: Actor | None,
    right: Right,
    *,
    person_id: int | None = None,
    handoff: Handoff | None = None,
) -> bool:
    """Whether `require` would let `actor` do it: for reads that show less instead of
    refusing (another person's private time-off reason reads as null)."""
    try:
        require(actor, right, person_id=person_id, handoff=handoff)
    except Forbidden:
        return False
    return True


def may_follow(actor: Actor | None, people: Iterable[int]) -> bool:
    """Live updates: whether the actor receives what concerns `people` (a handoff's sender,
    receiver and the people it was taken from or escalated to; one person's availability).

    A workspace token receives everything of its workspace, like every read; a person token
    only the events of the handoffs it sent or holds, and of its own availability.
    """
    return actor is None or actor.person_id is None or actor.person_id in people


def require_follow(actor: Actor | None, people: Iterable[int], *, field: str) -> None:
    """Refuse (`Forbidden`) a subscription whose subject is not the person token's."""
    if not may_follow(actor, people):
        raise Forbidden(
            field,
            "a person token follows only the handoffs it sent or holds, and its own availability",
        )


def readme_table() -> str:
    """The rights as the README shows them (a test keeps them equal)."""
    lines = [
        "| right | covers | workspace token | person token |",
        "| --- | --- | --- | --- |",
    ]
    for right, (covers, person) in RULES.items():
        lines.append(f"| `{right}` | {covers} | yes | {person} |")
    return "\n".join(lines) + "\n"
