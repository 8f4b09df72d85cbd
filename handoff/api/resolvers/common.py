"""What resolvers share: page limits, cursors, time ranges, people by global ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol, TypeVar

import strawberry
from psycopg import AsyncConnection

from handoff.api.inputs import decode_id, require_aware
from handoff.api.loaders import loader, preload
from handoff.api.types import Info, connection, decode_cursor
from handoff.services.errors import Invalid, NotFound
from handoff.storage import models as m

T_in = TypeVar("T_in")
FromArg = Annotated[
    datetime, strawberry.argument(name="from", description="Start of the range (with an offset)")
]
ToArg = Annotated[
    datetime, strawberry.argument(description="End of the range, exclusive; at most 92 days on")
]
FirstArg = Annotated[
    int | None, strawberry.argument(description="Page size, 1 to the server's cap (default 50)")
]
AfterArg = Annotated[
    str | None,
    strawberry.argument(description="`endCursor` of the previous page; omitted = from the start"),
]
IdArg = Annotated[strawberry.ID, strawberry.argument(description="A global ID")]
PersonIdArg = Annotated[strawberry.ID, strawberry.argument(description="A person's global ID")]
InputArg = Annotated[T_in, strawberry.argument(description="What to create or change")]
TeamIdArg = Annotated[strawberry.ID, strawberry.argument(description="A team's global ID")]
MAX_RANGE = timedelta(days=92)
MAX_PEOPLE = 50


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


def page_limit(info: Info, first: int | None) -> int:
    """The page size asked for, within the server's cap (default 50)."""
    cap = info.context.settings.max_page_size
    if first is None:
        return min(50, cap)
    if not 1 <= first <= cap:
        raise Invalid("first", f"first must be between 1 and {cap}, got {first}")
    return first


def after_id(after: str | None, list_name: str) -> int:
    """The row id a cursor of the id-ordered list `list_name` stands for (0 = from the
    start). A cursor names its list (`people:12`): one of another list, whose ids would
    start this one at an unrelated place, is refused."""
    raw = decode_cursor(after)
    if raw is None:
        return 0
    named, _, pk = raw.rpartition(":")
    # isascii: str.isdigit also accepts "²" and other digits int() refuses
    if named != list_name or not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
        raise Invalid("after", f"{after!r} is not a cursor of this list")
    return int(pk)


def counter(
    info: Info, count: Callable[[AsyncConnection[Any], int], Awaitable[int]]
) -> Callable[[], Awaitable[int]]:
    """`totalCount` of a list: `count(conn, ws)`, run when a client asks for it."""

    async def total() -> int:
        async with info.context.connection() as conn:
            return await count(conn, info.context.workspace_id)

    return total


async def id_page(
    info: Info,
    fetch: Callable[[AsyncConnection[Any], int, int, int], Awaitable[Sequence[T]]],
    count: Callable[[AsyncConnection[Any], int], Awaitable[int]],
    wrap: Callable[[T], Any],
    first: int | None,
    after: str | None,
    prepare: Callable[[Info, Sequence[T], AsyncConnection[Any]], Awaitable[None]] | None = None,
) -> Any:
    """One page of a list ordered by row id; `fetch(conn, ws, after_id, limit)`;
    `prepare(info, page, conn)` runs on the same connection before the page is returned
    (e.g. to preload relations)."""
    name = info.field_name
    limit, start = page_limit(info, first), after_id(after, name)
    async with info.context.connection() as conn:
        found = await fetch(conn, info.context.workspace_id, start, limit + 1)
        if prepare is not None:
            await prepare(info, found[:limit], conn)
    return connection(
        list(found), limit, lambda row: f"{name}:{row.id}", wrap, counter(info, count)
    )


def time_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A `from`/`to` pair: aware, ordered, at most 92 days; in UTC, as every instant the
    API answers with (a range echoed back keeps no caller's offset)."""
    require_aware(start, "from")
    require_aware(end, "to")
    if end <= start:
        raise Invalid("to", "to must be after from")
    if end - start > MAX_RANGE:
        raise Invalid("to", "the range may span at most 92 days")
    return start.astimezone(UTC), end.astimezone(UTC)


async def person_model(
    info: Info, raw_id: strawberry.ID, field: str, conn: AsyncConnection[Any] | None = None
) -> m.Person:
    """The person behind a global ID, through the request's loader (read on `conn` when
    the caller holds one, instead of another connection from the pool)."""
    pid = decode_id(raw_id, "Person", field)
    if conn is not None:
        await preload(info.context, {"person": [pid]}, conn)
    found: m.Person = await known(info, "person", "Person", pid)
    return found


async def known(info: Info, loader_name: str, type_name: str, ident: int) -> Any:
    """The row of the caller's workspace with this id, through the request's loader
    `loader_name` (NotFound when it has none)."""
    found = await loader(info.context, loader_name).load(ident)
    if found is None:
        raise NotFound(type_name, ident)
    return found


async def require_known(info: Info, loader_name: str, type_name: str, ident: int | None) -> None:
    """A filter's ID names a row of the caller's workspace (NotFound otherwise): a typo or
    another workspace's ID is an error, not an empty list that looks like "nothing yet"."""
    if ident is not None:
        await known(info, loader_name, type_name, ident)


async def people_models(info: Info, raw_ids: list[strawberry.ID], field: str) -> list[m.Person]:
    """The people behind 1 to 50 global IDs, in the order given."""
    if not raw_ids:
        raise Invalid(field, "give at least one person")
    if len(raw_ids) > MAX_PEOPLE:
        raise Invalid(field, f"at most {MAX_PEOPLE} people")
    person_ids = [decode_id(v, "Person", f"{field}.{i}") for i, v in enumerate(raw_ids)]
    found = await loader(info.context, "person").load_many(person_ids)
    for pid, person in zip(person_ids, found, strict=True):
        if person is None:
            raise NotFound("Person", pid)
    return [p for p in found if p is not None]
