"""The README's worked example, run verbatim in a fresh workspace."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def _block(marker: str) -> str:
    """The fenced code block right after `<!-- worked-example:<marker> -->`."""
    text = README.read_text()
    found = re.search(rf"<!-- worked-example:{marker} -->\n```\w*\n(.*?)\n```", text, re.DOTALL)
    assert found, f"README has no worked-example:{marker} block"
    return found.group(1)


async def test_the_readme_worked_example_reproduces_its_own_answer(gql) -> None:
    people = await gql(_block("people"))
    assert people["ana"]["__typename"] == "PersonPayload", people
    assert people["sam"]["__typename"] == "PersonPayload", people
    variables = {
        "ana": people["ana"]["person"]["id"],
        "sam": people["sam"]["person"]["id"],
    }
    answer = await gql(_block("preview"), variables)
    assert answer["previewHandoff"] == json.loads(_block("answer"))


async def test_the_worked_examples_mutation_says_why_it_fails_in_a_workspace_that_has_them(
    gql,
) -> None:
    await gql(_block("people"))
    again = await gql(_block("people"))
    assert again["ana"] == {
        "__typename": "ValidationError",
        "field": "input.handle",
        "message": "handle 'ana.example' is already taken in this workspace",
    }
