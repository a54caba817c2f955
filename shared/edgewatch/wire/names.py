"""Service names: what a valid one is, and how a foreign format's name is made valid."""

from __future__ import annotations

MAX_SERVICE_CHARS = 64
UNKNOWN_SERVICE = "unknown_service"  # OpenTelemetry's name for a resource without service.name
SERVICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
_SERVICE_CHAR_SET = frozenset(SERVICE_CHARS)


def valid_service(name: str) -> bool:
    # strip(SERVICE_CHARS) leaves nothing exactly when every character is allowed
    return 0 < len(name) <= MAX_SERVICE_CHARS and not name.strip(SERVICE_CHARS)


def clean_service(name: str, fallback: str = UNKNOWN_SERVICE) -> str:
    """A service name from a foreign format made valid: other characters become '_', cut to length."""
    if valid_service(name):
        return name
    cleaned = "".join(char if char in _SERVICE_CHAR_SET else "_" for char in name[:MAX_SERVICE_CHARS])
    return cleaned or fallback
