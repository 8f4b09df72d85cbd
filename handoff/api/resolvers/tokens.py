"""API tokens: listed, created for a person, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id, decode_optional
from handoff.api.resolvers.common import PersonIdArg
from handoff.api.types import Info
from handoff.api.types.tokens import (
    ApiToken,
    CreatePersonTokenPayload,
    CreatePersonTokenResult,
    RevokeTokenPayload,
    RevokeTokenResult,
)
from handoff.services import tokens as token_service


@strawberry.type
class TokenQuery:
    @strawberry.field(
        description="API tokens, without secrets: a workspace token sees all of the "
        "workspace's (or one person's), a person token only its own person's"
    )
    async def tokens(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this person's tokens")
        ] = None,
    ) -> list[ApiToken]:
        ctx = info.context
        pid = decode_optional(person_id, "Person", "personId")
        async with ctx.connection() as conn:
            found = await token_service.list_tokens(conn, ctx.workspace_id, pid, actor=ctx.actor)
        return [ApiToken.wrap(t) for t in found]


@strawberry.type
class TokenMutation:
    @strawberry.mutation(
        description="A token that acts as a person (for a person-facing app); its secret is "
        "returned once"
    )
    @expected_failures()
    async def create_person_token(
        self,
        info: Info,
        person_id: PersonIdArg,
        name: Annotated[str, strawberry.argument(description="What it is for, e.g. 'web app'")],
        expires_at: Annotated[
            datetime | None,
            strawberry.argument(description="When it stops working; default: never"),
        ] = None,
    ) -> CreatePersonTokenResult:
        pid = decode_id(person_id, "Person", "personId")
        token, secret = await info.context.change(
            token_service.create_person_token, pid, name, expires_at
        )
        return CreatePersonTokenPayload(token=ApiToken.wrap(token), secret=secret)

    @strawberry.mutation(
        description="Revoke a token and the tokens made with it (and theirs); their next "
        "requests are refused"
    )
    @expected_failures()
    async def revoke_token(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The token's global ID")],
    ) -> RevokeTokenResult:
        token = await info.context.change(
            token_service.revoke_token, decode_id(id, "ApiToken", "id")
        )
        return RevokeTokenPayload(token=ApiToken.wrap(token))
