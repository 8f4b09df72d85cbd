"""What the readiness check asks of PostgreSQL: does it answer, which migrations ran."""

from __future__ import annotations

from handoff.storage.queries import Queries
from handoff.storage.run import Conn, rows, scalar

Q = Queries("readiness")


async def ping(conn: Conn) -> None:
    """A round trip to the server."""
    await scalar(conn, Q.ping)


async def applied_migrations(conn: Conn) -> set[str]:
    """Versions recorded in schema_migrations (empty before the first migration)."""
    if not await scalar(conn, Q.migrations_table_exists):
        return set()
    return {r["version"] for r in await rows(conn, Q.applied_migrations, {})}
