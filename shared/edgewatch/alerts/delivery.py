"""Which builder makes a receiver's HTTP request, with the receiver's secrets resolved from env.

The outbox stores the notification, never a request: the request is built at send time (every
attempt), so no secret is ever written to storage, a webhook's Standard Webhooks timestamp is the
attempt's own, and a rotated secret takes effect at the next attempt. ``PAGERDUTY_EVENTS_URL`` in
env replaces PagerDuty's public events URL when the receiver keeps the default (the test stack
points it at its sink; a deployment leaves it unset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import email, pagerduty, slack, webhook
from .model import Alert, Notification, NotifyReason, label_set
from .outbox import OutboundRequest
from .receivers import (
    PAGERDUTY_EVENTS_URL,
    EmailSettings,
    PagerDutySettings,
    Receiver,
    ReceiverType,
    SlackSettings,
    WebhookSettings,
    resolve,
)
from .reports import REPORT_RECEIVER_TYPES

PAGERDUTY_URL_VAR = "PAGERDUTY_EVENTS_URL"
Builder = Callable[[Receiver, Notification, Mapping[str, str], int], OutboundRequest]


def _slack(receiver: Receiver, n: Notification, env: Mapping[str, str], now_ms: int) -> OutboundRequest:
    settings = receiver.settings
    assert isinstance(settings, SlackSettings)
    return slack.build_request(n, settings, webhook_url=resolve(settings.webhook, env, f"{receiver.name}.webhook"))


def _pagerduty(receiver: Receiver, n: Notification, env: Mapping[str, str], now_ms: int) -> OutboundRequest:
    settings = receiver.settings
    assert isinstance(settings, PagerDutySettings)
    url = resolve(settings.url, env, f"{receiver.name}.url")
    if url == PAGERDUTY_EVENTS_URL and env.get(PAGERDUTY_URL_VAR):
        url = env[PAGERDUTY_URL_VAR]
    key = resolve(settings.routing_key, env, f"{receiver.name}.integrationKey")
    return pagerduty.build_request(n, settings, routing_key=key, url=url)


def _email(receiver: Receiver, n: Notification, env: Mapping[str, str], now_ms: int) -> OutboundRequest:
    settings = receiver.settings
    assert isinstance(settings, EmailSettings)
    return email.build_request(
        n,
        settings,
        url=resolve(settings.url, env, f"{receiver.name}.url"),
        token=resolve(settings.token, env, f"{receiver.name}.token"),
        sender=resolve(settings.sender, env, f"{receiver.name}.from"),
    )


def _webhook(receiver: Receiver, n: Notification, env: Mapping[str, str], now_ms: int) -> OutboundRequest:
    settings = receiver.settings
    assert isinstance(settings, WebhookSettings)
    secret = None if settings.secret is None else resolve(settings.secret, env, f"{receiver.name}.secret")
    url = resolve(settings.url, env, f"{receiver.name}.url")
    return webhook.build_request(n, settings, url=url, secret=secret, now_ms=now_ms)


BUILDERS: Mapping[ReceiverType, Builder] = {
    ReceiverType.SLACK: _slack,
    ReceiverType.PAGERDUTY: _pagerduty,
    ReceiverType.EMAIL: _email,
    ReceiverType.WEBHOOK: _webhook,
}


def build_request(
    receiver: Receiver, notification: Notification, env: Mapping[str, str], now_ms: int
) -> OutboundRequest:
    """The request of one attempt; raises MissingSecret naming the field when a secret is unset, and
    ValueError for a report to a receiver that takes none."""
    if notification.report is not None and receiver.type not in REPORT_RECEIVER_TYPES:
        raise ValueError(f"{receiver.name!r} is a {receiver.type.value} receiver; reports go to slack or email")
    return BUILDERS[receiver.type](receiver, notification, env, now_ms)


def takes_acknowledgements(receiver: Receiver) -> bool:
    """Only PagerDuty has an acknowledge event; other receivers hear of acks in the history only."""
    return receiver.type is ReceiverType.PAGERDUTY


def test_notification(receiver: Receiver, now_ms: int, external_url: str = "") -> Notification:
    """What ``POST /alerts/receivers/{name}/test`` sends: one firing test alert in its own group."""
    labels = label_set({"alertname": "TestNotification", "severity": "info", "receiver": receiver.name})
    alert = Alert(labels, (("summary", f"Test notification for receiver {receiver.name}"),), now_ms, None, "", now_ms)
    return Notification(
        receiver.name, f"test:{receiver.name}:{now_ms}", labels, (alert,), (), NotifyReason.TEST, now_ms, external_url
    )
