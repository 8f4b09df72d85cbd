"""Lean resolve functions: a resolver field called the way strawberry calls it, minus the
per-call work strawberry does for every resolver whether it needs it or not.

For each call strawberry builds its argument conversion (input types into dataclasses),
runs the field-extension chain (a `reduce` over partials) and maps reserved parameters
(`self`, `root`, `info`). A field without extensions whose arguments are plain scalars
needs none of the conversion: `streamline` gives it a resolve function that maps
argument names and reserved parameters once, at schema build time, and calls the
resolver directly. The SDL does not change; `FastExecutor` recognises these functions
(`is_lean`) and completes their results in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

# marks the resolve functions `streamline` installs
_LEAN = "_handoff_lean"
# marks resolvers that read nothing of their info but `info.context` (and their lean
# resolve functions)
_CONTEXT_ONLY = "_handoff_context_only"
F = TypeVar("F", bound=Callable[..., Any])


def is_lean(resolve: object) -> bool:
    """Whether a GraphQL field's resolve function is one `streamline` installed."""
    return getattr(resolve, _LEAN, False) is True


def context_only(resolver: F) -> F:
    """Mark a resolver that reads nothing of `info` but `info.context`: its lean resolve
    function passes the info it gets through as it is, and `FastExecutor` then gives it
    a stand-in holding the context instead of building a resolve info per call (three
    per handoff of an inbox page: sender, receiver, work item)."""
    setattr(resolver, _CONTEXT_ONLY, True)
    return resolver


def is_context_only(resolve: object) -> bool:
    """Whether a lean resolve function wants nothing of its info but `.context`."""
    return getattr(resolve, _CONTEXT_ONLY, False) is True


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
    as_given = is_context_only(func)  # anything with `.context` will do

    def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        kwargs = {names.get(k, k): v for k, v in args.items()} if args else {}
        for name in source_names:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info if as_given else info_class(_raw_info=info, _field=field)
        return func(source, **kwargs) if takes_self else func(**kwargs)

    setattr(resolve, _LEAN, True)
    setattr(resolve, _CONTEXT_ONLY, as_given)
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
