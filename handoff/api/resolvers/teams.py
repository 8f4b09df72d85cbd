"""Teams and their members."""

from __future__ import annotations

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import CreateTeamInput, decode_id
from handoff.api.resolvers.common import (
    AfterArg,
    FirstArg,
    InputArg,
    PersonIdArg,
    TeamIdArg,
    id_page,
)
from handoff.api.types import Connection, Info, Team
from handoff.api.types.results import TeamPayload, TeamResult
from handoff.services import teams as team_service
from handoff.storage import teams


@strawberry.type
class TeamQuery:
    @strawberry.field(description="The workspace's teams, by creation")
    async def teams(
        self, info: Info, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Team]:
        return await id_page(info, teams.page, teams.count, Team.wrap, first, after)


@strawberry.type
class TeamMutation:
    @strawberry.mutation(description="A team, with its routing and optionally its members")
    @expected_failures("input")
    async def create_team(self, info: Info, input: InputArg[CreateTeamInput]) -> TeamResult:
        member_ids = [
            decode_id(v, "Person", f"memberIds.{i}") for i, v in enumerate(input.member_ids or [])
        ]
        team = await info.context.change(
            team_service.create_team, input.name, input.routing, member_ids
        )
        return TeamPayload(team=Team.wrap(team))

    @strawberry.mutation(description="Add a person to a team (nothing changes if they are in it)")
    @expected_failures()
    async def add_team_member(
        self, info: Info, team_id: TeamIdArg, person_id: PersonIdArg
    ) -> TeamResult:
        team = await info.context.change(
            team_service.add_member,
            decode_id(team_id, "Team", "teamId"),
            decode_id(person_id, "Person", "personId"),
        )
        return TeamPayload(team=Team.wrap(team))

    @strawberry.mutation(description="Remove a person from a team")
    @expected_failures()
    async def remove_team_member(
        self, info: Info, team_id: TeamIdArg, person_id: PersonIdArg
    ) -> TeamResult:
        team = await info.context.change(
            team_service.remove_member,
            decode_id(team_id, "Team", "teamId"),
            decode_id(person_id, "Person", "personId"),
        )
        return TeamPayload(team=Team.wrap(team))
