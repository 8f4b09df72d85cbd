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
  item titles, team names, token labels, webhook responses and errors) has each
  occurrence of their name, any word of it of three letters or more, their handle and
  their email replaced by the tombstone name, matched case-insensitively as whole words.

Pure functions: `handoff.services.membership` reads and writes the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from handoff.ids import encode
from handoff.storage.models import Person

TOMBSTONE_NAME = "Erased person"
ERASED_NOTE = "[erased]"
TOMBSTONE_ZONE = "UTC"
_WORD = re.compile(r"\w{3,}")


def tombstone_handle(person_id: int) -> str:
    """A handle that says nothing about the person and stays unique in the workspace."""
    return f"erased-{person_id}"


def needles(person: Person) -> list[str]:
    """Every text that identifies the person, longest first."""
    found = {person.name.strip(), person.handle, *(_WORD.findall(person.name))}
    if person.email:
        found.add(person.email)
    return sorted((n for n in found if n), key=lambda n: (-len(n), n))


@dataclass(frozen=True)
class Scrubber:
    """Rewrites rows so that nothing of one person is left in them."""

    person_id: int
    words: tuple[str, ...]
    # global IDs of handoffs whose notes the person wrote (sent), and returned
    sent: frozenset[str] = frozenset()
    returned: frozenset[str] = frozenset()

    @property
    def person_global_id(self) -> str:
        return encode("Person", self.person_id)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # longest first, so a full name is replaced whole before any word of it
        alternatives = "|".join(re.escape(w) for w in self.words)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def text(self, value: str | None) -> str | None:
        """`value` with every needle replaced by the tombstone name."""
        if not value or not self.words:
            return value
        return self._pattern.sub(TOMBSTONE_NAME, value)

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
        return _changed(row, {"id": row["id"], "payload": self.json(row["payload"])})

    def team(self, row: dict[str, Any]) -> dict[str, Any] | None:
        name = self.text(row["name"])
        if name == row["name"]:
            return None
        # Team names are unique in a workspace: two names scrubbed alike must not clash.
        return {"id": row["id"], "name": f"{name} ({encode('Team', row['id'])})"}

    def token(self, row: dict[str, Any]) -> dict[str, Any] | None:
        return _changed(row, {"id": row["id"], "label": self.text(row["label"])})

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
