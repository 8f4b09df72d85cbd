"""The async-health report of a team or a group of people."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id, decode_optional, require_aware
from handoff.api.resolvers.common import FromArg
from handoff.api.types import Info
from handoff.api.types.health import AsyncHealthReport, AsyncHealthResult, GroupTooSmall
from handoff.services import health_report

ToArg = Annotated[
    datetime,
    strawberry.argument(description="End of the range, exclusive; at most two years on"),
]


@strawberry.type
class HealthQuery:
    @strawberry.field(
        description="How well a team (or 5+ people) works asynchronously, from the history of "
        "the handoffs its members received with deliverAt in [from, to); give teamId or "
        "personIds"
    )
    @expected_failures()
    async def async_health(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        team_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A team's current members")
        ] = None,
        person_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="The people (each counted once; at most 100)"),
        ] = None,
    ) -> AsyncHealthResult:
        ctx = info.context
        # echoed back in the report: in UTC, as every instant the API answers with
        start = require_aware(from_, "from").astimezone(UTC)
        end = require_aware(to, "to").astimezone(UTC)
        people = None
        if person_ids is not None:
            people = [decode_id(v, "Person", f"personIds.{i}") for i, v in enumerate(person_ids)]
        async with ctx.connection() as conn:
            report = await health_report.async_health(
                conn,
                ctx.workspace_id,
                ctx.clock.now(),
                start=start,
                end=end,
                team_id=decode_optional(team_id, "Team", "teamId"),
                person_ids=people,
                min_group=ctx.settings.health_min_group,
            )
        if isinstance(report, health_report.GroupTooSmall):
            message = (
                f"the report answers for groups of {report.minimum} or more people, "
                f"never for fewer: this group has {report.size}"
            )
            if report.too_few_receivers:
                message = (
                    f"the report answers when handoffs landed with {report.minimum} or more "
                    f"of the group's members in the range, so nobody's figures stand alone; "
                    "fewer did here"
                )
            return GroupTooSmall(size=report.size, minimum=report.minimum, message=message)
        return AsyncHealthReport.of(report)
