"""The report in a few lines per section, as plain text: what the Slack and email renderings show.

The lines hold stored strings as they are (check names, issue titles, routes, identifiers come
from outside); each rendering escapes them for its own format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SHOWN = 5  # items listed per section; the JSON report has them all


@dataclass(frozen=True)
class DigestBlock:
    heading: str
    lines: tuple[str, ...]
    failed: bool = False


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:,.0f} ms"


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours < 48 else f"{hours // 24}d{hours % 24}h"


def _counts(mapping: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in mapping.items() if v) or "none"


def _uptime(s: Mapping[str, Any]) -> list[str]:
    summary = s["summary"]
    lines = [
        f"{summary['checks']} checks: {summary['met']} met their SLA, {summary['missed']} missed, "
        f"{summary['no_data']} without data; {summary['incidents']} incidents"
    ]
    order = {"missed": 0, "no_data": 1, "met": 2}
    for check in sorted(s["checks"], key=lambda c: (order[c["sla"]["status"]], c["id"]))[: SHOWN * 2]:
        sla = check["sla"]
        mark = {"met": "OK", "missed": "MISSED", "no_data": "NO DATA"}[sla["status"]]
        extra = (
            f", {check['incident_count']} incidents, {_duration(sla['downtime_ms'])} down"
            if check["incident_count"]
            else ""
        )
        lines.append(f"{mark} {check['name']}: {_pct(sla['uptime_pct'])} (target {_pct(sla['target_pct'])}){extra}")
    return lines


def _alerts(s: Mapping[str, Any]) -> list[str]:
    lines = [
        f"{s['fired']} alerts fired ({_counts(s.get('by_severity', {}))}); {s['notifications_total']} notifications"
    ]
    lines += [f"{a['alertname']} ({a['severity']}) x{a['count']}" for a in s.get("by_alertname", [])[:SHOWN]]
    for name, t in s.get("notifications", {}).items():
        lines.append(f"to {name}: {t['sent']} sent, {t['pending']} pending, {t['dead']} failed")
    return lines


def _issues(s: Mapping[str, Any]) -> list[str]:
    lines = [f"{s['seen']} issues seen, {s['new']} new, {s['regressed']} regressed"]
    lines += [f"{i['title']} ({i['id']}): {i['events']} events" for i in s.get("top", [])[:SHOWN]]
    lines += [f"regressed: {i['title']} ({i['id']})" for i in s.get("regressions", [])[:SHOWN]]
    return lines


def _endpoints(s: Mapping[str, Any]) -> list[str]:
    lines = [f"{s['endpoint_count']} endpoints"]
    for e in s.get("slowest", [])[:SHOWN]:
        rate = (e.get("error_rate") or 0) * 100
        lines.append(
            f"{e['service']} {e['endpoint']}: p95 {_ms(e['p95_ms'])}, {e['requests']:,.0f} requests, {rate:.2f}% errors"
        )
    return lines


def _vitals(s: Mapping[str, Any]) -> list[str]:
    lines = []
    for name, m in s.get("metrics", {}).items():
        overall = m.get("overall") or {}
        lines.append(
            f"{name} p75 {overall.get('p75')} ({overall.get('rating')}; good <= {m['good']}, poor > {m['poor']}), "
            f"{overall.get('count', 0)} reports"
        )
        lines += [f"  {r['route']}: p75 {r['p75']} ({r['rating']})" for r in m.get("routes", [])[:3]]
    return lines or ["no Web Vitals reports"]


def _security(s: Mapping[str, Any]) -> list[str]:
    lines = [f"{s['total']} security events ({_counts(s.get('by_type', {}))})"]
    lines += [f"{t['key']}: {t['count']}" for t in s.get("top_identifiers", [])[:SHOWN]]
    return lines


def _logs(s: Mapping[str, Any]) -> list[str]:
    lines = [f"{s['entries']:,} log entries, {s['errors']:,} errors, {s['service_count']} services"]
    for svc in s.get("services", [])[:SHOWN]:
        lines.append(f"{svc['service']}: {svc['entries']:,} entries, {svc['error_rate'] * 100:.2f}% errors")
    return lines


def _retention(s: Mapping[str, Any]) -> list[str]:
    lines = []
    for store in s.get("stores", []):
        state = {True: "ok", False: "PROBLEM", None: "unknown"}[store.get("ok")]
        problems = "; ".join(store.get("problems") or [])
        lines.append(f"{store['subject']} ({store['retention']}): {state}" + (f": {problems}" if problems else ""))
    return lines or ["no retention reports"]


RENDERERS: dict[str, tuple[str, Callable[[Mapping[str, Any]], list[str]]]] = {
    "uptime": ("Uptime and SLA", _uptime),
    "alerts": ("Alerts and notifications", _alerts),
    "issues": ("Error issues", _issues),
    "endpoints": ("Slowest endpoints", _endpoints),
    "vitals": ("Web Vitals (p75)", _vitals),
    "security": ("Security events", _security),
    "logs": ("Logs", _logs),
    "retention": ("Retention", _retention),
}


def digest(report: Mapping[str, Any]) -> list[DigestBlock]:
    blocks = []
    for name, (heading, render) in RENDERERS.items():
        section = report["sections"].get(name)
        if isinstance(section, Mapping) and "error" in section and len(section) == 1:
            blocks.append(DigestBlock(heading, (f"unavailable: {section['error'].get('message', '')}",), True))
            continue
        try:
            lines: Sequence[str] = render(section or {})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            lines, failed = (f"could not be summarised ({type(exc).__name__})",), True
        else:
            failed = False
        blocks.append(DigestBlock(heading, tuple(lines), failed))
    cost = report.get("cost")
    blocks.append(DigestBlock("Cost", (f"not measured: {report.get('cost_reason')}" if cost is None else str(cost),)))
    return blocks


def title(report: Mapping[str, Any]) -> str:
    kind = "Weekly report" if report.get("kind") == "weekly" else "Report"
    return f"{kind} {report['period']['label']}"
