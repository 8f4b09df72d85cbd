"""Global opaque IDs (Relay): base64 of "Type:number".

Used by the API and by webhook payloads, so an integration can query back with the
ID it received.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache


class BadId(ValueError):
    """An ID that is not ours or not of the expected type."""


@lru_cache(maxsize=65_536)  # pure; a page names the same people again and again
def encode(type_name: str, pk: int) -> str:
    """The global ID of row `pk` of `type_name`."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode(global_id: str) -> tuple[str, int]:
    """(type name, row id) of a global ID; BadId when malformed."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        type_name, _, pk = raw.partition(":")
        value = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadId(f"{global_id!r} is not a valid ID") from None
    if not type_name or value <= 0 or value >= 2**63:
        raise BadId(f"{global_id!r} is not a valid ID")
    # one spelling per row: int() would also take " 1", "+1", "01" or Arabic-Indic digits,
    # and base64 padding or stray bits would give one row many IDs
    if encode(type_name, value) != global_id:
        raise BadId(f"{global_id!r} is not a valid ID")
    return type_name, value


def decode_as(global_id: str, type_name: str) -> int:
    """Row id of a global ID that must be of `type_name`; BadId otherwise."""
    kind, pk = decode(global_id)
    if kind != type_name:
        raise BadId(f"{global_id!r} is a {kind} ID, expected a {type_name} ID")
    return pk
