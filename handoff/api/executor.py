"""graphql-core's executor with a fast lane for the fields that need none of its machinery.

Most fields of a response are plain values: an attribute of the object, a scalar or an
enum, no arguments, no resolver (strawberry calls them "basic" fields). graphql-core still
runs each one through `execute_field`: a resolve-info object, an argument lookup, the
resolver call, the awaitable checks and `complete_value`'s type dispatch. An inbox page
of 20 handoffs has about 450 fields, and that per-field work was most of its cost.

`FastExecutor` completes in place: plain leaves (`getattr` plus the type's output
coercion), plain objects and lists of objects of a concrete type (straight to their
subfields), and fields with a lean resolver (`handoff.api.lean_resolvers`) whose result
is a leaf or such an object. Everything else (abstract types, strawberry's own
resolvers, middleware) and any value that is null where it must not be or that its type
refuses takes graphql-core's path, so errors, paths and null propagation stay exactly as
graphql-core makes them (`tests/unit/api/test_executor.py` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.types.field import StrawberryField

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.api.leaf_values import Complete, completion
from handoff.api.lean_resolvers import is_lean
from handoff.api.shared_collection import SharedCollection


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A plain scalar or enum (or a list of non-null ones): getattr and coerce."""

    attr: str
    complete: Complete


@dataclass(frozen=True, slots=True)
class _Object:
    """A plain field holding an object (or a list of non-null objects) of a concrete type."""

    attr: str
    type: GraphQLObjectType
    field_type: GraphQLOutputType
    non_null: bool
    # the list's item type (non-null), or None: not a list
    item_type: GraphQLNonNull[Any] | None


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A field with a lean resolver, and how to complete what it returns (else: as
    graphql-core does)."""

    resolve: Callable[..., Any]
    field: GraphQLField
    leaf: Complete | None
    object: _Object | None


Plan = _Leaf | _Object | _Resolved | None
# a selection of plain leaves only: (response name, attribute, completion) each
_LeafSet = tuple[tuple[str, str, Complete], ...]

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


def _object_plan(attr: str, field_type: GraphQLOutputType) -> _Object | None:
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLList):
        if not isinstance(inner.of_type, GraphQLNonNull):
            return None
        item = _concrete(inner.of_type.of_type)
        return None if item is None else _Object(attr, item, field_type, non_null, inner.of_type)
    found = _concrete(inner)
    return None if found is None else _Object(attr, found, field_type, non_null, None)


def _plan(field: GraphQLField) -> Plan:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    if is_lean(field.resolve):
        assert field.resolve is not None
        return _Resolved(field.resolve, field, completion(field.type), _object_plan("", field.type))
    if not definition.is_basic_field:
        return None
    if field.args or getattr(field.resolve, "__name__", "") != "_get_basic_result":
        return None
    complete = completion(field.type)
    if complete is not None:
        return _Leaf(definition.python_name, complete)
    return _object_plan(definition.python_name, field.type)


def _plans(parent_type: GraphQLObjectType) -> dict[str, Plan]:
    plans: dict[str, Plan] | None = parent_type.__dict__.get(_PLANS)
    if plans is None:
        plans = {}
        setattr(parent_type, _PLANS, plans)
    return plans


def _add_plan(plans: dict[str, Plan], parent_type: GraphQLObjectType, name: str) -> Plan:
    field = parent_type.fields.get(name)
    plan = plans[name] = None if field is None else _plan(field)
    return plan


class ResultTooLarge(ApiError):
    """An answer holding more list items than `HANDOFF_MAX_RESULT_ITEMS`."""

    code = ErrorCode.RESULT_TOO_LARGE


class FastExecutor(SharedCollection):
    """strawberry's execution context; plain fields skip graphql-core's per-field work.

    It also counts the items of the lists of objects it completes: past the settings'
    `max_result_items` the list being completed fails with RESULT_TOO_LARGE (and so does
    every list after it), whatever the cost estimate said (plain lists such as
    `WorkItem.handoffs` grow with use, and nest)."""

    _items = 0
    _item_limit: int | None = None

    def _count(self, result: object) -> None:
        if not isinstance(result, Sized):
            return
        limit = self._item_limit
        if limit is None:
            settings = getattr(self.context_value, "settings", None)
            limit = self._item_limit = getattr(settings, "max_result_items", 50_000)
        self._items += len(result)
        if self._items > limit:
            raise ResultTooLarge(
                f"the answer would hold more than {limit:,} list items "
                "(HANDOFF_MAX_RESULT_ITEMS): ask for fewer nested lists or smaller pages"
            )

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        self._count(result)
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

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
        leaves = self._leaves(parent_type, grouped_field_set)
        if leaves is not None:
            try:
                return {
                    name: complete(getattr(source_value, attr)) for name, attr, complete in leaves
                }
            except Exception:  # the general path below reports it
                pass
        plans = _plans(parent_type)
        results: dict[str, Any] = {}
        pending: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, details in grouped_field_set.items():
                name = details[0].node.name.value
                if name == "__typename":
                    results[response_name] = parent_type.name
                    continue
                plan = plans[name] if name in plans else _add_plan(plans, parent_type, name)
                result: Any = Undefined
                if type(plan) is _Leaf:
                    try:
                        results[response_name] = plan.complete(getattr(source_value, plan.attr))
                        continue  # a leaf's value is never awaitable
                    except Exception:
                        result = Undefined
                elif type(plan) is _Resolved:
                    result = self._resolved_field(
                        plan, source_value, details, path, response_name, parent_type
                    )
                elif type(plan) is _Object:
                    result = self._object_field(
                        plan,
                        getattr(source_value, plan.attr),
                        details,
                        path,
                        response_name,
                        parent_type,
                    )
                if result is Undefined:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        details,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                results[response_name] = result
                if is_awaitable(result):
                    pending.append(response_name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results

        async def get_results() -> dict[str, Any]:
            if len(pending) == 1:
                results[pending[0]] = await results[pending[0]]
            else:
                done = await gather_with_cancel(*(results[name] for name in pending))
                results.update(zip(pending, done, strict=True))
            return results

        return get_results()

    # by the selection's id, kept alive with it (as graphql-core's own memo does)
    _leaf_sets: dict[int, tuple[Any, _LeafSet | None]] | None = None

    def _leaves(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _LeafSet | None:
        """A selection of plain leaves only, else None; once per request and selection
        (graphql-core collects each once per request): then an object is one comprehension."""
        found = self._leaf_sets
        if found is None:
            found = self._leaf_sets = {}
        key = id(grouped_field_set)
        if key in found:
            return found[key][1]
        plans = _plans(parent_type)
        leaves: list[tuple[str, str, Complete]] = []
        for response_name, details in grouped_field_set.items():
            name = details[0].node.name.value
            plan = plans[name] if name in plans else _add_plan(plans, parent_type, name)
            if not isinstance(plan, _Leaf):
                found[key] = (grouped_field_set, None)
                return None
            leaves.append((response_name, plan.attr, plan.complete))
        found[key] = (grouped_field_set, tuple(leaves))
        return found[key][1]

    def _object_field(
        self,
        plan: _Object,
        value: Any,
        details: Any,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
    ) -> Any:
        """A plain object (or list of objects) field, completed as graphql-core would,
        or Undefined to let graphql-core do it (a null that must not be)."""
        if value is None:
            return Undefined if plan.non_null else None
        return self._complete_object(
            plan, value, details, Path(path, response_name, parent_type.name)
        )

    def _resolved_field(
        self,
        plan: _Resolved,
        source: Any,
        details: Any,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
    ) -> Any:
        """A field with a lean resolver (see `streamline`): graphql-core's `execute_field`
        with the completion of a leaf or a concrete object done in place."""
        field = plan.field
        field_path = Path(path, response_name, parent_type.name)
        info = self.build_resolve_info(field, to_nodes(details), parent_type, field_path)
        try:
            node = details[0].node
            args = (
                get_argument_values(
                    field,
                    node,
                    self.variable_values,
                    details[0].fragment_variable_values,
                    self.hide_suggestions,
                )
                # absent arguments take the resolver's own defaults, which strawberry
                # also gave the schema
                if node.arguments
                else {}
            )
            value = plan.resolve(source, info, **args)
            if self.is_awaitable(value):
                return self.complete_awaitable_value(
                    field.type, details, info, field_path, value, None
                )
            if plan.leaf is not None:
                with suppress(Exception):  # else complete_value raises the error to report
                    return plan.leaf(value)
            elif plan.object is not None and (value is not None or not plan.object.non_null):
                return (
                    None
                    if value is None
                    else self._complete_object(plan.object, value, details, field_path)
                )
            completed = self.complete_value(field.type, details, info, field_path, value, None)
            return self._guard(completed, field.type, details, field_path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, details, field_path)
            return None

    def _complete_object(self, plan: _Object, value: Any, details: Any, field_path: Path) -> Any:
        """A non-null object value (or list of them) completed in place, or Undefined."""
        items: list[Any] = []
        waiting: list[int] = []
        try:
            subfields = self.collect_subfields(plan.type, details)[0]
            if plan.item_type is None:
                return self._guard(
                    self.execute_fields(plan.type, value, field_path, subfields, None),
                    plan.field_type,
                    details,
                    field_path,
                )
            if not isinstance(value, list | tuple) or any(item is None for item in value):
                return Undefined  # graphql-core reports what is wrong with it
            self._count(value)
            leaves = self._leaves(plan.type, subfields)
            if leaves is not None:
                with suppress(Exception):  # else each item's own path reports it
                    return [{n: done(getattr(it, a)) for n, a, done in leaves} for it in value]
            for index, item in enumerate(value):
                item_path = Path(field_path, index, None)
                completed = self._guard(
                    self.execute_fields(plan.type, item, item_path, subfields, None),
                    plan.item_type,
                    details,
                    item_path,
                )
                if self.is_awaitable(completed):
                    waiting.append(index)
                items.append(completed)
        except Exception as raw_error:
            if waiting:  # the items already under way still settle, as graphql-core's do
                self.settle_in_background([items[i] for i in waiting])
            self.handle_field_error(raw_error, plan.field_type, details, field_path)
            return None
        if not waiting:
            return items

        async def get_items() -> list[Any]:
            try:
                done = await gather_with_cancel(*(items[i] for i in waiting))
                for i, completed in zip(waiting, done, strict=True):
                    items[i] = completed
                return items
            except Exception as raw_error:
                self.handle_field_error(raw_error, plan.field_type, details, field_path)
                return None  # type: ignore[return-value]

        return get_items()

    def _guard(self, completed: Any, field_type: Any, details: Any, path: Path) -> Any:
        """An awaitable completion whose errors are reported at `path`."""
        if not self.is_awaitable(completed):
            return completed

        async def awaited() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, field_type, details, path)
                return None

        return awaited()
