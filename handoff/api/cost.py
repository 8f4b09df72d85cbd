"""What a query may cost: lists multiply what is asked inside them.

Depth and alias limits alone let a short query ask for millions of objects: a work
item's handoffs, each handoff's work item, its handoffs again, and so on. Before it runs,
each operation is given a cost: every field counts 1, and what is selected inside a list
counts once per item the list may hold: a connection's `first` (its default page when
`first` is a variable or absent) for its `nodes` and `edges`, `ASSUMED_LIST` items for a
plain list. An operation over the limit is refused, as a validation error, before any
resolver runs. The estimate is an upper bound for connections and a typical size for
plain lists; the point is the product, which grows with every nested list.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

ASSUMED_LIST = 20


def cost_validator(limit: int, default_page: int, max_page: int) -> type[ValidationRule]:
    """A validation rule refusing operations that cost more than `limit`."""

    class QueryCost(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            estimate = _Estimate(self.context, default_page, max_page)
            cost = estimate.selections(node.selection_set, root, None)
            if cost > limit:
                self.report_error(
                    GraphQLError(
                        f"This query would cost about {cost:,} (each field 1, times the items "
                        f"of every list around it); at most {limit:,} is accepted. Ask for "
                        "fewer items (`first`) or fewer nested lists.",
                        node,
                    )
                )

    return QueryCost


class _Estimate:
    def __init__(self, context: Any, default_page: int, max_page: int) -> None:
        self.context = context
        self.default_page = default_page
        self.max_page = max_page
        self.expanding: set[str] = set()  # fragments being counted (a cycle is invalid)

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, page: int | None
    ) -> int:
        """The cost of a selection set on `parent`; `page`: the `first` of the connection
        it is inside, for its `nodes` and `edges` lists."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition
                inner = self._type(on.name.value) if on is not None else parent
                total += self.selections(selection.selection_set, inner or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in self.expanding:
                    continue
                self.expanding.add(name)
                inner = self._type(fragment.type_condition.name.value) or parent
                total += self.selections(fragment.selection_set, inner, page)
                self.expanding.discard(name)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 1  # unknown fields are another rule's error
        kind = definition.type
        items = 1
        while isinstance(kind, GraphQLNonNull | GraphQLList):
            if isinstance(kind, GraphQLList):
                items *= page if page is not None else ASSUMED_LIST
            kind = kind.of_type
        inner = self.selections(node.selection_set, kind, self._first(node))
        return items * (1 + inner)

    def _first(self, node: FieldNode) -> int | None:
        """The page size a field with `first` asks for (None: it takes no `first`)."""
        for argument in node.arguments or ():
            if argument.name.value == "first":
                if isinstance(argument.value, IntValueNode):
                    return max(1, min(int(argument.value.value), self.max_page))
                return self.max_page  # a variable: it may be as large as allowed
        return None if not self._paged(node) else self.default_page

    def _paged(self, node: FieldNode) -> bool:
        # a connection field that was not given `first` still returns a default page
        return node.selection_set is not None and any(
            isinstance(s, FieldNode) and s.name.value in ("nodes", "edges")
            for s in node.selection_set.selections
        )

    def _type(self, name: str) -> GraphQLNamedType | None:
        found = self.context.schema.get_type(name)
        return found if isinstance(found, GraphQLNamedType) else None
