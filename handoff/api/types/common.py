"""Shared GraphQL building blocks: the resolver `Info`, Relay nodes and connections, and
the state enums (defined once in `handoff.states`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from handoff.api.context import Context
from handoff.services.errors import Invalid
from handoff.states import FollowUpKind, FollowUpState, HandoffStatus, Routing, WorkItemStatus

Info = strawberry.Info[Context, None]
T = TypeVar("T")

# The state enums of `handoff.states`, registered as GraphQL enums under their own names.

strawberry.enum(Routing, description="How a team picks the member a handoff lands with")
strawberry.enum(HandoffStatus, description="Where a handoff stands in its life cycle")
strawberry.enum(
    WorkItemStatus, description="Whether a work item is with someone, travelling, or done"
)
strawberry.enum(FollowUpKind, description="What a scheduled follow-up does when it fires")
strawberry.enum(
    FollowUpState, description="Where a follow-up stands between the database and the queue"
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


@strawberry.type(description="One item of a page and its cursor (Relay).")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item")
    node: T = strawberry.field(description="The item")


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items with their cursors")
    page_info: PageInfo = strawberry.field(description="Where the page ends")

    @strawberry.field(description="The page's items without cursors")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def connection(
    items: list[Any], limit: int, cursor_of: Callable[[Any], str], wrap: Callable[[Any], Any]
) -> Any:
    """A Connection from `limit + 1` fetched rows (the extra row says there is more)."""
    page = items[:limit]
    edges = [Edge(cursor=encode_cursor(cursor_of(i)), node=wrap(i)) for i in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(items) > limit, end_cursor=edges[-1].cursor if edges else None
        ),
    )
