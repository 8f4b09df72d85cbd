"""FastExecutor answers exactly what graphql-core's executor answers: data, errors, their
paths and null propagation, for plain fields, lean resolvers and awaitables."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from handoff.api import shared_collection
from handoff.api.executor import FastExecutor, SharedList
from handoff.api.extensions import ParseAndValidate
from handoff.api.lean_resolvers import context_only, streamline


@strawberry.enum
class Colour(Enum):
    RED = "red"
    DARK_BLUE = "dark blue"


@strawberry.type
class Leaf:
    name: str
    maybe: str | None = None
    tags: list[str] = field(default_factory=list)
    colour: Colour = Colour.DARK_BLUE
    shades: list[Colour] = field(default_factory=lambda: [Colour.RED, Colour.DARK_BLUE])

    @strawberry.field
    def shout(self) -> str:
        if self.name == "boom":
            raise ValueError("no shouting at boom")
        return self.name.upper()

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        if self.name == "late-boom":
            raise ValueError("late failure")
        return f"later {self.name}"

    @strawberry.field
    def echo(self, word: str | None = None) -> str | None:
        return word

    @strawberry.field
    @context_only
    def quiet(self, info: strawberry.Info, word: str = "") -> str:
        if self.name == "boom":
            raise ValueError("quietly boom")
        return f"{self.name}{word}:{info.context is None}"

    @strawberry.field
    @context_only
    async def quiet_later(self, info: strawberry.Info) -> str | None:
        await asyncio.sleep(0)
        if self.name == "late-boom":
            raise ValueError("quietly late")
        return None if info.context is not None else self.name


@strawberry.type
class Box:
    title: str
    leaves: list[Leaf]
    first: Leaf | None
    must: Leaf

    @strawberry.field
    def picked(self) -> Leaf:
        return self.leaves[0]

    @strawberry.field
    async def picked_later(self) -> Leaf | None:
        await asyncio.sleep(0)
        return self.first


@strawberry.type
class Shelf:
    box: Box


@dataclass
class Broken:
    """A Leaf-shaped value whose non-null `name` is missing."""

    name: None = None
    maybe: None = None
    tags: list[str] = field(default_factory=list)
    colour: str = "red"  # a plain string where an enum member belongs
    shades: list[str] = field(default_factory=list)


def boxes() -> list[Box]:
    good = [Leaf(name="a", tags=["x", "y"]), Leaf(name="boom"), Leaf(name="late-boom")]
    return [
        Box(title="ok", leaves=good, first=good[0], must=good[0]),
        Box(title="null leaf", leaves=[Leaf(name="b"), Broken()], first=None, must=Broken()),  # type: ignore[list-item]
        Box(title=None, leaves=[], first=None, must=good[0]),  # type: ignore[arg-type]
    ]


# lists the process keeps and answers again, as the timeline's segments are
KEPT = SharedList([Leaf(name="k1", tags=["t"]), Leaf(name="k2", colour=Colour.RED)])
KEPT_BROKEN = SharedList([Leaf(name="k3"), Broken()])


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return boxes()  # type: ignore[return-value]

    @strawberry.field
    def repeated(self) -> list[Box]:
        """The same leaves under every box, as an inbox names the same receiver."""
        a, boom = Leaf(name="a", tags=["x", "y"]), Leaf(name="boom")
        return [Box(title=t, leaves=[a], first=boom, must=a) for t in ("1", "2", "3")]

    @strawberry.field
    def shelves(self) -> list[Shelf]:
        """The same box, with its list of leaves, on every shelf."""
        a = Leaf(name="a")
        box = Box(title="same", leaves=[a, a], first=None, must=a)
        return [Shelf(box=box) for _ in range(3)]

    @strawberry.field
    def kept(self) -> list[Leaf]:
        return KEPT

    @strawberry.field
    def kept_broken(self) -> list[Leaf | None]:
        return KEPT_BROKEN

    @strawberry.field
    def strict(self) -> list[Box]:
        return boxes()


def schema(executor: type) -> strawberry.Schema:
    built = strawberry.Schema(query=Query, execution_context_class=executor)
    if executor is FastExecutor:
        streamline(built)
    return built


QUERIES = [
    "{ boxes { __typename title leaves { name maybe tags shout later } first { name } } }",
    "{ boxes { leaves { colour shades } first { colour } } }",
    "{ boxes { must { name tags } picked { name shout } pickedLater { name later } } }",
    "{ strict { title } }",
    "{ strict { leaves { name } } }",
    # lists whose selection is all plain leaves (aliases and __typename included)
    "{ boxes { leaves { __typename n: name name tags maybe colour t: __typename } } }",
    '{ boxes { leaves { e: echo(word: "hi") f: echo name } } }',
    "query($w: String) { boxes { first { echo(word: $w) } } }",
    # selections of plain leaves only, completed as one comprehension unless a value fails
    "{ boxes { leaves { name maybe tags colour shades } must { a: name b: name colour } } }",
    "{ strict { leaves { name colour } must { tags } } }",
    "{ boxes { leaves { shades } first { maybe } } }",
    # resolvers that read only info.context: a stand-in instead of a resolve info
    '{ boxes { leaves { quiet q: quiet(word: "!") quietLater name } must { quiet } } }',
    # kept lists: completed once per selection, unless a value fails
    "{ kept { name tags colour } keptBroken { name maybe colour } }",
    # the same object under the same selection: completed once, unless it has an error
    "{ repeated { must { name shout quiet } first { name shout } picked { colour } } }",
    "{ repeated { must { name later } picked { name quietLater } } }",
    "{ boxes { ... on Box { title ...F } } } fragment F on Box { leaves { later } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_same_result_as_graphql_core(query: str) -> None:
    expected = await schema(StrawberryGraphQLCoreExecutionContext).execute(
        query, variable_values={"w": "v"}
    )
    got = await schema(FastExecutor).execute(query, variable_values={"w": "v"})
    assert got.data == expected.data
    assert [e.formatted for e in got.errors or []] == [e.formatted for e in expected.errors or []]
    # the field order of every object is the order asked for
    assert repr(got.data) == repr(expected.data)


async def test_the_queries_do_exercise_errors_and_nulls() -> None:
    result = await schema(FastExecutor).execute(QUERIES[0])
    messages = {e.message for e in result.errors or []}
    assert "no shouting at boom" in messages
    assert any("Cannot return null for non-nullable field" in m for m in messages)
    assert result.data is not None and result.data["boxes"][1] is None
    late = await schema(FastExecutor).execute(QUERIES[-1])
    paths = {e.message: e.path for e in late.errors or []}
    assert paths["late failure"] == ["boxes", 0, "leaves", 2, "later"]


def parsed_once_schema() -> strawberry.Schema:
    """The test schema with the API's parse cache: a document is parsed once per process."""
    built = strawberry.Schema(
        query=Query,
        execution_context_class=FastExecutor,
        extensions=[lambda: ParseAndValidate(())],
    )
    streamline(built)
    return built


async def test_collections_are_shared_by_requests_of_one_document() -> None:
    built = parsed_once_schema()
    query = "{ boxes { title leaves { name tags } must { ...M } } } fragment M on Leaf { name }"
    before = len(shared_collection._COLLECTED)
    first = await built.execute(query)
    kept = len(shared_collection._COLLECTED)
    assert kept == before + 3  # boxes, leaves and must (with its fragment) on first use
    second = await built.execute(query)
    assert len(shared_collection._COLLECTED) == kept  # every collection found again
    expected = await schema(StrawberryGraphQLCoreExecutionContext).execute(query)
    for got in (first, second):
        assert repr(got.data) == repr(expected.data)
        assert [e.formatted for e in got.errors or []] == [
            e.formatted for e in expected.errors or []
        ]


async def test_a_document_with_directives_collects_per_request() -> None:
    built = parsed_once_schema()
    query = "query($x: Boolean!) { boxes { title leaves @include(if: $x) { name } } }"
    shown = await built.execute(query, variable_values={"x": True})
    hidden = await built.execute(query, variable_values={"x": False})
    assert shown.data is not None and hidden.data is not None
    assert shown.data["boxes"][0]["leaves"][0] == {"name": "a"}
    assert hidden.data["boxes"][0] == {"title": "ok"}


async def test_a_kept_list_is_completed_once_per_selection_of_a_document() -> None:
    built = parsed_once_schema()
    query = "{ kept { name tags colour } boxes { leaves { tags } } }"
    first = await built.execute(query)
    second = await built.execute(query)
    expected = await schema(StrawberryGraphQLCoreExecutionContext).execute(query)
    assert repr(first.data) == repr(second.data) == repr(expected.data)
    assert first.data is not None and second.data is not None
    # the kept list's answer is the same objects; a list made per request is completed anew
    assert second.data["kept"][0] is first.data["kept"][0]
    assert second.data["boxes"][0]["leaves"][0] is not first.data["boxes"][0]["leaves"][0]
    # another selection of the same list has its own answer
    other = await built.execute("{ kept { colour } }")
    assert other.data == {"kept": [{"colour": "DARK_BLUE"}, {"colour": "RED"}]}


async def test_a_kept_list_under_a_directive_is_completed_per_request() -> None:
    built = parsed_once_schema()
    query = "query($x: Boolean!) { kept { name tags @include(if: $x) } }"
    shown = await built.execute(query, variable_values={"x": True})
    hidden = await built.execute(query, variable_values={"x": False})
    assert shown.data == {"kept": [{"name": "k1", "tags": ["t"]}, {"name": "k2", "tags": []}]}
    assert hidden.data == {"kept": [{"name": "k1"}, {"name": "k2"}]}


async def test_a_kept_list_with_a_broken_value_reports_it_every_time() -> None:
    built = parsed_once_schema()
    query = "{ keptBroken { name } }"
    expected = await schema(StrawberryGraphQLCoreExecutionContext).execute(query)
    assert expected.errors  # the broken item's null name
    for _ in range(2):
        got = await built.execute(query)
        assert got.data == expected.data
        assert [e.formatted for e in got.errors or []] == [e.formatted for e in expected.errors]


async def test_an_object_named_again_is_completed_once_per_request() -> None:
    query = "{ repeated { must { name shout } first { name shout } } }"
    got = await schema(FastExecutor).execute(query)
    assert got.data is not None
    musts = [box["must"] for box in got.data["repeated"]]
    assert musts[0] == {"name": "a", "shout": "A"}
    assert musts[1] is musts[0] and musts[2] is musts[0]
    # an answer with an error is not reused: each path reports its own
    assert [e.path for e in got.errors or []] == [
        ["repeated", i, "first", "shout"] for i in range(3)
    ]
    again = await schema(FastExecutor).execute(query)
    assert again.data is not None and again.data["repeated"][0]["must"] is not musts[0]


class SmallResults(FastExecutor):
    _item_limit = 5


async def test_an_answer_used_again_counts_its_list_items_again() -> None:
    built = schema(SmallResults)
    # three shelves hold the same box of two leaves: 3 + 3 x 2 items, past the limit of 5
    got = await built.execute("{ shelves { box { leaves { name } } } }")
    assert got.errors and "more than 5 list items" in got.errors[0].message
    fits = await built.execute("{ shelves { box { title } } }")
    assert not fits.errors
