"""Webhook endpoints and their deliveries: managed over GraphQL, sent by the worker.

Secrets appear only in the payloads of `createWebhookEndpoint` and `rotateWebhookSecret`.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id
from handoff.api.resolvers.common import InputArg
from handoff.api.scalars import Duration
from handoff.api.types import Info
from handoff.api.types.webhooks import (
    CreateWebhookEndpointInput,
    CreateWebhookEndpointResult,
    DeleteWebhookEndpointPayload,
    DeleteWebhookEndpointResult,
    RotateWebhookSecretResult,
    UpdateWebhookEndpointInput,
    WebhookDeliveriesPayload,
    WebhookDeliveriesResult,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookDeliveryResult,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointPayload,
    WebhookEndpointResult,
    WebhookEndpointWithSecretPayload,
)
from handoff.services import webhooks as service
from handoff.services.rights import Right, require
from handoff.services.webhooks import DELIVERY, ENDPOINT, WithSecret
from handoff.storage import webhooks

EndpointIdArg = Annotated[strawberry.ID, strawberry.argument(description="The endpoint")]


def _with_secret(created: WithSecret) -> WebhookEndpointWithSecretPayload:
    return WebhookEndpointWithSecretPayload(
        endpoint=WebhookEndpoint.of(created.endpoint), secret=created.secret
    )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="This workspace's webhook endpoints, oldest first")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        ctx = info.context
        require(ctx.actor, Right.ADMINISTER)
        async with ctx.connection() as conn:
            found = await webhooks.list_endpoints(conn, ctx.workspace_id)
        return [WebhookEndpoint.of(e) for e in found]

    @strawberry.field(description="One webhook endpoint by global ID")
    @expected_failures()
    async def webhook_endpoint(self, info: Info, id: EndpointIdArg) -> WebhookEndpointResult:
        ctx = info.context
        require(ctx.actor, Right.ADMINISTER)
        pk = decode_id(id, ENDPOINT, "id")
        async with ctx.connection() as conn:
            found = await service.endpoint(conn, ctx.workspace_id, pk)
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(found))

    @strawberry.field(description="Deliveries of one endpoint, newest first, optionally by status")
    @expected_failures()
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: EndpointIdArg,
        status: Annotated[
            WebhookDeliveryStatus | None, strawberry.argument(description="Only this status")
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to the cap")] = 50,
        before: Annotated[
            str | None,
            strawberry.argument(description="`endCursor` of the previous page (older ones)"),
        ] = None,
    ) -> WebhookDeliveriesResult:
        ctx = info.context
        require(ctx.actor, Right.ADMINISTER)
        pk = decode_id(endpoint_id, ENDPOINT, "endpointId")
        before_pk = decode_id(before, DELIVERY, "before") if before else None
        async with ctx.connection() as conn:
            found, more = await service.deliveries_page(
                conn,
                ctx.workspace_id,
                pk,
                status=status,
                before=before_pk,
                first=first,
                max_page=ctx.settings.max_page_size,
            )
        page = [WebhookDelivery.of(d) for d in found]
        return WebhookDeliveriesPayload(
            deliveries=page, has_more=more, end_cursor=str(page[-1].id) if page else None
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Create an endpoint; the signing secret is returned once")
    @expected_failures("input")
    async def create_webhook_endpoint(
        self, info: Info, input: InputArg[CreateWebhookEndpointInput]
    ) -> CreateWebhookEndpointResult:
        created = await info.context.change(
            service.create_endpoint,
            url=input.url,
            event_types=input.event_types,
            description=input.description,
            allow_private=info.context.settings.webhook_allow_private,
        )
        return _with_secret(created)

    @strawberry.mutation(description="Change an endpoint; `enabled: true` re-enables it")
    @expected_failures("input")
    async def update_webhook_endpoint(
        self, info: Info, input: InputArg[UpdateWebhookEndpointInput]
    ) -> WebhookEndpointResult:
        updated = await info.context.change(
            service.update_endpoint,
            decode_id(input.id, ENDPOINT, "id"),
            url=input.url,
            event_types=input.event_types,
            description=input.description,
            enabled=input.enabled,
            allow_private=info.context.settings.webhook_allow_private,
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(updated))

    @strawberry.mutation(description="Delete an endpoint with its delivery log")
    @expected_failures()
    async def delete_webhook_endpoint(
        self, info: Info, id: EndpointIdArg
    ) -> DeleteWebhookEndpointResult:
        await info.context.change(service.delete_endpoint, decode_id(id, ENDPOINT, "id"))
        return DeleteWebhookEndpointPayload(deleted_id=id)

    @strawberry.mutation(
        description="Replace the signing secret now; the new one is returned once. With "
        "keepPreviousFor, deliveries carry a signature of the replaced secret too until then "
        "(see previousSecretUntil), so receivers switch without rejecting any"
    )
    @expected_failures()
    async def rotate_webhook_secret(
        self,
        info: Info,
        id: EndpointIdArg,
        keep_previous_for: Annotated[
            Duration | None,
            strawberry.argument(
                description="How long the replaced secret signs beside the new one, at most "
                "P7D (e.g. PT24H); null: it stops at once"
            ),
        ] = None,
    ) -> RotateWebhookSecretResult:
        rotated = await info.context.change(
            service.rotate_secret, decode_id(id, ENDPOINT, "id"), keep_previous_for
        )
        return _with_secret(rotated)

    @strawberry.mutation(description="Queue a `ping` to the endpoint (sent by the worker)")
    @expected_failures()
    async def test_webhook_endpoint(self, info: Info, id: EndpointIdArg) -> WebhookDeliveryResult:
        delivery = await info.context.change(service.ping_endpoint, decode_id(id, ENDPOINT, "id"))
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(delivery))

    @strawberry.mutation(
        description="Send a delivery again now, with the same webhook-id and a fresh retry cycle"
    )
    @expected_failures()
    async def redeliver_webhook(
        self,
        info: Info,
        delivery_id: Annotated[strawberry.ID, strawberry.argument(description="The delivery")],
    ) -> WebhookDeliveryResult:
        delivery = await info.context.change(
            service.redeliver, decode_id(delivery_id, DELIVERY, "deliveryId")
        )
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(delivery))
