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

from handoff.api.identity_memo import IdentityMemo

# by the field nodes' identity and the type
_COLLECTED: IdentityMemo[CollectedFields] = IdentityMemo(1024)


class SharedCollection(StrawberryGraphQLCoreExecutionContext):
    """An execution context whose subfield collections outlive the request (see above)."""

    _static: bool | None = None

    def static_document(self) -> bool:
        """Whether this request's document collects the same way for every request (no
        `@`), so that what is derived from its nodes may be kept per process."""
        static = self._static
        if static is None:
            loc = self.operation.loc
            static = self._static = loc is not None and "@" not in loc.source.body
        return static

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        # graphql-core's own memo first: the same list again within this request
        mine = (return_type, id(field_details_list))
        found = self._relevant_sub_fields.get(mine)
        if found is not None:
            return found[1]
        if not self.static_document():
            return super().collect_subfields(return_type, field_details_list)
        nodes = tuple(details.node for details in field_details_list)
        collected = _COLLECTED(
            nodes,
            return_type,
            lambda: super(SharedCollection, self).collect_subfields(
                return_type, field_details_list
            ),
        )
        self._relevant_sub_fields[mine] = (field_details_list, collected)
        return collected
