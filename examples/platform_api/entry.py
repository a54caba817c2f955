"""A stand-in for one of the platform's Python API Workers, protected by edgewatch_cf.guard and
reporting its errors with edgewatch_cf.sentry (the seed's Toucan setup: ``service`` and
``component`` tags added in before_send; the DSN from the SENTRY_DSN secret).

Local and test stacks route /api/* here (never deployed): it shows the middleware as a user would
wire it, and lets the end-to-end tests run the user's guide against real requests. ``/api/boom``
raises (captured by ``capture_errors``, answered 500); ``/api/report`` reports a handled error with
a client of its own (toucan's shape) that may send two headers and one cookie.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint

from edgewatch_cf.guard import protect
from edgewatch_cf.sentry import Sentry, capture_errors, current

SERVICE = "platform-api"


class OrderError(Exception):
    pass


def _user(request):
    return request.headers.get("x-user-id")


def _login(request):
    return request.headers.get("x-login")  # the account a login request tries


def _tag(event, hint):
    """before_send: every event says which service and which part of it."""
    path = urlsplit((event.get("request") or {}).get("url", "")).path
    parts = [p for p in path.split("/") if p]
    tags = event.setdefault("tags", {})
    tags["service"] = SERVICE
    tags["component"] = parts[1] if len(parts) > 1 else "root"
    return event


def _sentry_options(env):
    return {"environment": str(getattr(env, "ENVIRONMENT", "")), "release": "platform-api@1.0.0", "before_send": _tag}


def load_order(order_id):
    lines: list[str] = []
    if not lines:
        raise OrderError(f"order {order_id} has no lines")
    return lines


class Default(WorkerEntrypoint):
    @protect(user_id=_user, account=_login)
    @capture_errors(options=_sentry_options)
    async def fetch(self, request):
        path = urlsplit(str(request.url)).path
        sentry = current()
        if sentry is not None:
            sentry.add_breadcrumb("request passed the guard", category="guard")
            sentry.set_user({"id": _user(request)} if _user(request) else None)
        if path == "/api/boom":
            load_order(request.headers.get("x-order-id") or "42")
        if path == "/api/report":
            allowed = {**_sentry_options(self.env), "allow_headers": ["user-agent", "authorization"]}
            own = Sentry(request, self.env, self.ctx, allow_cookies=["theme"], **allowed)
            try:
                load_order("report")
            except OrderError as exc:
                return Response(json.dumps({"event_id": own.capture_exception(exc)}), status=202)
        status = 401 if request.headers.get("x-fail-auth") else 200
        body = json.dumps({"ok": status == 200, "path": str(request.url).split("?", 1)[0]})
        return Response(body, status=status, headers={"content-type": "application/json"})
