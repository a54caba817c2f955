"""The ``*/1`` job ``watch_sources``: poll the event sources and hand what they say to the
AlertCenter, which turns it into alerts (edgewatch.alerts.sourcerun).

The uptime feed is read from the center's cursor, a page at a time, each page applied before the
next is asked for (the center ignores any change at or below its cursor, so a repeated or
concurrent run applies nothing twice). The other sources are asked at once: pitchey-security's
recent anomalies and automatic blocks, pitchey-logs' and pitchey-monitoring's own faults, and the
Outbox's dead letters. A source that fails resolves nothing, and fails the run (after the others are applied)."""

from __future__ import annotations

import asyncio
from typing import Any

from alert_setup import center, outbox
from edgewatch.alerts.source_messages import ReporterFaults, SourcesApplied, SourcesPolled
from edgewatch.alerts.sources import ANOMALY_HOLD_MS, DEAD_LETTER_HOLD_MS, DeadLetter
from edgewatch.codec import decode, encode
from edgewatch.errors import error_line
from edgewatch.faults import StackFault
from edgewatch.security.messages import SecurityFeed
from edgewatch.uptime import AlertFeed
from edgewatch_cf.app import Routes
from edgewatch_cf.clock import now_ms

routes = Routes()
PAGE = 500
MAX_PAGES = 10


async def _ask(what: str, call: Any, kind: Any, errors: list[str]) -> Any:
    try:
        return decode(kind, str(await call))
    except Exception as exc:
        errors.append(f"{what}: {error_line(exc)}")
        return None


async def _uptime(env: Any, now: int) -> tuple[list[SourcesApplied], list[str]]:
    stub = center(env)
    applied: list[SourcesApplied] = []
    errors: list[str] = []
    cursor = int(await stub.feed_cursor())
    for _ in range(MAX_PAGES):
        feed = await _ask(
            "pitchey-monitoring uptime_feed", env.MONITORING.uptime_feed(cursor, PAGE, now), AlertFeed, errors
        )
        if feed is None:
            break
        answer = decode(SourcesApplied, str(await stub.apply_sources(encode(SourcesPolled(now, feed, cursor)))))
        applied.append(answer)
        if len(feed.changes) < PAGE or answer.uptime_cursor <= cursor:
            break
        cursor = answer.uptime_cursor
    return applied, errors


async def _faults(env: Any, reporter: str, call: Any, errors: list[str]) -> ReporterFaults:
    found = await _ask(f"pitchey-{reporter} stack_faults", call, list[StackFault], errors)
    return ReporterFaults(reporter, None if found is None else tuple(found))


@routes.job("watch_sources")
async def watch_sources(env: Any, scheduled_ms: int) -> dict[str, Any]:
    now = now_ms()
    as_of = max(now, int(scheduled_ms))
    uptime, errors = await _uptime(env, now)
    security, logs, monitoring, letters = await asyncio.gather(
        _ask("pitchey-security alert_feed", env.SECURITY.alert_feed(now - ANOMALY_HOLD_MS, now), SecurityFeed, errors),
        _faults(env, "logs", env.LOGS.stack_faults(as_of), errors),
        _faults(env, "monitoring", env.MONITORING.stack_faults(), errors),
        _ask("outbox dead_letters", outbox(env).dead_letters(now - DEAD_LETTER_HOLD_MS), list[DeadLetter], errors),
    )
    polled = SourcesPolled(
        now, security=security, faults=(logs, monitoring), dead_letters=None if letters is None else tuple(letters),
        errors=tuple(errors), as_of_ms=as_of,
    )  # fmt: skip
    answer = decode(SourcesApplied, str(await center(env).apply_sources(encode(polled))))
    result = {
        "uptime_changes": sum(a.uptime_applied for a in uptime),
        "uptime_cursor": answer.uptime_cursor,
        "uptime_missed": answer.uptime_missed,
        "in_maintenance": answer.in_maintenance,
        "alerts": answer.alerts + sum(a.alerts for a in uptime),
    }
    if errors:  # applied what answered; the run fails so /monitoring/cron (and CronJobFailing) show it
        raise RuntimeError(f"{len(errors)} source(s) failed: {'; '.join(errors)}; applied: {result}")
    return result
