"""Per-endpoint webhook gauges (backlog, age of the oldest open delivery, health state),
set from PostgreSQL by every worker every few seconds (each process has its own registry)."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from handoff.clock import Clock
from handoff.observability.metrics import (
    WEBHOOK_BACKLOG,
    WEBHOOK_ENDPOINT_STATE,
    WEBHOOK_OLDEST_AGE,
)
from handoff.storage import webhooks as store

STATES = ("healthy", "probing", "disabled")


async def refresh_gauges(pool: AsyncConnectionPool, clock: Clock) -> None:
    """Set the per-endpoint gauges from PostgreSQL (each worker, every few seconds)."""
    async with pool.connection(timeout=5) as conn:
        found = await store.endpoint_gauges(conn)
    now = clock.now()
    seen: set[str] = set()
    for g in found:
        label = str(g.id)
        seen.add(label)
        WEBHOOK_BACKLOG.labels(endpoint=label).set(g.backlog)
        age = (now - g.oldest).total_seconds() if g.oldest is not None else 0.0
        WEBHOOK_OLDEST_AGE.labels(endpoint=label).set(max(0.0, age))
        state = "disabled" if not g.enabled else g.health.lower()
        for name in STATES:
            WEBHOOK_ENDPOINT_STATE.labels(endpoint=label, state=name).set(float(name == state))
    _forget_deleted(seen)


def _forget_deleted(seen: set[str]) -> None:
    """Drop the series of endpoints that no longer exist."""
    for label in _KNOWN - seen:
        WEBHOOK_BACKLOG.remove(label)
        WEBHOOK_OLDEST_AGE.remove(label)
        for name in STATES:
            WEBHOOK_ENDPOINT_STATE.remove(label, name)
    _KNOWN.clear()
    _KNOWN.update(seen)


# endpoints whose gauges this process has set (to remove them when they are deleted)
_KNOWN: set[str] = set()
