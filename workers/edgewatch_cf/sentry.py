"""A per-request Sentry client for the platform's Python Workers, in the manner of toucan-js.

``sentry-sdk`` needs threads, which Pyodide lacks; this client builds the events with the core
(``edgewatch.apm.client``) and sends each envelope with the runtime's ``fetch`` inside
``ctx.waitUntil``, so the answer to the user is never delayed by it. The server's rate limits
(``X-Sentry-Rate-Limits``, ``Retry-After``) are kept per isolate and shared by every request::

    from edgewatch_cf.sentry import Sentry

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            sentry = Sentry(request, self.env, self.ctx, environment="production", release="api@1.4.2")
            try:
                return await handle(request)
            except Exception as exc:
                sentry.capture_exception(exc)
                raise

or wrap the handler with ``capture_errors`` (an uncaught exception is captured and answered 500
with the event id) and reach the request's client with ``current()``. Without a DSN (argument, or
the ``SENTRY_DSN`` secret) the client captures nothing.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

import js
from pyodide.ffi import to_js
from workers import Response

from edgewatch.apm.client import (
    BeforeSend,
    Capture,
    Client,
    Delivery,
    Discards,
    Outcome,
    Outgoing,
    RateLimits,
    RequestFacts,
    client_options,
)
from edgewatch.errors import internal_error_body

from .clock import now_ms
from .trace import current as trace_current

__all__ = ["Sentry", "capture_errors", "current", "rate_limits"]

SEND_TIMEOUT_MS = 10_000
# One per isolate: what the server asked us to hold back, and what was dropped since the last report.
_LIMITS = RateLimits()
_DISCARDS = Discards()
_current: ContextVar[Sentry | None] = ContextVar("edgewatch_cf_sentry", default=None)


def rate_limits() -> dict[str, int]:
    """The active limits of this isolate: {category ("" for all): until, epoch ms}."""
    return dict(_LIMITS.until_ms)


def current() -> Sentry | None:
    """The client ``capture_errors`` made for the request being handled, if any."""
    return _current.get()


def _facts(request: Any) -> RequestFacts:
    headers = request.headers
    pairs = headers.items() if hasattr(headers, "items") else []
    return RequestFacts(str(request.method), str(request.url), {str(k): str(v) for k, v in pairs})


class Sentry:
    def __init__(
        self,
        request: Any,
        env: Any,
        ctx: Any,
        *,
        dsn: str | None = None,
        environment: str | None = None,
        release: str | None = None,
        server_name: str | None = None,
        before_send: BeforeSend | None = None,
        sample_rate: float = 1.0,
        max_breadcrumbs: int = 100,
        in_app_include: Iterable[str] = (),
        in_app_exclude: Iterable[str] = (),
        allow_headers: bool | Iterable[str] = False,
        allow_cookies: bool | Iterable[str] = False,
        allow_query: bool | Iterable[str] = False,
        allow_body: bool = False,
        allow_ip: bool = False,
        context_lines: int = 5,
        tags: dict[str, str] | None = None,
        timeout_ms: int = SEND_TIMEOUT_MS,
    ) -> None:
        given = dsn if dsn is not None else getattr(env, "SENTRY_DSN", None)
        options = client_options(
            dsn=None if given is None else str(given), environment=environment, release=release,
            server_name=server_name, before_send=before_send, sample_rate=sample_rate,
            max_breadcrumbs=max_breadcrumbs, in_app_include=in_app_include, in_app_exclude=in_app_exclude,
            allow_headers=allow_headers, allow_cookies=allow_cookies, allow_query=allow_query,
            allow_body=allow_body, allow_ip=allow_ip, context_lines=context_lines, tags=tags,
        )  # fmt: skip
        self.ctx = ctx
        self.timeout_ms = timeout_ms
        self.client = Client(options, limits=_LIMITS, discards=_DISCARDS, request=_facts(request))
        self.last: Capture | None = None  # the outcome of the last capture (tests and diagnostics)

    @property
    def enabled(self) -> bool:
        return self.client.target is not None

    def capture_exception(self, exc: BaseException | None = None, *, handled: bool = True) -> str | None:
        """The event id; None when the client is off. ``exc`` defaults to the one being handled."""
        exc = exc if exc is not None else sys.exc_info()[1]
        if exc is None:
            return None
        return self._dispatch(self.client.capture_exception(exc, now_ms(), handled=handled, mechanism="edgewatch_cf"))

    def capture_message(self, message: str, level: str = "info") -> str | None:
        return self._dispatch(self.client.capture_message(message, level, now_ms()))

    def add_breadcrumb(
        self,
        message: str | None = None,
        *,
        category: str | None = None,
        level: str = "info",
        type: str = "default",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.client.add_breadcrumb(now_ms(), message, category=category, level=level, type=type, data=data)

    def set_tag(self, key: str, value: object) -> None:
        self.client.scope.set_tag(key, value)

    def set_tags(self, tags: Mapping[str, object]) -> None:
        self.client.scope.set_tags(dict(tags))

    def set_user(self, user: dict[str, Any] | None) -> None:
        self.client.scope.set_user(user)

    def set_extra(self, key: str, value: Any) -> None:
        self.client.scope.set_extra(key, value)

    def set_context(self, name: str, context: dict[str, Any] | None) -> None:
        self.client.scope.set_context(name, context)

    def set_fingerprint(self, fingerprint: list[str] | None) -> None:
        self.client.scope.fingerprint = None if fingerprint is None else [str(p) for p in fingerprint]

    def set_transaction(self, name: str | None) -> None:
        self.client.scope.transaction = name

    def set_level(self, level: str | None) -> None:
        self.client.scope.level = level

    def set_request_body(self, body: str | None) -> None:
        """The body the handler read (a Request body can be read once); sent only with ``allow_body``."""
        facts = self.client.request
        if facts is not None:
            self.client.request = RequestFacts(facts.method, facts.url, facts.headers, body)

    def _dispatch(self, capture: Capture) -> str | None:
        self.last = capture
        if capture.outcome is Outcome.QUEUED and capture.outgoing is not None:
            self.ctx.waitUntil(asyncio.ensure_future(self._deliver(capture.outgoing)))
        return capture.event_id

    async def _deliver(self, outgoing: Outgoing) -> Delivery:
        options = {
            "method": "POST",
            "headers": outgoing.headers,
            "body": to_js(outgoing.body),
            "signal": js.AbortSignal.timeout(self.timeout_ms),
        }
        try:
            response = await js.fetch(outgoing.url, to_js(options, dict_converter=js.Object.fromEntries))
            status = int(response.status)
            headers = {}
            for name in ("x-sentry-rate-limits", "retry-after"):
                value = response.headers.get(name)
                if value is not None:
                    headers[name] = str(value)
            await response.text()
        except Exception:  # network error, abort or timeout: counted, reported in the next envelope
            return self.client.on_failure(outgoing)
        return self.client.on_answer(outgoing, status, headers, now_ms())


Options = Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None


def capture_errors(
    handler: Callable[..., Awaitable[Any]] | None = None, *, options: Options = None, reraise: bool = False
) -> Any:
    """Wrap ``async def fetch(self, request)``: a ``Sentry`` per request (``options`` are its keyword
    arguments, or a function of ``env`` returning them), reachable with ``current()``. An uncaught
    exception is captured (unhandled) and answered 500 with the event id, or raised again."""

    def wrap(fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def handle(self: Any, request: Any, *rest: Any) -> Any:
            chosen = options(self.env) if callable(options) else options or {}
            sentry = Sentry(request, self.env, self.ctx, **dict(chosen))
            token = _current.set(sentry)
            try:
                return await fetch(self, request, *rest)
            except Exception as exc:
                event_id = sentry.capture_exception(exc, handled=False)
                span = trace_current()  # under edgewatch_cf.trace: the server span names the error too
                if span is not None:
                    span.record_exception(exc, escaped=reraise)
                    span.set_attribute("sentry.event_id", event_id)
                if reraise:
                    raise
                body = json.dumps(internal_error_body(event_id or "none"))
                return Response(body, status=500, headers={"content-type": "application/json"})
            finally:
                _current.reset(token)

        return handle

    return wrap(handler) if handler is not None else wrap
