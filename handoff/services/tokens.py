"""API tokens over GraphQL: a workspace token manages every token of its workspace; a
person token lists, creates and revokes only its own person's."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.services import lookups
from handoff.services.errors import Forbidden, Invalid, NotFound
from handoff.services.rights import Actor, Right, require
from handoff.services.text import trimmed
from handoff.storage import tokens
from handoff.storage.models import ApiToken
from handoff.storage.run import Conn

MAX_NAME = 200
# live tokens one person may hold (a person token could otherwise mint without end)
MAX_LIVE_PER_PERSON = 20


async def list_tokens(
    conn: Conn, ws: int, person_id: int | None, actor: Actor | None = None
) -> list[ApiToken]:
    """The workspace's tokens, or one person's; a person token sees only its own."""
    if person_id is not None:
        await lookups.person(conn, ws, person_id)
    if actor is not None and actor.acts_as_person:
        person_id = actor.person_id if person_id is None else person_id
        require(actor, Right.OWN, field="personId", person_id=person_id)
    return await tokens.list_tokens(conn, ws, person_id)


async def visible_token(conn: Conn, ws: int, token_id: int, actor: Actor | None) -> ApiToken | None:
    """One token of the workspace, or None when there is none or a person token asks
    about a token that is not its own person's (as `list_tokens` would not show it)."""
    found = await tokens.get(conn, ws, token_id)
    if found is None or (
        actor is not None and actor.acts_as_person and found.person_id != actor.person_id
    ):
        return None
    return found


async def create_person_token(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    name: str,
    expires_at: datetime | None = None,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """A token acting as `person_id`; returns it and its secret (shown this once)."""
    # locked: a deactivation committing meanwhile is seen, not raced
    person = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="personId", person_id=person_id)
    name = trimmed(name)
    if not 1 <= len(name) <= MAX_NAME:
        raise Invalid("name", f"name must be 1 to {MAX_NAME} characters")
    if person.deactivated_at is not None:
        raise Invalid("personId", f"{person.name} was deactivated and gets no new tokens")
    if expires_at is not None and expires_at <= now:
        raise Invalid("expiresAt", "expiresAt must be in the future")
    await _within_own_life(conn, ws, expires_at, actor)
    if await tokens.live_for_person(conn, ws, person_id, now) >= MAX_LIVE_PER_PERSON:
        raise Invalid(
            "personId",
            f"{person.name} already has {MAX_LIVE_PER_PERSON} tokens that work, the most one "
            "person may have: revoke one first",
        )
    made_by = None if actor is None else actor.token_id
    return await tokens.insert(
        conn, ws, now, label=name, person_id=person_id, expires_at=expires_at, made_by=made_by
    )


async def _within_own_life(
    conn: Conn, ws: int, expires_at: datetime | None, actor: Actor | None
) -> None:
    """A token that expires makes only tokens that expire no later: a short-lived token
    (the kind a URL carries, and logs keep) must not mint a lasting one."""
    if actor is None or actor.token_id is None:
        return
    own = await tokens.get_for_share(conn, ws, actor.token_id)
    if own is None or own.revoked_at is not None:
        # revoked a moment ago (requests trust a token for up to a second): it makes nothing
        raise Forbidden(None, "this token was revoked; it makes no new tokens")
    until = own.expires_at
    if until is not None and (expires_at is None or expires_at > until):
        raise Invalid(
            "expiresAt",
            f"this token expires at {until.astimezone(UTC).isoformat()}; the tokens it makes "
            "must expire by then",
        )


async def revoke_token(
    conn: Conn, ws: int, now: datetime, token_id: int, actor: Actor | None = None
) -> ApiToken:
    """Revoke a token at once, and the tokens made with it, and theirs (their next
    requests are refused)."""
    found = await tokens.get(conn, ws, token_id)
    if found is None:
        raise NotFound("ApiToken", token_id)
    if actor is not None and actor.acts_as_person:
        require(actor, Right.OWN, field="id", person_id=found.person_id)
    revoked = await tokens.revoke(conn, ws, token_id, now)
    assert revoked is not None
    return revoked
