"""CORS for browser SDKs: ``@sentry/browser`` posts ``text/plain`` cross-origin (no preflight), but
a page may also send ``X-Sentry-Auth`` or tracing headers, which need one. Origins are allowed
only from a list (the ``SENTRY_ALLOWED_ORIGINS`` var; none by default, ``*`` for any)."""

from __future__ import annotations

from collections.abc import Collection

ALLOW_METHODS = "POST, OPTIONS"
ALLOW_HEADERS = "content-type, content-encoding, x-sentry-auth, sentry-trace, baggage"
EXPOSE_HEADERS = "x-sentry-rate-limits, retry-after"
MAX_AGE_S = "86400"


def allowed_origins(text: str | None) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/").lower() for o in (text or "").replace(",", " ").split() if o.strip())


def cors_headers(origin: str | None, allowed: Collection[str], preflight: bool = False) -> dict[str, str]:
    """The Access-Control headers for this origin; none when it is not allowed (the browser then
    refuses the answer, and the page learns nothing)."""
    if not origin or not allowed:
        return {}
    normal = origin.strip().rstrip("/").lower()
    if normal not in allowed and "*" not in allowed:
        return {}
    headers = {
        "Access-Control-Allow-Origin": "*" if "*" in allowed and normal not in allowed else origin.strip(),
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }
    if preflight:
        headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = MAX_AGE_S
    return headers
