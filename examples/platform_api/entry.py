"""A stand-in for one of the platform's Python API Workers, protected by edgewatch_cf.guard,
reporting its errors with edgewatch_cf.sentry and traced with edgewatch_cf.trace (hooks.py holds
what it tells them).

Local and test stacks route /api/* here (never deployed). ``/api/boom`` raises (captured by
``capture_errors``, answered 500); ``/api/report`` reports a handled error with a client of its own
that may send two headers and one cookie; ``/api/orders/{id}`` asks the inventory example Worker
over the INVENTORY service binding (one trace: this server span, its client span, the inventory
server span, its Durable Object call); ``/api/_trace/stats`` shows this isolate's export counts;
``/api/search?delay_ms=N`` answers after N ms (at most 3000), the demo traffic's slow path.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from workers import Response, WorkerEntrypoint

from edgewatch_cf.guard import protect
from edgewatch_cf.sentry import Sentry, capture_errors, current
from edgewatch_cf.trace import export_stats, traced, traced_binding
from hooks import SERVICE, login, route, sample_rate, sentry_options, user


class OrderError(Exception):
    pass


def load_order(order_id):
    lines: list[str] = []
    if not lines:
        raise OrderError(f"order {order_id} has no lines")
    return lines


def reply(body, status=200):
    return Response(json.dumps(body), status=status, headers={"content-type": "application/json"})


class Default(WorkerEntrypoint):
    @traced(service=SERVICE, route=route, sample_rate=sample_rate)
    @protect(user_id=user, account=login)
    @capture_errors(options=sentry_options)
    async def fetch(self, request):
        path = urlsplit(str(request.url)).path
        sentry = current()
        if sentry is not None:
            sentry.add_breadcrumb("request passed the guard", category="guard")
            sentry.set_user({"id": user(request)} if user(request) else None)
        if path == "/api/boom":
            load_order(request.headers.get("x-order-id") or "42")
        if path == "/api/report":
            allowed = {**sentry_options(self.env), "allow_headers": ["user-agent", "authorization"]}
            own = Sentry(request, self.env, self.ctx, allow_cookies=["theme"], **allowed)
            try:
                load_order("report")
            except OrderError as exc:
                return Response(json.dumps({"event_id": own.capture_exception(exc)}), status=202)
        if path.startswith("/api/orders/"):
            inventory = traced_binding(self.env.INVENTORY, "inventory-api")
            stock = await inventory.fetch(f"https://inventory/stock/{path.rsplit('/', 1)[-1]}")
            return reply({"order": path.rsplit("/", 1)[-1], "stock": await stock.json()}, stock.status)
        if path == "/api/search":
            delay = parse_qs(urlsplit(str(request.url)).query).get("delay_ms", ["0"])[0]
            await asyncio.sleep(min(3000, int(delay) if delay.isdigit() else 0) / 1000)
            return reply({"results": [], "delay_ms": delay})
        if path == "/api/_trace/stats":
            return reply(export_stats())
        status = 401 if request.headers.get("x-fail-auth") else 200
        return reply({"ok": status == 200, "path": str(request.url).split("?", 1)[0]}, status)
