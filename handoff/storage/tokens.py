"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from handoff.storage.models import Workspace
from handoff.storage.run import execute, one

TOKEN_PREFIX = "hnd_"


def hash_token(token: str) -> bytes:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).digest()


async def ensure_workspace(
    conn: AsyncConnection[Any], name: str, now: datetime, reminders: int = 1
) -> Workspace:
    """The workspace called `name`, created when it does not exist."""
    workspace = await one(
        conn,
        "workspace_upsert",
        {"name": name, "reminders": reminders, "now": now},
        Workspace.from_row,
    )
    assert workspace is not None
    return workspace


async def create_token(
    conn: AsyncConnection[Any],
    workspace_name: str,
    now: datetime,
    label: str = "",
    reminders: int = 1,
) -> str:
    """Create a token for the workspace (creating it, with `reminders` before escalation,
    if needed); returns it, once."""
    workspace = await ensure_workspace(conn, workspace_name, now, reminders)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await execute(
        conn,
        "token_insert",
        {"workspace_id": workspace.id, "token_hash": hash_token(token), "label": label, "now": now},
    )
    return token


async def workspace_for_token(conn: AsyncConnection[Any], token: str) -> int | None:
    """The workspace id a token belongs to, or None for an unknown or revoked token."""
    row = await one(conn, "token_workspace", {"token_hash": hash_token(token)}, lambda r: r)
    return None if row is None else int(row["workspace_id"])
