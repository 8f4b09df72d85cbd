"""Subfield collection shared between requests of the same document.

graphql-core collects the subfields of each selection (fragments spread, aliases grouped)
once per request and type. The result depends only on the document and the type, unless
a directive (`@skip`/`@include` with a variable, `@defer`) makes it depend on the
variables. A persisted query is parsed once per process (the parse cache), so its nodes
live on, and a document without a single `@` collects the same way every time: its
collections are kept per process, by the identity of the field nodes. (Fragment
arguments, which would carry a request's variables without an `@`, are an experimental
parser option `cached_parse` does not turn on.)

An entry keeps its nodes, and through their locations the whole parsed document, alive:
the bound keeps that to a few hundred documents, the order of the parse cache's 256,
even when clients send a new document with every request (literal values in the text).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.collect_fields import CollectedFields
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# (type, id of each field node) -> (the nodes, kept so their ids are not reused; collected)
_COLLECTED: dict[tuple[Any, ...], tuple[tuple[Any, ...], CollectedFields]] = {}
_KEPT = 1024


class SharedCollection(StrawberryGraphQLCoreExecutionContext):
    """An execution context whose subfield collections outlive the request (see above)."""

    _static: bool | None = None

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        # graphql-core's own memo first: the same list again within this request
        mine = (return_type, id(field_details_list))
        found = self._relevant_sub_fields.get(mine)
        if found is not None:
            return found[1]
        static = self._static
        if static is None:
            loc = self.operation.loc
            static = self._static = loc is not None and "@" not in loc.source.body
        if not static:
            return super().collect_subfields(return_type, field_details_list)
        nodes = tuple(details.node for details in field_details_list)
        key = (return_type, *map(id, nodes))
        hit = _COLLECTED.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], nodes, strict=True)):
            self._relevant_sub_fields[mine] = (field_details_list, hit[1])
            return hit[1]
        collected = super().collect_subfields(return_type, field_details_list)
        if len(_COLLECTED) >= _KEPT:
            _COLLECTED.clear()
        _COLLECTED[key] = (nodes, collected)
        return collected
