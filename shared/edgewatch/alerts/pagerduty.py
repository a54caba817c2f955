"""PagerDuty Events API v2: one event per notification, one incident per aggregation group.

``dedup_key`` is the SHA-256 of the group key in hex (64 characters, within PagerDuty's 255), as
Alertmanager computes it, so incidents opened by an Alertmanager carry over. ``resolve`` when the
group has no firing alerts, ``acknowledge`` for an acknowledgement, ``trigger`` otherwise.
A 429 or 5xx answer is retried (the outbox's policy); a 400 means the event is malformed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .model import Alert, Notification, NotifyReason
from .outbox import OutboundRequest
from .receivers import PagerDutySettings, alert_links, common_labels, group_severity, subject

MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
MAX_EVENT_BYTES = 512_000  # PagerDuty's limit on one event
MAX_LINKS = 10
CLIENT = "edgewatch"


class EventAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


def event_action(notification: Notification) -> EventAction:
    if notification.reason is NotifyReason.ACKNOWLEDGED:
        return EventAction.ACKNOWLEDGE
    return EventAction.TRIGGER if notification.firing else EventAction.RESOLVE


def dedup_key(group_key: str) -> str:
    return hashlib.sha256(group_key.encode("utf-8")).hexdigest()[:MAX_DEDUP_KEY]


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, the last an ellipsis when cut (Alertmanager's Truncate)."""
    if len(text) <= limit:
        return text
    return text[:limit] if limit <= 3 else text[: limit - 1] + "…"


def summary(notification: Notification) -> str:
    text = subject(notification)
    alerts = notification.firing or notification.resolved
    first = alerts[0].annotation("summary") if alerts else ""
    if first and all(alert.annotation("summary") == first for alert in alerts):
        text = f"{text}: {first}"
    return truncate(text, MAX_SUMMARY)


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _alert_details(alert: Alert) -> dict[str, Any]:
    details: dict[str, Any] = {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "starts_at": _iso(alert.starts_at_ms) if alert.starts_at_ms else None,
        "fingerprint": alert.fingerprint,
    }
    if alert.ends_at_ms is not None:
        details["ends_at"] = _iso(alert.ends_at_ms)
    return details


def custom_details(notification: Notification) -> dict[str, Any]:
    details: dict[str, Any] = {
        "num_firing": len(notification.firing),
        "num_resolved": len(notification.resolved),
        "firing": [_alert_details(alert) for alert in notification.firing],
        "resolved": [_alert_details(alert) for alert in notification.resolved],
        "group_key": notification.group_key,
        "notify_reason": notification.reason.value,
    }
    if notification.acknowledged_by:
        details["acknowledged_by"] = notification.acknowledged_by
    return details


def _links(notification: Notification) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    for alert in notification.firing + notification.resolved:
        for text, href in alert_links(alert, notification.external_url):
            if href not in seen and len(links) < MAX_LINKS:
                seen.add(href)
                links.append({"href": href, "text": f"{text}: {alert.label('alertname') or alert.fingerprint}"})
    return links


def event(notification: Notification, settings: PagerDutySettings, routing_key: str) -> dict[str, Any]:
    common = dict(common_labels(notification))
    alerts = notification.firing or notification.resolved
    payload: dict[str, Any] = {
        "summary": summary(notification),
        "source": settings.source or common.get("service") or common.get("instance") or CLIENT,
        "severity": group_severity(notification),
    }
    if notification.firing:
        payload["timestamp"] = _iso(min(alert.starts_at_ms for alert in notification.firing))
    optional = {
        "component": settings.component or common.get("component") or common.get("service", ""),
        "group": settings.group or common.get("group", ""),
        "class": settings.event_class or common.get("alertname", ""),
    }
    payload.update({key: value for key, value in optional.items() if value})
    payload["custom_details"] = custom_details(notification)
    message: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": event_action(notification).value,
        "dedup_key": dedup_key(notification.group_key),
        "payload": payload,
        "client": CLIENT,
    }
    if notification.external_url:
        message["client_url"] = notification.external_url
    if alerts:
        message["links"] = _links(notification)
    return message


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build_request(
    notification: Notification, settings: PagerDutySettings, *, routing_key: str, url: str
) -> OutboundRequest:
    """``routing_key`` and ``url`` are the resolved settings. An event over PagerDuty's 512 kB keeps
    its counts but loses the alert details, as Alertmanager does, rather than being refused."""
    message = event(notification, settings, routing_key)
    body = _encode(message)
    if len(body) > MAX_EVENT_BYTES:
        details = message["payload"]["custom_details"]
        details["firing"], details["resolved"] = [], []
        details["error"] = f"alert details removed: the event exceeded PagerDuty's {MAX_EVENT_BYTES} bytes"
        body = _encode(message)
    return OutboundRequest("POST", url, {"Content-Type": "application/json", "User-Agent": CLIENT}, body)
