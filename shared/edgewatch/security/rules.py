"""Which security rule governs a request path.

Matching semantics: **the most specific matching rule wins, and only that rule is applied.**

1. An exact pattern (no ``*``) equal to the path beats every wildcard.
2. Among wildcards, the longest literal prefix wins: ``/api/auth/*`` beats ``/api/*``.
3. Two rules with the same pattern: the first in configuration order wins.

Why not apply every matching rule: with the shipped rules, ``/api/auth/login`` would then also spend
the ``/api/*`` budget, a refusal could come from a rule other than the one the response headers
describe, and the reader of the configuration could no longer tell a request's limits from one line.
A narrower rule is written to override the broader one for its paths, as nginx ``location`` blocks
and API gateways do. A client that wants both can repeat the broader limits in the narrower rule.

Pattern forms (``*`` may only end a pattern, see ``edgewatch.config.SecurityRule``):

- ``/api/x``: exactly that path; a trailing slash on the path is ignored (``/api/x/`` matches).
- ``/api/auth/*``: ``/api/auth`` itself and everything under ``/api/auth/``, never ``/api/authority``.
- ``/api/auth*`` (a ``*`` not after ``/``): a plain string prefix, so ``/api/authority`` matches too.
- ``/*``: every path.

A path is normalised before matching, so that another spelling of the same resource cannot dodge
a rule: the query and fragment are dropped, percent-encoded unreserved characters are decoded
(``/api/%61uth`` is ``/api/auth``; ``%2F`` stays encoded since it is not a separator), repeated
slashes collapse and ``.``/``..`` segments are resolved (RFC 3986, section 6.2.2). Matching is
case-sensitive, like URL paths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from edgewatch.config import SecurityRule

_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _decode_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def normalise_path(path: str) -> str:
    """The canonical form of a request path used for matching; always starts with ``/``."""
    path = path.split("#", 1)[0].split("?", 1)[0]
    path = _PERCENT.sub(_decode_unreserved, path)
    segments: list[str] = []
    parts = path.split("/")
    for index, segment in enumerate(parts):
        last = index == len(parts) - 1
        if segment == "..":
            if segments:
                segments.pop()
            if last:
                segments.append("")
        elif segment == ".":
            if last:
                segments.append("")
        elif segment or last:
            segments.append(segment)
    return "/" + "/".join(segments)


@dataclass(frozen=True)
class Pattern:
    """A rule's endpoint, parsed once."""

    text: str
    exact: bool
    prefix: str  # the literal part: the whole path when exact, else the text before ``*``

    @classmethod
    def parse(cls, text: str) -> Pattern:
        if text.endswith("*"):
            return cls(text, False, normalise_path(text[:-1]))
        return cls(text, True, normalise_path(text).rstrip("/") or "/")

    @property
    def specificity(self) -> tuple[int, int]:
        """Higher is more specific: exact patterns first, then the longest literal prefix."""
        return (1 if self.exact else 0, len(self.prefix))

    def matches(self, path: str) -> bool:
        """Whether an already normalised ``path`` falls under this pattern."""
        if self.exact:
            return (path.rstrip("/") or "/") == self.prefix
        if self.prefix.endswith("/"):
            return path.startswith(self.prefix) or path == self.prefix[:-1]
        return path.startswith(self.prefix)


def match_rule(rules: Sequence[SecurityRule], path: str) -> SecurityRule | None:
    """The most specific rule whose endpoint matches ``path`` (see the module docstring), else None."""
    normalised = normalise_path(path)
    best: SecurityRule | None = None
    best_rank = (-1, -1)
    for rule in rules:
        pattern = Pattern.parse(rule.endpoint)
        if pattern.specificity > best_rank and pattern.matches(normalised):
            best, best_rank = rule, pattern.specificity
    return best


class RuleMatcher:
    """``match_rule`` with the patterns parsed once, for a Worker that matches every request."""

    def __init__(self, rules: Sequence[SecurityRule]) -> None:
        indexed = [(Pattern.parse(rule.endpoint), index, rule) for index, rule in enumerate(rules)]
        indexed.sort(key=lambda item: (-item[0].specificity[0], -item[0].specificity[1], item[1]))
        self._ordered = [(pattern, rule) for pattern, _, rule in indexed]

    def match(self, path: str) -> SecurityRule | None:
        normalised = normalise_path(path)
        for pattern, rule in self._ordered:
            if pattern.matches(normalised):
                return rule
        return None
