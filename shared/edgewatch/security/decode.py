"""Normalisation of one untrusted request value before threat detection.

Attackers hide payloads behind encodings that the application (or a proxy in front of it) undoes:
``%3Cscript%3E``, double encoding ``%253C``, ``+`` for space in forms, overlong UTF-8 (``%c0%af``
for ``/``), IIS ``%u002e``, fullwidth characters that NFKC folds to ASCII and null bytes that
truncate C strings. ``decode`` undoes all of them, a bounded number of times, and says which
tricks it saw (``Evasion``) so a detector can score the evasion itself.

Bounds: a value is inspected up to ``MAX_VALUE_CHARS`` characters (8 KiB) before and after
decoding; percent-decoding runs at most ``MAX_DECODE_ROUNDS`` (3) times. Everything here is
linear in the length of the value. HTML entities and JavaScript escapes are decoded by the XSS
detector only where a browser would decode them (attribute values, script URLs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

MAX_VALUE_CHARS = 8_192
MAX_DECODE_ROUNDS = 3

_OVERLONG_MAP = {
    "%c0%ae": ".",
    "%c0%2e": ".",
    "%e0%80%ae": ".",
    "%f0%80%80%ae": ".",
    "%c0%af": "/",
    "%c0%2f": "/",
    "%e0%80%af": "/",
    "%f0%80%80%af": "/",
    "%c1%9c": "\\",
    "%c1%1c": "\\",
    "%c0%5c": "\\",
    "%c0%bc": "<",
    "%c0%be": ">",
    "%c0%a7": "'",
    "%c0%a2": '"',
}
_OVERLONG = re.compile(
    r"%(?:c0%(?:ae|2e|af|2f|5c|bc|be|a7|a2)|c1%(?:9c|1c)|e0%80%(?:ae|af)|f0%80%80%(?:ae|af))", re.IGNORECASE
)
_IIS = re.compile(r"%u([0-9a-f]{4})", re.IGNORECASE)
_ENCODED_DOT = re.compile(r"%2e", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)
# Slash look-alikes that NFKC leaves alone but some path handlers fold to "/".
_SLASHES = str.maketrans({"\u2215": "/", "\u2044": "/", "\u29f8": "/"})


class Evasion(StrEnum):
    DOUBLE_ENCODING = "double_encoding"  # percent-decoding changed the value in two or more rounds
    ENCODED_DOT = "encoded_dot"  # "." sent as %2e, which no browser or URL encoder does
    OVERLONG_UTF8 = "overlong_utf8"  # %c0%af and friends
    IIS_UNICODE = "iis_unicode"  # %u002e
    NULL_BYTE = "null_byte"
    UNICODE_FOLDING = "unicode_folding"  # NFKC changed the value (fullwidth forms, circled digits)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # decoded and lower-cased: what the detectors read
    evasions: frozenset[Evasion]
    truncated: bool  # the raw value was longer than MAX_VALUE_CHARS


def _percent_round(text: str, seen: set[Evasion]) -> str:
    if _OVERLONG.search(text):
        seen.add(Evasion.OVERLONG_UTF8)
        text = _OVERLONG.sub(lambda m: _OVERLONG_MAP[m.group(0).lower()], text)
    if _IIS.search(text):
        seen.add(Evasion.IIS_UNICODE)
        text = _IIS.sub(lambda m: chr(int(m.group(1), 16)), text)
    if _ENCODED_DOT.search(text):
        seen.add(Evasion.ENCODED_DOT)
    if _PERCENT.search(text):
        text = unquote(text, errors="replace")
    return text


def decode(raw: str, *, form: bool = False) -> Decoded:
    """Decode ``raw`` as a URL component (``form``: a query or form value, where ``+`` is a space)."""
    truncated = len(raw) > MAX_VALUE_CHARS
    text = raw[:MAX_VALUE_CHARS]
    if form and "+" in text:
        text = text.replace("+", " ")
    seen: set[Evasion] = set()
    changed_rounds = 0
    for _ in range(MAX_DECODE_ROUNDS):
        if "%" not in text:
            break
        decoded = _percent_round(text, seen)
        if decoded == text:
            break
        changed_rounds += 1
        text = decoded
    if changed_rounds >= 2:
        seen.add(Evasion.DOUBLE_ENCODING)
    if not text.isascii():
        folded = unicodedata.normalize("NFKC", text).translate(_SLASHES)
        if folded != text:
            seen.add(Evasion.UNICODE_FOLDING)
            text = folded
    if "\x00" in text:
        seen.add(Evasion.NULL_BYTE)
        text = text.replace("\x00", "")
    return Decoded(text[:MAX_VALUE_CHARS].lower(), frozenset(seen), truncated)
