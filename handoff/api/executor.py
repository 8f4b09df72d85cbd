"""graphql-core's executor with a fast lane for the fields that need none of its machinery.

Most fields of a response are plain values: an attribute of the object, a scalar or an
enum, no arguments, no resolver (strawberry calls them "basic" fields). graphql-core still
runs each one through `execute_field`: a resolve-info object, an argument lookup, the
resolver call, the awaitable checks and `complete_value`'s type dispatch. An inbox page
of 20 handoffs has about 450 fields, and that per-field work was most of its cost.

`FastExecutor` completes such fields in place: `getattr` plus the type's output coercion.
Everything else (resolvers, objects, lists of objects, abstract types, and any plain
value that is null where it must not be or that its type refuses) takes graphql-core's
own path, so errors, null propagation and paths stay exactly as graphql-core makes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast

import strawberry
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

# How a plain field's value becomes its JSON value; raising means "take the slow path".
Complete = Callable[[Any], Any]
# (python attribute name, completion), or None: not a plain field
Plan = tuple[str, Complete] | None

# The plans of a type's fields live on the type object (one schema's types live as long
# as the schema), filled on first use.
_PLANS = "_handoff_fast_plans"


class _Slow(Exception):
    """A plain field's value needs graphql-core's full completion (null or refused)."""


def _leaf(leaf: GraphQLLeafType, non_null: bool) -> Complete:
    coerce = leaf.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise _Slow
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Slow
        return coerced

    return complete


def _completion(field_type: GraphQLOutputType) -> Complete | None:
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
                    raise _Slow
                return None
            if isinstance(value, str | bytes | dict):
                raise _Slow
            return [each(v) for v in value]

        return complete_list
    return None


def _plan(field: GraphQLField) -> Plan:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if field.args or getattr(field.resolve, "__name__", "") != "_get_basic_result":
        return None
    complete = _completion(field.type)
    return None if complete is None else (definition.python_name, complete)


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context; plain leaf fields skip graphql-core's per-field work."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plans: dict[str, Plan] | None = parent_type.__dict__.get(_PLANS)
        if plans is None:
            plans = {}
            setattr(parent_type, _PLANS, plans)
        slow: dict[str, FieldDetailsList] = {}
        fast: dict[str, Any] = {}
        for response_name, details in grouped_field_set.items():
            name = details[0].node.name.value
            if name == "__typename":
                fast[response_name] = parent_type.name
                continue
            if name in plans:
                plan = plans[name]
            else:
                field = parent_type.fields.get(name)
                plan = plans[name] = None if field is None else _plan(field)
            if plan is None:
                slow[response_name] = details
                continue
            try:
                fast[response_name] = plan[1](getattr(source_value, plan[0]))
            except Exception:
                slow[response_name] = details
        if not slow:
            return fast
        rest = super().execute_fields(parent_type, source_value, path, slow, position_context)
        if self.is_awaitable(rest):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, fast, await rest)

            return merged()
        return _in_order(grouped_field_set, fast, cast("dict[str, Any]", rest))


def _in_order(grouped_field_set: Any, fast: dict[str, Any], slow: dict[str, Any]) -> dict[str, Any]:
    """Both halves in the order the query asked for them (a response keeps field order)."""
    if not fast:
        return slow
    return {
        name: fast[name] if name in fast else slow[name]
        for name in grouped_field_set
        if name in fast or name in slow
    }


# Argument types a lean resolver passes through as graphql-core coerced them: strawberry's
# own conversion returns these unchanged.
_PLAIN_ARGUMENTS = (str, int, float, bool, datetime, date)


def _plain_argument(argument: StrawberryArgument) -> bool:
    kind: Any = argument.type
    if isinstance(kind, StrawberryOptional):
        kind = kind.of_type
    return kind in _PLAIN_ARGUMENTS or kind is strawberry.ID


def _lean(
    field: StrawberryField, info_class: type[Info], graphql_name: Callable[[Any], str]
) -> Callable[..., Any] | None:
    """A resolve function that calls the field's resolver the way strawberry does, without
    its per-call argument conversion and extension chain; None when strawberry's own
    wrapper is needed (field extensions, or arguments strawberry converts)."""
    resolver = field.base_resolver
    if resolver is None or field.extensions:
        return None
    if not all(_plain_argument(a) for a in field.arguments):
        return None
    names = {graphql_name(a): a.python_name for a in field.arguments}
    func = resolver.wrapped_func
    if not callable(func):
        return None
    takes_self = resolver.self_parameter is not None
    source_names = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None

    def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        kwargs = {names.get(k, k): v for k, v in args.items()} if args else {}
        for name in source_names:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return func(source, **kwargs) if takes_self else func(**kwargs)

    return resolve


def streamline(schema: strawberry.Schema) -> None:
    """Give every resolver field that strawberry would only pass through a lean resolve
    function (see `_lean`). Run once, after the schema is built; the SDL does not change."""
    if schema.exception_handlers:
        return
    info_class = schema.config.info_class
    graphql_name = schema.config.name_converter.from_argument
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        if named is schema._schema.subscription_type:
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if isinstance(definition, StrawberryField):
                lean = _lean(definition, info_class, graphql_name)
                if lean is not None:
                    field.resolve = lean
