"""The committed SDL must match the code."""

from __future__ import annotations

from pathlib import Path

from handoff.api.schema import schema

SDL = Path(__file__).resolve().parents[3] / "schema" / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    current = schema.as_str() + "\n"
    committed = SDL.read_text() if SDL.exists() else ""
    assert committed == current, (
        f"{SDL} is out of date with the GraphQL schema in handoff/api; "
        "run `make schema` (or `.venv/bin/handoff schema export`) and commit the result"
    )
