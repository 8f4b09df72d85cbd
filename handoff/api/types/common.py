"""Shared GraphQL building blocks: the resolver `Info`, Relay nodes and connections, and
the state enums (defined once in `handoff.states`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from handoff.api.context import Context
from handoff.services.errors import Invalid
from handoff.states import (
    DelegationState,
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    OpenHandoffs,
    PersonStatus,
    Routing,
    TravelHolidays,
    TravelHours,
    WorkItemStatus,
)

Info = strawberry.Info[Context, None]
T = TypeVar("T")


def describe_enum(cls: type[StrEnum], description: str, values: dict[str, str]) -> None:
    """Register a StrEnum as a GraphQL enum under its own name, each value described."""
    strawberry.enum(cls, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    assert set(values) == {v.name for v in definition.values}, cls
    for value in definition.values:
        value.description = values[value.name]


# The state enums of `handoff.states`, as GraphQL enums under their own names.
describe_enum(
    Routing,
    "How a team picks the member a handoff lands with",
    {
        "FOLLOW_THE_SUN": "Whoever can be reached soonest (focus blocks and digests included)",
        "ROUND_ROBIN": "Members in turn, skipping anyone with no working time",
        "ALL": "Every member in their own hours; the soonest holds the response clock",
    },
)
describe_enum(
    HandoffStatus,
    "Where a handoff stands in its life cycle",
    {
        "SCHEDULED": "Waiting for the receiver's next delivery instant",
        "DELIVERED": "Landed in the receiver's inbox; the response clock runs",
        "ACKNOWLEDGED": "The receiver has seen it; reminders stop",
        "COMPLETED": "The receiver finished the work",
        "RETURNED": "The receiver sent it back to the sender with a note",
        "CANCELLED": "Called off; nothing more happens",
    },
)
describe_enum(
    WorkItemStatus,
    "Whether a work item is with someone, travelling, or done",
    {
        "OPEN": "With its holder",
        "IN_HANDOFF": "On its way to someone (a handoff is scheduled or delivered)",
        "DONE": "Finished",
    },
)
describe_enum(
    FollowUpKind,
    "What a scheduled follow-up does when it fires",
    {
        "DELIVERY": "The handoff lands with its receiver (or, for ALL-routing, a member)",
        "REMINDER": "The receiver is reminded; the response clock starts again",
        "ESCALATION": "No answer: back to the sender, or to another team member",
        "REPLY": "A quick reply from the receiver reaches the sender, in the sender's hours",
        "DELEGATION_START": "A delegation starts (it may move the person's open handoffs)",
        "DELEGATION_END": "A delegation ends (it may hand handoffs back)",
    },
)
describe_enum(
    FollowUpState,
    "Where a follow-up stands between the database and the queue",
    {
        "PENDING": "Waiting for its instant",
        "ENQUEUED": "Handed to the job queue",
        "DONE": "Carried out (or found no longer needed)",
        "CANCELLED": "Dropped: the handoff was answered, cancelled or moved",
    },
)


describe_enum(
    TravelHours,
    "Whose wall clock a traveller's weekly pattern follows",
    {
        "LOCAL": "Their usual hours as wall time where they are (dates are local there)",
        "HOME": "Home-zone hours while away; the period records where they are",
    },
)
describe_enum(
    TravelHolidays,
    "Whose public holidays a traveller observes",
    {
        "HOME": "The home region's",
        "VISITED": "The visited region's (visitedRegion)",
    },
)
describe_enum(
    OpenHandoffs,
    "What a delegation does, when it starts, with the handoffs the person already holds",
    {
        "REASSIGN": "They move to the delegate, in the delegate's hours",
        "KEEP": "They stay with the person; only new handoffs go to the delegate",
    },
)
describe_enum(
    DelegationState,
    "Where a delegation stands",
    {
        "SCHEDULED": "Waiting for its start",
        "ACTIVE": "Running: new handoffs to the person go to the delegate",
        "ENDED": "Over (at its end, or ended early)",
        "CANCELLED": "Called off before it started",
    },
)
describe_enum(
    PersonStatus,
    "Whether a person still takes part",
    {
        "ACTIVE": "Gives and receives handoffs",
        "DEACTIVATED": "Left: receives nothing new, in no team; their history stays readable",
        "ERASED": "Left, and their personal data was replaced by a tombstone",
    },
)


@strawberry.interface(description="An object with a global ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID")


def encode_cursor(value: str) -> str:
    """An opaque cursor."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> str | None:
    """The value behind a cursor; a validation error when it is not one of ours."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise Invalid(field, f"{cursor!r} is not a cursor of this list") from None


@strawberry.type(description="Where a page ends and whether more follow (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether another page follows")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null on an empty page"
    )
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Always false: lists page forward only (`first`/`after`), which the "
        "Relay spec allows",
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The first item's cursor; null on an empty page"
    )


@strawberry.type(description="One item of a page and its cursor (Relay).")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item")
    node: T = strawberry.field(description="The item")


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items with their cursors")
    page_info: PageInfo = strawberry.field(description="Where the page ends")
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items without cursors")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]

    @strawberry.field(description="How many items the whole list has (with its filter)")
    async def total_count(self) -> int:
        return await self.counter()


def connection(
    items: list[Any],
    limit: int,
    cursor_of: Callable[[Any], str],
    wrap: Callable[[Any], Any],
    counter: Callable[[], Awaitable[int]],
) -> Any:
    """A Connection from `limit + 1` fetched rows (the extra row says there is more);
    `counter` counts the whole list, run only when a client asks for `totalCount`."""
    page = items[:limit]
    edges = [Edge(cursor=encode_cursor(cursor_of(i)), node=wrap(i)) for i in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(items) > limit,
            end_cursor=edges[-1].cursor if edges else None,
            start_cursor=edges[0].cursor if edges else None,
        ),
        counter=counter,
    )


def at_or_now(info: Info, at: datetime | None) -> datetime:
    """The instant a query asks about: `at` (which must carry an offset), else now."""
    if at is None:
        return info.context.clock.now()
    if at.utcoffset() is None:
        raise Invalid(
            "at", f"{at.isoformat()} has no UTC offset; send e.g. '2026-11-27T15:00:00+01:00'"
        )
    return at


def selected_names(info: Info) -> frozenset[str]:
    """Every field name anywhere below the field being resolved (fragments included),
    to tell whether a page's relations will be asked for. Cached per field node: the
    parse cache shares one syntax tree between requests with the same text."""
    raw = info._raw_info
    key = id(raw.field_nodes[0])
    found = _selected.get(key)
    if found is not None and found[0] is raw.field_nodes[0]:
        return found[1]
    names: set[str] = set()
    pending = [node.selection_set for node in raw.field_nodes]
    seen_fragments: set[str] = set()
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                if fragment is not None and selection.name.value not in seen_fragments:
                    seen_fragments.add(selection.name.value)
                    pending.append(fragment.selection_set)
    result = frozenset(names)
    if len(_selected) >= 512:
        _selected.clear()
    _selected[key] = (raw.field_nodes[0], result)
    return result


_selected: dict[int, tuple[FieldNode, frozenset[str]]] = {}
