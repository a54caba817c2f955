from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgewatch.alerts.model import Alert, Notification, NotifyReason, label_set
from edgewatch.alerts.receivers import (
    PAGERDUTY_EVENTS_URL,
    EmailSettings,
    MissingSecret,
    PagerDutySettings,
    ReceiverConfigError,
    ReceiverType,
    SecretRef,
    SlackSettings,
    WebhookSettings,
    for_receiver,
    group_severity,
    receiver_from_dict,
    receivers_from_channels,
    receivers_from_dicts,
    resolve,
    secret_refs,
    silence_url,
    subject,
)

GOLDEN = Path(__file__).parent / "golden"
SEED = Path(__file__).parents[3] / "shared/edgewatch/defaults/monitoring-config.json"
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def alert(
    name: str = "HighErrorRate", severity: str = "warning", ends_at_ms: int | None = None, **labels: str
) -> Alert:
    annotations = {"summary": f"{name} on {labels.get('service', 'api')}", "description": "Error rate is 8%"}
    return Alert(
        label_set({"alertname": name, "severity": severity, "service": "api", **labels}),
        tuple(sorted({**annotations, "runbook_url": "https://runbooks.example.com/errors"}.items())),
        starts_at_ms=T0,
        ends_at_ms=ends_at_ms,
        generator_url="https://edgewatch.example.com/alerts/rules/high-error-rate?x=1&y=2",
    )


def notification(
    firing: tuple[Alert, ...] = (),
    resolved: tuple[Alert, ...] = (),
    reason: NotifyReason = NotifyReason.FIRST_NOTIFICATION,
    receiver: str = "slack",
    **extra: object,
) -> Notification:
    return Notification(
        receiver=receiver,
        group_key='{}:{alertname="HighErrorRate"}',
        group_labels=label_set({"alertname": "HighErrorRate"}),
        firing=firing,
        resolved=resolved,
        reason=reason,
        created_at_ms=T0 + 30_000,
        external_url="https://edgewatch.example.com",
        **extra,  # type: ignore[arg-type]
    )


def check_golden(name: str, body: bytes) -> None:
    """Compare with golden/<name>; EDGEWATCH_UPDATE_GOLDEN=1 rewrites it."""
    import os

    path = GOLDEN / name
    if os.environ.get("EDGEWATCH_UPDATE_GOLDEN") == "1":
        path.write_bytes(body)
    assert body == path.read_bytes(), f"{name} differs from its golden file"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # The brief's example: a Slack webhook by reference, paced at 1/s.
        (
            {
                "name": "slack",
                "type": "slack",
                "webhook": "env:SLACK_WEBHOOK_URL",
                "sendResolved": True,
                "maxPerSecond": 1,
            },
            ("slack", ReceiverType.SLACK, SlackSettings(SecretRef("SLACK_WEBHOOK_URL")), True, 1.0),
        ),
        # Slack is paced at 1/s even when the config does not say so.
        (
            {"name": "ops", "type": "slack", "webhook": "https://hooks.slack.com/services/T/B/X"},
            ("ops", ReceiverType.SLACK, SlackSettings("https://hooks.slack.com/services/T/B/X"), True, 1.0),
        ),
        # PagerDuty: the key by reference, the default Events v2 URL.
        (
            {"name": "pd", "type": "pagerduty", "routingKey": "env:PD_KEY", "sendResolved": False},
            ("pd", ReceiverType.PAGERDUTY, PagerDutySettings(SecretRef("PD_KEY"), PAGERDUTY_EVENTS_URL), False, None),
        ),
        # A webhook with a literal URL, an HMAC secret by reference and Alertmanager's max_alerts.
        (
            {
                "name": "hook",
                "type": "webhook",
                "url": "http://127.0.0.1:9/x",
                "secret": "env:HOOK_SECRET",
                "maxAlerts": 5,
            },
            (
                "hook",
                ReceiverType.WEBHOOK,
                WebhookSettings("http://127.0.0.1:9/x", SecretRef("HOOK_SECRET"), 5),
                True,
                None,
            ),
        ),
        # Email: recipients, a literal sender, the API URL and token by reference (the defaults).
        (
            {"name": "mail", "type": "email", "to": ["a@example.com"], "from": "Alerts <alerts@example.com>"},
            (
                "mail",
                ReceiverType.EMAIL,
                EmailSettings(("a@example.com",), "Alerts <alerts@example.com>", SecretRef("EMAIL_API_URL")),
                True,
                None,
            ),
        ),
    ],
)
def test_receiver_from_dict(data, expected) -> None:
    receiver = receiver_from_dict(data)
    assert (
        receiver.name,
        receiver.type,
        receiver.settings,
        receiver.send_resolved,
        receiver.max_per_second,
    ) == expected


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        # A PagerDuty key written out in the config is refused: secrets only by reference.
        ({"name": "pd", "type": "pagerduty", "routingKey": "R0123456789"}, "receiver.routingKey", "secret reference"),
        # So is a webhook HMAC secret.
        (
            {"name": "h", "type": "webhook", "url": "https://x.example", "secret": "whsec_abc"},
            "receiver.secret",
            "never",
        ),
        # A webhook needs its URL.
        ({"name": "h", "type": "webhook"}, "receiver.url", "required"),
        # Not an http(s) URL.
        ({"name": "s", "type": "slack", "webhook": "ftp://x"}, "receiver.webhook", "http(s) URL"),
        # An unknown type names the allowed ones.
        ({"name": "x", "type": "sms"}, "receiver.type", "slack, pagerduty, email, webhook"),
        # A bad name.
        ({"name": "", "type": "slack"}, "receiver.name", "letters"),
        # A typo in a field is an error, not silently ignored.
        ({"name": "s", "type": "slack", "sendResolve": True}, "receiver.sendResolve", "not a known field"),
        # Wrong types name the field.
        ({"name": "s", "type": "slack", "sendResolved": "yes"}, "receiver.sendResolved", "true or false"),
        ({"name": "s", "type": "slack", "maxPerSecond": 0}, "receiver.maxPerSecond", "(0, 1000]"),
        ({"name": "h", "type": "webhook", "url": "https://x.example", "maxAlerts": -1}, "receiver.maxAlerts", "0"),
        # Email needs recipients that are addresses, and a sender that is one.
        ({"name": "m", "type": "email", "to": []}, "receiver.to", "at least one"),
        ({"name": "m", "type": "email", "to": ["nope"]}, "receiver.to[0]", "not an email address"),
        ({"name": "m", "type": "email", "to": ["a@b.co"], "from": "x"}, "receiver.from", "email address"),
    ],
)
def test_receiver_errors_name_the_field(data, field: str, problem: str) -> None:
    with pytest.raises(ReceiverConfigError) as caught:
        receiver_from_dict(data)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_receivers_from_dicts_prefixes_the_index_and_refuses_duplicates() -> None:
    with pytest.raises(ReceiverConfigError) as caught:
        receivers_from_dicts([{"name": "a", "type": "slack"}, {"name": "b", "type": "webhook"}])
    assert caught.value.field == "receivers[1].url"
    with pytest.raises(ReceiverConfigError, match=r"receivers\[1\]\.name: 'a' is defined twice"):
        receivers_from_dicts([{"name": "a", "type": "slack"}, {"name": "a", "type": "slack"}])


def test_the_seeds_channels_become_three_receivers() -> None:
    channels = json.loads(SEED.read_text())["alerting"]["channels"]
    slack, pagerduty, email = receivers_from_channels(channels)
    assert (slack.name, slack.settings) == ("slack", SlackSettings(SecretRef("SLACK_WEBHOOK_URL")))
    assert isinstance(pagerduty.settings, PagerDutySettings)
    assert (pagerduty.name, pagerduty.settings.routing_key) == ("pagerduty", SecretRef("PAGERDUTY_INTEGRATION_KEY"))
    assert isinstance(email.settings, EmailSettings) and email.settings.to == ("alerts@pitchey.com",)


def test_channels_from_the_config_model_and_disabled_ones() -> None:
    from edgewatch.config import AlertChannels

    model = AlertChannels.model_validate({"slack": {"enabled": False}, "pagerduty": {}})
    assert [r.name for r in receivers_from_channels(model)] == ["pagerduty"]
    with pytest.raises(ReceiverConfigError) as caught:
        receivers_from_channels({"email": {"recipients": ["x"]}})
    assert caught.value.field == "alerting.channels.email.recipients[0]"


def test_secrets_resolve_from_env_and_a_missing_one_names_its_field() -> None:
    receiver = receiver_from_dict({"name": "pd", "type": "pagerduty", "routingKey": "env:PD_KEY"})
    assert secret_refs(receiver) == (("routing_key", SecretRef("PD_KEY")),)
    assert resolve(SecretRef("PD_KEY"), {"PD_KEY": "abc"}, "routing_key") == "abc"
    assert resolve("https://literal.example", {}, "url") == "https://literal.example"
    with pytest.raises(MissingSecret, match="routing_key: the secret env:PD_KEY is not set"):
        resolve(SecretRef("PD_KEY"), {}, "routing_key")


@pytest.mark.parametrize(
    ("firing", "resolved", "expected"),
    [
        # The highest severity among firing alerts wins.
        ((alert(severity="warning"), alert("B", severity="critical")), (), "critical"),
        # Resolved alerts do not raise a firing group's severity.
        ((alert(severity="info"),), (alert("B", severity="critical", ends_at_ms=T0),), "info"),
        # An all-resolved group keeps the severity it had.
        ((), (alert(severity="critical", ends_at_ms=T0),), "critical"),
        # An unknown severity label counts as warning.
        ((alert(severity="P1"),), (), "warning"),
    ],
)
def test_group_severity(firing, resolved, expected: str) -> None:
    assert group_severity(notification(firing, resolved)) == expected


def test_subject_is_alertmanagers_default() -> None:
    # [FIRING:n] then the group label values, then the other common label values in brackets.
    two = notification((alert(instance="a"), alert(instance="b")))
    assert subject(two) == "[FIRING:2] HighErrorRate (api warning)"
    assert subject(notification((), (alert(ends_at_ms=T0),))) == "[RESOLVED] HighErrorRate (api warning)"


def test_silence_url_prefills_the_alerts_matchers() -> None:
    url = silence_url("https://e.example/", alert(quote='a"b'))
    assert url.startswith("https://e.example/alerts/silences/new?filter=%7Balertname%3D%22HighErrorRate%22%2C")
    assert "quote%3D%22a%5C%22b%22" in url  # the quote inside a value is escaped
    assert silence_url("", alert()) == ""


def test_for_receiver_drops_resolved_alerts_unless_send_resolved() -> None:
    quiet = receiver_from_dict({"name": "pd", "type": "pagerduty", "sendResolved": False})
    mixed = notification((alert(),), (alert("B", ends_at_ms=T0),))
    assert for_receiver(quiet, mixed) == notification((alert(),))
    # An all-clear is not sent to a receiver that does not want resolved notifications.
    assert for_receiver(quiet, notification((), (alert(ends_at_ms=T0),))) is None
    loud = receiver_from_dict({"name": "s", "type": "slack"})
    assert for_receiver(loud, mixed) is mixed
