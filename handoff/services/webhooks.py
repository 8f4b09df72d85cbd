"""Webhook endpoints: the rules for creating, changing, testing and redelivering.

URLs pass the SSRF guard when they are set (and again at every connection, in the
worker); event types come from the published list; a disabled endpoint refuses tests and
redeliveries with a Conflict until it is enabled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handoff.ids import encode
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.rights import Actor, Right, require
from handoff.states import WebhookDeliveryStatus
from handoff.storage import webhooks
from handoff.storage.models import WebhookDelivery, WebhookEndpoint
from handoff.storage.run import Conn
from handoff.webhooks.payload import EVENT_TYPES, ping_data
from handoff.webhooks.signing import generate_secret
from handoff.webhooks.ssrf import UnsafeURL, validate_url

ENDPOINT = "WebhookEndpoint"
DELIVERY = "WebhookDelivery"
MAX_DESCRIPTION = 500
# A receiver has this long at most to switch to a rotated secret.
MAX_OVERLAP = timedelta(days=7)
PING_DISPATCH_BATCH = 1000


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its signing secret, shown to the client only this once."""

    endpoint: WebhookEndpoint
    secret: str


def _event_types(values: list[str], field: str) -> list[str]:
    if not values:
        raise Invalid(field, "give at least one event type")
    out: list[str] = []
    for i, value in enumerate(values):
        if value not in EVENT_TYPES:
            known = ", ".join(EVENT_TYPES)
            raise Invalid(f"{field}.{i}", f"unknown event type {value!r}; known: {known}")
        if value not in out:
            out.append(value)
    return out


def _description(value: str, field: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        raise Invalid(field, f"at most {MAX_DESCRIPTION} characters")
    return value


async def _url(value: str, field: str, allow_private: bool) -> str:
    try:
        return await validate_url(value, allow_private=allow_private)
    except UnsafeURL as exc:
        raise Invalid(field, str(exc)) from None


async def endpoint(conn: Conn, ws: int, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, or NotFound."""
    found = await webhooks.get_endpoint(conn, ws, endpoint_id)
    if found is None:
        raise NotFound(ENDPOINT, endpoint_id)
    return found


async def create_endpoint(
    conn: Conn,
    ws: int,
    now: datetime,
    *,
    url: str,
    event_types: list[str],
    description: str,
    allow_private: bool,
    actor: Actor | None = None,
) -> WithSecret:
    """A new endpoint with a fresh signing secret."""
    require(actor, Right.ADMINISTER)
    checked = await _url(url, "url", allow_private)
    types = _event_types(event_types, "eventTypes")
    secret = generate_secret()
    created = await webhooks.insert_endpoint(
        conn,
        ws,
        url=checked,
        description=_description(description, "description"),
        event_types=types,
        secret=secret,
        now=now,
    )
    return WithSecret(created, secret)


async def update_endpoint(
    conn: Conn,
    ws: int,
    now: datetime,
    endpoint_id: int,
    *,
    url: str | None,
    event_types: list[str] | None,
    description: str | None,
    enabled: bool | None,
    allow_private: bool,
    actor: Actor | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; None keeps a field. `enabled: true` re-enables it."""
    require(actor, Right.ADMINISTER)
    checked = await _url(url, "url", allow_private) if url is not None else None
    types = _event_types(event_types, "eventTypes") if event_types is not None else None
    text = _description(description, "description") if description is not None else None
    updated = await webhooks.update_endpoint(
        conn,
        ws,
        endpoint_id,
        now=now,
        url=checked,
        description=text,
        event_types=types,
        enabled=enabled,
    )
    if updated is None:
        raise NotFound(ENDPOINT, endpoint_id)
    return updated


async def delete_endpoint(
    conn: Conn, ws: int, now: datetime, endpoint_id: int, actor: Actor | None = None
) -> None:
    """Delete an endpoint with its delivery log."""
    require(actor, Right.ADMINISTER)
    if not await webhooks.delete_endpoint(conn, ws, endpoint_id):
        raise NotFound(ENDPOINT, endpoint_id)


async def rotate_secret(
    conn: Conn,
    ws: int,
    now: datetime,
    endpoint_id: int,
    keep_previous_for: timedelta | None = None,
    actor: Actor | None = None,
) -> WithSecret:
    """Replace the signing secret; for `keep_previous_for` the replaced one signs too."""
    require(actor, Right.ADMINISTER)
    if keep_previous_for is not None and not timedelta(0) < keep_previous_for <= MAX_OVERLAP:
        raise Invalid(
            "keepPreviousFor",
            f"keepPreviousFor must be more than 0 and at most {MAX_OVERLAP.days} days",
        )
    secret = generate_secret()
    until = None if keep_previous_for is None else now + keep_previous_for
    for _ in range(2):
        rotated = await webhooks.rotate_secret(conn, ws, endpoint_id, secret, now, until)
        if rotated is not None:
            return WithSecret(rotated, secret)
        current = await endpoint(conn, ws, endpoint_id)  # NotFound when there is none
        running = current.previous_secret_until
        if running is not None and running > now:
            raise Conflict(
                f"the secret replaced last still signs until {running.astimezone(UTC).isoformat()}"
                "; another overlap now would cut it off early: rotate again after that, or "
                "without keepPreviousFor to replace both secrets at once"
            )
        # a concurrent rotation ended that overlap after this one was refused: again
    raise Conflict("the endpoint's secret is being rotated by another request; try again")


async def ping_endpoint(
    conn: Conn, ws: int, now: datetime, endpoint_id: int, actor: Actor | None = None
) -> WebhookDelivery:
    """Queue a `ping` to this endpoint only, after every event committed before it.

    It takes the dispatch lock (until this transaction ends) and dispatches what waits,
    so the ping gets the next sequence number after those events, like any event.
    """
    require(actor, Right.ADMINISTER)
    target = await endpoint(conn, ws, endpoint_id)
    if not target.enabled:
        raise Conflict("the endpoint is disabled; enable it before testing it")
    data = ping_data(encode(ENDPOINT, endpoint_id))
    await webhooks.lock_dispatch(conn)
    while (await webhooks.dispatch_events(conn, now, PING_DISPATCH_BATCH)).events:
        pass
    delivery_id = await webhooks.insert_ping(conn, ws, endpoint_id, data, now)
    return await delivery(conn, ws, delivery_id)


async def delivery(conn: Conn, ws: int, delivery_id: int) -> WebhookDelivery:
    """The delivery, or NotFound."""
    found = await webhooks.get_delivery(conn, ws, delivery_id)
    if found is None:
        raise NotFound(DELIVERY, delivery_id)
    return found


async def redeliver(
    conn: Conn, ws: int, now: datetime, delivery_id: int, actor: Actor | None = None
) -> WebhookDelivery:
    """Send a delivery again now: same message id, a fresh retry cycle."""
    require(actor, Right.ADMINISTER)
    found = await delivery(conn, ws, delivery_id)
    target = await webhooks.get_endpoint(conn, ws, found.endpoint_id)
    if target is None or not target.enabled:
        raise Conflict("the endpoint is disabled; enable it before redelivering")
    await webhooks.redeliver(conn, ws, delivery_id, now)
    return await delivery(conn, ws, delivery_id)


async def deliveries_page(
    conn: Conn,
    ws: int,
    endpoint_id: int,
    *,
    status: WebhookDeliveryStatus | None,
    before: int | None,
    first: int,
    max_page: int,
) -> tuple[list[WebhookDelivery], bool]:
    """An endpoint's deliveries, newest first: the page and whether there are more."""
    if not 1 <= first <= max_page:
        raise Invalid("first", f"must be between 1 and {max_page}")
    await endpoint(conn, ws, endpoint_id)
    found = await webhooks.list_deliveries(
        conn, ws, endpoint_id, status=status, before=before, limit=first + 1
    )
    return found[:first], len(found) > first
