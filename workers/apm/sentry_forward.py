"""Forwarding of accepted error events to an upstream Sentry (the ``SENTRY_DSN`` secret of
pitchey-apm), after the answer to the SDK, inside ``ctx.waitUntil``. The upstream's rate limits
are honoured (per isolate); every failure, refusal and skipped event is counted in the project's
ingest counters (``GET /apm/ingest/stats``): ``forward:ok``, ``forward:failed`` (no answer),
``forward:refused`` (a non-2xx but 429), ``forward:rate_limited`` (a 429, or skipped while the
upstream's limit lasts), ``forward:misconfigured`` (an unusable DSN)."""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyodide.ffi import to_js

import apm_settings as settings
from edgewatch.apm.client.rate_limits import RateLimits
from edgewatch.apm.dsn import DsnError
from edgewatch.apm.forwarding import forward_request
from edgewatch.errors import error_line
from edgewatch_cf.app import Incoming
from edgewatch_cf.clock import now_ms

TIMEOUT_MS = 10_000
_limits = RateLimits()


def upstream(env: Any) -> str | None:
    value = getattr(env, "SENTRY_DSN", None)
    return str(value).strip() or None if value is not None else None


def schedule_forward(req: Incoming, project: str, event: dict[str, Any]) -> None:
    dsn = upstream(req.env)
    if dsn is None:
        return
    req.ctx.waitUntil(asyncio.ensure_future(_forward(req, project, dsn, event)))


async def _count(req: Incoming, project: str, reason: str) -> None:
    try:
        await settings.issue_store(req.env, project).count_forward(reason)
    except Exception as exc:
        req.console.error("forward_count_failed", project=project, error=error_line(exc))


async def _forward(req: Incoming, project: str, dsn: str, event: dict[str, Any]) -> None:
    now = now_ms()
    if not _limits.decide("error", now).send:
        await _count(req, project, "rate_limited")
        return
    try:
        outgoing = forward_request(dsn, settings.scrubber(req.env).scrub_value(event), now)  # type: ignore[arg-type]
    except DsnError as exc:
        req.console.error("forward_misconfigured", error=error_line(exc))
        await _count(req, project, "misconfigured")
        return
    options = {
        "method": "POST",
        "headers": outgoing.headers,
        "body": to_js(outgoing.body),
        "signal": js.AbortSignal.timeout(TIMEOUT_MS),
    }
    try:
        response = await js.fetch(outgoing.url, to_js(options, dict_converter=js.Object.fromEntries))
        status = int(response.status)
        headers = {n: str(v) for n in ("x-sentry-rate-limits", "retry-after") if (v := response.headers.get(n))}
        await response.text()
    except Exception as exc:
        req.console.error("forward_failed", project=project, error=error_line(exc))
        await _count(req, project, "failed")
        return
    _limits.update(status, headers, now_ms())
    if 200 <= status < 300:
        await _count(req, project, "ok")
    else:
        req.console.warn("forward_refused", project=project, status=status)
        await _count(req, project, "rate_limited" if status == 429 else "refused")
