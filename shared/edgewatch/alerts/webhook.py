"""The Alertmanager webhook payload, version 4, byte for byte, signed per Standard Webhooks.

The body is what Alertmanager's ``json.Encoder`` writes: fields in its struct order, map keys
sorted, ``<``, ``>``, ``&``, U+2028 and U+2029 escaped as ``\\u003c`` and so on, non-ASCII left as
UTF-8, and a trailing newline. As in Alertmanager, a firing alert's ``endsAt`` is the zero time
``0001-01-01T00:00:00Z``, firing and resolved alerts are sorted together, the receiver name is
regexp-quoted, and ``commonLabels`` and ``commonAnnotations`` are computed over the alerts
actually sent (after ``max_alerts``).

Signing (https://www.standardwebhooks.com/): ``webhook-id`` (stable across retries of one
message), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64>``, the
HMAC-SHA256 of ``"{id}.{timestamp}.{body}"`` keyed with the base64 part of ``whsec_<base64>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .groups import notification_order
from .model import Alert, Notification
from .outbox import OutboundRequest, header_value, item_id
from .receivers import WebhookSettings

VERSION = "4"
ZERO_TIME = "0001-01-01T00:00:00Z"
TOLERANCE_S = 5 * 60
USER_AGENT = "edgewatch-alerts"
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_GO_ESCAPED = re.compile("[<>&\u2028\u2029]")
_REGEXP_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def rfc3339_ms(epoch_ms: int) -> str:
    """Go's RFC3339Nano for a UTC time: the fraction without trailing zeros, none when zero."""
    when = datetime.fromtimestamp(epoch_ms // 1000, UTC)
    fraction = f"{epoch_ms % 1000:03d}".rstrip("0")
    return when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def go_json(value: Any) -> bytes:
    """JSON as Go's ``json.NewEncoder(w).Encode(v)`` writes it (for plain dicts whose key order is
    already the struct's; map-typed values must be passed with sorted keys)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (_GO_ESCAPED.sub(lambda m: _GO_ESCAPES[m.group()], text) + "\n").encode("utf-8")


def _kv(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(sorted(pairs))


def _common(sets: list[tuple[tuple[str, str], ...]]) -> dict[str, str]:
    if not sets:
        return {}
    shared = set(sets[0])
    for pairs in sets[1:]:
        shared &= set(pairs)
    return _kv(shared)


def _alert(alert: Alert, firing: bool) -> dict[str, Any]:
    ends = ZERO_TIME if firing or alert.ends_at_ms is None else rfc3339_ms(alert.ends_at_ms)
    return {
        "status": "firing" if firing else "resolved",
        "labels": _kv(alert.labels),
        "annotations": _kv(alert.annotations),
        "startsAt": rfc3339_ms(alert.starts_at_ms) if alert.starts_at_ms else ZERO_TIME,
        "endsAt": ends,
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def payload(notification: Notification, max_alerts: int = 0) -> dict[str, Any]:
    """Firing and resolved alerts in one list in Alertmanager's notification order (its
    aggregation group sorts them all together), then cut to ``max_alerts``."""
    alerts = [(a, True) for a in notification.firing] + [(a, False) for a in notification.resolved]
    alerts.sort(key=lambda item: notification_order(item[0]))
    truncated = 0
    if max_alerts and len(alerts) > max_alerts:
        alerts, truncated = alerts[:max_alerts], len(alerts) - max_alerts
    sent = [alert for alert, _ in alerts]
    return {
        "receiver": _REGEXP_META.sub(r"\\\1", notification.receiver),
        "status": "firing" if any(firing for _, firing in alerts) else "resolved",
        "alerts": [_alert(alert, firing) for alert, firing in alerts],
        "groupLabels": _kv(notification.group_labels),
        "commonLabels": _common([a.labels for a in sent]),
        "commonAnnotations": _common([a.annotations for a in sent]),
        "externalURL": notification.external_url,
        "version": VERSION,
        "groupKey": notification.group_key,
        "truncatedAlerts": truncated,
    }


def message_id(notification: Notification) -> str:
    return f"msg_{item_id(notification)}"


def build_request(
    notification: Notification,
    settings: WebhookSettings,
    *,
    url: str,
    secret: str | None,
    now_ms: int,
    msg_id: str | None = None,
) -> OutboundRequest:
    """``secret`` is the resolved ``whsec_...`` value (None: unsigned). ``now_ms`` stamps the
    signature; a retry re-signs with its own time but keeps the message id."""
    body = go_json(payload(notification, settings.max_alerts))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if secret is not None:
        headers.update(signature_headers(msg_id or message_id(notification), now_ms // 1000, body, secret))
    return OutboundRequest("POST", url, headers, body)


class WebhookSecretError(ValueError):
    """The secret is not ``whsec_`` followed by base64."""


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSecretError("a webhook secret must be 'whsec_' followed by base64") from None
    if not key:
        raise WebhookSecretError("a webhook secret must not be empty")
    return key


def sign(msg_id: str, timestamp_s: int, body: bytes, secret: str) -> str:
    signed = f"{msg_id}.{timestamp_s}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(msg_id: str, timestamp_s: int, body: bytes, secret: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": sign(msg_id, timestamp_s, body, secret),
    }


class VerifyResult(StrEnum):
    VALID = "valid"
    MISSING_HEADERS = "missing_headers"
    BAD_TIMESTAMP = "bad_timestamp"
    TOO_OLD = "too_old"
    TOO_NEW = "too_new"
    NO_MATCHING_SIGNATURE = "no_matching_signature"


@dataclass(frozen=True)
class Verification:
    result: VerifyResult
    msg_id: str = ""

    @property
    def ok(self) -> bool:
        return self.result is VerifyResult.VALID


def verify(
    headers: Mapping[str, str], body: bytes, secret: str, now_ms: int, tolerance_s: int = TOLERANCE_S
) -> Verification:
    """What a receiver does: any one of the space-separated ``v1,`` signatures must match, and the
    timestamp must be within ``tolerance_s`` of now in either direction (replay protection)."""
    msg_id = header_value(headers, "webhook-id")
    stamp = header_value(headers, "webhook-timestamp")
    signatures = header_value(headers, "webhook-signature")
    if not msg_id or not stamp or not signatures:
        return Verification(VerifyResult.MISSING_HEADERS)
    if not (stamp.isascii() and stamp.isdigit()):
        return Verification(VerifyResult.BAD_TIMESTAMP, msg_id)
    now_s = now_ms // 1000
    if int(stamp) < now_s - tolerance_s:
        return Verification(VerifyResult.TOO_OLD, msg_id)
    if int(stamp) > now_s + tolerance_s:
        return Verification(VerifyResult.TOO_NEW, msg_id)
    expected = sign(msg_id, int(stamp), body, secret).encode("ascii")
    for candidate in signatures.split(" "):
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode("utf-8", "replace"), expected):
            return Verification(VerifyResult.VALID, msg_id)
    return Verification(VerifyResult.NO_MATCHING_SIGNATURE, msg_id)
