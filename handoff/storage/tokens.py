"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from handoff.storage import workspaces
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, execute, scalar

Q = Queries("tokens")
TOKEN_PREFIX = "hnd_"


def hash_token(token: str) -> bytes:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).digest()


async def create_token(
    conn: Conn, workspace_name: str, now: datetime, label: str = "", reminders: int = 1
) -> str:
    """Create a token for the workspace (creating it, with `reminders` before escalation,
    if needed); returns it, once."""
    workspace = await workspaces.ensure(conn, workspace_name, now, reminders)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    params = {"workspace_id": workspace.id, "token_hash": hash_token(token), "label": label}
    await execute(conn, Q.insert, {**params, "now": now})
    return token


async def workspace_for_token(conn: Conn, token: str) -> int | None:
    """The workspace id a token belongs to, or None for an unknown or revoked token."""
    found = await scalar(conn, Q.workspace_of, {"token_hash": hash_token(token)})
    return None if found is None else int(found)
