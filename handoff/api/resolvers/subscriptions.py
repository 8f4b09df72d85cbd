"""Subscriptions: live updates over WebSocket (graphql-transport-ws) or SSE.

Every resolver checks its arguments, the objects and the token's rights before its
stream starts, so a mistake is an error, not an empty stream. The streams live in
`handoff.live`; `handoff.api.live.session.relay` sends them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from handoff.api.errors import check_text
from handoff.api.inputs import decode_id
from handoff.api.live.session import relay, session
from handoff.api.resolvers.common import MAX_PEOPLE
from handoff.api.types.common import Info
from handoff.api.types.live import HandoffChange, InboxChange, OutboxEvent, ReachabilityChange
from handoff.live.reachability import reachability
from handoff.services import lookups
from handoff.services.errors import Invalid
from handoff.services.rights import may_follow, require_follow
from handoff.storage import live as live_store
from handoff.webhooks.payload import EVENT_TYPES

AfterArg = Annotated[
    str | None,
    strawberry.argument(
        description="A `cursor` this stream (or another of this workspace) sent: replay what "
        "happened after it, then go on live; omitted = from now. Over SSE a later `Last-Event-ID` "
        "header wins (EventSource's reconnect)"
    ),
]


@strawberry.type(description="What can be followed live, over WebSocket or SSE")
class Subscription:
    @strawberry.subscription(
        description="The workspace's events, with the same types and data as webhooks, in "
        "outbox order; a person token gets those of the handoffs it sent or holds and of its "
        "own availability"
    )
    async def events(
        self,
        info: Info,
        types: Annotated[
            list[str] | None,
            strawberry.argument(description="Only these event types; omitted = all"),
        ] = None,
        after: AfterArg = None,
    ) -> AsyncGenerator[OutboxEvent, None]:
        live = session(info)
        chosen = None
        if types is not None:
            check_text(types, "types")
            for i, value in enumerate(types):
                if value not in EVENT_TYPES:
                    raise Invalid(f"types.{i}", f"{value!r} is not one of {', '.join(EVENT_TYPES)}")
            chosen = frozenset(types)
        position = await live.after(after)
        stream = live.streams.events(live.actor, chosen, position, live.connection.on_drop)
        return relay(live, "events", stream, OutboxEvent.of)

    @strawberry.subscription(
        description="One handoff's changes (every state change, reminder, escalation and "
        "reroute) with its new deliverAt, respondBy and explanation; without `after` the "
        "first message is the handoff as it is"
    )
    async def handoff_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The handoff's global ID")],
        after: AfterArg = None,
    ) -> AsyncGenerator[HandoffChange, None]:
        live = session(info)
        ws, handoff_id = live.actor.workspace_id, decode_id(id, "Handoff", "id")
        async with live.context.connection() as conn:
            handoff = await lookups.handoff(conn, ws, handoff_id)
        position = await live.after(after)
        parties: tuple[int, ...] = (handoff.sender_id, handoff.receiver_id)
        if position is not None and not may_follow(live.actor, parties):
            # resumed: it may have been theirs at the cursor; the stream then shows what
            # took it from them (and nothing after)
            async with live.context.connection() as conn:
                parties = await live_store.parties_at(conn, ws, handoff_id, position)
        require_follow(live.actor, parties, field="id")
        stream = live.streams.handoff(live.actor, handoff_id, position, live.connection.on_drop)
        return relay(live, "handoffChanged", stream, HandoffChange.of)

    @strawberry.subscription(
        description="A person's inbox as edges added (a handoff lands), updated and removed "
        "(acknowledged, completed, returned, cancelled, reassigned); without `after` it "
        "starts with the inbox as it is, one ADDED per handoff"
    )
    async def inbox_changed(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="Whose inbox (a person's global ID)")
        ],
        after: AfterArg = None,
    ) -> AsyncGenerator[InboxChange, None]:
        live = session(info)
        pid = decode_id(person_id, "Person", "personId")
        async with live.context.connection() as conn:
            await lookups.person(conn, live.actor.workspace_id, pid)
        position = await live.after(after)
        stream = live.streams.inbox(live.actor, pid, position, live.connection.on_drop)
        return relay(live, "inboxChanged", stream, InboxChange.of)

    @strawberry.subscription(
        description="When people become reachable or unreachable (working time or a focus "
        "block starts or ends), from the engine's transition instants; first each person's "
        "state now. A person token may follow only itself"
    )
    async def reachability_changed(
        self,
        info: Info,
        person_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description=f"1 to {MAX_PEOPLE} people's global IDs"),
        ],
    ) -> AsyncGenerator[ReachabilityChange, None]:
        live = session(info)
        if not person_ids or len(person_ids) > MAX_PEOPLE:
            raise Invalid("personIds", f"give 1 to {MAX_PEOPLE} people")
        ws = live.actor.workspace_id
        people = []
        async with live.context.connection() as conn:
            for i, raw in enumerate(person_ids):
                pid = decode_id(raw, "Person", f"personIds.{i}")
                people.append(await lookups.person(conn, ws, pid))
                require_follow(live.actor, (pid,), field=f"personIds.{i}")
        stream = reachability(live.streams, ws, people)
        return relay(live, "reachabilityChanged", stream, ReachabilityChange.of)
