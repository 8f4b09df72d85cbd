"""GraphQL types of webhooks: endpoints, deliveries, attempts, and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from handoff import ids
from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.loaders import loader
from handoff.api.types.common import Info, describe_enum
from handoff.services.webhooks import DELIVERY, ENDPOINT
from handoff.states import EndpointHealth, WebhookDeliveryStatus
from handoff.storage import models as m
from handoff.webhooks.payload import EVENT_TYPES

describe_enum(
    WebhookDeliveryStatus,
    "Where a logical delivery (one event to one endpoint) stands.",
    {
        "PENDING": "Not tried yet, or a redelivery was asked for",
        "SUCCEEDED": "Delivered: the receiver answered 2xx",
        "FAILED": "The last attempt failed at the endpoint; it waits, at the head, for the "
        "next probe (or for the endpoint to be enabled again)",
        "DEAD": "Refused by the receiver with a 4xx: not tried again unless redelivered",
    },
)

describe_enum(
    EndpointHealth,
    "How an endpoint's deliveries go out (a disabled endpoint sends nothing either way).",
    {
        "HEALTHY": "In sequence, as they come",
        "PROBING": "The last attempt failed at the endpoint: only the oldest open delivery is "
        "tried, at nextProbeAt, and the first success sends the backlog at once",
    },
)


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    number: int = strawberry.field(description="1 for the first attempt, counting redeliveries")
    attempted_at: datetime = strawberry.field(description="When the attempt started")
    outcome: str = strawberry.field(
        description="success, http_error, timeout, refused (SSRF guard), connect_error or error"
    )
    status_code: int | None = strawberry.field(description="The HTTP status, when one came back")
    latency_ms: int = strawberry.field(description="How long the attempt took")
    response_excerpt: str | None = strawberry.field(description="at most 1 KB of the response body")
    error: str | None = strawberry.field(description="Why it failed; null on success")

    @strawberry.field(description="Whether the receiver answered 2xx")
    def succeeded(self) -> bool:
        return self.outcome == "success"

    @classmethod
    def of(cls, a: m.WebhookAttempt) -> WebhookAttempt:
        return cls(
            number=a.number,
            attempted_at=a.attempted_at,
            outcome=a.outcome,
            status_code=a.status_code,
            latency_ms=a.latency_ms,
            response_excerpt=a.response_excerpt,
            error=a.error,
        )


@strawberry.type(
    description="A `webhook.disabled` record: the endpoint was switched off for failing."
)
class WebhookDisabledRecord:
    type: str = strawberry.field(description="Always `webhook.disabled`")
    occurred_at: datetime = strawberry.field(description="When the endpoint was disabled")
    reason: str = strawberry.field(description="Why, with the last error")
    failing_since: datetime | None = strawberry.field(
        description="The first failed attempt of the run of failures"
    )


@strawberry.type(description="Where events of this workspace are POSTed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Opaque global ID")
    url: str = strawberry.field(description="http(s) URL the events are POSTed to")
    description: str = strawberry.field(description="Free text for people")
    event_types: list[str] = strawberry.field(description="The event types it receives")
    enabled: bool = strawberry.field(
        description="false: nothing is sent; deliveries already made wait for it to be "
        "enabled again, and events that happen while it is off are not delivered to it"
    )
    disabled_at: datetime | None = strawberry.field(description="When it was disabled")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled")
    failing_since: datetime | None = strawberry.field(
        description="first failed attempt since the last success; null while healthy"
    )
    created_at: datetime = strawberry.field(description="When it was created")
    updated_at: datetime = strawberry.field(description="When it last changed")
    previous_secret_until: datetime | None = strawberry.field(
        description="Until when deliveries also carry a signature of the secret the last "
        "rotation replaced (rotateWebhookSecret's keepPreviousFor; once past, no longer); "
        "null: only the current one"
    )
    health: EndpointHealth = strawberry.field(description="How its deliveries go out now")
    next_probe_at: datetime | None = strawberry.field(
        description="While PROBING: when the oldest open delivery is tried again "
        "(testWebhookEndpoint and redeliverWebhook try it at once); null otherwise"
    )
    pk: strawberry.Private[int]

    @strawberry.field(description="`webhook.disabled` records, oldest first")
    async def disabled_records(self, info: Info) -> list[WebhookDisabledRecord]:
        found = await loader(info.context, "webhook_records").load(self.pk)
        return [
            WebhookDisabledRecord(
                type=r.type,
                occurred_at=r.occurred_at,
                reason=r.reason,
                failing_since=r.failing_since,
            )
            for r in found
        ]

    @classmethod
    def of(cls, e: m.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(ids.encode(ENDPOINT, e.id)),
            url=e.url,
            description=e.description,
            event_types=list(e.event_types),
            enabled=e.enabled,
            disabled_at=e.disabled_at,
            disabled_reason=e.disabled_reason,
            failing_since=e.failing_since,
            created_at=e.created_at,
            updated_at=e.updated_at,
            previous_secret_until=e.previous_secret_until,
            health=e.health,
            next_probe_at=e.probe_at if e.health == EndpointHealth.PROBING else None,
            pk=e.id,
        )


@strawberry.type(description="One event to one endpoint: all attempts share one webhook-id.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Opaque global ID")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint's global ID")
    message_id: str = strawberry.field(description="the `webhook-id` header, same on every attempt")
    event_type: str = strawberry.field(description="The event's type, e.g. handoff.delivered")
    event_occurred_at: datetime = strawberry.field(description="When the event happened")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands")
    attempt_count: int = strawberry.field(description="Attempts so far, over every cycle")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next; null when finished"
    )
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried")
    last_status_code: int | None = strawberry.field(description="HTTP status of the last attempt")
    last_error: str | None = strawberry.field(description="Why the last attempt failed")
    created_at: datetime = strawberry.field(description="When the delivery was queued")
    completed_at: datetime | None = strawberry.field(
        description="When it succeeded or was given up (DEAD)"
    )
    pk: strawberry.Private[int]

    @strawberry.field(description="Every attempt, in order")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        found = await loader(info.context, "webhook_attempts").load(self.pk)
        return [WebhookAttempt.of(a) for a in found]

    @classmethod
    def of(cls, d: m.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(ids.encode(DELIVERY, d.id)),
            endpoint_id=strawberry.ID(ids.encode(ENDPOINT, d.endpoint_id)),
            message_id=d.message_id,
            event_type=d.event_type,
            event_occurred_at=d.event_occurred_at,
            status=d.status,
            attempt_count=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_attempt_at=d.last_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            created_at=d.created_at,
            completed_at=d.completed_at,
            pk=d.id,
        )


@strawberry.type(description="An endpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint")


@strawberry.type(description="An endpoint and its signing secret, shown only this once.")
class WebhookEndpointWithSecretPayload:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint")
    secret: str = strawberry.field(
        description="`whsec_...` signing secret; shown only in this response, store it now"
    )


@strawberry.type(description="The endpoint was deleted with its delivery log.")
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted endpoint's global ID")


@strawberry.type(description="A delivery.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery = strawberry.field(description="The delivery")


@strawberry.type(description="A page of an endpoint's deliveries.")
class WebhookDeliveriesPayload:
    deliveries: list[WebhookDelivery] = strawberry.field(description="newest first")
    has_more: bool = strawberry.field(description="Whether older deliveries follow")
    end_cursor: str | None = strawberry.field(description="pass as `before` for the next page")


WebhookEndpointResult = Annotated[
    WebhookEndpointPayload | ValidationError | NotFound,
    strawberry.union("WebhookEndpointResult", description="The result, or why not"),
]
CreateWebhookEndpointResult = Annotated[
    WebhookEndpointWithSecretPayload | ValidationError,
    strawberry.union("CreateWebhookEndpointResult", description="The result, or why not"),
]
RotateWebhookSecretResult = Annotated[
    WebhookEndpointWithSecretPayload | ValidationError | NotFound | Conflict,
    strawberry.union("RotateWebhookSecretResult", description="The result, or why not"),
]
DeleteWebhookEndpointResult = Annotated[
    DeleteWebhookEndpointPayload | ValidationError | NotFound,
    strawberry.union("DeleteWebhookEndpointResult", description="The result, or why not"),
]
WebhookDeliveryResult = Annotated[
    WebhookDeliveryPayload | ValidationError | NotFound | Conflict,
    strawberry.union("WebhookDeliveryResult", description="The result, or why not"),
]
WebhookDeliveriesResult = Annotated[
    WebhookDeliveriesPayload | ValidationError | NotFound,
    strawberry.union("WebhookDeliveriesResult", description="The result, or why not"),
]


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="http(s) URL; private addresses are refused")
    event_types: list[str] = strawberry.field(description="subset of: " + ", ".join(EVENT_TYPES))
    description: str = strawberry.field(default="", description="Free text for people")


@strawberry.input(description="Changes to a webhook endpoint; omitted fields stay as they are.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint's global ID")
    url: str | None = strawberry.field(default=None, description="A new URL")
    event_types: list[str] | None = strawberry.field(default=None, description="New event types")
    description: str | None = strawberry.field(default=None, description="A new description")
    enabled: bool | None = strawberry.field(
        default=None, description="true re-enables a disabled endpoint; false disables it"
    )
