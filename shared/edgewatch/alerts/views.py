"""The read bodies of the alerts API (ours and Alertmanager's v2), built from a CenterState."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .amapi import AlertMarks, alert_group, format_time, gettable_alert, gettable_silences
from .center import CenterState, marks
from .groups import notification_order
from .rulestate import format_value
from .setup import AlertingSetup


def _alert_row(state: CenterState, fp: str, mark: AlertMarks, now_ms: int) -> dict[str, Any]:
    alert = state.alerts[fp]
    rule = state.rules.get(alert.label("alertname"))
    value = None
    if rule is not None:
        for series in rule.series.values():
            if all(alert.label(k) == v for k, v in series.labels):
                value = format_value(series.value)
    return {
        "fingerprint": fp,
        "state": "resolved" if alert.resolved(now_ms) else ("suppressed" if mark.state == "suppressed" else "firing"),
        "since": format_time(alert.starts_at_ms),
        "ends_at": None if alert.ends_at_ms is None else format_time(alert.ends_at_ms),
        "value": value,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "receivers": list(mark.receivers),
        "silenced_by": list(mark.silenced_by),
        "inhibited_by": list(mark.inhibited_by),
    }


def alerts_view(state: CenterState, setup: AlertingSetup, now_ms: int) -> dict[str, Any]:
    """``GET /alerts``: every alert the center holds (resolved ones for 15 minutes), firing first."""
    found = marks(state, setup, now_ms)
    rows = [_alert_row(state, fp, found[fp], now_ms) for fp in state.alerts]
    rows.sort(key=lambda r: (r["state"] == "resolved", r["since"], r["fingerprint"]))
    return {"alerts": rows, "count": len(rows)}


def groups_view(state: CenterState, now_ms: int) -> dict[str, Any]:
    out = []
    for group in sorted(state.groups.groups.values(), key=lambda g: g.key):
        ack = state.acks.get(group.id, now_ms)
        out.append(
            {
                "id": group.id,
                "key": group.key,
                "receiver": group.receiver,
                "labels": dict(group.labels),
                "alerts": [a.fingerprint for a in sorted(group.alerts.values(), key=notification_order)],
                "next_flush": format_time(group.next_flush_ms),
                "acknowledged": None if ack is None else ack.to_json(),
            }
        )
    return {"groups": out}


def v2_alerts(state: CenterState, setup: AlertingSetup, now_ms: int) -> list[dict[str, Any]]:
    """``GET /api/v2/alerts``: the unresolved alerts by fingerprint, Alertmanager's order."""
    found = marks(state, setup, now_ms)
    live = [a for a in state.alerts.values() if not a.resolved(now_ms)]
    return [gettable_alert(a, found[a.fingerprint]) for a in sorted(live, key=lambda a: a.fingerprint)]


def v2_groups(state: CenterState, setup: AlertingSetup, now_ms: int) -> list[dict[str, Any]]:
    found = marks(state, setup, now_ms)
    out = []
    for group in sorted(state.groups.groups.values(), key=lambda g: g.key):
        alerts = [a for a in sorted(group.alerts.values(), key=notification_order) if not a.resolved(now_ms)]
        if alerts:
            out.append(alert_group(group.labels, group.receiver, [(a, found[a.fingerprint]) for a in alerts]))
    return out


def v2_silences(state: CenterState, now_ms: int) -> list[dict[str, Any]]:
    return gettable_silences(list(state.silences.values()), now_ms)


def rules_view(state: CenterState, setup: AlertingSetup) -> dict[str, Any]:
    rows = []
    for rule in setup.rules:
        rs = state.rules.get(rule.spec.name)
        rows.append(
            {
                "name": rule.spec.name,
                "severity": rule.spec.severity,
                "for_ms": rule.spec.for_ms,
                "state": "inactive" if rs is None else rs.state.value,
                "last_evaluation": None if rs is None or rs.last_eval_ms is None else format_time(rs.last_eval_ms),
                "error": None if rs is None else rs.last_error,
                "series": [] if rs is None else _series(rs.to_json()["series"]),
            }
        )
    return {"rules": rows}


def _series(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "labels": item["labels"],
            "state": item["state"],
            "value": item["value"],
            "active_at": format_time(item["active_at_ms"]),
        }
        for item in items
    ]
