"""Tracing for the platform's Python Workers in one line, exported to pitchey-apm::

    from edgewatch_cf.trace import traced, traced_binding, traced_fetch

    class Default(WorkerEntrypoint):
        @traced(service="platform-api")
        async def fetch(self, request):
            stock = await traced_binding(self.env.INVENTORY, "inventory-api").fetch("https://inventory/stock")
            rates = await traced_fetch(fetch, "https://rates.example/eur")
            ...

``@traced`` makes a server span per request (or per cron on ``scheduled``) under the caller's
``traceparent`` when it sent one (its sampled flag decides), else under a new trace sampled at
``sample_rate``. While it runs, ``traced_fetch`` and ``traced_binding`` make client spans and put
the context on what they send: a ``traceparent`` header on every ``fetch``, and for RPC one extra,
last argument, which ``@traced_rpc`` on the callee's method (a Worker's or a Durable Object's)
takes off again. RPC has no headers, so the argument is the one carrier workerd gives.

The spans of one request leave in one batch after the response, with ``ctx.waitUntil``; a failed
export is counted (``export_stats()``) and never fails the request. A sampled response carries
``Server-Timing: traceparent;desc="00-<trace>-<span>-01"``, so a browser's timings can name it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from edgewatch.apm.tracing import LiveSpan, RandomIds, Trace, check_rate, decide, parse_traceparent
from edgewatch.apm.tracing import semantics as sem

from .trace_export import Exporter, binding_exporter, export_stats, export_trace
from .trace_http import header_of, with_server_timing

__all__ = [
    "Tracer",
    "child_span",
    "current",
    "export_stats",
    "traced",
    "traced_binding",
    "traced_fetch",
    "traced_rpc",
]

_IDS = RandomIds()
_current: ContextVar[LiveSpan | None] = ContextVar("edgewatch_cf_trace", default=None)
Rate = float | Callable[[Any], float]  # a share, or a function of env giving it


def now_ns() -> int:
    return time.time_ns()


def current() -> LiveSpan | None:
    """The span of the work being handled, if it is traced: set attributes, add events."""
    return _current.get()


@contextmanager
def child_span(
    name: str, kind: str = "internal", attributes: dict[str, Any] | None = None
) -> Iterator[LiveSpan | None]:
    """A span of one's own under the current one (None, and nothing recorded, when not traced)."""
    parent = _current.get()
    if parent is None:
        yield None
        return
    span = parent.trace.start(name, kind, parent=parent, attributes=attributes if parent.trace.sampled else None)
    token = _current.set(span)
    try:
        yield span
    except Exception as exc:
        span.record_exception(exc)
        raise
    finally:
        _current.reset(token)
        span.end()


@dataclass
class Tracer:
    service: str
    sample_rate: Rate = 1.0
    binding: str = "APM"
    route: Callable[[Any], str | None] | None = None  # the request's route (``/orders/:id``), if known
    resource: dict[str, Any] = field(default_factory=dict)  # more resource attributes (deployment.environment)
    server_timing: bool = True
    exporter: Exporter | None = None  # default: the binding's export_spans RPC

    def begin(self, env: Any, traceparent: str | None, tracestate: str | None = None) -> Trace:
        rate = self.sample_rate(env) if callable(self.sample_rate) else self.sample_rate
        parent = parse_traceparent(traceparent, tracestate)
        decision = decide(parent, check_rate(float(rate)), _IDS.trace_id() if parent is None else "")
        return Trace(decision, self.service, now_ns, _IDS)

    def finish(self, trace: Trace, env: Any, ctx: Any) -> None:
        export_trace(trace, env, ctx, self.exporter or binding_exporter(self.binding), self.resource)

    async def serve(self, request: Any, env: Any, ctx: Any, handler: Callable[[], Awaitable[Any]]) -> Any:
        """One request under a server span; ``handler()`` answers it."""
        trace = self.begin(env, header_of(request, "traceparent"), header_of(request, "tracestate"))
        method = str(request.method).upper()
        route = self.route(request) if self.route is not None and trace.sampled else None
        attributes = sem.server_attributes(method, str(request.url), route) if trace.sampled else None
        span = trace.start(sem.server_span_name(method, route), "server", attributes=attributes)
        token = _current.set(span)
        try:
            response = await handler()
        except Exception as exc:
            span.set_attribute("http.response.status_code", 500)
            span.record_exception(exc)
            span.end()
            self.finish(trace, env, ctx)
            raise
        finally:
            _current.reset(token)
        status = int(response.status)
        span.set_attribute("http.response.status_code", status)
        if sem.server_failed(status) and span.record.status != "error":  # keep a recorded exception's message
            span.set_status("error", f"HTTP {status}")
        span.end()
        self.finish(trace, env, ctx)
        if self.server_timing and trace.sampled:
            response = with_server_timing(response, span.context)
        return response

    async def run(
        self,
        env: Any,
        ctx: Any,
        name: str,
        work: Callable[[], Awaitable[Any]],
        *,
        attributes: dict[str, Any],
        traceparent: str | None = None,
    ) -> Any:
        """A unit of work that is not a request (a cron, an RPC call) under a server span."""
        trace = self.begin(env, traceparent)
        span = trace.start(name, "server", attributes=attributes if trace.sampled else None)
        token = _current.set(span)
        try:
            return await work()
        except Exception as exc:
            span.record_exception(exc)
            raise
        finally:
            _current.reset(token)
            span.end()
            self.finish(trace, env, ctx)


def traced(
    handler: Callable[..., Awaitable[Any]] | None = None,
    *,
    service: str,
    sample_rate: Rate = 1.0,
    binding: str = "APM",
    route: Callable[[Any], str | None] | None = None,
    resource: dict[str, Any] | None = None,
    server_timing: bool = True,
    exporter: Exporter | None = None,
) -> Any:
    """Wrap ``async def fetch(self, request)`` or ``async def scheduled(self, controller, env, ctx)``."""
    tracer = Tracer(service, sample_rate, binding, route, dict(resource or {}), server_timing, exporter)

    def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        if fn.__name__ == "scheduled":

            @wraps(fn)
            async def on_cron(self: Any, controller: Any, env: Any, ctx: Any) -> Any:
                cron = str(getattr(controller, "cron", "") or "")
                scheduled = getattr(controller, "scheduledTime", None)
                attributes = sem.cron_attributes(cron, None if scheduled is None else int(scheduled))
                work = lambda: fn(self, controller, env, ctx)  # noqa: E731
                return await tracer.run(env, ctx, f"cron {cron}".strip(), work, attributes=attributes)

            return on_cron

        @wraps(fn)
        async def on_fetch(self: Any, request: Any, *rest: Any) -> Any:
            return await tracer.serve(request, self.env, self.ctx, lambda: fn(self, request, *rest))

        return on_fetch

    return wrap(handler) if handler is not None else wrap


async def traced_fetch(
    fetcher: Callable[..., Awaitable[Any]], resource: Any, *, peer: str | None = None, **options: Any
) -> Any:
    """``await fetcher(resource, **options)`` under a client span, with ``traceparent`` added to the
    headers. ``fetcher`` is ``workers.fetch`` or a binding's ``.fetch``; without a traced request
    around it this is a plain call."""
    parent = _current.get()
    if parent is None:
        return await fetcher(resource, **options)
    url = resource if isinstance(resource, str) else str(resource.url)
    given_method = options.get("method") or (None if isinstance(resource, str) else getattr(resource, "method", None))
    method = str(getattr(given_method, "value", given_method) or "GET").upper()
    sampled = parent.trace.sampled
    attributes = sem.client_attributes(method, url, peer) if sampled else None
    span = parent.trace.start(sem.client_span_name(method, url, peer), "client", parent=parent, attributes=attributes)
    headers = _headers(resource, options.get("headers"))
    headers["traceparent"] = span.context.traceparent()
    if span.context.tracestate:
        headers["tracestate"] = span.context.tracestate
    try:
        response = await fetcher(resource, **{**options, "headers": headers})
    except Exception as exc:
        span.record_exception(exc)
        span.end()
        raise
    status = int(response.status)
    span.set_attribute("http.response.status_code", status)
    if sem.client_failed(status):
        span.set_status("error", f"HTTP {status}")
    span.end()
    return response


def _headers(resource: Any, given: Any) -> dict[str, str]:
    source = given if given is not None else (None if isinstance(resource, str) else resource.headers)
    if source is None:
        return {}
    pairs = source.items() if hasattr(source, "items") else source.entries()
    return {str(k): str(v) for k, v in pairs}


class TracedBinding:
    """A service binding or Durable Object stub whose ``fetch`` and RPC calls carry the context."""

    def __init__(self, binding: Any, peer: str) -> None:
        self._binding = binding
        self._peer = peer

    async def fetch(self, resource: Any, **options: Any) -> Any:
        return await traced_fetch(self._binding.fetch, resource, peer=self._peer, **options)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name.startswith("_"):  # never an RPC method: keep Python's own probes off the wire
            raise AttributeError(name)
        method = getattr(self._binding, name)

        async def call(*args: Any) -> Any:
            parent = _current.get()
            if parent is None:
                return await method(*args, None)
            attributes = sem.rpc_client_attributes(self._peer, name) if parent.trace.sampled else None
            span = parent.trace.start(f"{self._peer}.{name}", "client", parent=parent, attributes=attributes)
            try:
                return await method(*args, span.context.traceparent())
            except Exception as exc:
                span.record_exception(exc)
                raise
            finally:
                span.end()

        return call


def traced_binding(binding: Any, peer: str) -> TracedBinding:
    return TracedBinding(binding, peer)


def traced_rpc(
    method: Callable[..., Awaitable[Any]] | None = None,
    *,
    service: str,
    sample_rate: Rate = 1.0,
    binding: str = "APM",
    resource: dict[str, Any] | None = None,
    exporter: Exporter | None = None,
) -> Any:
    """Wrap an RPC method (``async def increment(self, name)``) of a WorkerEntrypoint or a Durable
    Object: a call through ``traced_binding`` has one argument more, the caller's traceparent, which
    this takes off; a call without it (an untraced caller) is served as a new root."""
    tracer = Tracer(service, sample_rate, binding, None, dict(resource or {}), False, exporter)

    def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        declared = len(inspect.signature(fn).parameters) - 1  # without self

        @wraps(fn)
        async def serve(self: Any, *args: Any) -> Any:
            traceparent = None
            if len(args) > declared:
                *rest, last = args
                args = tuple(rest)
                traceparent = None if last is None else str(last)
            name = f"{type(self).__name__}.{fn.__name__}"
            attributes = sem.rpc_server_attributes(service, fn.__name__)
            work = lambda: fn(self, *args)  # noqa: E731
            return await tracer.run(self.env, self.ctx, name, work, attributes=attributes, traceparent=traceparent)

        return serve

    return wrap(method) if method is not None else wrap
