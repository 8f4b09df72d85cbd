"""IdentityMemo: values by the identity of objects, never for an equal other object."""

from __future__ import annotations

from handoff.api.identity_memo import IdentityMemo


def test_a_value_is_kept_for_those_very_objects_and_rest() -> None:
    memo: IdentityMemo[str] = IdentityMemo(limit=3)
    a, equal_to_a = [1, 2], [1, 2]
    calls: list[str] = []

    def compute(text: str) -> str:
        calls.append(text)
        return text

    assert memo((a,), "x", lambda: compute("first")) == "first"
    assert memo((a,), "x", lambda: compute("again")) == "first"  # kept
    assert memo((equal_to_a,), "x", lambda: compute("equal")) == "equal"  # another object
    assert memo((a,), "y", lambda: compute("other rest")) == "other rest"
    assert calls == ["first", "equal", "other rest"] and len(memo) == 3
    memo((a, equal_to_a), None, lambda: compute("full"))  # the limit: emptied, then kept
    assert len(memo) == 1
    memo.clear()
    assert len(memo) == 0
