"""Receivers: their config (plain dicts in, frozen dataclasses out), secret references, and what
every receiver's message shares (a group's severity, an alert's links).

Secrets are never in the config: PagerDuty routing keys, webhook HMAC secrets and email API tokens
must be ``env:NAME`` references. URLs (a Slack incoming webhook, a webhook endpoint, an email API)
may be literal ``http(s)://`` URLs or references; a Slack webhook URL is itself a credential, so
the seed writes it as ``env:SLACK_WEBHOOK_URL``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from .model import Alert, Notification, NotifyReason

_SECRET_REF = re.compile(r"^env:([A-Z][A-Z0-9_]*)$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


class ReceiverConfigError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class MissingSecret(LookupError):
    def __init__(self, field: str, ref: SecretRef) -> None:
        super().__init__(f"{field}: the secret {ref} is not set")
        self.field = field
        self.ref = ref


class ReceiverType(StrEnum):
    SLACK = "slack"
    PAGERDUTY = "pagerduty"
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class SecretRef:
    name: str

    def __str__(self) -> str:
        return f"env:{self.name}"


Value = str | SecretRef  # a literal, or a reference resolved from the Worker's env


def resolve(value: Value, env: Mapping[str, str], field: str) -> str:
    if isinstance(value, str):
        return value
    found = env.get(value.name)
    if not found:
        raise MissingSecret(field, value)
    return found


@dataclass(frozen=True)
class SlackSettings:
    webhook: Value


@dataclass(frozen=True)
class PagerDutySettings:
    routing_key: SecretRef
    url: Value = PAGERDUTY_EVENTS_URL
    source: str = ""  # default: the service label, else "edgewatch"
    component: str = ""  # default: the component label, else the service label
    group: str = ""
    event_class: str = ""  # default: the alertname


@dataclass(frozen=True)
class EmailSettings:
    to: tuple[str, ...]
    sender: Value = SecretRef("ALERT_EMAIL_FROM")  # "a@b.c", "Name <a@b.c>" or a reference
    url: Value = SecretRef("EMAIL_API_URL")
    token: SecretRef = SecretRef("EMAIL_API_TOKEN")
    subject_prefix: str = "[edgewatch]"


@dataclass(frozen=True)
class WebhookSettings:
    url: Value
    secret: SecretRef | None = None  # whsec_<base64>; unsigned when absent
    max_alerts: int = 0  # 0: no limit (Alertmanager's max_alerts)


Settings = SlackSettings | PagerDutySettings | EmailSettings | WebhookSettings


@dataclass(frozen=True)
class Receiver:
    name: str
    type: ReceiverType
    settings: Settings
    send_resolved: bool = True
    max_per_second: float | None = None  # pacing; Slack defaults to 1


class _Fields:
    """Reads one receiver dict; every error names the field as ``<where>.<key>``."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data, self.where, self.read = data, where, {"name", "type"}

    def path(self, key: str) -> str:
        return f"{self.where}.{key}"

    def raw(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.read.add(key)
        value = self.data.get(key, default)
        if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
            raise ReceiverConfigError(self.path(key), f"must be {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def text(self, key: str, default: str = "") -> str:
        value: str = self.raw(key, str, default)
        return value

    def secret(self, key: str, default: str | None = None) -> SecretRef:
        value = self.raw(key, str, default)
        if value is None:
            raise ReceiverConfigError(self.path(key), "is required (a secret reference such as 'env:NAME')")
        match = _SECRET_REF.match(value)
        if not match:
            raise ReceiverConfigError(self.path(key), "must be a secret reference such as 'env:NAME', never the secret")
        return SecretRef(match.group(1))

    def url(self, key: str, default: str | None = None) -> Value:
        value: str | None = self.raw(key, str, default)
        if value is None:
            raise ReceiverConfigError(self.path(key), "is required (an http(s) URL or 'env:NAME')")
        if match := _SECRET_REF.match(value):
            return SecretRef(match.group(1))
        parsed = urllib.parse.urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ReceiverConfigError(self.path(key), "must be an http(s) URL or a secret reference such as 'env:NAME'")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise ReceiverConfigError(self.path(unknown[0]), "is not a known field")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(
        {"str": "a string", "bool": "true or false", "int": "an integer", "float": "a number"}.get(
            k.__name__, k.__name__
        )
        for k in kinds
    )


def receiver_from_dict(data: Mapping[str, Any], where: str = "receiver") -> Receiver:
    if not isinstance(data, Mapping):
        raise ReceiverConfigError(where, "must be an object")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ReceiverConfigError(f"{where}.name", "must be 1-63 letters, digits, '_', '.' or '-'")
    try:
        kind = ReceiverType(str(data.get("type")))
    except ValueError:
        raise ReceiverConfigError(
            f"{where}.type", f"must be one of {', '.join(t.value for t in ReceiverType)}"
        ) from None
    fields = _Fields(data, where)
    settings = _SETTINGS[kind](fields)
    send_resolved = fields.raw("sendResolved", bool, True)
    rate = fields.raw("maxPerSecond", (int, float), 1 if kind is ReceiverType.SLACK else None)
    if rate is not None and not 0 < rate <= 1000:
        raise ReceiverConfigError(fields.path("maxPerSecond"), "must be a number in (0, 1000]")
    fields.finish()
    return Receiver(name, kind, settings, send_resolved, None if rate is None else float(rate))


def _slack(fields: _Fields) -> SlackSettings:
    return SlackSettings(fields.url("webhook", "env:SLACK_WEBHOOK_URL"))


def _pagerduty(fields: _Fields) -> PagerDutySettings:
    key = "integrationKey" if "integrationKey" in fields.data else "routingKey"
    return PagerDutySettings(
        routing_key=fields.secret(key, "env:PAGERDUTY_INTEGRATION_KEY"),
        url=fields.url("url", PAGERDUTY_EVENTS_URL),
        source=fields.text("source"),
        component=fields.text("component"),
        group=fields.text("group"),
        event_class=fields.text("class"),
    )


def _email(fields: _Fields) -> EmailSettings:
    key = "recipients" if "recipients" in fields.data else "to"
    recipients = fields.raw(key, list, [])
    if not recipients:
        raise ReceiverConfigError(fields.path(key), "needs at least one address")
    for index, item in enumerate(recipients):
        if not isinstance(item, str) or not _EMAIL.match(item):
            raise ReceiverConfigError(f"{fields.path(key)}[{index}]", f"{item!r} is not an email address")
    return EmailSettings(
        to=tuple(recipients),
        sender=_sender(fields),
        url=fields.url("url", "env:EMAIL_API_URL"),
        token=fields.secret("token", "env:EMAIL_API_TOKEN"),
        subject_prefix=fields.text("subjectPrefix", "[edgewatch]"),
    )


def _sender(fields: _Fields) -> Value:
    text = fields.text("from", "env:ALERT_EMAIL_FROM")
    if match := _SECRET_REF.match(text):
        return SecretRef(match.group(1))
    address = text.rsplit("<", 1)[-1].rstrip(">") if text.endswith(">") else text
    if not _EMAIL.match(address):
        raise ReceiverConfigError(fields.path("from"), "must be an email address, 'Name <address>' or 'env:NAME'")
    return text


def _webhook(fields: _Fields) -> WebhookSettings:
    secret = fields.secret("secret") if fields.data.get("secret") is not None else None
    fields.read.add("secret")
    max_alerts = fields.raw("maxAlerts", int, 0)
    if max_alerts < 0:
        raise ReceiverConfigError(fields.path("maxAlerts"), "must be 0 (no limit) or more")
    return WebhookSettings(fields.url("url"), secret, max_alerts)


_SETTINGS: dict[ReceiverType, Callable[[_Fields], Settings]] = {
    ReceiverType.SLACK: _slack,
    ReceiverType.PAGERDUTY: _pagerduty,
    ReceiverType.EMAIL: _email,
    ReceiverType.WEBHOOK: _webhook,
}


def receivers_from_dicts(items: Sequence[Mapping[str, Any]], where: str = "receivers") -> tuple[Receiver, ...]:
    receivers = tuple(receiver_from_dict(item, f"{where}[{index}]") for index, item in enumerate(items))
    seen: set[str] = set()
    for index, receiver in enumerate(receivers):
        if receiver.name in seen:
            raise ReceiverConfigError(f"{where}[{index}].name", f"{receiver.name!r} is defined twice")
        seen.add(receiver.name)
    return receivers


def receivers_from_channels(channels: Any, where: str = "alerting.channels") -> tuple[Receiver, ...]:
    """The seed's ``alerting.channels`` (a dict, or config's AlertChannels) as receivers named
    ``slack``, ``pagerduty`` and ``email``; disabled or absent channels give none."""
    plain = channels.model_dump(by_alias=True, exclude_none=True) if hasattr(channels, "model_dump") else channels
    if not isinstance(plain, Mapping):
        raise ReceiverConfigError(where, "must be an object")
    receivers = []
    for kind in (ReceiverType.SLACK, ReceiverType.PAGERDUTY, ReceiverType.EMAIL):
        channel = plain.get(kind.value)
        if channel is None:
            continue
        if not isinstance(channel, Mapping):
            raise ReceiverConfigError(f"{where}.{kind.value}", "must be an object")
        if channel.get("enabled", True) is False:
            continue
        fields = {k: v for k, v in channel.items() if k != "enabled"}
        receivers.append(
            receiver_from_dict({**fields, "name": kind.value, "type": kind.value}, f"{where}.{kind.value}")
        )
    return tuple(receivers)


def secret_refs(receiver: Receiver) -> tuple[tuple[str, SecretRef], ...]:
    """(field, reference) of every value the adapter must resolve from env before building."""
    values = vars(receiver.settings)
    return tuple((name, value) for name, value in values.items() if isinstance(value, SecretRef))


# What every message shares.

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}


def alert_severity(alert: Alert) -> str:
    """The alert's ``severity`` label if it is one we know, else ``warning``."""
    value = alert.label("severity").lower()
    return value if value in SEVERITY_RANK else "warning"


def group_severity(notification: Notification) -> str:
    """The highest severity among the firing alerts (among the resolved ones once all resolved)."""
    alerts = notification.firing or notification.resolved
    if not alerts:
        return "info"
    return max((alert_severity(alert) for alert in alerts), key=SEVERITY_RANK.__getitem__)


def alert_title(alert: Alert) -> str:
    return alert.annotation("summary") or alert.label("alertname") or alert.fingerprint


def silence_url(external_url: str, alert: Alert) -> str:
    """A prefilled new silence for exactly this alert's labels (Alertmanager's ``filter`` syntax)."""
    if not external_url:
        return ""
    matchers = ",".join(f'{name}="{_quote_matcher(value)}"' for name, value in alert.labels)
    query = urllib.parse.urlencode({"filter": "{" + matchers + "}"}, quote_via=urllib.parse.quote)
    return f"{external_url.rstrip('/')}/alerts/silences/new?{query}"


def _quote_matcher(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def alert_links(alert: Alert, external_url: str) -> tuple[tuple[str, str], ...]:
    """(text, href) of the runbook, the source that generated the alert, and a silence link."""
    links = (
        ("Runbook", alert.annotation("runbook_url")),
        ("Source", alert.generator_url),
        ("Silence", silence_url(external_url, alert)),
    )
    return tuple((text, href) for text, href in links if _is_http_url(href))


def _is_http_url(value: str) -> bool:
    parsed = urllib.parse.urlsplit(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def subject(notification: Notification) -> str:
    """Alertmanager's default ``__subject``: ``[FIRING:2] <group label values> (<other common label values>)``."""
    status = f"FIRING:{len(notification.firing)}" if notification.firing else "RESOLVED"
    group = " ".join(value for _, value in notification.group_labels)
    names = {name for name, _ in notification.group_labels}
    rest = " ".join(value for name, value in common_labels(notification) if name not in names)
    return f"[{status}] {group}" + (f" ({rest})" if rest else "")


def common_labels(notification: Notification) -> tuple[tuple[str, str], ...]:
    """The notification's common labels, or those shared by all its alerts when it has none."""
    if notification.common_labels:
        return notification.common_labels
    alerts = notification.firing + notification.resolved
    if not alerts:
        return ()
    shared = set(alerts[0].labels)
    for alert in alerts[1:]:
        shared &= set(alert.labels)
    return tuple(sorted(shared))


def for_receiver(receiver: Receiver, notification: Notification) -> Notification | None:
    """What this receiver is sent: without resolved alerts unless ``sendResolved``; None when nothing
    is left to say (Alertmanager's rule: a receiver that does not send resolved gets no all-clear)."""
    if receiver.send_resolved or not notification.resolved:
        return notification
    if not notification.firing and notification.reason is not NotifyReason.ACKNOWLEDGED:
        return None
    return replace(notification, resolved=())
