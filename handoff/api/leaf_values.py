"""How a plain leaf value (a scalar, an enum, a list of them) becomes its JSON value,
the way graphql-core's output coercion would, with the common cases short-cut.

A completion raises (`Slow` or whatever the coercion raises) when graphql-core must
complete the value itself: a null where none may be, a value its type refuses. The
executor then takes graphql-core's path, which reports the error as it always does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLScalarType,
    is_leaf_type,
)
from graphql.pyutils import Undefined

# How a plain leaf field's value becomes its JSON value; raising means "take the slow path".
Complete = Callable[[Any], Any]


class Slow(Exception):
    """A plain field's value needs graphql-core's full completion (null or refused)."""


def _exact(kind: type, coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`coerce`, skipped for values that already are what it would return."""

    def exact(value: Any) -> Any:
        return value if type(value) is kind else coerce(value)

    return exact


def _enum(kind: GraphQLEnumType, coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A strawberry enum's output by a dict lookup of the member (its own coercion walks
    every value and reads `.value` of each)."""
    wrapped = getattr(kind, "wrapped_cls", None)
    if wrapped is None:
        return coerce
    # by the member's identity: an Enum's own __hash__ is Python code
    names = {
        id(member): name
        for member in wrapped
        for name, value in kind.values.items()
        if member.value == value.value
    }

    def enum(value: Any) -> Any:
        if type(value) is wrapped:
            found = names.get(id(value))
            if found is not None:
                return found
        return coerce(value)

    return enum


def _leaf(leaf: GraphQLLeafType, non_null: bool) -> Complete:
    coerce = leaf.coerce_output_value
    # Built-in scalars whose output coercion returns a value of this exact type unchanged
    # (Int is left to graphql-core: it checks the 32-bit range).
    exact = {"String": str, "ID": str, "Boolean": bool}.get(leaf.name)
    if isinstance(leaf, GraphQLScalarType) and exact is not None:
        coerce = _exact(exact, coerce)
    elif isinstance(leaf, GraphQLEnumType):
        coerce = _enum(leaf, coerce)

    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Slow
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Slow
        return coerced

    if exact is not None and isinstance(leaf, GraphQLScalarType):

        def complete_exact(value: Any) -> Any:
            # the common case in one call: a value of the scalar's own type, unchanged
            return value if type(value) is exact else complete(value)

        return complete_exact
    return complete


def completion(field_type: GraphQLOutputType) -> Complete | None:
    """The fast completion of a leaf or a list of non-null leaves, or None."""
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if is_leaf_type(inner):
        return _leaf(inner, non_null)
    if isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull):
        item = inner.of_type.of_type
        if not is_leaf_type(item):
            return None
        each = _leaf(item, True)

        def complete_list(value: Any) -> Any:
            if value is None:
                if non_null:
                    raise Slow
                return None
            if isinstance(value, str | bytes | dict):
                raise Slow
            return [each(v) for v in value]

        return complete_list
    return None
