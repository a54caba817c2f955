"""Where a vital was measured: the page's route with ids collapsed, and the device class."""

from __future__ import annotations

import re
from typing import Literal, cast

Device = Literal["mobile", "tablet", "desktop", "unknown"]

DEVICES: frozenset[str] = frozenset({"mobile", "tablet", "desktop"})
MAX_ROUTE_CHARS = 200

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+=~.]{16,}").fullmatch
_SLUG_PART = re.compile(r"[A-Za-z]+|[0-9]+").fullmatch


def normalize_route(url_or_path: str) -> str:
    """The path of a URL or path with ids collapsed, so that routes stay few.

    Scheme, host, query and fragment are dropped, empty segments and a trailing slash too; a segment of
    digits becomes ``:id``, a UUID ``:uuid``, and a token ``:token``: at least 16 characters of
    ``[A-Za-z0-9_-+=~.]`` holding both digits and letters, unless it reads as a slug (hyphen-separated
    parts that are each all letters or all digits, such as ``release-notes-2024-edition``). Control
    characters are removed and the result is cut to MAX_ROUTE_CHARS.
    """
    text = url_or_path.strip()
    text = text.split("#", 1)[0].split("?", 1)[0]
    scheme = _SCHEME.match(text)
    if scheme or text.startswith("//"):
        rest = text[scheme.end() if scheme else 2 :]
        slash = rest.find("/")
        text = "" if slash < 0 else rest[slash:]
    text = _CONTROL.sub("", text)
    segments = [_segment(part) for part in text.split("/") if part]
    return ("/" + "/".join(segments))[:MAX_ROUTE_CHARS]


def _segment(part: str) -> str:
    if part.isascii() and part.isdigit():
        return ":id"
    if len(part) == 36 and _UUID(part):
        return ":uuid"
    if _TOKEN_CHARS(part) and _is_token(part):
        return ":token"
    return part


def _is_token(part: str) -> bool:
    has_digit = any(char.isdigit() for char in part)
    has_letter = any(char.isalpha() for char in part)
    if not (has_digit and has_letter):
        return False
    return not ("-" in part and all(_SLUG_PART(piece) for piece in part.split("-")))


def device_class(user_agent: str | None, hint: str | None) -> Device:
    """The page's device hint when it is mobile, tablet or desktop; else a guess from the User-Agent.

    iPad, Tablet, Kindle, Silk or an Android without "Mobi" is a tablet (Android tablets omit it); Mobi,
    iPhone or iPod is mobile; any other User-Agent is desktop, and none at all is unknown. iPadOS in
    desktop mode sends a Macintosh User-Agent and so reads as desktop.
    """
    if hint is not None:
        wanted = hint.strip().lower()
        if wanted in DEVICES:
            return cast(Device, wanted)
    if user_agent is None or not user_agent.strip():
        return "unknown"
    ua = user_agent.lower()
    mobile = "mobi" in ua or "iphone" in ua or "ipod" in ua
    if "ipad" in ua or "tablet" in ua or "kindle" in ua or "silk/" in ua or ("android" in ua and not mobile):
        return "tablet"
    return "mobile" if mobile else "desktop"
