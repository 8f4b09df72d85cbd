"""Building domain objects from rows: by column name from dict rows (`FromRow.from_row`),
or positionally as psycopg's row factory (`row_factory`, used by `run.one/many`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar, get_type_hints

# (field, column, enum or None, default when the column may be absent, else _REQUIRED)
_Column = tuple[str, str, type[StrEnum] | None, Any]
_COLUMNS: dict[type, tuple[_Column, ...]] = {}
_REQUIRED: Any = object()


def _columns(cls: type[FromRow]) -> tuple[_Column, ...]:
    found = _COLUMNS.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = _COLUMNS[cls] = tuple(
            (
                f.name,
                cls.COLUMN_OF.get(f.name, f.name),
                hints[f.name]
                if isinstance(hints[f.name], type) and issubclass(hints[f.name], StrEnum)
                else None,
                f.default if f.name in cls.OPTIONAL else _REQUIRED,
            )
            for f in fields(cls)  # type: ignore[arg-type]
        )
    return found


RowMaker = Callable[[Sequence[Any]], Any]
E = TypeVar("E", bound=StrEnum)


def member_lookup(enum: type[E]) -> Callable[[str], E]:
    """`enum(value)` by one dict lookup, for row makers: the enum's call costs ten times
    as much, and the tables' CHECK constraints keep out values it does not know."""
    return enum._value2member_map_.__getitem__  # type: ignore[return-value]


class FromRow:
    """Built from a row whose column names are the dataclass's field names (but for
    `COLUMN_OF`; the columns of `OPTIONAL` fields may be absent: their default applies).

    Text columns whose field is a state enum come back as that enum's member.
    """

    COLUMN_OF: ClassVar[dict[str, str]] = {}
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    # `run.one/many` read the model's jsonb columns as their text (bytes), unparsed
    RAW_JSON: ClassVar[bool] = False

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(
            **{
                name: (row[column] if enum is None else enum(row[column]))
                if default is _REQUIRED or column in row
                else default
                for name, column, enum, default in _columns(cls)
            }
        )

    @classmethod
    def row_factory(cls, prefix: str = "") -> Callable[[Any], RowMaker]:
        """A psycopg row factory building what `from_row` builds, straight from a row's
        values, without the frozen dataclass's `__init__` (one `object.__setattr__` per
        field). Each result's column names are read from the raw result (psycopg's
        `description` builds a Column object per column) and the maker for that list of
        names is compiled once (`_compiled_maker`). With a `prefix`, the model's columns
        are those whose names carry it (the rest of the row is another model's)."""
        columns = _columns(cls)
        makers: dict[tuple[bytes, ...], RowMaker] = {}

        def factory(cursor: Any) -> RowMaker:
            names = column_names(cursor)
            make = makers.get(names)
            if make is None:
                make = makers[names] = _compiled_maker(cls, columns, names, prefix)
            return make

        return factory


def column_names(cursor: Any) -> tuple[bytes, ...]:
    """The current result's column names, as PostgreSQL sent them."""
    res = cursor.pgresult
    return tuple(map(res.fname, range(res.nfields))) if res is not None else ()


def positions(cursor: Any) -> dict[str, int]:
    """Each column name of the current result with its position."""
    return {name.decode(): i for i, name in enumerate(column_names(cursor))}


def _compiled_maker(
    cls: type[FromRow], columns: tuple[_Column, ...], names: tuple[bytes, ...], prefix: str
) -> RowMaker:
    """A function building `cls` from a row with these column names: one dict display
    of `values[i]` (an enum column through `member_lookup`, an absent optional one its
    default) put into a fresh instance's `__dict__`, about half the cost of filling it
    from a plan in a loop."""
    at = {
        text.removeprefix(prefix): i
        for i, text in enumerate(name.decode() for name in names)
        if text.startswith(prefix)
    }
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    items = []
    for n, (name, column, enum, default) in enumerate(columns):
        if column in at:
            value = f"values[{at[column]}]"
            if enum is not None:
                env[f"to{n}"] = member_lookup(enum)
                value = f"to{n}({value})"
        elif default is _REQUIRED:
            raise KeyError(column)
        else:
            env[f"default{n}"] = default
            value = f"default{n}"
        items.append(f"{name!r}: {value}")
    source = (
        "def make(values):\n"
        "    obj = new(cls)\n"
        f"    obj.__dict__.update({{{', '.join(items)}}})\n"
        "    return obj\n"
    )
    # as dataclasses do for __init__: the text holds only field names and positions
    exec(source, env)
    make: RowMaker = env["make"]
    return make


_FACTORIES: dict[type, Callable[[Any], RowMaker]] = {}


def row_factory(build: Callable[[dict[str, Any]], Any]) -> Callable[[Any], RowMaker] | None:
    """The positional row factory that builds what `build` builds from a dict row, when it
    is a model's `FromRow.from_row`; else None."""
    owner = getattr(build, "__self__", None)
    if not (isinstance(owner, type) and issubclass(owner, FromRow)):
        return None
    if getattr(build, "__func__", None) is not FromRow.from_row.__func__:  # type: ignore[attr-defined]
        return None  # a model's own from_row
    found = _FACTORIES.get(owner)
    if found is None:
        found = _FACTORIES[owner] = owner.row_factory()
    return found
