"""What free text may contain, for every input and filter (the GraphQL layer applies it to
every argument; services may apply it to text from the network).

Refused anywhere in a string: NUL and the other C0 control characters except tab, line feed
and carriage return (multi-line notes are text); DEL and the C1 controls (U+0080-U+009F);
bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and marks (U+200E,
U+200F, U+061C), which can make a name read differently from what it is; zero-width
characters (U+200B-U+200D, U+2060, U+FEFF); and lone surrogates.
"""

from __future__ import annotations

import re

ALLOWED_CONTROLS = "\t\n\r"
# One character class: C0 (minus tab, LF, CR), DEL, C1, bidi, zero-width, surrogates.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
# The longest text any input or filter takes (fields have smaller limits of their own).
MAX_INPUT_LENGTH = 2000
MAX_FILTER_LENGTH = 200


def forbidden_character(value: str) -> str | None:
    """The first character ``value`` may not contain, as ``U+XXXX``, or ``None``."""
    found = _FORBIDDEN.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"
