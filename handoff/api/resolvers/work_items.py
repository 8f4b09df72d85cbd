"""Work items: the unit of work that travels."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import CreateWorkItemInput, WorkItemFilter, decode_optional
from handoff.api.resolvers.common import AfterArg, FirstArg, InputArg, id_page, require_known
from handoff.api.types import Connection, Info, WorkItem
from handoff.api.types.results import WorkItemPayload, WorkItemResult
from handoff.services import work_items as work_item_service
from handoff.storage import work_items


@strawberry.type
class WorkItemQuery:
    @strawberry.field(description="The workspace's work items, by creation, optionally filtered")
    async def work_items(
        self,
        info: Info,
        filter: Annotated[
            WorkItemFilter | None, strawberry.argument(description="Which items; omitted = all")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[WorkItem]:
        f = filter or WorkItemFilter()
        holder_id = decode_optional(f.holder_id, "Person", "filter.holderId")
        await require_known(info, "person", "Person", holder_id)
        fetch = partial(work_items.page, status=f.status, holder_id=holder_id)
        count = partial(work_items.count, status=f.status, holder_id=holder_id)
        return await id_page(info, fetch, count, WorkItem.wrap, first, after)


@strawberry.type
class WorkItemMutation:
    @strawberry.mutation(description="A work item, optionally held by someone")
    @expected_failures("input")
    async def create_work_item(
        self, info: Info, input: InputArg[CreateWorkItemInput]
    ) -> WorkItemResult:
        item = await info.context.change(
            work_item_service.create_work_item,
            input.title,
            input.description,
            decode_optional(input.holder_id, "Person", "holderId"),
        )
        return WorkItemPayload(work_item=WorkItem.wrap(item))
