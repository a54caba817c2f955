"""The stack traces itself: each of our Workers' requests under a server span, sampled at
``SELF_TRACE_SAMPLE_RATE`` (a var, 0-1; unset means 0.01 in production and 0 elsewhere, so local
and test stacks trace only when asked). At 0 nothing is parsed or recorded: the request is served
as if the tracer did not exist. A caller's sampled ``traceparent`` is followed only while the rate
is above 0. Spans go to pitchey-apm through the ``APM`` service binding; pitchey-apm itself stores
its own spans in-process and never traces ``/v1/traces`` (no span about storing spans)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from edgewatch.apm.tracing import rate_from_text

from .app import WorkerApp
from .console import Console
from .trace import Tracer
from .trace_export import Exporter

SELF_TRACE_VAR = "SELF_TRACE_SAMPLE_RATE"
PRODUCTION_RATE = 0.01
_WARNED: set[str] = set()


def self_trace_rate(env: Any) -> float:
    environment = str(getattr(env, "ENVIRONMENT", "") or "")
    default = PRODUCTION_RATE if environment == "production" else 0.0
    raw = getattr(env, SELF_TRACE_VAR, None)
    try:
        return rate_from_text(None if raw is None else str(raw), default)
    except ValueError as exc:
        if str(raw) not in _WARNED:  # once per isolate and value: tracing is off, the Worker is not
            _WARNED.add(str(raw))
            Console("edgewatch_cf.trace").warn("self_trace_rate_invalid", error=str(exc))
        return 0.0


def self_tracer(app: WorkerApp, env: Any, exporter: Exporter | None = None) -> Tracer | None:
    """This Worker's tracer, or None when it is not to trace at all."""
    rate = self_trace_rate(env)
    if rate <= 0.0:
        return None
    environment = str(getattr(env, "ENVIRONMENT", "") or "unknown")
    return Tracer(
        app.service.worker_name,
        rate,
        "APM",
        route=app.route_of,
        resource={"deployment.environment": environment},
        exporter=exporter,
    )


def untraced(request: Any, prefixes: tuple[str, ...]) -> bool:
    return bool(prefixes) and urlsplit(str(request.url)).path.startswith(prefixes)
