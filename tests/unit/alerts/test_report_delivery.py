"""Reports through the alert receivers: who takes one, the notifications (one per receiver, the same
id for the same report), and what the Slack and email builders send."""

from __future__ import annotations

import json

import pytest

from edgewatch.alerts import ReportMessage, SendReport, check_report_receivers
from edgewatch.alerts.activity import PeriodAlerts, PeriodItem, alert_activity
from edgewatch.alerts.delivery import build_request
from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.outbox import item_id
from edgewatch.alerts.reports import report_notifications
from edgewatch.alerts.setup import alerting_setup
from edgewatch.config import AlertingConfig, FieldProblem

ENV = {
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
    "EMAIL_API_URL": "https://api.example/send",
    "EMAIL_API_TOKEN": "tok",
    "ALERT_EMAIL_FROM": "reports@example.com",
    "PAGERDUTY_INTEGRATION_KEY": "k" * 32,
}
CONFIG = AlertingConfig.model_validate(
    {
        "channels": {"slack": {}, "email": {"recipients": ["team@example.com"]}, "pagerduty": {}},
        "receivers": [{"name": "hook", "type": "webhook", "url": "https://hooks.example/x"}],
    }
)
RECEIVERS = alerting_setup(CONFIG).receivers
MESSAGE = ReportMessage(
    title="Weekly report 2026-11-23 to 2026-11-29",
    slack={"text": "Weekly report", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "W"}}]},
    subject="Weekly report 2026-11-23 to 2026-11-29\r\nBcc: someone@example.com",
    text="plain\n",
    html="<p>already escaped</p>",
)
SLOT = 1_764_460_800_000


def request(*receivers: str, now: int = SLOT + 5) -> SendReport:
    return SendReport(tuple(receivers), "weekly:2026-W49", SLOT, MESSAGE, now)


def test_one_notification_per_receiver_that_takes_reports() -> None:
    notifications, refused = report_notifications(request("slack", "email", "pagerduty", "hook", "nobody"), RECEIVERS)
    assert [n.receiver for n in notifications] == ["slack", "email"]
    assert all(n.reason is NotifyReason.REPORT and n.report == MESSAGE for n in notifications)
    assert all(n.group_key == "report:weekly:2026-W49" and n.created_at_ms == SLOT for n in notifications)
    assert [(r.receiver, r.problem) for r in refused] == [
        ("pagerduty", "'pagerduty' is a pagerduty receiver; reports go to slack or email receivers"),
        ("hook", "'hook' is a webhook receiver; reports go to slack or email receivers"),
        ("nobody", "'nobody' is not a configured alerting receiver"),
    ]


def test_the_same_report_has_the_same_outbox_id_whenever_it_is_enqueued() -> None:
    first, _ = report_notifications(request("slack", now=SLOT + 5), RECEIVERS)
    again, _ = report_notifications(request("slack", now=SLOT + 600_000), RECEIVERS)  # a later cron delivery
    assert item_id(first[0]) == item_id(again[0])
    other_week, _ = report_notifications(
        SendReport(("slack",), "weekly:2026-W50", SLOT + 7 * 86_400_000, MESSAGE, 0), RECEIVERS
    )
    assert item_id(other_week[0]) != item_id(first[0])
    email, _ = report_notifications(request("email"), RECEIVERS)
    assert item_id(email[0]) != item_id(first[0])


def test_slack_gets_the_rendered_message_as_it_is() -> None:
    [n], _ = report_notifications(request("slack"), RECEIVERS)
    sent = build_request(RECEIVERS["slack"], n, ENV, SLOT)
    assert sent.url == ENV["SLACK_WEBHOOK_URL"]
    assert json.loads(sent.body) == MESSAGE.slack


def test_email_gets_the_rendering_with_a_one_line_prefixed_subject() -> None:
    [n], _ = report_notifications(request("email"), RECEIVERS)
    sent = build_request(RECEIVERS["email"], n, ENV, SLOT)
    body = json.loads(sent.body)
    assert body["to"] == ["team@example.com"] and body["from"] == "reports@example.com"
    assert body["subject"] == "[edgewatch] Weekly report 2026-11-23 to 2026-11-29 Bcc: someone@example.com"
    assert (body["text"], body["html"]) == (MESSAGE.text, MESSAGE.html)
    assert sent.header("authorization") == "Bearer tok"


@pytest.mark.parametrize("name", ["pagerduty", "hook"])
def test_a_report_is_never_built_for_a_receiver_that_takes_none(name: str) -> None:
    [n], _ = report_notifications(request("slack"), RECEIVERS)
    with pytest.raises(ValueError, match="reports go to slack or email"):
        build_request(RECEIVERS[name], n, ENV, SLOT)


def test_the_config_check_names_the_receiver() -> None:
    check_report_receivers(CONFIG, ["slack", "email"])
    with pytest.raises(FieldProblem) as caught:
        check_report_receivers(CONFIG, ["slack", "pagerduty"])
    assert caught.value.path == "reports.weekly.receivers.1"


def fired(name: str, at: int, severity: str = "critical", **labels: str) -> Alert:
    return Alert(label_set({"alertname": name, "severity": severity, **labels}), (), at, None, "", at)


def test_alert_activity_counts_each_firing_once() -> None:
    down = fired("MonitorDown", 1_000, check_id="api")
    again = fired("MonitorDown", 5_000, check_id="api")  # the same alert firing a second time
    slow = fired("HighLatency", 2_000, "warning")
    old = fired("Old", 10)  # started before the period, still notified in it
    items = (
        PeriodItem("slack", "sent", 1, "first_notification", 1_100, (down, old)),
        PeriodItem("slack", "sent", 3, "repeat_interval_elapsed", 4_000, (down,)),
        PeriodItem("pagerduty", "dead", 8, "first_notification", 1_100, (down,)),
        PeriodItem("email", "pending", 0, "report", 6_000),
        PeriodItem("slack", "sent", 1, "first_notification", 90_000, (slow,)),  # created after the period
    )
    activity = alert_activity(PeriodAlerts(100, 10_000, items, current=(again, slow)))
    assert activity["fired"] == 3
    assert activity["by_severity"] == {"critical": 2, "warning": 1}
    assert activity["by_alertname"] == [
        {"alertname": "MonitorDown", "severity": "critical", "count": 2},
        {"alertname": "HighLatency", "severity": "warning", "count": 1},
    ]
    assert [a["starts_at_ms"] for a in activity["alerts"]] == [5_000, 2_000, 1_000]  # newest first
    assert activity["notifications"]["slack"] == {
        "notifications": 2, "sent": 2, "pending": 0, "dead": 0, "attempts": 4, "reports": 0,
        "reasons": {"first_notification": 1, "repeat_interval_elapsed": 1},
    }  # fmt: skip
    assert activity["notifications"]["pagerduty"]["dead"] == 1
    assert activity["notifications"]["email"]["reports"] == 1
    assert activity["notifications_total"] == 4 and activity["truncated"] is False
