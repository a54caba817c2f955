from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.alerts.email import MAX_SUBJECT, build_request, email_subject, html_body, text_body
from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.receivers import EmailSettings

from .test_receivers import T0, alert, check_golden, notification

SETTINGS = EmailSettings(("oncall@example.com", "team@example.com"))
CF_URL = "https://api.cloudflare.com/client/v4/accounts/abc/email/sending/send"


def send(n, settings: EmailSettings = SETTINGS):
    return build_request(n, settings, url=CF_URL, token="tok", sender="Alerts <alerts@example.com>")


def test_golden_request() -> None:
    request = send(notification((alert(instance="a"),), (alert("Old", ends_at_ms=T0 + 1),)))
    assert (request.method, request.url, request.header("authorization")) == ("POST", CF_URL, "Bearer tok")
    doc = json.loads(request.body)
    assert list(doc) == ["from", "to", "subject", "text", "html"] and doc["to"] == list(SETTINGS.to)
    check_golden("email_request.json", (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())


def test_every_untrusted_string_is_escaped_in_html() -> None:
    evil = Alert(
        label_set({"alertname": "<script>alert(1)</script>", "service": '"><img src=x onerror=alert(1)>'}),
        (
            ("description", "<b>bold</b> & 'quoted'"),
            ("runbook_url", 'https://x.example/"onmouseover="a'),
            ("summary", "<i>s</i>"),
        ),
        starts_at_ms=T0,
    )
    n = notification((evil,), acknowledged_by="<u>eve</u>")
    page = html_body(n)
    for raw in ("<script>", "<img", "<b>bold", "<i>s</i>", '"onmouseover="', "<u>eve"):
        assert raw not in page, raw
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27;" in page
    # The plain text part is not HTML: it carries the text as written.
    assert "<b>bold</b> & 'quoted'" in text_body(n)


@given(st.text(max_size=600))
def test_subject_is_one_bounded_line(label: str) -> None:
    n = notification((alert(service=label or "x"),), reason=NotifyReason.ACKNOWLEDGED)
    text = email_subject(n, "[edgewatch]")
    assert len(text) <= MAX_SUBJECT
    assert "\n" not in text and "\r" not in text and text.startswith("[edgewatch] [ACKNOWLEDGED] [FIRING:1]")


def test_many_alerts_are_summarised() -> None:
    n = notification(tuple(alert(instance=str(i)) for i in range(130)))
    assert "... and 30 more" in text_body(n) and "… and 30 more" in html_body(n)
