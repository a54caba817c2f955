"""What the example platform API tells its middleware: who the user is, which account a login
tries, the Sentry options (``service`` and ``component`` tags added in before_send), and the
route of a request for its trace spans."""

from __future__ import annotations

from urllib.parse import urlsplit

SERVICE = "platform-api"


def user(request):
    return request.headers.get("x-user-id")


def login(request):
    return request.headers.get("x-login")  # the account a login request tries


def tag(event, hint):
    """before_send: every event says which service and which part of it."""
    path = urlsplit((event.get("request") or {}).get("url", "")).path
    parts = [p for p in path.split("/") if p]
    tags = event.setdefault("tags", {})
    tags["service"] = SERVICE
    tags["component"] = parts[1] if len(parts) > 1 else "root"
    return event


def sentry_options(env):
    return {"environment": str(getattr(env, "ENVIRONMENT", "")), "release": "platform-api@1.0.0", "before_send": tag}


def route(request):
    path = urlsplit(str(request.url)).path
    return "/api/orders/{id}" if path.startswith("/api/orders/") else path


def sample_rate(env):
    return float(getattr(env, "TRACE_SAMPLE_RATE", None) or 1.0)
