"""Erasing a person's personal data: what is replaced, and by what.

An erased person keeps their row (so every handoff, event and count still adds up) but
their name, handle, email, zone and hours become a tombstone. Elsewhere:

- notes they wrote (the summary, done, next and open questions of handoffs they sent,
  the return notes of handoffs they returned, the reasons they gave for urgency, the text
  of their quick replies) become `[erased]`, in their tables and in every event that
  carries them;
- their person reference in events (`{id, name, handle, timezone}`) keeps its ID and
  shows the tombstone;
- any other text of the workspace that names them (explanations, others' notes, work
  item titles, team names, token labels, webhook endpoint descriptions, webhook responses and errors) has each mention
  of them replaced by the tombstone name: under the names and handles they went by
  before too (events show them as they were then), and the reasons they gave for time
  off, in the explanation of their days off, become `[erased]`;
- events about their trips and hours lose where they were and when they could be
  reached (`_WHEREABOUTS`).

A mention is one of these needles standing as a whole word: not inside a longer word,
nor joined to one by '.', '-' or '@' (`smith` is not found in `bob.smith@x.io`, nor
"Marie" in "Marie-Claire").

- Their email, in any case.
- Their full name when it has two words or more ("Will Smith", "Anne-Marie"), in any
  case: a phrase like that is theirs however it is written.
- Each word of the name, only with the capitals it has in the name: "Will", never
  "will" ("I will do it" is somebody else's sentence). "Anne-Marie Dupont" has the
  words "Anne-Marie", "Anne", "Marie" and "Dupont". A word all in lower case ("van",
  "de") is no needle on its own; a name of one word is such a word.
- Their handle as a mention, `@wsmith`, in any case.
- Their handle on its own, `wsmith`, in any case, unless it is just a word of the name
  (`will` for "Will Smith"), which is then matched as that word is.

A needle shorter than three characters is never matched (a handle "a" is neither `a`
nor `@a`; `@al` is a needle), so erasing "Al" leaves "a plan for AL-2" as it was.
Longer needles go first, so a full name is replaced whole before any word of it.
Missed on purpose, as the price of leaving others' text alone: a word of the name in
other capitals ("ZOFIA", "zofia") or joined to another word ("Zofia-style"), nicknames,
and a handle that is a word of the name written in lower case without '@'. Replaced
although it may be somebody else's, as no rule tells it from the name: the word with the
name's capital at the start of a sentence ("Will it ship?").

The tombstone handle, `erased:<id>`, is outside the handle grammar of
`handoff.services.people` (no ':' there), so nobody can hold it, however old their handle.

Pure functions: `handoff.services.membership` reads and writes the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from handoff.ids import encode
from handoff.storage.models import Person

TOMBSTONE_NAME = "Erased person"
ERASED_NOTE = "[erased]"
TOMBSTONE_ZONE = "UTC"
SHORTEST = 3  # characters: a shorter needle is too likely to be somebody else's word
_WORD = re.compile(r"\w+")
_PART = re.compile(r"\w+(?:[-'’]\w+)+")  # a word of the name with its hyphens: Anne-Marie
# Whole words only: an address or a compound that merely contains a needle
# (bob.smith@x.io, Marie-Claire) belongs to somebody else.
_BEFORE = r"(?<![\w@])(?<!\w[.-])"
_AFTER = r"(?![\w@])(?![.-]\w)"


# What events about the person say of where they were and when they could be reached,
# as the tombstone has it (no hours, no travel, UTC).
_WHEREABOUTS: dict[str, dict[str, Any]] = {
    "person.travel_changed": {
        "travel": None,
        "previous": None,
        "nextReachableAt": None,
        "timezoneNow": TOMBSTONE_ZONE,
        "homeTimezone": TOMBSTONE_ZONE,
    },
    "person.availability_changed": {"nextReachableAt": None},
}


def tombstone_handle(person_id: int) -> str:
    """A handle that says nothing about the person and that no live person can hold
    (':' is not allowed in handles), unique in the workspace."""
    return f"erased:{person_id}"


@dataclass(frozen=True)
class Needle:
    """A text that identifies the person, matched in any case or only as written."""

    text: str
    any_case: bool

    @property
    def pattern(self) -> str:
        escaped = re.escape(self.text)
        return f"(?i:{escaped})" if self.any_case else escaped


def needles(person: Person, went_by: Iterable[tuple[str, str]] = ()) -> list[Needle]:
    """Every text that identifies the person (the rules are the module's), longest first:
    their name and handle, every (name, handle) they `went_by` before, and their email."""
    found: set[Needle] = set()
    for name, handle in [(person.name, person.handle), *went_by]:
        found |= _identity(name.strip(), handle)
    if person.email:
        found.add(Needle(person.email, any_case=True))
    kept = (n for n in found if len(n.text) >= SHORTEST)
    return sorted(kept, key=lambda n: (-len(n.text), n.text, n.any_case))


def _identity(name: str, handle: str) -> set[Needle]:
    words = _WORD.findall(name)
    parts = [*words, *_PART.findall(name)]
    found = {Needle(w, any_case=False) for w in parts if not w.islower()}
    if len(words) > 1:
        found.add(Needle(name, any_case=True))
    found.add(Needle(f"@{handle}", any_case=True))
    if handle not in {w.lower() for w in words}:
        found.add(Needle(handle, any_case=True))
    return found


def time_off_reasons(person: Person) -> tuple[str, ...]:
    """The reasons the person gave for time off (explanations show them)."""
    found = (t.get("reason") for t in person.pattern_data.get("time_off", []))
    return tuple(sorted({r for r in found if r}))


@dataclass(frozen=True)
class Scrubber:
    """Rewrites rows so that nothing of one person is left in them."""

    person_id: int
    words: tuple[Needle, ...]
    # global IDs of handoffs whose notes the person wrote (sent), and returned
    sent: frozenset[str] = frozenset()
    returned: frozenset[str] = frozenset()
    # why they took time off, as explanations of their days off say it
    time_off: tuple[str, ...] = ()

    @property
    def person_global_id(self) -> str:
        return encode("Person", self.person_id)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # longest first, so a full name is replaced whole before any word of it
        ordered = sorted(self.words, key=lambda n: -len(n.text))
        alternatives = "|".join(n.pattern for n in ordered)
        return re.compile(rf"{_BEFORE}(?:{alternatives}){_AFTER}")

    @cached_property
    def _time_off_pattern(self) -> re.Pattern[str] | None:
        if not self.time_off:
            return None
        reasons = "|".join(re.escape(r) for r in sorted(self.time_off, key=len, reverse=True))
        return re.compile(
            rf"({re.escape(TOMBSTONE_NAME)} is on time off on [^()]*) \((?:{reasons})\)"
        )

    def text(self, value: str | None) -> str | None:
        """`value` with every needle replaced by the tombstone name, and the reasons of
        their days off by `[erased]`."""
        if not value or not self.words:
            return value
        value = self._pattern.sub(TOMBSTONE_NAME, value)
        off = self._time_off_pattern
        return value if off is None else off.sub(rf"\1 ({ERASED_NOTE})", value)

    def json(self, value: Any) -> Any:
        """A JSON value with person references, notes and texts scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self.json(v) for k, v in value.items()}
        ident = value.get("id")
        if ident == self.person_global_id and "name" in value:
            out.update(name=TOMBSTONE_NAME, handle=tombstone_handle(self.person_id))
            if "timezone" in value:
                out["timezone"] = TOMBSTONE_ZONE
        if ident in self.sent and "summary" in value:
            out.update(summary=ERASED_NOTE, done="", next="", openQuestions=[])
        if ident in self.returned and value.get("returnNote"):
            out["returnNote"] = ERASED_NOTE
        by = value.get("by")
        if isinstance(by, dict) and by.get("id") == self.person_global_id and value.get("text"):
            out["text"] = ERASED_NOTE  # a quick reply they wrote
        handoff, urgency = value.get("handoff"), out.get("urgency")
        theirs = isinstance(handoff, dict) and handoff.get("id") in self.sent
        if theirs and isinstance(urgency, dict) and urgency.get("reason"):
            out["urgency"] = {**urgency, "reason": ERASED_NOTE}  # why they said urgent
        return out

    # -- one rewrite per table: the row's new values, or None when nothing changes ---

    def handoff(self, row: dict[str, Any]) -> dict[str, Any] | None:
        new = {
            "id": row["id"],
            "summary": self.text(row["summary"]),
            "done": self.text(row["done"]),
            "next_steps": self.text(row["next_steps"]),
            "open_questions": self.json(row["open_questions"]),
            "explanation": self.json(row["explanation"]),
            "route_reasons": self.json(row["route_reasons"]),
            "return_note": self.text(row["return_note"]),
        }
        if row["sender_id"] == self.person_id:
            new.update(summary=ERASED_NOTE, done="", next_steps="", open_questions=[])
        if row["receiver_id"] == self.person_id and row["return_note"]:
            new["return_note"] = ERASED_NOTE
        return _changed(row, new)

    def work_item(self, row: dict[str, Any]) -> dict[str, Any] | None:
        new = {
            "id": row["id"],
            "title": self.text(row["title"]),
            "description": self.text(row["description"]),
        }
        return _changed(row, new)

    def follow_up(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return _changed(row, {"id": row["id"], "explanation": self.json(row["explanation"])})

    def event(self, row: dict[str, Any]) -> dict[str, Any] | None:
        payload = self.json(row["payload"])
        if row["person_id"] == self.person_id and isinstance(payload, dict):
            blank = _WHEREABOUTS.get(row["type"], {})
            payload |= {key: value for key, value in blank.items() if key in payload}
        return _changed(row, {"id": row["id"], "payload": payload})

    def team(self, row: dict[str, Any]) -> dict[str, Any] | None:
        name = self.text(row["name"])
        if name == row["name"]:
            return None
        # Team names are unique in a workspace: two names scrubbed alike must not clash.
        return {"id": row["id"], "name": f"{name} ({encode('Team', row['id'])})"}

    def token(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return _changed(row, {"id": row["id"], "label": self.text(row["label"])})

    def webhook_endpoint(self, row: dict[str, Any]) -> dict[str, Any] | None:
        new = {
            "id": row["id"],
            "description": self.text(row["description"]),
            "disabled_reason": self.text(row["disabled_reason"]),
        }
        return _changed(row, new)

    def webhook_endpoint_record(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return _changed(row, {"id": row["id"], "reason": self.text(row["reason"])})

    def webhook_delivery(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return _changed(row, {"id": row["id"], "last_error": self.text(row["last_error"])})

    def webhook_attempt(self, row: dict[str, Any]) -> dict[str, Any] | None:
        new = {
            "id": row["id"],
            "response_excerpt": self.text(row["response_excerpt"]),
            "error": self.text(row["error"]),
        }
        return _changed(row, new)

    def urgent_handoff(self, row: dict[str, Any]) -> dict[str, Any] | None:
        reason = ERASED_NOTE if row["sender_id"] == self.person_id else self.text(row["reason"])
        new = {
            "handoff_id": row["handoff_id"],
            "person_id": row["person_id"],
            "reason": reason,
            "explanation": self.text(row["explanation"]),
        }
        return _changed(row, new)

    def reply(self, row: dict[str, Any]) -> dict[str, Any] | None:
        text = ERASED_NOTE if row["person_id"] == self.person_id else self.text(row["text"])
        return _changed(row, {"id": row["id"], "text": text})


def _changed(row: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    return None if all(row.get(k) == v for k, v in new.items()) else new
