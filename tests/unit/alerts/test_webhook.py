from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.alerts.model import Alert, Notification, NotifyReason, label_set
from edgewatch.alerts.receivers import WebhookSettings
from edgewatch.alerts.webhook import (
    ZERO_TIME,
    VerifyResult,
    WebhookSecretError,
    build_request,
    go_json,
    message_id,
    payload,
    rfc3339_ms,
    sign,
    signature_headers,
    verify,
)

from .test_receivers import T0, alert, check_golden, notification

# Standard Webhooks' published test vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

# The field order of Alertmanager's webhook Message: template.Data's fields, then its own.
DOCUMENTED_KEYS = [
    "receiver", "status", "alerts", "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
    "version", "groupKey", "truncatedAlerts",
]  # fmt: skip
ALERT_KEYS = ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"]


def documented_example() -> Notification:
    """The widely published Alertmanager example (receiver "webhook", alert "Test"), in UTC."""
    test = Alert(
        label_set({"alertname": "Test", "dc": "eu-west-1", "instance": "localhost:9090", "job": "prometheus24"}),
        (("description", "some description"),),
        starts_at_ms=1533282746739,  # 2018-08-03T07:52:26.739Z
        generator_url="http://example.com:9090/graph?g0.expr=go_memstats_alloc_bytes+%3E+0&g0.tab=1",
    )
    return Notification(
        receiver="webhook",
        group_key='{}:{alertname="Test", job="prometheus24"}',
        group_labels=label_set({"alertname": "Test", "job": "prometheus24"}),
        firing=(test,),
        resolved=(),
        reason=NotifyReason.FIRST_NOTIFICATION,
        created_at_ms=1533282756739,
        external_url="http://example.com:9093",
    )


def test_the_documented_example_byte_for_byte() -> None:
    body = go_json(payload(documented_example()))
    check_golden("webhook_v4_documented.json", body)
    doc = json.loads(body)
    assert list(doc) == DOCUMENTED_KEYS and list(doc["alerts"][0]) == ALERT_KEYS
    assert doc["version"] == "4" and doc["truncatedAlerts"] == 0
    assert doc["alerts"][0]["endsAt"] == ZERO_TIME  # firing: Alertmanager hides the end time
    assert doc["alerts"][0]["startsAt"] == "2018-08-03T07:52:26.739Z"
    assert doc["commonLabels"] == {
        "alertname": "Test",
        "dc": "eu-west-1",
        "instance": "localhost:9090",
        "job": "prometheus24",
    }
    assert b"\\u0026g0.tab=1" in body and body.endswith(b"}\n")  # Go's HTML-safe escaping and Encode's newline


def test_resolved_and_truncated() -> None:
    n = notification((alert("A", instance="1"), alert("B", instance="2")), (alert("C", ends_at_ms=T0 + 1500),))
    doc = payload(n, max_alerts=2)
    assert doc["truncatedAlerts"] == 1 and [a["labels"]["alertname"] for a in doc["alerts"]] == ["A", "B"]
    # Common labels are over the alerts actually sent, as in Alertmanager.
    assert doc["commonLabels"] == {"service": "api", "severity": "warning"}
    everything = payload(n)
    assert everything["status"] == "firing" and everything["alerts"][2]["endsAt"] == "2023-11-14T22:13:21.5Z"
    assert payload(notification((), (alert(ends_at_ms=T0),)))["status"] == "resolved"
    # The receiver name is regexp-quoted (template.Data's QuoteMeta).
    assert payload(notification((alert(),), receiver="team.ops"))["receiver"] == "team\\.ops"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),  # no fraction when it is zero
        (1_700_000_000_100, "2023-11-14T22:13:20.1Z"),  # trailing zeros dropped (RFC3339Nano)
        (1_700_000_000_123, "2023-11-14T22:13:20.123Z"),
        (1_700_000_000_010, "2023-11-14T22:13:20.01Z"),
    ],
)
def test_rfc3339_ms(ms: int, text: str) -> None:
    assert rfc3339_ms(ms) == text


def test_go_json_escapes_html_characters_and_keeps_utf8() -> None:
    assert go_json({"a": "<b>&\u2028é"}) == '{"a":"\\u003cb\\u003e\\u0026\\u2028é"}\n'.encode()


def test_the_spec_test_vector() -> None:
    assert sign(SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SECRET) == SPEC_SIGNATURE
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TS), "webhook-signature": SPEC_SIGNATURE}
    assert verify(headers, SPEC_BODY, SPEC_SECRET, SPEC_TS * 1000).ok


@pytest.mark.parametrize(
    ("change", "now_s", "expected"),
    [
        ({}, SPEC_TS + 299, VerifyResult.VALID),  # within the 5 minutes
        ({}, SPEC_TS + 301, VerifyResult.TOO_OLD),  # a replay
        ({}, SPEC_TS - 301, VerifyResult.TOO_NEW),  # a clock far ahead
        ({"webhook-signature": "v1,bogus " + SPEC_SIGNATURE}, SPEC_TS, VerifyResult.VALID),  # any one may match
        ({"webhook-signature": "v1a," + SPEC_SIGNATURE[3:]}, SPEC_TS, VerifyResult.NO_MATCHING_SIGNATURE),
        ({"webhook-id": "msg_other"}, SPEC_TS, VerifyResult.NO_MATCHING_SIGNATURE),  # the id is signed
        ({"webhook-timestamp": "16142x"}, SPEC_TS, VerifyResult.BAD_TIMESTAMP),
        ({"webhook-id": ""}, SPEC_TS, VerifyResult.MISSING_HEADERS),
    ],
)
def test_verify(change: dict[str, str], now_s: int, expected: VerifyResult) -> None:
    headers = {"Webhook-Id": SPEC_ID, "Webhook-Timestamp": str(SPEC_TS), "Webhook-Signature": SPEC_SIGNATURE}
    headers = {**{k.lower(): v for k, v in headers.items()}, **change}
    assert verify(headers, SPEC_BODY, SPEC_SECRET, now_s * 1000).result is expected


def test_a_tampered_body_or_a_wrong_secret_fails() -> None:
    headers = signature_headers(SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SECRET)
    assert verify(headers, SPEC_BODY + b" ", SPEC_SECRET, SPEC_TS * 1000).result is VerifyResult.NO_MATCHING_SIGNATURE
    other = "whsec_" + "QUJD" * 8
    assert verify(headers, SPEC_BODY, other, SPEC_TS * 1000).result is VerifyResult.NO_MATCHING_SIGNATURE
    with pytest.raises(WebhookSecretError):
        sign(SPEC_ID, SPEC_TS, SPEC_BODY, "whsec_not base64!")


def test_build_request_signs_the_exact_body_with_a_stable_id() -> None:
    n = documented_example()
    settings = WebhookSettings("https://hooks.example/in")
    first = build_request(n, settings, url="https://hooks.example/in", secret=SPEC_SECRET, now_ms=T0)
    retry = build_request(n, settings, url="https://hooks.example/in", secret=SPEC_SECRET, now_ms=T0 + 60_000)
    assert first.header("webhook-id") == retry.header("webhook-id") == message_id(n)
    assert message_id(n).startswith("msg_")
    assert first.header("webhook-timestamp") == str(T0 // 1000)
    assert verify(first.headers, first.body, SPEC_SECRET, T0 + 1000).ok
    assert first.body == go_json(payload(n)) and first.method == "POST"
    unsigned = build_request(n, settings, url="https://hooks.example/in", secret=None, now_ms=T0)
    assert unsigned.header("webhook-signature") is None


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=64), st.integers(0, 2**40))
def test_signing_round_trips_and_any_flipped_byte_fails(body: bytes, key: bytes, ts: int) -> None:
    import base64

    secret = "whsec_" + base64.b64encode(key).decode()
    headers = signature_headers("msg_x", ts, body, secret)
    assert verify(headers, body, secret, ts * 1000).ok
    if body:
        flipped = bytes([body[0] ^ 1]) + body[1:]
        assert not verify(headers, flipped, secret, ts * 1000).ok


def test_firing_and_resolved_alerts_are_in_one_notification_order() -> None:
    # Alertmanager sorts a group's alerts together before the webhook sees them, so a resolved alert
    # that sorts first comes first (as Alertmanager 0.25 sent in the side-by-side e2e test).
    firing = (alert("B", service="db2"), alert("C", service="api"))
    resolved = (alert("A", service="db1", ends_at_ms=T0 + 1000),)
    doc = payload(notification(firing, resolved))
    assert [(a["labels"]["alertname"], a["status"]) for a in doc["alerts"]] == [
        ("A", "resolved"),
        ("B", "firing"),
        ("C", "firing"),
    ]
    # max_alerts cuts that list, as Alertmanager's does
    assert [a["labels"]["alertname"] for a in payload(notification(firing, resolved), max_alerts=1)["alerts"]] == ["A"]
