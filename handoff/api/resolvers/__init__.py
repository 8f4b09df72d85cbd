"""Root Query and Mutation: thin translations between GraphQL and the services.

Each module holds the fields of one area; the root types combine them.
"""

from __future__ import annotations

import strawberry

from handoff.api.resolvers.answers import AnswerMutation
from handoff.api.resolvers.calendar import CalendarQuery
from handoff.api.resolvers.delegation import DelegationMutation
from handoff.api.resolvers.handoffs import HandoffMutation, HandoffQuery
from handoff.api.resolvers.health import HealthQuery
from handoff.api.resolvers.people import PeopleMutation, PeopleQuery
from handoff.api.resolvers.teams import TeamMutation, TeamQuery
from handoff.api.resolvers.tokens import TokenMutation, TokenQuery
from handoff.api.resolvers.travel import TravelMutation
from handoff.api.resolvers.webhooks import WebhookMutation, WebhookQuery
from handoff.api.resolvers.work_items import WorkItemMutation, WorkItemQuery
from handoff.api.resolvers.workspace import WorkspaceMutation, WorkspaceQuery


@strawberry.type(description="What can be read")
class Query(
    WorkspaceQuery,
    PeopleQuery,
    TeamQuery,
    WorkItemQuery,
    HandoffQuery,
    CalendarQuery,
    TokenQuery,
    WebhookQuery,
    HealthQuery,
):
    pass


@strawberry.type(description="What can be changed")
class Mutation(
    WorkspaceMutation,
    PeopleMutation,
    TeamMutation,
    WorkItemMutation,
    HandoffMutation,
    AnswerMutation,
    TokenMutation,
    WebhookMutation,
    TravelMutation,
    DelegationMutation,
):
    pass
