"""graphql-core's executor with a fast lane for the fields that need none of its machinery.

Most fields of a response are plain values: an attribute of the object, a scalar or an
enum, no arguments, no resolver (strawberry calls them "basic" fields). graphql-core still
runs each one through `execute_field`: a resolve-info object, an argument lookup, the
resolver call, the awaitable checks and `complete_value`'s type dispatch. An inbox page
of 20 handoffs has about 450 fields, and that per-field work was most of its cost.

`FastExecutor` completes in place: plain leaves (`getattr` plus the type's output
coercion), plain objects and lists of objects of a concrete type (straight to their
subfields), and fields with a lean resolver (`handoff.api.lean_resolvers`) whose result
is a leaf or such an object. A selection of plain leaves only (a timeline's segments, a
person's id and name) is one dict comprehension per object, and a resolver marked
`context_only` gets a stand-in holding the context instead of a resolve info built per
call (the info is built only if graphql-core's path needs it). Everything else (abstract
types, strawberry's own resolvers, middleware) and any value that is null where it must
not be or that its type refuses takes graphql-core's path, so errors, paths and null
propagation stay exactly as graphql-core makes them (`tests/unit/api/test_executor.py`
compares the two).
"""

from __future__ import annotations

from collections.abc import Sized
from contextlib import suppress
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfoHelpers
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.api.field_plans import Leaf, LeafSet, Obj, Plan, Resolved, add_plan, plans_of
from handoff.api.identity_memo import IdentityMemo
from handoff.api.shared_collection import SharedCollection


class SharedList(list[Any]):
    """A list of plain objects that the process keeps and answers again (a timeline's
    segments for a week), never changed once made.

    Its completed form (a list of dicts) is kept too, per selection of a document that
    collects the same way every time, so answering it again is one lookup. Responses then
    share those dicts: nothing changes a response's data after it is completed."""


# a selection's fields in order: (response name, plan or _TYPENAME, field details)
Steps = tuple[tuple[str, Any, Any], ...]
_TYPENAME = object()

# by the identity of the list and of the selection (the collected subfields)
_COMPLETED: IdentityMemo[list[dict[str, Any]]] = IdentityMemo(1024)


class ContextHolder:
    """What a `context_only` resolver gets instead of a resolve info: the context."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


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

    # graphql-core keeps helpers holding two of the executor's bound methods, a reference
    # cycle that left every request's executor, context and variables to the cyclic
    # collector (about 40 objects a request; a tenth of the API's CPU went to collecting).
    # Built when a resolve info asks for them instead, the request's objects are freed as
    # soon as it ends.
    @property
    def async_helpers(self) -> GraphQLResolveInfoHelpers:
        return GraphQLResolveInfoHelpers(gather=self.gather_async_work, track=self.track_async_work)

    @async_helpers.setter
    def async_helpers(self, _: GraphQLResolveInfoHelpers) -> None:
        pass

    def _count(self, result: object) -> None:
        if isinstance(result, Sized):
            self._count_items(len(result))

    def _count_items(self, n: int) -> None:
        limit = self._item_limit
        if limit is None:
            settings = getattr(self.context_value, "settings", None)
            limit = self._item_limit = getattr(settings, "max_result_items", 50_000)
        self._items += n
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
        leaves, steps = self._selection(parent_type, grouped_field_set)
        if leaves is not None:
            try:
                return {
                    name: complete(getattr(source_value, attr)) for name, attr, complete in leaves
                }
            except Exception:  # the general path below reports it
                pass
        results: dict[str, Any] = {}
        pending: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, plan, details in steps:
                if plan is _TYPENAME:
                    results[response_name] = parent_type.name
                    continue
                result: Any = Undefined
                if type(plan) is Leaf:
                    try:
                        results[response_name] = plan.complete(getattr(source_value, plan.attr))
                        continue  # a leaf's value is never awaitable
                    except Exception:
                        result = Undefined
                elif type(plan) is Resolved:
                    result = self._resolved_field(
                        plan, source_value, details, path, response_name, parent_type
                    )
                elif type(plan) is Obj:
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
    _selections: dict[int, tuple[Any, LeafSet | None, Steps]] | None = None

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> tuple[LeafSet | None, Steps]:
        """The selection's fields with their plans, and the same as a set of plain leaves
        if it is only that (then an object is one comprehension); once per request and
        selection (graphql-core collects each once per request), for every object of it."""
        found = self._selections
        if found is None:
            found = self._selections = {}
        key = id(grouped_field_set)
        if key in found:
            return found[key][1:]
        plans = plans_of(parent_type)
        steps: list[tuple[str, Plan | object, Any]] = []
        for response_name, details in grouped_field_set.items():
            name = details[0].node.name.value
            plan = (
                _TYPENAME
                if name == "__typename"
                else plans[name]
                if name in plans
                else add_plan(plans, parent_type, name)
            )
            steps.append((response_name, plan, details))
        leaves = tuple((rn, p.attr, p.complete) for rn, p, _ in steps if isinstance(p, Leaf))
        found[key] = (
            grouped_field_set,
            leaves if len(leaves) == len(steps) else None,
            tuple(steps),
        )
        return found[key][1:]

    def _object_field(
        self,
        plan: Obj,
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

    _context_holder: ContextHolder | None = None

    def _holder(self) -> ContextHolder:
        found = self._context_holder
        if found is None:
            found = self._context_holder = ContextHolder(self.context_value)
        return found

    def _resolved_field(
        self,
        plan: Resolved,
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
            # a context-only resolver's info is built only if graphql-core needs one
            info = (
                None if plan.context_only else self._info(field, details, parent_type, field_path)
            )
            value = plan.resolve(source, info or self._holder(), **args)
            if self.is_awaitable(value):
                info = info or self._info(field, details, parent_type, field_path)
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
            info = info or self._info(field, details, parent_type, field_path)
            completed = self.complete_value(field.type, details, info, field_path, value, None)
            return self._guard(completed, field.type, details, field_path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, details, field_path)
            return None

    def _info(self, field: Any, details: Any, parent_type: GraphQLObjectType, path: Path) -> Any:
        return self.build_resolve_info(field, to_nodes(details), parent_type, path)

    def _complete_object(self, plan: Obj, value: Any, details: Any, field_path: Path) -> Any:
        """A non-null object value (or list of them) completed in place, or Undefined."""
        items: list[Any] = []
        waiting: list[int] = []
        try:
            subfields = self.collect_subfields(plan.type, details)[0]
            if plan.item_type is None:
                return self._guard(
                    self._object_once(plan.type, value, field_path, subfields),
                    plan.field_type,
                    details,
                    field_path,
                )
            if not isinstance(value, list | tuple) or any(item is None for item in value):
                return Undefined  # graphql-core reports what is wrong with it
            self._count(value)
            leaves = self._selection(plan.type, subfields)[0]
            if leaves is not None:
                with suppress(Exception):  # else each item's own path reports it

                    def complete() -> list[dict[str, Any]]:
                        return [{n: done(getattr(it, a)) for n, a, done in leaves} for it in value]

                    if type(value) is SharedList and self.static_document():
                        return _COMPLETED((value, subfields), None, complete)
                    return complete()
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

    # by the ids of an object and a selection: (the object, its answer, its list items)
    _answers: dict[tuple[int, int], tuple[Any, Any, int]] | None = None

    def _object_once(self, type_: GraphQLObjectType, value: Any, path: Path, subfields: Any) -> Any:
        """The object's answer to the selection, completed once per request: an inbox page
        names the same receiver, and a few senders, on every handoff. An answer is reused
        only if it was complete at once and raised no error (an error belongs to its own
        path); its list items count again, for the result's size limit."""
        answers = self._answers
        if answers is None:
            answers = self._answers = {}
        key = (id(value), id(subfields))
        hit = answers.get(key)  # the entry holds the object: its id is not reused meanwhile
        if hit is not None:
            self._count_items(hit[2])
            return hit[1]
        errors, items = len(self.collected_errors.errors), self._items
        completed = self.execute_fields(type_, value, path, subfields, None)
        if type(completed) is dict and len(self.collected_errors.errors) == errors:
            answers[key] = (value, completed, self._items - items)
        return completed

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
