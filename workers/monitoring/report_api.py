"""Reports: ``GET /monitoring/report?from=&to=&period=`` (JSON) and the weekly delivery on the
daily cron (``monitoring.weekly_report``).

Each section comes from the Worker that owns its data, over its service binding's RPC (the
binding is the credential): uptime and Web Vitals from this Worker's own objects, alerts from
pitchey-alerts, issues, endpoints and the trace retention from pitchey-apm, security events from
pitchey-security, log counts and the log retention from pitchey-logs. The sections are fetched
concurrently and each may fail alone (edgewatch.reports). The weekly report goes to
pitchey-alerts' ``send_report``, which records it in the Outbox once per ISO week and receiver.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from checks_api import synced
from edgewatch.access import Role
from edgewatch.alerts import ReportEnqueued, SendReport
from edgewatch.codec import decode, encode
from edgewatch.health import describe_error
from edgewatch.logs import MinuteCount
from edgewatch.reports import (
    SECTIONS,
    ReportPeriod,
    SectionResult,
    WeeklyDecision,
    assemble,
    endpoints_section,
    logs_section,
    parse_report_period,
    render,
    retention_entry,
    retention_policies,
    retention_section,
    security_section,
    uptime_section,
    vitals_section,
    weekly_decision,
    weekly_slot,
)
from edgewatch.uptime import PeriodUptime
from edgewatch.vitals import VITAL_NAMES, VitalsQuery
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.clock import TEST_CLOCK_HEADER, now_ms, request_now_ms
from edgewatch_cf.settings import stack_config
from vitals_api import vitals_summaries

INCIDENT_LIMIT = 1_000
DELIVERED_TTL_S = 21 * 86_400
routes = Routes()

Fetch = Callable[[], Awaitable[Any]]


async def _section(label: str, fetch: Fetch) -> SectionResult:
    try:
        return SectionResult(await fetch())
    except Exception as exc:
        return SectionResult.failed(f"{label}: {describe_error(exc)}")


def _fetchers(env: Any, period: ReportPeriod, now: int) -> dict[str, tuple[str, Fetch]]:
    config = stack_config(env)
    start, end = period.start_ms, period.end_ms

    async def uptime() -> Any:
        runner = await synced(env, now)
        monitors = decode(list[PeriodUptime], str(await runner.period_uptime(start, end, INCIDENT_LIMIT)))
        return uptime_section(monitors, period, config.monitoring.reports.target_for, now)

    async def vitals() -> Any:
        query = VitalsQuery(list(VITAL_NAMES), start, end, None, None)
        return vitals_section(await vitals_summaries(env, query, by_device=False), config.web_vitals)

    async def alerts() -> Any:
        return json.loads(str(await env.ALERTS.alert_activity(start, end)))

    async def issues() -> Any:
        return json.loads(str(await env.APM.report_issues(start, end)))

    async def endpoints() -> Any:
        return endpoints_section(json.loads(str(await env.APM.report_endpoints(start, end))))

    async def security() -> Any:
        return security_section(json.loads(str(await env.SECURITY.report_summary(start, end))))

    async def logs() -> Any:
        return logs_section(decode(list[MinuteCount], str(await env.LOGS.minute_counts(start, end))), period)

    async def retention() -> Any:
        states = await asyncio.gather(env.LOGS.retention_state(), env.APM.retention_state())
        entries = []
        for subject, raw in zip(("logs", "traces"), states, strict=True):
            state = json.loads(str(raw))
            entries.append(retention_entry(subject, state["retention"], state["last_run"], now))
        return retention_section(entries, retention_policies(config.monitoring))

    return {
        "uptime": ("pitchey-monitoring uptime", uptime),
        "alerts": ("pitchey-alerts", alerts),
        "issues": ("pitchey-apm issues", issues),
        "endpoints": ("pitchey-apm endpoints", endpoints),
        "vitals": ("pitchey-monitoring vitals", vitals),
        "security": ("pitchey-security", security),
        "logs": ("pitchey-logs", logs),
        "retention": ("retention", retention),
    }


async def build_report(env: Any, period: ReportPeriod, now: int, kind: str = "on_demand") -> dict[str, Any]:
    fetchers = _fetchers(env, period, now)
    results = await asyncio.gather(*(_section(*fetchers[name]) for name in SECTIONS))
    return assemble(period, now, dict(zip(SECTIONS, results, strict=True)), kind=kind)


@routes.route("GET", "/monitoring/report", access=Role.VIEWER)
async def get_report(req: Incoming) -> Reply:
    now = request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))
    period = parse_report_period(req.query, now)
    return Reply(await build_report(req.env, period, now))


def _marker(key: str) -> str:
    return f"report:delivered:{key}"


@routes.job("weekly_report")
async def weekly_report(env: Any, scheduled_ms: int) -> dict[str, Any]:
    """On the configured weekday: the last 7 days' report to the configured receivers, once a week."""
    weekly = stack_config(env).monitoring.reports.weekly
    slot = weekly_slot(int(scheduled_ms), weekly.weekday)
    kv = KVPort(env.KV)
    delivered = slot is not None and weekly.enabled and await kv.get(_marker(slot.key)) is not None
    decision = weekly_decision(weekly.enabled, slot, delivered)
    if decision is not WeeklyDecision.DELIVER or slot is None:
        return {"decision": decision.value, "key": None if slot is None else slot.key}
    report = await build_report(env, slot.period, now_ms(), kind="weekly")
    request = SendReport(tuple(weekly.receivers), slot.key, slot.day_ms, render(report), now_ms())
    answer = decode(ReportEnqueued, str(await env.ALERTS.send_report(encode(request))))
    if answer.refused:
        problems = "; ".join(r.problem for r in answer.refused)
        raise RuntimeError(f"weekly report {slot.key}: receivers refused: {problems}")
    outcome = {
        "decision": decision.value,
        "key": slot.key,
        "period": report["period"],
        "receivers": list(weekly.receivers),
        "enqueued": answer.added,
        "already_enqueued": answer.duplicates,
        "sections_failed": report["errors"],
    }
    await kv.put(_marker(slot.key), json.dumps(outcome), ttl_s=DELIVERED_TTL_S)
    return outcome
