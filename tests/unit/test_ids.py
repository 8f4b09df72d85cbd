"""Global IDs: one spelling per row; anything else is a BadId, not another way to the row."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.ids import BadId, decode, decode_as, encode


def _raw(text: str, pad: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode()
    return encoded if pad else encoded.rstrip("=")


@given(st.sampled_from(["Person", "Handoff", "Team"]), st.integers(1, 2**63 - 1))
def test_every_id_decodes_to_its_row(type_name: str, pk: int) -> None:
    assert decode(encode(type_name, pk)) == (type_name, pk)
    assert decode_as(encode(type_name, pk), type_name) == pk


@pytest.mark.parametrize(
    "text", ["Person: 1", "Person:+1", "Person:01", "Person:\u0661", "Person:1 ", "Person:1_0"]
)
def test_other_spellings_of_a_number_are_refused(text: str) -> None:
    with pytest.raises(BadId, match="not a valid ID"):
        decode(_raw(text))


def test_padding_is_not_another_spelling() -> None:
    assert decode(_raw("Person:1")) == ("Person", 1)
    padded = _raw("Person:1", pad=True)
    assert padded != _raw("Person:1")
    with pytest.raises(BadId):
        decode(padded)


@pytest.mark.parametrize("text", ["Person:0", "Person:-3", ":5", "Person", f"Person:{2**63}"])
def test_not_a_row(text: str) -> None:
    with pytest.raises(BadId):
        decode(_raw(text))
