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
    def row_factory(cls) -> Callable[[Any], RowMaker]:
        """A psycopg row factory building what `from_row` builds, straight from a row's
        values: positions are looked up once per result, and the object is filled
        without the frozen dataclass's `__init__` (one `object.__setattr__` per field),
        for about a third of `from_row`'s cost on a page of handoffs."""
        columns = _columns(cls)
        new = object.__new__

        def factory(cursor: Any) -> RowMaker:
            at = {c.name: i for i, c in enumerate(cursor.description or ())}
            plan = []
            defaults: dict[str, Any] = {}
            for name, column, enum, default in columns:
                if column in at:
                    to = None if enum is None else member_lookup(enum)
                    plan.append((name, at[column], to))
                elif default is _REQUIRED:
                    raise KeyError(column)
                else:
                    defaults[name] = default

            def make(values: Sequence[Any]) -> Any:
                obj: Any = new(cls)
                obj.__dict__.update(defaults)
                obj.__dict__.update(
                    {name: values[i] if to is None else to(values[i]) for name, i, to in plan}
                )
                return obj

            return make

        return factory


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
