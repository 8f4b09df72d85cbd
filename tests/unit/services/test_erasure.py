"""The erasure scrubber: what it replaces, and what it leaves alone."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.ids import encode
from handoff.services.erasure import ERASED_NOTE, TOMBSTONE_NAME, Scrubber, needles
from handoff.storage.models import Person

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _zofia() -> Person:
    return Person(
        id=7,
        workspace_id=1,
        name="Zofia Kowalczyk",
        handle="zofia.k",
        email="zofia@example.com",
        timezone="Europe/Warsaw",
        pattern_data={},
        policy_data={},
        created_at=NOW,
        updated_at=NOW,
    )


def test_needles_are_the_name_its_words_the_handle_and_the_email_longest_first() -> None:
    assert needles(_zofia()) == [
        "zofia@example.com",
        "Zofia Kowalczyk",
        "Kowalczyk",
        "zofia.k",
        "Zofia",
    ]


def test_text_replaces_whole_words_case_insensitively() -> None:
    s = Scrubber(7, tuple(needles(_zofia())))
    assert (
        s.text("Friday is Zofia Kowalczyk's day off.") == f"Friday is {TOMBSTONE_NAME}'s day off."
    )
    assert s.text("ask ZOFIA or mail zofia@example.com") == (
        f"ask {TOMBSTONE_NAME} or mail {TOMBSTONE_NAME}"
    )
    assert s.text("Zofiana and Kowalczykowa stay") == "Zofiana and Kowalczykowa stay"
    assert s.text(None) is None and s.text("") == ""


def test_json_rewrites_person_refs_and_notes_she_wrote() -> None:
    handoff = encode("Handoff", 3)
    s = Scrubber(7, tuple(needles(_zofia())), sent=frozenset({handoff}))
    payload = {
        "handoff": {
            "id": handoff,
            "summary": "Zofia's plan",
            "done": "x",
            "next": "y",
            "openQuestions": ["q"],
            "explanation": ["Zofia Kowalczyk works now."],
        },
        "sender": {
            "id": encode("Person", 7),
            "name": "Zofia Kowalczyk",
            "handle": "zofia.k",
            "timezone": "Europe/Warsaw",
        },
        "receiver": {"id": encode("Person", 8), "name": "Bo", "handle": "bo", "timezone": "UTC"},
    }
    out = s.json(payload)
    assert out["handoff"]["summary"] == ERASED_NOTE
    assert (out["handoff"]["done"], out["handoff"]["next"], out["handoff"]["openQuestions"]) == (
        "",
        "",
        [],
    )
    assert out["handoff"]["explanation"] == [f"{TOMBSTONE_NAME} works now."]
    assert out["sender"] == {
        "id": encode("Person", 7),
        "name": TOMBSTONE_NAME,
        "handle": "erased-7",
        "timezone": "UTC",
    }
    assert out["receiver"] == payload["receiver"]


def test_rows_that_do_not_change_are_left_alone() -> None:
    s = Scrubber(7, tuple(needles(_zofia())))
    assert s.work_item({"id": 1, "title": "Release", "description": ""}) is None
    assert s.team({"id": 2, "name": "Zofia's crew"}) == {
        "id": 2,
        "name": f"{TOMBSTONE_NAME}'s crew ({encode('Team', 2)})",
    }


def test_their_quick_replies_and_urgency_reasons_are_erased() -> None:
    handoff = encode("Handoff", 3)
    s = Scrubber(7, tuple(needles(_zofia())), sent=frozenset({handoff}))
    me = {"id": encode("Person", 7), "name": "Zofia Kowalczyk", "handle": "zofia.k"}
    replied = s.json({"reply": {"preset": "OK", "text": "on it", "by": me}})
    assert replied["reply"]["text"] == ERASED_NOTE
    urgent = s.json({"handoff": {"id": handoff}, "urgency": {"reason": "the build is red"}})
    assert urgent["urgency"]["reason"] == ERASED_NOTE
    others = s.json({"handoff": {"id": encode("Handoff", 4)}, "urgency": {"reason": "red"}})
    assert others["urgency"]["reason"] == "red"
    row = {"handoff_id": 3, "person_id": 8, "sender_id": 7, "reason": "red", "explanation": "x"}
    assert s.urgent_handoff(row) == {
        "handoff_id": 3,
        "person_id": 8,
        "reason": ERASED_NOTE,
        "explanation": "x",
    }
    assert s.reply({"id": 1, "person_id": 7, "text": "ok"}) == {"id": 1, "text": ERASED_NOTE}
    assert s.reply({"id": 2, "person_id": 8, "text": "ask Zofia"}) == {
        "id": 2,
        "text": f"ask {TOMBSTONE_NAME}",
    }
