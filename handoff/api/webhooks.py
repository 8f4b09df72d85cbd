"""GraphQL for webhooks: endpoints, deliveries, attempts, and the mutations that manage them.

Mounted by the root schema through `WebhookQuery` / `WebhookMutation`. Every query is
scoped by `ctx.workspace_id`: another workspace's IDs are NotFound. Secrets appear only
in the payloads of `createWebhookEndpoint` and `rotateWebhookSecret`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.dataloader import DataLoader

from handoff import ids
from handoff.api.context import Context
from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.delivery.payload import EVENT_TYPES, ping_data
from handoff.delivery.signing import generate_secret
from handoff.delivery.ssrf import UnsafeURL, validate_url
from handoff.storage import webhooks as store

Info = strawberry.Info[Context, None]

ENDPOINT = "WebhookEndpoint"
DELIVERY = "WebhookDelivery"
MAX_DESCRIPTION = 500


@strawberry.enum(description="Where a logical delivery (one event to one endpoint) stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    DEAD = "DEAD"


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    number: int
    attempted_at: datetime
    outcome: str = strawberry.field(
        description="success, http_error, timeout, refused (SSRF guard), connect_error or error"
    )
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None = strawberry.field(description="at most 1 KB of the response body")
    error: str | None

    @strawberry.field
    def succeeded(self) -> bool:
        return self.outcome == "success"


@strawberry.type(
    description="A `webhook.disabled` record: the endpoint was switched off for failing."
)
class WebhookDisabledRecord:
    type: str
    occurred_at: datetime
    reason: str
    failing_since: datetime | None


def _records_loader(ctx: Context) -> DataLoader[int, list[WebhookDisabledRecord]]:
    key = "webhook_records"
    if key not in ctx.loaders:

        async def load(endpoint_ids: Sequence[int]) -> list[list[WebhookDisabledRecord]]:
            async with ctx.pool.connection() as conn:
                found = await store.endpoint_records(conn, endpoint_ids)
            return [
                [
                    WebhookDisabledRecord(
                        type=r.type,
                        occurred_at=r.occurred_at,
                        reason=r.reason,
                        failing_since=r.failing_since,
                    )
                    for r in found.get(i, [])
                ]
                for i in endpoint_ids
            ]

        ctx.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[int, list[WebhookDisabledRecord]] = ctx.loaders[key]
    return loader


def _attempts_loader(ctx: Context) -> DataLoader[int, list[WebhookAttempt]]:
    key = "webhook_attempts"
    if key not in ctx.loaders:

        async def load(delivery_ids: Sequence[int]) -> list[list[WebhookAttempt]]:
            async with ctx.pool.connection() as conn:
                found = await store.attempts_for(conn, delivery_ids)
            return [
                [
                    WebhookAttempt(
                        number=a.number,
                        attempted_at=a.attempted_at,
                        outcome=a.outcome,
                        status_code=a.status_code,
                        latency_ms=a.latency_ms,
                        response_excerpt=a.response_excerpt,
                        error=a.error,
                    )
                    for a in found.get(i, [])
                ]
                for i in delivery_ids
            ]

        ctx.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[int, list[WebhookAttempt]] = ctx.loaders[key]
    return loader


@strawberry.type(description="Where events of this workspace are POSTed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None = strawberry.field(
        description="first failed attempt since the last success; null while healthy"
    )
    created_at: datetime
    updated_at: datetime
    pk: strawberry.Private[int]

    @strawberry.field  # `webhook.disabled` records, oldest first.
    async def disabled_records(self, info: Info) -> list[WebhookDisabledRecord]:
        return await _records_loader(info.context).load(self.pk)

    @classmethod
    def of(cls, e: store.Endpoint) -> WebhookEndpoint:
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
            pk=e.id,
        )


@strawberry.type(description="One event to one endpoint: all attempts share one webhook-id.")
class WebhookDelivery:
    id: strawberry.ID
    endpoint_id: strawberry.ID
    message_id: str = strawberry.field(description="the `webhook-id` header, same on every attempt")
    event_type: str
    event_occurred_at: datetime
    status: WebhookDeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None
    pk: strawberry.Private[int]

    @strawberry.field  # Every attempt, in order.
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        return await _attempts_loader(info.context).load(self.pk)

    @classmethod
    def of(cls, d: store.Delivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(ids.encode(DELIVERY, d.id)),
            endpoint_id=strawberry.ID(ids.encode(ENDPOINT, d.endpoint_id)),
            message_id=d.message_id,
            event_type=d.event_type,
            event_occurred_at=d.event_occurred_at,
            status=WebhookDeliveryStatus(d.status),
            attempt_count=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_attempt_at=d.last_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            created_at=d.created_at,
            completed_at=d.completed_at,
            pk=d.id,
        )


# -- payloads -----------------------------------------------------------------------


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint


@strawberry.type
class WebhookEndpointWithSecretPayload:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(
        description="`whsec_...` signing secret; shown only in this response, store it now"
    )


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery


@strawberry.type
class WebhookDeliveriesPayload:
    deliveries: list[WebhookDelivery] = strawberry.field(description="newest first")
    has_more: bool
    end_cursor: str | None = strawberry.field(description="pass as `before` for the next page")


WebhookEndpointResult = Annotated[
    WebhookEndpointPayload | ValidationError | NotFound, strawberry.union("WebhookEndpointResult")
]
CreateWebhookEndpointResult = Annotated[
    WebhookEndpointWithSecretPayload | ValidationError,
    strawberry.union("CreateWebhookEndpointResult"),
]
RotateWebhookSecretResult = Annotated[
    WebhookEndpointWithSecretPayload | ValidationError | NotFound,
    strawberry.union("RotateWebhookSecretResult"),
]
DeleteWebhookEndpointResult = Annotated[
    DeleteWebhookEndpointPayload | ValidationError | NotFound,
    strawberry.union("DeleteWebhookEndpointResult"),
]
WebhookDeliveryResult = Annotated[
    WebhookDeliveryPayload | ValidationError | NotFound | Conflict,
    strawberry.union("WebhookDeliveryResult"),
]
WebhookDeliveriesResult = Annotated[
    WebhookDeliveriesPayload | ValidationError | NotFound,
    strawberry.union("WebhookDeliveriesResult"),
]


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str] = strawberry.field(description="subset of: " + ", ".join(EVENT_TYPES))
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = strawberry.field(
        default=None, description="true re-enables a disabled endpoint; false disables it"
    )


# -- validation ---------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, error: ValidationError | NotFound | Conflict) -> None:
        self.error = error


def _pk(global_id: str, type_name: str, field: str) -> int:
    try:
        return ids.decode_as(global_id, type_name)
    except ids.BadId as exc:
        raise _Bad(ValidationError(field=field, message=str(exc))) from None


def _event_types(values: list[str], field: str) -> list[str]:
    if not values:
        raise _Bad(ValidationError(field=field, message="give at least one event type"))
    out: list[str] = []
    for i, value in enumerate(values):
        if value not in EVENT_TYPES:
            raise _Bad(
                ValidationError(
                    field=f"{field}.{i}",
                    message=f"unknown event type {value!r}; known: {', '.join(EVENT_TYPES)}",
                )
            )
        if value not in out:
            out.append(value)
    return out


def _description(value: str, field: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        raise _Bad(ValidationError(field=field, message=f"at most {MAX_DESCRIPTION} characters"))
    return value


async def _url(info: Info, value: str, field: str) -> str:
    try:
        return await validate_url(value, allow_private=info.context.settings.webhook_allow_private)
    except UnsafeURL as exc:
        raise _Bad(ValidationError(field=field, message=str(exc))) from None


def _not_found(type_name: str, global_id: str) -> NotFound:
    return NotFound(id=global_id, message=f"{type_name} {global_id} not found")


# -- resolvers ----------------------------------------------------------------------


@strawberry.type
class WebhookQuery:
    @strawberry.field  # This workspace's webhook endpoints, oldest first.
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        ctx = info.context
        async with ctx.pool.connection() as conn:
            return [
                WebhookEndpoint.of(e) for e in await store.list_endpoints(conn, ctx.workspace_id)
            ]

    @strawberry.field
    async def webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpointResult:
        ctx = info.context
        try:
            pk = _pk(id, ENDPOINT, "id")
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        async with ctx.pool.connection() as conn:
            endpoint = await store.get_endpoint(conn, ctx.workspace_id, pk)
        if endpoint is None:
            return _not_found(ENDPOINT, id)
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(endpoint))

    @strawberry.field  # Deliveries of one endpoint, newest first, optionally by status.
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        status: WebhookDeliveryStatus | None = None,
        first: int = 50,
        before: str | None = None,
    ) -> WebhookDeliveriesResult:
        ctx = info.context
        try:
            pk = _pk(endpoint_id, ENDPOINT, "endpointId")
            before_pk = _pk(before, DELIVERY, "before") if before else None
            limit = ctx.settings.max_page_size
            if not 1 <= first <= limit:
                raise _Bad(ValidationError(field="first", message=f"must be between 1 and {limit}"))
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        async with ctx.pool.connection() as conn:
            if await store.get_endpoint(conn, ctx.workspace_id, pk) is None:
                return _not_found(ENDPOINT, endpoint_id)
            found = await store.list_deliveries(
                conn,
                ctx.workspace_id,
                pk,
                status=status.value if status else None,
                before=before_pk,
                limit=first + 1,
            )
        page = [WebhookDelivery.of(d) for d in found[:first]]
        return WebhookDeliveriesPayload(
            deliveries=page,
            has_more=len(found) > first,
            end_cursor=str(page[-1].id) if page else None,
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation  # Create an endpoint; the signing secret is returned once.
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateWebhookEndpointResult:
        ctx = info.context
        try:
            url = await _url(info, input.url, "input.url")
            types = _event_types(input.event_types, "input.eventTypes")
            description = _description(input.description, "input.description")
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        secret = generate_secret()
        async with ctx.transaction() as conn:
            endpoint = await store.insert_endpoint(
                conn,
                ctx.workspace_id,
                url=url,
                description=description,
                event_types=types,
                secret=secret,
                now=ctx.clock.now(),
            )
        return WebhookEndpointWithSecretPayload(
            endpoint=WebhookEndpoint.of(endpoint), secret=secret
        )

    @strawberry.mutation
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointResult:
        ctx = info.context
        try:
            pk = _pk(input.id, ENDPOINT, "input.id")
            url = await _url(info, input.url, "input.url") if input.url is not None else None
            types = (
                _event_types(input.event_types, "input.eventTypes")
                if input.event_types is not None
                else None
            )
            description = (
                _description(input.description, "input.description")
                if input.description is not None
                else None
            )
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        async with ctx.transaction() as conn:
            endpoint = await store.update_endpoint(
                conn,
                ctx.workspace_id,
                pk,
                now=ctx.clock.now(),
                url=url,
                description=description,
                event_types=types,
                enabled=input.enabled,
            )
        if endpoint is None:
            return _not_found(ENDPOINT, input.id)
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(endpoint))

    @strawberry.mutation  # Delete an endpoint with its delivery log.
    async def delete_webhook_endpoint(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWebhookEndpointResult:
        ctx = info.context
        try:
            pk = _pk(id, ENDPOINT, "id")
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        async with ctx.transaction() as conn:
            deleted = await store.delete_endpoint(conn, ctx.workspace_id, pk)
        if not deleted:
            return _not_found(ENDPOINT, id)
        return DeleteWebhookEndpointPayload(deleted_id=id)

    @strawberry.mutation  # Replace the signing secret now; the new one is returned once.
    async def rotate_webhook_secret(
        self, info: Info, id: strawberry.ID
    ) -> RotateWebhookSecretResult:
        ctx = info.context
        try:
            pk = _pk(id, ENDPOINT, "id")
        except _Bad as bad:
            return bad.error  # type: ignore[return-value]
        secret = generate_secret()
        async with ctx.transaction() as conn:
            endpoint = await store.rotate_secret(
                conn, ctx.workspace_id, pk, secret, ctx.clock.now()
            )
        if endpoint is None:
            return _not_found(ENDPOINT, id)
        return WebhookEndpointWithSecretPayload(
            endpoint=WebhookEndpoint.of(endpoint), secret=secret
        )

    @strawberry.mutation  # Queue a `ping` to the endpoint (sent by the worker).
    async def test_webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookDeliveryResult:
        ctx = info.context
        try:
            pk = _pk(id, ENDPOINT, "id")
        except _Bad as bad:
            return bad.error
        async with ctx.transaction() as conn:
            endpoint = await store.get_endpoint(conn, ctx.workspace_id, pk)
            if endpoint is None:
                return _not_found(ENDPOINT, id)
            if not endpoint.enabled:
                return Conflict(message="the endpoint is disabled; enable it before testing it")
            delivery_id = await store.insert_ping(
                conn, ctx.workspace_id, pk, ping_data(id), ctx.clock.now()
            )
            delivery = await store.get_delivery(conn, ctx.workspace_id, delivery_id)
        assert delivery is not None
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(delivery))

    @strawberry.mutation  # Send a delivery again now, with the same webhook-id and a fresh retry cycle.
    async def redeliver_webhook(
        self, info: Info, delivery_id: strawberry.ID
    ) -> WebhookDeliveryResult:
        ctx = info.context
        try:
            pk = _pk(delivery_id, DELIVERY, "deliveryId")
        except _Bad as bad:
            return bad.error
        async with ctx.transaction() as conn:
            delivery = await store.get_delivery(conn, ctx.workspace_id, pk)
            if delivery is None:
                return _not_found(DELIVERY, delivery_id)
            endpoint = await store.get_endpoint(conn, ctx.workspace_id, delivery.endpoint_id)
            if endpoint is None or not endpoint.enabled:
                return Conflict(message="the endpoint is disabled; enable it before redelivering")
            await store.redeliver(conn, ctx.workspace_id, pk, ctx.clock.now())
            delivery = await store.get_delivery(conn, ctx.workspace_id, pk)
        assert delivery is not None
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(delivery))
