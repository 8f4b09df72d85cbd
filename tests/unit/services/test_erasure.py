"""The erasure scrubber: what it replaces, and what it leaves alone."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.ids import encode
from handoff.services.erasure import (
    ERASED_NOTE,
    TOMBSTONE_NAME,
    Needle,
    Scrubber,
    needles,
    tombstone_handle,
)
from handoff.services.people import HANDLE
from handoff.storage.models import Person

NOW = datetime(2026, 11, 30, tzinfo=UTC)
E = TOMBSTONE_NAME


def _person(name: str, handle: str, email: str | None = None, id: int = 7) -> Person:
    return Person(
        id=id,
        workspace_id=1,
        name=name,
        handle=handle,
        email=email,
        timezone="Europe/Warsaw",
        pattern_json={},
        policy_json={},
        created_at=NOW,
        updated_at=NOW,
    )


def _zofia() -> Person:
    return _person("Zofia Kowalczyk", "zofia.k", "zofia@example.com")


def _scrub(person: Person) -> Scrubber:
    return Scrubber(person.id, tuple(needles(person)))


def test_needles_are_the_name_its_words_the_handle_and_the_email_longest_first() -> None:
    assert needles(_zofia()) == [
        Needle("zofia@example.com", any_case=True),
        Needle("Zofia Kowalczyk", any_case=True),
        Needle("Kowalczyk", any_case=False),
        Needle("@zofia.k", any_case=True),
        Needle("zofia.k", any_case=True),
        Needle("Zofia", any_case=False),
    ]


def test_text_replaces_whole_words() -> None:
    s = _scrub(_zofia())
    assert s.text("Friday is Zofia Kowalczyk's day off.") == f"Friday is {E}'s day off."
    assert s.text("ask Zofia or mail ZOFIA@example.com, cc @Zofia.K") == (
        f"ask {E} or mail {E}, cc {E}"
    )
    assert s.text("zofia kowalczyk wrote it") == f"{E} wrote it"
    assert s.text("Zofiana and Kowalczykowa stay") == "Zofiana and Kowalczykowa stay"
    assert s.text(None) is None and s.text("") == ""


def test_a_short_name_and_handle_leave_everyone_else_s_text_alone() -> None:
    al = _scrub(_person("Al", "a"))
    assert al.words == ()
    kept = "Write a plan for AL-2 and a budget; A quarterly plan; mail a@b.io"
    assert al.text(kept) == kept
    # a short handle is still a needle as a mention when the '@' makes it three long
    assert _scrub(_person("Al", "al")).text("ask @al, not al or AL-2") == f"ask {E}, not al or AL-2"


def test_a_first_name_that_is_an_everyday_word_is_matched_only_as_a_name() -> None:
    s = _scrub(_person("Will Smith", "wsmith", "will.smith@x.io"))
    assert s.text("I will do it. Will? WILL!") == f"I will do it. {E}? WILL!"
    assert s.text("ask Will") == f"ask {E}"
    assert s.text("mail will.smith@x.io or ping @wsmith / WSmith") == (
        f"mail {E} or ping {E} / {E}"
    )
    assert s.text("will smith's draft, not the smithy") == f"{E}'s draft, not the smithy"
    # a double name is found whole or by halves, and is not found in another's
    anne = _scrub(_person("Anne-Marie Dupont", "amd"))
    assert (
        anne.text("Anne-Marie, Anne, Marie; not Marie-Claire") == f"{E}, {E}, {E}; not Marie-Claire"
    )
    # a handle that is a word of the name is matched as that word: lower case is others'
    will = _scrub(_person("Will Smith", "will"))
    assert will.text("I will ask @will and Will") == f"I will ask {E} and {E}"
    assert _scrub(_person("Grace", "grace")).text("by the grace of Grace") == (
        f"by the grace of {E}"
    )


def test_lower_case_particles_and_others_addresses_are_not_needles() -> None:
    s = _scrub(_person("Ludwig van Beethoven", "smith"))
    assert Needle("van", any_case=False) not in s.words
    assert s.text("the van of Ludwig van Beethoven") == f"the van of {E}"
    assert s.text("mail bob.smith@x.io or smith.bob@x.io, not smith.") == (
        f"mail bob.smith@x.io or smith.bob@x.io, not {E}."
    )


def test_the_tombstone_handle_is_one_no_person_can_have() -> None:
    assert tombstone_handle(20) == "erased:20"
    assert HANDLE.fullmatch(tombstone_handle(20)) is None


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
        "handle": "erased:7",
        "timezone": "UTC",
    }
    assert out["receiver"] == payload["receiver"]


def test_rows_that_do_not_change_are_left_alone() -> None:
    s = _scrub(_zofia())
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
