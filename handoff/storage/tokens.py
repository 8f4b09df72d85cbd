"""API tokens: random, shown once, stored as a SHA-256 hash.

A workspace token (no person) acts for its workspace; a person token acts as one person.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from handoff.storage import workspaces
from handoff.storage.models import ApiToken
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, execute, many, one

Q = Queries("tokens")
TOKEN_PREFIX = "hnd_"


def hash_token(token: str) -> bytes:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).digest()


def new_secret() -> str:
    """A fresh token: 256 random bits behind a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who a live token stands for."""

    token_id: int
    workspace_id: int
    person_id: int | None


async def insert(
    conn: Conn,
    ws: int,
    now: datetime,
    *,
    label: str = "",
    person_id: int | None = None,
    expires_at: datetime | None = None,
    made_by: int | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token's hash (`made_by`: the token whose request made it); returns the
    token and its secret (shown once)."""
    secret = new_secret()
    params = {
        "workspace_id": ws,
        "token_hash": hash_token(secret),
        "label": label,
        "now": now,
        "person_id": person_id,
        "expires_at": expires_at,
        "made_by": made_by,
    }
    token = await one(conn, Q.insert, params, ApiToken.from_row)
    assert token is not None
    return token, secret


async def create_token(
    conn: Conn,
    workspace_name: str,
    now: datetime,
    label: str = "",
    reminders: int = 1,
    person_id: int | None = None,
) -> str:
    """A token for the workspace called `workspace_name` (created, with `reminders` before
    escalation, if needed), acting as `person_id` when given; returns it, once."""
    workspace = await workspaces.ensure(conn, workspace_name, now, reminders)
    _, secret = await insert(conn, workspace.id, now, label=label, person_id=person_id)
    return secret


async def authenticate(conn: Conn, token: str, now: datetime) -> Principal | None:
    """Who the token stands for, or None for an unknown, revoked or expired one."""
    params = {"token_hash": hash_token(token), "now": now}
    return await one(
        conn,
        Q.authenticate,
        params,
        lambda r: Principal(r["id"], r["workspace_id"], r["person_id"]),
    )


async def workspace_for_token(conn: Conn, token: str, now: datetime) -> int | None:
    """The workspace id a live token belongs to, or None."""
    found = await authenticate(conn, token, now)
    return None if found is None else found.workspace_id


async def list_tokens(conn: Conn, ws: int, person_id: int | None = None) -> list[ApiToken]:
    """The workspace's tokens (a person's only, with `person_id`), without secrets."""
    params = {"workspace_id": ws, "person_id": person_id}
    return await many(conn, Q.list, params, ApiToken.from_row)


async def get(conn: Conn, ws: int, token_id: int) -> ApiToken | None:
    """One token of the workspace."""
    return await one(conn, Q.get, {"workspace_id": ws, "id": token_id}, ApiToken.from_row)


async def live_for_person(conn: Conn, ws: int, person_id: int, now: datetime) -> int:
    """How many of a person's tokens still work."""
    params = {"workspace_id": ws, "person_id": person_id, "now": now}
    found = await one(conn, Q.live_for_person, params, lambda row: int(row["n"]))
    return found or 0


async def get_for_share(conn: Conn, ws: int, token_id: int) -> ApiToken | None:
    """One token of the workspace, locked FOR SHARE (it is making another)."""
    params = {"workspace_id": ws, "id": token_id}
    return await one(conn, Q.get_for_share, params, ApiToken.from_row)


async def revoke(conn: Conn, ws: int, token_id: int, now: datetime) -> ApiToken | None:
    """Revoke a token and the tokens made with it, theirs too (again is a no-op); None
    when the workspace has no such token."""
    params = {"workspace_id": ws, "id": token_id, "now": now}
    # locked first, in a statement of its own: a token being made with it commits before
    # the tokens made with it are gathered (by a statement that then sees it)
    await conn.execute(Q.lock, params)
    return await one(conn, Q.revoke, params, ApiToken.from_row)


async def revoke_labelled(conn: Conn, ws: int, label: str, now: datetime) -> int:
    """Revoke every live token of the workspace with `label`, and the tokens made with
    them; how many were revoked."""
    params = {"workspace_id": ws, "label": label, "now": now}
    return await execute(conn, Q.revoke_labelled, params)
