"""Trimming people's text: what counts as empty."""

from __future__ import annotations

import re

# Characters that show nothing and take no room: zero-width space, joiners, word joiner,
# byte-order mark, soft hyphen, Mongolian vowel separator, and the Hangul and Braille
# "blank" letters that chat clients are known to let through as "empty" messages, and the
# left-to-right, right-to-left and Arabic letter marks (they only steer bidi text).
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u115f\u1160\u3164\uffa0\u2800\u200e\u200f\u061c"
)
_EDGES = re.compile(f"^[\\s{_INVISIBLE}]+|[\\s{_INVISIBLE}]+$")


def trimmed(text: str) -> str:
    """`text` without the white space and invisible characters at either end, so that a
    name, title or reason made only of them is empty and is refused as such."""
    return _EDGES.sub("", text)
