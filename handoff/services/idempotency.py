"""Idempotency keys of createHandoff: the same key and the same request are one handoff;
the same key with a different request is the client's mistake, not a retry."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from handoff.services.errors import Invalid

if TYPE_CHECKING:
    from handoff.services.handoffs import NewHandoff
    from handoff.storage.models import Handoff


def fingerprint(new: NewHandoff, sender_id: int) -> bytes:
    """A digest of everything the request asks for (the key itself excluded)."""
    note = new.note
    window = new.respond_within
    asked = [
        sender_id,
        new.to_person_id,
        new.to_team_id,
        new.work_item_id,
        new.new_work_item_title,
        new.new_work_item_description,
        note.summary,
        note.done,
        note.next,
        note.open_questions,
        None if window is None else window.total_seconds(),
        new.max_reminders,
        new.urgent_reason,
    ]
    return hashlib.sha256(json.dumps(asked, ensure_ascii=False).encode()).digest()


def same_request(existing: Handoff, asked: bytes | None) -> Handoff:
    """`existing` when the request that made it is the one asked again (a retry); Invalid
    when the key was used for something else. Handoffs from before fingerprints match."""
    if asked is None or existing.request_fingerprint in (None, asked):
        return existing
    made = existing.created_at.strftime("%Y-%m-%d %H:%M UTC")
    raise Invalid(
        "idempotencyKey",
        f"this idempotencyKey was already used for a different request: it made the handoff "
        f'"{existing.summary[:60]}" at {made}. Use a new key for a new handoff',
    )
