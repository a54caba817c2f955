"""CORS for the dashboard: the Workers' role routes answer a browser only from the configured
dashboard origins (``access.dashboardOrigins``, checked as origins by the config), with
credentials (the Access cookie), and answer their preflight. Other origins get no CORS headers,
so the browser keeps the answer from the page. Ingest and the public routes keep their own CORS
rules (Web Vitals, Sentry)."""

from __future__ import annotations

from collections.abc import Sequence

ALLOWED_HEADERS = "authorization, content-type, cf-access-jwt-assertion"
MAX_AGE_S = "600"


def dashboard_cors(origin: str | None, allowed: Sequence[str]) -> dict[str, str]:
    if not origin or origin.strip().rstrip("/").lower() not in allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}


def dashboard_preflight(origin: str | None, allowed: Sequence[str], methods: Sequence[str]) -> dict[str, str] | None:
    """The preflight answer's headers; None when the origin is not a dashboard's."""
    headers = dashboard_cors(origin, allowed)
    if not headers:
        return None
    return {
        **headers,
        "Access-Control-Allow-Methods": ", ".join(sorted(set(methods))),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_S,
    }
