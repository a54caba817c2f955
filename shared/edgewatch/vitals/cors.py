"""CORS for the vitals beacon endpoint: which browser origins may send, and the headers they get."""

from __future__ import annotations

from ..errors import Forbidden


def allowed_origins(text: str) -> list[str]:
    """VITALS_ALLOWED_ORIGINS: origins separated by commas (a trailing slash is ignored), or ``*``."""
    return [o.strip().rstrip("/") for o in text.split(",") if o.strip()]


def cors_headers(allowed: list[str], origin: str | None) -> dict[str, str]:
    """CORS answer for a browser origin; raises 403 for an origin that is not allowed.

    A request without Origin (a server, curl) needs no CORS and is let through.
    """
    if origin is None:
        return {}
    if "*" in allowed:
        return {"access-control-allow-origin": "*"}
    if origin.rstrip("/") in allowed:
        return {"access-control-allow-origin": origin, "vary": "Origin"}
    raise Forbidden(f"origin {origin[:100]!r} may not send vitals; add it to VITALS_ALLOWED_ORIGINS")


def preflight_headers(allowed: list[str], origin: str | None) -> dict[str, str]:
    headers = cors_headers(allowed, origin)
    headers.update(
        {
            "access-control-allow-methods": "POST, OPTIONS",
            "access-control-allow-headers": "content-type",
            "access-control-max-age": "86400",
        }
    )
    return headers
