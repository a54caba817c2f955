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
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from workers import Response

from edgewatch.codec import decode, encode
from edgewatch.security.check_client import (  # the constants stay importable from here
    FORWARDED_HEADERS,
    MAX_INSPECTED_BODY,
    REPORTED_STATUSES,
    RequestFacts,
    check_body,
    forwarded_headers,
    report_body,
    should_report,
)
from edgewatch.security.check_client import refusal as refusal_of

__all__ = ["FORWARDED_HEADERS", "MAX_INSPECTED_BODY", "REPORTED_STATUSES", "check_rate_limit", "protect", "refusal"]
Getter = Callable[[Any], Any]


def _facts(request: Any) -> RequestFacts:
    return RequestFacts(str(request.method), str(request.url), forwarded_headers(request.headers.get))


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
    facts = None if request is None else _facts(request)
    payload = check_body(pathname, identifier, user_id, request=facts, body=body, account=account)
    return decode(dict[str, Any], str(await getattr(env, binding).check(encode(payload))))


async def report_status(
    env: Any,
    request: Any,
    status: int,
    *,
    user_id: str | None = None,
    account: str | None = None,
    binding: str = "SECURITY",
) -> None:
    await getattr(env, binding).report(encode(report_body(_facts(request), status, user_id, account)))


def refusal(answer: dict[str, Any]) -> Response:
    found = refusal_of(answer)
    return Response(found.body, status=found.status, headers=found.headers)


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
            if should_report(status, login):
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
