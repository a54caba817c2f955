"""The scrubber an event goes through before it is stored.

``edgewatch.logs`` has the stack's full scrubber (deny-listed keys, emails, cards, tokens, JWTs, API
keys, IPs, control characters), but does not export it through its ``__all__``, and concern
packages meet only through those. So the event normaliser takes any object with the logs
``Scrubber``'s ``scrub_value`` (which the adapter can pass once it is exported), and this module
has a small stand-in with the same method and the main rules, used until then.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

REDACTED = "[REDACTED]"
MAX_DEPTH = 16

DENY_WORDS = (
    "password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "auth", "cookie",
    "session", "csrf", "credit_card", "card_number", "cvv", "ssn", "private_key", "bearer",
)  # fmt: skip

_DENY = re.compile("|".join(DENY_WORDS))
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}+\.)+[A-Za-z]{2,63}+")
_BEARER = re.compile(r"\b(bearer[ \t]++)[A-Za-z0-9\-._~+/]{8,}+=*+", re.IGNORECASE)
_PAIR = re.compile(r"(token|secret|passw(?:or)?d|api_?key|sig(?:nature)?)=([^\s&#\"'<>,;]++)", re.IGNORECASE)
_CARD = re.compile(r"(?<![0-9])[0-9](?:[ -]?+[0-9]){12,18}+(?![0-9])")
_IPV4 = re.compile(r"(?<![0-9.])((?:[0-9]{1,3}\.){3})[0-9]{1,3}(?![0-9.])")
_DIGIT = re.compile(r"[0-9]")
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(9), 11, 12, *range(14, 32), 127)}


class ValueScrubber(Protocol):
    """What the event normaliser needs: ``edgewatch.logs.scrub.Scrubber`` has this method too."""

    def scrub_value(self, value: object, depth: int = 0) -> object: ...


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char) * (2 if index % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = match.group().replace(" ", "").replace("-", "")
    return "[card]" if _luhn(digits) else match.group()


class LocalScrubber:
    """Deny-listed keys (substring of the lower-case key), emails, bearer tokens, secrets in
    ``key=value`` pairs, payment cards (Luhn), IPv4 addresses masked to /24, control characters."""

    def key_denied(self, key: str) -> bool:
        return _DENY.search(key.lower().replace("-", "_")) is not None

    def scrub_text(self, text: str) -> str:
        if "@" in text:
            text = _EMAIL.sub("[email]", text)
        if "earer" in text or "EARER" in text:
            text = _BEARER.sub(r"\1[REDACTED]", text)
        if "=" in text:
            text = _PAIR.sub(r"\1=[REDACTED]", text)
        if _DIGIT.search(text) is not None:
            text = _CARD.sub(_card, text)
            text = _IPV4.sub(r"\g<1>0", text)
        return text if text.isprintable() else text.translate(_CONTROL)

    def scrub_value(self, value: object, depth: int = 0) -> object:
        if isinstance(value, str):
            return self.scrub_text(value)
        if depth >= MAX_DEPTH and isinstance(value, dict | list | tuple):
            return "[too_deep]"
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                name = self.scrub_text(key) if isinstance(key, str) else key
                out[name] = (
                    REDACTED if isinstance(key, str) and self.key_denied(key) else self.scrub_value(item, depth + 1)
                )
            return out
        if isinstance(value, list | tuple):
            return [self.scrub_value(item, depth + 1) for item in value]
        return value
