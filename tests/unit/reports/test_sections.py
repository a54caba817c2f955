from __future__ import annotations

from typing import Any

from edgewatch.config import Threshold
from edgewatch.logs import MinuteCount, RetentionReport
from edgewatch.reports import (
    ReportPeriod,
    endpoints_section,
    logs_section,
    retention_entry,
    retention_section,
    security_section,
    uptime_section,
    vitals_section,
)
from edgewatch.uptime import IncidentView, MonitorKind, MonitorRef, PeriodUptime, ProbeReason, UptimeReport

H = 3_600_000
PERIOD = ReportPeriod(100 * H, 268 * H)  # 7 days


def monitor(check_id: str, up: int, down: int, *incidents: tuple[int, int | None]) -> PeriodUptime:
    views = tuple(
        IncidentView(
            check_id, s, e, None if e is None else e - s, e is None, "HTTP 500, expected 200", ProbeReason.BAD_STATUS
        )
        for s, e in incidents
    )
    counted = up + down
    report = UptimeReport(PERIOD.start_ms, PERIOD.end_ms, counted, up, down, 0, 0, up / counted if counted else None)
    return PeriodUptime(MonitorRef(check_id, MonitorKind.HTTP, check_id.upper()), report, views)


def test_uptime_per_check_with_its_own_target_and_incidents() -> None:
    targets = {"pay": 99.0}
    section = uptime_section(
        [monitor("web", 100, 0), monitor("pay", 95, 5, (101 * H, 102 * H), (200 * H, None)), monitor("new", 0, 0)],
        PERIOD,
        lambda check_id: targets.get(check_id, 99.9),
        now_ms=201 * H,
    )
    checks = {c["id"]: c for c in section["checks"]}
    assert [c["id"] for c in section["checks"]] == ["new", "pay", "web"]  # by id
    assert checks["web"]["sla"]["status"] == "met" and checks["web"]["sla"]["target_pct"] == 99.9
    pay = checks["pay"]
    assert pay["sla"]["status"] == "missed" and pay["sla"]["target_pct"] == 99.0 and pay["sla"]["uptime_pct"] == 95.0
    assert pay["sla"]["downtime_ms"] == 2 * H  # one closed hour, one open hour up to now
    assert pay["incident_count"] == 2 and pay["incidents"][1]["open"] is True
    assert pay["incidents"][0]["reason"] == "bad_status"
    assert checks["new"]["sla"]["status"] == "no_data"
    assert section["summary"] == {"checks": 3, "met": 1, "missed": 1, "no_data": 1, "incidents": 2}


def group(route: str, count: int, p75: float, rating: str) -> dict[str, Any]:
    return {
        "route": route,
        "device": "*",
        "count": count,
        "p75": p75,
        "rating": rating,
        "distribution": {rating: count},
    }


def test_vitals_worst_routes_first_against_the_thresholds() -> None:
    lcp = [group("*", 6, 3000, "needs-improvement"), group("/a", 4, 2000, "good"), group("/b", 1, 5000, "poor"),
           group("/c", 1, 3000, "needs-improvement")]  # fmt: skip
    section = vitals_section({"LCP": lcp, "CLS": []}, {"lcp": Threshold(good=2500, poor=4000)})
    assert set(section["metrics"]) == {"LCP"}  # a metric without reports is left out
    metric = section["metrics"]["LCP"]
    assert (metric["good"], metric["poor"]) == (2500, 4000)
    assert metric["overall"]["p75"] == 3000 and metric["overall"]["rating"] == "needs-improvement"
    assert [r["route"] for r in metric["routes"]] == ["/b", "/c", "/a"]
    assert metric["route_count"] == 3


def test_the_slowest_endpoints_by_p95() -> None:
    def endpoint(name: str, p95: float | None) -> dict[str, Any]:
        return {"service": "api", "endpoint": name, "requests": 10, "errors": 1, "error_rate": 0.1,
                "p50_ms": 1.0, "p95_ms": p95, "p99_ms": p95, "apdex": 0.9, "requests_per_minute": 1.0}  # fmt: skip

    summary = {"apdex_threshold_ms": 500, "endpoints": [endpoint(f"GET /{i}", float(i)) for i in range(15)]
               + [endpoint("GET /none", None)], "services": [{"service": "api"}], "slowest_traces": []}  # fmt: skip
    section = endpoints_section(summary)
    assert [e["endpoint"] for e in section["slowest"]] == [f"GET /{i}" for i in range(14, 4, -1)]
    assert "requests_per_minute" not in section["slowest"][0]
    assert section["endpoint_count"] == 16 and section["apdex_threshold_ms"] == 500


def test_security_keeps_the_top_five() -> None:
    top = [{"key": f"203.0.113.{i}", "count": 10 - i} for i in range(8)]
    summary = {"total": 45, "by_type": {"threat": 40, "rate_limited": 5}, "top_identifiers": top, "top_routes": [],
               "top_rules": [], "buckets": [{"start_ms": 0, "total": 45, "counts": {}}]}  # fmt: skip
    section = security_section(summary)
    assert section["total"] == 45 and len(section["top_identifiers"]) == 5
    assert section["per_day"] == [{"start_ms": 0, "total": 45}]


def test_logs_per_service_with_errors() -> None:
    rows = [
        MinuteCount("api", PERIOD.start_ms, "info", 90.0, 9.0),
        MinuteCount("api", PERIOD.start_ms, "error", 8.0, 8.0),
        MinuteCount("api", PERIOD.start_ms + 60_000, "fatal", 2.0, 2.0),
        MinuteCount("jobs", PERIOD.start_ms, "warn", 5.0, 5.0),
        MinuteCount("api", PERIOD.end_ms, "error", 100.0, 100.0),  # after the period
    ]
    section = logs_section(rows, PERIOD)
    assert section["entries"] == 105 and section["errors"] == 10
    assert section["services"][0] == {"service": "api", "entries": 100, "errors": 10, "error_rate": 0.1}
    assert section["service_count"] == 2


def test_retention_entries_say_what_is_wrong() -> None:
    now = 300 * H
    good = RetentionReport(ran_at_ms=now - H, as_of_ms=now - H, deleted=3, remaining=10).to_json()
    bad = RetentionReport(ran_at_ms=now - H, as_of_ms=now - H, violations=2).to_json()
    stale = RetentionReport(ran_at_ms=now - 72 * H, as_of_ms=now - 72 * H).to_json()
    assert retention_entry("logs", "30d", good, now)["ok"] is True
    assert retention_entry("logs", "30d", bad, now)["problems"] == ["2 archived object(s) older than their retention"]
    assert "has not run for more than two days" in retention_entry("traces", "7d", stale, now)["problems"][0]
    never = retention_entry("traces", "7d", None, now)
    assert never["ok"] is None and never["last_run"] is None
    section = retention_section([retention_entry("logs", "30d", good, now), never], [("vitals", "30d", "Web Vitals")])
    assert section["ok"] is True  # unknown is not a failure
    assert section["policies"] == [{"subject": "vitals", "retention": "30d", "note": "Web Vitals"}]
    assert retention_section([retention_entry("logs", "30d", bad, now)], [])["ok"] is False
