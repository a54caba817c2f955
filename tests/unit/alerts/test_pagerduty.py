from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from edgewatch.alerts.model import NotifyReason
from edgewatch.alerts.pagerduty import (
    MAX_EVENT_BYTES,
    MAX_SUMMARY,
    EventAction,
    build_request,
    dedup_key,
    event,
    event_action,
    summary,
    truncate,
)
from edgewatch.alerts.receivers import PAGERDUTY_EVENTS_URL, PagerDutySettings, SecretRef

from .test_receivers import T0, alert, check_golden, notification

SETTINGS = PagerDutySettings(SecretRef("PAGERDUTY_INTEGRATION_KEY"))


def body(n, settings: PagerDutySettings = SETTINGS) -> dict[str, Any]:
    request = build_request(n, settings, routing_key="R" * 32, url=PAGERDUTY_EVENTS_URL)
    assert request.url == PAGERDUTY_EVENTS_URL and request.header("content-type") == "application/json"
    doc: dict[str, Any] = json.loads(request.body)
    return doc


def test_golden_trigger() -> None:
    n = notification(
        (alert(severity="critical", instance="a"), alert(instance="b")), (alert("Old", ends_at_ms=T0 + 5),)
    )
    check_golden("pagerduty_trigger.json", (json.dumps(body(n), indent=2, ensure_ascii=False) + "\n").encode())


@pytest.mark.parametrize(
    ("firing", "resolved", "reason", "action"),
    [
        ((alert(),), (), NotifyReason.FIRST_NOTIFICATION, EventAction.TRIGGER),
        ((alert(),), (alert("B", ends_at_ms=T0),), NotifyReason.RESOLVED, EventAction.TRIGGER),  # still firing
        ((), (alert(ends_at_ms=T0),), NotifyReason.RESOLVED, EventAction.RESOLVE),  # nothing firing: resolve
        ((alert(),), (), NotifyReason.ACKNOWLEDGED, EventAction.ACKNOWLEDGE),  # POST /alerts/groups/{key}/ack
        ((alert(),), (), NotifyReason.REPEAT_INTERVAL_ELAPSED, EventAction.TRIGGER),  # PagerDuty dedups it
    ],
)
def test_event_action(firing, resolved, reason: NotifyReason, action: EventAction) -> None:
    n = notification(firing, resolved, reason)
    assert event_action(n) is action and body(n)["event_action"] == action.value


def test_dedup_key_is_alertmanagers_hash_of_the_group_key() -> None:
    n = notification((alert(),))
    expected = hashlib.sha256(n.group_key.encode()).hexdigest()
    assert dedup_key(n.group_key) == expected and len(expected) == 64
    # Every event of a group (trigger, ack, resolve) names the same incident.
    keys = {body(notification(f, r, why))["dedup_key"] for f, r, why in [
        ((alert(),), (), NotifyReason.FIRST_NOTIFICATION),
        ((alert(),), (), NotifyReason.ACKNOWLEDGED),
        ((), (alert(ends_at_ms=T0),), NotifyReason.RESOLVED),
    ]}  # fmt: skip
    assert keys == {expected}


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", "critical"), ("error", "error"), ("warning", "warning"), ("info", "info"), ("page", "warning")],
)
def test_severity_mapping(severity: str, expected: str) -> None:
    # PagerDuty accepts critical, error, warning and info; anything else is sent as warning.
    assert body(notification((alert(severity=severity),)))["payload"]["severity"] == expected


def test_payload_fields_and_overrides() -> None:
    doc = body(notification((alert(),)))
    payload = doc["payload"]
    assert (payload["source"], payload["component"], payload["class"]) == ("api", "api", "HighErrorRate")
    assert payload["timestamp"] == "2023-11-14T22:13:20.000Z" and doc["client"] == "edgewatch"
    assert doc["client_url"] == "https://edgewatch.example.com"
    assert (
        payload["custom_details"]["num_firing"] == 1
        and payload["custom_details"]["firing"][0]["labels"]["service"] == "api"
    )
    assert [link["text"] for link in doc["links"]] == [
        "Runbook: HighErrorRate",
        "Source: HighErrorRate",
        "Silence: HighErrorRate",
    ]
    custom = PagerDutySettings(SecretRef("K"), source="edge", component="db", group="prod", event_class="latency")
    payload = body(notification((alert(),)), custom)["payload"]
    assert (payload["source"], payload["component"], payload["group"], payload["class"]) == (
        "edge",
        "db",
        "prod",
        "latency",
    )


def test_summary_is_bounded() -> None:
    n = notification((alert(service="s" * 2000),))
    assert len(summary(n)) == MAX_SUMMARY and summary(n).endswith("…")
    assert truncate("abcdef", 3) == "abc" and truncate("abcdef", 4) == "abc…" and truncate("ab", 4) == "ab"
    # One shared summary annotation is appended to the subject.
    assert summary(notification((alert(),))) == "[FIRING:1] HighErrorRate (api warning): HighErrorRate on api"


def test_an_oversized_event_keeps_its_counts_but_drops_details() -> None:
    many = tuple(alert(instance=str(i), blob="x" * 2000) for i in range(400))
    assert len(json.dumps(event(notification(many), SETTINGS, "R"))) > MAX_EVENT_BYTES
    doc = body(notification(many))
    details = doc["payload"]["custom_details"]
    assert details["num_firing"] == 400 and details["firing"] == [] and "512000" in details["error"]
    assert len(json.dumps(doc)) <= MAX_EVENT_BYTES
