"""A bounded fuzz of the served schema: hypothesis-graphql writes queries and mutations
(valid ones, and ones with a single schema violation) from the SDL the app serves, and
each is run through the ASGI app with a valid token. Whatever a client sends, the answer
is never a 5xx, never INTERNAL, never "Unexpected error.", and every error has a code.

Hypothesis runs in a worker thread (it drives plain functions) and hands each document
to the test's event loop, where the app and its pool live; it shrinks a failure to the
smallest document, printed with the assertion. The budget: EXAMPLES per run, four runs,
about 15 s in all
(`HANDOFF_FUZZ_EXAMPLES` raises it for a longer hunt).
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis_graphql
import pytest
from graphql import build_client_schema, get_introspection_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from tests.integration.api._helpers import (
    AMS,
    SYDNEY,
    create_handoff,
    create_person,
    create_team,
    unknown_id,
)

# HANDOFF_FUZZ_EXAMPLES=2000 for a longer hunt.
EXAMPLES = int(os.environ.get("HANDOFF_FUZZ_EXAMPLES", "150"))
# Hypothesis notes when the global `random` moved while it drew an example: here that is
# the app's own background work (the connection pool's jitter) on the event loop's thread,
# not the strategies.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
CODES = {
    "BAD_REQUEST",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMITED",
    "PAYLOAD_TOO_LARGE",
}


def scalars(real_ids: list[str]) -> dict[str, st.SearchStrategy[Any]]:
    """Strategies for the custom scalars and IDs: mostly well-formed, sometimes not."""
    junk = st.text(max_size=30)
    zones = st.sampled_from([None, ZoneInfo(AMS), ZoneInfo(SYDNEY), ZoneInfo("UTC")])
    instants = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
    ).map(lambda d: d.isoformat())
    durations = st.builds(
        lambda d, h, m: f"P{d}DT{h}H{m}M",
        st.integers(0, 400),
        st.integers(0, 99),
        st.integers(0, 59),
    )
    return {
        "DateTime": st.one_of(instants, junk).map(nodes.String),
        "Duration": st.one_of(
            durations, st.sampled_from(["PT4H", "PT0S", "P1W", "P1Y", "-PT1H"]), junk
        ).map(nodes.String),
        "Date": st.one_of(st.dates().map(str), junk).map(nodes.String),
        "ID": st.one_of(st.sampled_from(real_ids), junk).map(nodes.String),
    }


def check(status: int, text: str, document: str) -> None:
    assert status < 500, (status, text[:500], document)
    assert "Unexpected error" not in text, document
    body = json.loads(text)
    for error in body.get("errors") or []:
        code = error.get("extensions", {}).get("code")
        assert code in CODES, (code, error, document)


@pytest.fixture
async def served_schema(gql) -> Any:
    response = await gql.raw(get_introspection_query())
    return build_client_schema(response.json()["data"])


@pytest.fixture
async def real_ids(gql) -> list[str]:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    team = await create_team(gql, "Sun", [ana, sam])
    handoff = await create_handoff(gql, ana, sam, expectResponseWithin="PT4H")
    return [
        ana["id"],
        sam["id"],
        team["id"],
        handoff["id"],
        handoff["workItem"]["id"],
        unknown_id("Person"),
    ]


async def fuzz(gql: Any, strategy: st.SearchStrategy[str]) -> int:
    """Run `strategy`'s documents through the app; the number of documents sent."""
    loop = asyncio.get_running_loop()
    sent = 0

    async def send(document: str) -> tuple[int, str]:
        response = await gql.raw(document)
        return response.status_code, response.text

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(document: str) -> None:
        nonlocal sent
        sent += 1
        status, text = asyncio.run_coroutine_threadsafe(send(document), loop).result(timeout=30)
        check(status, text, document)

    await asyncio.to_thread(run)
    return sent


@pytest.mark.parametrize(
    "mode", [hypothesis_graphql.Mode.POSITIVE, hypothesis_graphql.Mode.NEGATIVE]
)
async def test_fuzzed_queries_get_an_answer_or_a_coded_error(
    gql, served_schema, real_ids, mode
) -> None:
    strategy = hypothesis_graphql.queries(
        served_schema, custom_scalars=scalars(real_ids), mode=mode
    )
    assert await fuzz(gql, strategy) >= EXAMPLES // 2


@pytest.mark.parametrize(
    "mode", [hypothesis_graphql.Mode.POSITIVE, hypothesis_graphql.Mode.NEGATIVE]
)
async def test_fuzzed_mutations_get_an_answer_or_a_coded_error(
    gql, served_schema, real_ids, mode
) -> None:
    strategy = hypothesis_graphql.mutations(
        served_schema, custom_scalars=scalars(real_ids), mode=mode
    )
    assert await fuzz(gql, strategy) >= EXAMPLES // 2
