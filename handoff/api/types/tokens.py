"""GraphQL types of API tokens: listed without their secret, which is shown only once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from handoff import ids
from handoff.api.errors import NotFound, ValidationError
from handoff.api.loaders import loader
from handoff.api.types.common import Info, Node
from handoff.api.types.people import Person
from handoff.services import tokens as token_service
from handoff.storage import models as m


@strawberry.type(description="An API token, without its secret.")
class ApiToken(Node):
    _m: strawberry.Private[m.ApiToken]
    name: str = strawberry.field(description="What it is for")
    created_at: datetime = strawberry.field(description="When it was made")
    last_used_at: datetime | None = strawberry.field(
        description="When it last authenticated a request (refreshed at most once a minute)"
    )
    expires_at: datetime | None = strawberry.field(description="When it stops working, if ever")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked")

    @strawberry.field(description="Whom it acts as; null for a workspace token")
    async def person(self, info: Info) -> Person | None:
        if self._m.person_id is None:
            return None
        found = await loader(info.context, "person").load(self._m.person_id)
        return None if found is None else Person.wrap(found)

    @strawberry.field(
        description="The token whose request made it (revoking that one revokes this one "
        "too); null when the CLI made it, or when it is not yours to see"
    )
    async def made_by(self, info: Info) -> ApiToken | None:
        return None if self._m.made_by is None else await ApiToken.visible(info, self._m.made_by)

    @classmethod
    async def visible(cls, info: Info, token_id: int) -> ApiToken | None:
        """The token, when the caller may list it (`node`, `madeBy`); else None."""
        ctx = info.context
        async with ctx.connection() as conn:
            found = await token_service.visible_token(conn, ctx.workspace_id, token_id, ctx.actor)
        return None if found is None else cls.wrap(found)

    @classmethod
    def wrap(cls, model: m.ApiToken) -> ApiToken:
        return cls(
            id=strawberry.ID(ids.encode("ApiToken", model.id)),
            _m=model,
            name=model.label,
            created_at=model.created_at,
            last_used_at=model.last_used_at,
            expires_at=model.expires_at,
            revoked_at=model.revoked_at,
        )


@strawberry.type(description="A new person token and its secret, shown only this once.")
class CreatePersonTokenPayload:
    token: ApiToken = strawberry.field(description="The token")
    secret: str = strawberry.field(
        description="`hnd_...`: send as `Authorization: Bearer …`; shown only here, store it now"
    )


@strawberry.type(description="The revoked token.")
class RevokeTokenPayload:
    token: ApiToken = strawberry.field(description="The token; its next request is refused")


def _union(name: str, what: str) -> Any:
    return strawberry.union(name, description=f"{what}, or why not")


CreatePersonTokenResult = Annotated[
    CreatePersonTokenPayload | ValidationError | NotFound,
    _union("CreatePersonTokenResult", "The new token"),
]
RevokeTokenResult = Annotated[
    RevokeTokenPayload | ValidationError | NotFound, _union("RevokeTokenResult", "The token")
]
