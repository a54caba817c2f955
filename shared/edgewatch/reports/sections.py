"""Each section of a report, built from what its concern answered: plain data in, the section's
JSON out. Sections the owning concern already summarises (alerts, error issues) arrive as that
concern's JSON and are kept as they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..config import WebVitalsThresholds
from ..logs import MinuteCount, RetentionReport, retention_problems
from ..uptime import PeriodUptime
from .period import ReportPeriod
from .sla import SlaStatus, downtime_ms, sla

TOP_ENDPOINTS = 10
TOP_ROUTES = 20
TOP_SECURITY = 5
TOP_SERVICES = 20
MAX_INCIDENTS_PER_CHECK = 20
RATING_ORDER = {"poor": 0, "needs-improvement": 1, "good": 2}
ERROR_LEVELS = ("error", "fatal")


# -- uptime and SLA -------------------------------------------------------------------------------


def _incident(view: Any) -> dict[str, Any]:
    return {
        "start_ms": view.start_ms,
        "end_ms": view.end_ms,
        "duration_ms": view.duration_ms,
        "open": view.open,
        "cause": view.cause,
        "reason": str(view.reason),
    }


def uptime_section(
    monitors: Sequence[PeriodUptime], period: ReportPeriod, target_for: Callable[[str], float], now_ms: int
) -> dict[str, Any]:
    checks = []
    tally = dict.fromkeys((s.value for s in SlaStatus), 0)
    for item in sorted(monitors, key=lambda m: m.monitor.id):
        u = item.uptime
        spans = [(i.start_ms, i.end_ms) for i in item.incidents]
        down_time = downtime_ms(spans, period.start_ms, period.end_ms, now_ms)
        verdict = sla(u.up, u.down, target_for(item.monitor.id), period.length_ms, down_time)
        tally[verdict.status.value] += 1
        checks.append(
            {
                "id": item.monitor.id,
                "name": item.monitor.name,
                "kind": str(item.monitor.kind),
                "probes": {"up": u.up, "down": u.down, "excluded": u.excluded, "pending": u.pending},
                "sla": verdict.to_json(),
                "incidents": [_incident(i) for i in item.incidents[:MAX_INCIDENTS_PER_CHECK]],
                "incident_count": len(item.incidents),
            }
        )
    return {
        "checks": checks,
        "summary": {
            "checks": len(checks),
            "met": tally["met"],
            "missed": tally["missed"],
            "no_data": tally["no_data"],
            "incidents": sum(c["incident_count"] for c in checks),
        },
    }


# -- Web Vitals -----------------------------------------------------------------------------------


def _route_order(group: Mapping[str, Any]) -> tuple[int, int, str]:
    return (RATING_ORDER.get(str(group.get("rating")), 3), -int(group["count"]), str(group["route"]))


def vitals_section(
    summaries: Mapping[str, Sequence[Mapping[str, Any]]], thresholds: WebVitalsThresholds
) -> dict[str, Any]:
    """Per metric: its thresholds, the p75 overall and per route (over every device), worst first.
    ``summaries`` are edgewatch.vitals' rated summaries by route (device ``*``)."""
    metrics: dict[str, Any] = {}
    for name, groups in sorted(summaries.items()):
        threshold = thresholds.get(name.lower())  # type: ignore[call-overload]
        overall = next((g for g in groups if g["route"] == "*"), None)
        routes = sorted((g for g in groups if g["route"] != "*"), key=_route_order)
        if overall is None and not routes:
            continue
        metrics[name] = {
            "good": None if threshold is None else threshold.good,
            "poor": None if threshold is None else threshold.poor,
            "overall": None if overall is None else _vital_row(overall),
            "routes": [_vital_row(g) for g in routes[:TOP_ROUTES]],
            "route_count": len(routes),
        }
    return {"metrics": metrics}


def _vital_row(group: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "route": group["route"],
        "count": group["count"],
        "p75": group["p75"],
        "rating": group.get("rating"),
        "distribution": dict(group.get("distribution") or {}),
    }


# -- APM endpoints --------------------------------------------------------------------------------


def endpoints_section(summary: Mapping[str, Any]) -> dict[str, Any]:
    """From pitchey-apm's summary of the period: the slowest endpoints by p95 with their rates."""
    endpoints = [e for e in summary.get("endpoints", []) if e.get("p95_ms") is not None]
    slowest = sorted(endpoints, key=lambda e: (-float(e["p95_ms"]), str(e["service"]), str(e["endpoint"])))
    keep = ("service", "endpoint", "requests", "errors", "error_rate", "p50_ms", "p95_ms", "p99_ms", "apdex")
    return {
        "apdex_threshold_ms": summary.get("apdex_threshold_ms"),
        "slowest": [{k: e.get(k) for k in keep} for e in slowest[:TOP_ENDPOINTS]],
        "endpoint_count": len(summary.get("endpoints", [])),
        "services": list(summary.get("services", [])),
        "slowest_traces": list(summary.get("slowest_traces", []))[:TOP_ENDPOINTS],
    }


# -- security -------------------------------------------------------------------------------------


def security_section(summary: Mapping[str, Any]) -> dict[str, Any]:
    """From pitchey-security's summary of the period (daily buckets)."""
    return {
        "total": summary.get("total", 0),
        "by_type": dict(summary.get("by_type", {})),
        "top_identifiers": list(summary.get("top_identifiers", []))[:TOP_SECURITY],
        "top_routes": list(summary.get("top_routes", []))[:TOP_SECURITY],
        "top_rules": list(summary.get("top_rules", []))[:TOP_SECURITY],
        "per_day": [{"start_ms": b["start_ms"], "total": b["total"]} for b in summary.get("buckets", [])],
    }


# -- logs -----------------------------------------------------------------------------------------


def logs_section(rows: Iterable[MinuteCount], period: ReportPeriod) -> dict[str, Any]:
    """Entries seen per service (before sampling) and how many were errors."""
    seen: dict[str, float] = defaultdict(float)
    errors: dict[str, float] = defaultdict(float)
    for row in rows:
        if period.start_ms <= row.minute < period.end_ms:
            seen[row.service] += row.seen
            if row.level in ERROR_LEVELS:
                errors[row.service] += row.seen
    services = sorted(seen, key=lambda s: (-seen[s], s))
    return {
        "entries": round(sum(seen.values())),
        "errors": round(sum(errors.values())),
        "services": [
            {
                "service": s,
                "entries": round(seen[s]),
                "errors": round(errors[s]),
                "error_rate": round(errors[s] / seen[s], 5) if seen[s] else 0.0,
            }
            for s in services[:TOP_SERVICES]
        ],
        "service_count": len(services),
    }


# -- retention ------------------------------------------------------------------------------------


def retention_policies(monitoring: Any) -> list[tuple[str, str | None, str]]:
    """(store, retention, what) of the stores that keep no report of their runs, from the config."""
    return [
        ("metrics", monitoring.metrics.collection.retention, "raw metric windows; hourly windows are kept 90d"),
        ("uptime_history", "91d", "hourly uptime buckets; raw probes 48h"),
        ("vitals", "30d", "Web Vitals reports"),
        ("audit", monitoring.access.audit_retention, "audit archives in R2"),
        ("security_events", None, "eventRetention of SECURITY_CONFIG_JSON (30d by default)"),
    ]


def retention_entry(
    subject: str, retention: str | None, report: Mapping[str, Any] | None, now_ms: int
) -> dict[str, Any]:
    """One store's retention: its policy and, when it keeps one, what the last run reported."""
    if report is None:
        return {"subject": subject, "retention": retention, "last_run": None, "ok": None, "problems": ["no run yet"]}
    problems = retention_problems(RetentionReport.from_json(dict(report)), now_ms)
    return {
        "subject": subject,
        "retention": retention,
        "last_run": dict(report),
        "ok": not problems,
        "problems": problems,
    }


def retention_section(
    entries: Sequence[Mapping[str, Any]], policies: Sequence[tuple[str, str | None, str]]
) -> dict[str, Any]:
    """``entries``: retention_entry per store that reports its runs; ``policies`` the others."""
    return {
        "stores": list(entries),
        "policies": [
            {"subject": subject, "retention": retention, "note": note} for subject, retention, note in policies
        ],
        "ok": all(e.get("ok") is not False for e in entries),
    }
