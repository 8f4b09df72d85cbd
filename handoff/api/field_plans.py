"""What `FastExecutor` knows about each field of the schema: how to complete it in place
(a plan), found once per field and kept on its type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
)
from strawberry.types.field import StrawberryField

from handoff.api.leaf_values import Complete, completion
from handoff.api.lean_resolvers import is_context_only, is_lean


@dataclass(frozen=True, slots=True)
class Leaf:
    """A plain scalar or enum (or a list of non-null ones): getattr and coerce."""

    attr: str
    complete: Complete


@dataclass(frozen=True, slots=True)
class Obj:
    """A plain field holding an object (or a list of non-null objects) of a concrete type."""

    attr: str
    type: GraphQLObjectType
    field_type: GraphQLOutputType
    non_null: bool
    # the list's item type (non-null), or None: not a list
    item_type: GraphQLNonNull[Any] | None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A field with a lean resolver, and how to complete what it returns (else: as
    graphql-core does)."""

    resolve: Callable[..., Any]
    field: GraphQLField
    leaf: Complete | None
    object: Obj | None
    # the resolver reads only `info.context` (`lean_resolvers.context_only`)
    context_only: bool


Plan = Leaf | Obj | Resolved | None
# a selection of plain leaves only: (response name, attribute, completion) each
LeafSet = tuple[tuple[str, str, Complete], ...]

# The plans of a type's fields live on the type object (one schema's types live as long
# as the schema), filled on first use.
_PLANS = "_handoff_fast_plans"


def _concrete(kind: Any) -> GraphQLObjectType | None:
    """An object type whose values need no `is_type_of` call with a resolve info
    (strawberry's generated check ignores it)."""
    if not isinstance(kind, GraphQLObjectType):
        return None
    check = kind.is_type_of
    if check is not None and "_get_is_type_of" not in getattr(check, "__qualname__", ""):
        return None
    return kind


def object_plan(attr: str, field_type: GraphQLOutputType) -> Obj | None:
    """The plan of a field holding a concrete object (or a list of non-null ones), else None."""
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLList):
        if not isinstance(inner.of_type, GraphQLNonNull):
            return None
        item = _concrete(inner.of_type.of_type)
        return None if item is None else Obj(attr, item, field_type, non_null, inner.of_type)
    found = _concrete(inner)
    return None if found is None else Obj(attr, found, field_type, non_null, None)


def _plan(field: GraphQLField) -> Plan:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    if is_lean(field.resolve):
        assert field.resolve is not None
        leaf, obj = completion(field.type), object_plan("", field.type)
        return Resolved(field.resolve, field, leaf, obj, is_context_only(field.resolve))
    if not definition.is_basic_field:
        return None
    if field.args or getattr(field.resolve, "__name__", "") != "_get_basic_result":
        return None
    complete = completion(field.type)
    if complete is not None:
        return Leaf(definition.python_name, complete)
    return object_plan(definition.python_name, field.type)


def plans_of(parent_type: GraphQLObjectType) -> dict[str, Plan]:
    """The plans found so far for the fields of `parent_type`, by field name."""
    plans: dict[str, Plan] | None = parent_type.__dict__.get(_PLANS)
    if plans is None:
        plans = {}
        setattr(parent_type, _PLANS, plans)
    return plans


def add_plan(plans: dict[str, Plan], parent_type: GraphQLObjectType, name: str) -> Plan:
    """Find the plan of field `name` of `parent_type` and keep it in `plans`."""
    field = parent_type.fields.get(name)
    plan = plans[name] = None if field is None else _plan(field)
    return plan
