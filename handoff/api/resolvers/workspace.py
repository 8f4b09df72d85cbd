"""The caller's workspace, and any object by global ID."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.loaders import loader
from handoff.api.resolvers.common import IdArg
from handoff.api.types import Handoff, Info, Node, Person, Team, WorkItem, Workspace, workspace_from
from handoff.api.types.delegation import Delegation
from handoff.api.types.results import WorkspacePayload, WorkspaceResult
from handoff.api.types.tokens import ApiToken
from handoff.api.types.travel import TravelPeriod
from handoff.ids import BadId, decode
from handoff.services import workspaces as workspace_service
from handoff.storage import workspaces

_NODES: dict[str, tuple[str, Any]] = {
    "Person": ("person", Person.wrap),
    "Team": ("team", Team.wrap),
    "WorkItem": ("work_item", WorkItem.wrap),
    "Handoff": ("handoff", Handoff.wrap),
    "TravelPeriod": ("travel", TravelPeriod.wrap),
    "Delegation": ("delegation", Delegation.wrap),
}


async def _viewer(info: Info) -> Workspace:
    ctx = info.context
    async with ctx.connection() as conn:
        ws = await workspaces.get(conn, ctx.workspace_id)
    assert ws is not None
    return workspace_from(ws)


@strawberry.type
class WorkspaceQuery:
    @strawberry.field(description="The workspace of the caller's token")
    async def viewer(self, info: Info) -> Workspace:
        return await _viewer(info)

    @strawberry.field(description="Any object by global ID; null when not in this workspace")
    async def node(self, info: Info, id: IdArg) -> Node | None:
        try:
            kind, pk = decode(str(id))
        except BadId:
            return None
        if kind == "Workspace":
            return await _viewer(info) if pk == info.context.workspace_id else None
        if kind == "ApiToken":
            return await ApiToken.visible(info, pk)
        if kind not in _NODES:
            return None
        name, wrap = _NODES[kind]
        found = await loader(info.context, name).load(pk)
        return None if found is None else wrap(found)


@strawberry.type
class WorkspaceMutation:
    @strawberry.mutation(
        description="Reminders before a handoff escalates (0-20), for handoffs created from now on"
    )
    @expected_failures()
    async def update_workspace(
        self,
        info: Info,
        reminders_before_escalation: Annotated[
            int, strawberry.argument(description="Reminders before escalation, 0 to 20")
        ],
    ) -> WorkspaceResult:
        ws = await info.context.change(workspace_service.set_reminders, reminders_before_escalation)
        return WorkspacePayload(workspace=workspace_from(ws))
