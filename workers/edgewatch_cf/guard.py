"""Rate limiting and threat checks for the platform's Python API Workers.

Bind pitchey-security as ``SECURITY`` (``[[services]] binding = "SECURITY" service =
"pitchey-security"``), vendor ``edgewatch`` and ``edgewatch_cf``, then either call
``check_rate_limit`` (the shape of the user's guide) or wrap the fetch handler::

    from edgewatch_cf.guard import protect

    class Default(WorkerEntrypoint):
        @protect(user_id=lambda request: request.headers.get("x-user-id"))
        async def fetch(self, request):
            ...

A refused request is answered here (429 with Retry-After, X-RateLimit-* and RateLimit-*
headers, or 403) and never reaches the handler; an allowed one gets the X-RateLimit-* headers
added. After the answer, its status is reported in the background (``ctx.waitUntil``) for the
401/403/429 baselines and credential-stuffing detection. Only answers that matter there are
reported (401, 403, 429, or a login attempt naming an account); request rates are already counted
by the check itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from workers import Response

FORWARDED_HEADERS = ("cf-connecting-ip", "user-agent", "referer", "x-forwarded-for", "content-type")
MAX_INSPECTED_BODY = 65_536
REPORTED_STATUSES = frozenset({401, 403, 429})
Getter = Callable[[Any], Any]


async def check_rate_limit(
    env: Any,
    pathname: str,
    identifier: str | None = None,
    user_id: str | None = None,
    *,
    request: Any = None,
    body: str | None = None,
    account: str | None = None,
    binding: str = "SECURITY",
) -> dict[str, Any]:
    """Ask pitchey-security about one request; returns its answer: ``allowed``, ``status``,
    ``limit``, ``remaining``, ``reset_ms``, ``retry_after_ms`` and the ``headers`` to send.

    ``identifier`` is a client IP when no user is known (else the request's CF-Connecting-IP is
    used); ``request`` (optional) adds the method, query and selected headers for threat checks.
    """
    payload: dict[str, Any] = {"path": pathname, "userId": user_id}
    if identifier and not user_id:
        payload["ip"] = identifier
    if request is not None:
        parts = urlsplit(str(request.url))
        headers = {name: str(request.headers.get(name)) for name in FORWARDED_HEADERS if request.headers.get(name)}
        payload.update(method=str(request.method), query=parts.query, headers=headers)
        payload["path"] = pathname or parts.path
        if body is not None:
            payload["body"] = body[:MAX_INSPECTED_BODY]
    if account:
        payload["account"] = account
    answer: dict[str, Any] = json.loads(str(await getattr(env, binding).check(json.dumps(payload))))
    return answer


async def report_status(
    env: Any,
    request: Any,
    status: int,
    *,
    user_id: str | None = None,
    account: str | None = None,
    binding: str = "SECURITY",
) -> None:
    parts = urlsplit(str(request.url))
    headers = {name: str(request.headers.get(name)) for name in FORWARDED_HEADERS if request.headers.get(name)}
    payload = {"path": parts.path, "userId": user_id, "headers": headers, "status": status, "account": account}
    await getattr(env, binding).report(json.dumps(payload))


def refusal(answer: dict[str, Any]) -> Response:
    status = int(answer["status"])
    code = {400: "bad_request", 429: "rate_limited", 403: "forbidden", 503: "unavailable"}.get(status, "refused")
    message = {
        429: "too many requests; retry after the time in Retry-After",
        403: "request refused by the security policy",
        503: "rate limiting is unavailable; retry shortly",
        400: str(answer.get("error") or "malformed request"),
    }.get(status, "refused")
    body = json.dumps({"error": {"code": code, "message": message, "outcome": answer.get("outcome")}})
    headers = {"content-type": "application/json", **answer.get("headers", {})}
    return Response(body, status=status, headers=headers)


def protect(
    handler: Callable[..., Awaitable[Any]] | None = None,
    *,
    user_id: Getter | None = None,
    account: Getter | None = None,
    binding: str = "SECURITY",
) -> Any:
    """Wrap ``async def fetch(self, request)``: check first, refuse or call the handler, report after."""

    def wrap(fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def guarded(self: Any, request: Any, *_runtime_args: Any) -> Any:
            uid = user_id(request) if user_id else None
            login = account(request) if account else None
            answer = await check_rate_limit(
                self.env, urlsplit(str(request.url)).path, user_id=uid, request=request, account=login, binding=binding
            )
            if not answer["allowed"]:
                return refusal(answer)
            response = await fetch(self, request)
            try:
                for name, value in answer.get("headers", {}).items():
                    response.js_object.headers.set(name, value)
            except Exception:
                pass  # a response with immutable headers (e.g. a proxied fetch) keeps its own
            status = int(getattr(response, "status", 200))
            if status in REPORTED_STATUSES or login:
                report = report_status(self.env, request, status, user_id=uid, account=login, binding=binding)
                self.ctx.waitUntil(_background(report))
            return response

        return guarded

    return wrap(handler) if handler is not None else wrap


def _background(coro: Awaitable[None]) -> Any:
    """A task for ctx.waitUntil (Pyodide hands a Python task to JavaScript as a Promise); a failed
    report never affects the answer already sent."""

    async def safe() -> None:
        try:
            await coro
        except Exception:
            pass

    return asyncio.ensure_future(safe())
