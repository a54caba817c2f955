"""Email through an HTTP email API: one JSON POST ``{from, to: [...], subject, text, html}`` with
``Authorization: Bearer <token>`` to a configured URL.

Providers that accept exactly this shape:
- Cloudflare Email Service, REST API: ``POST https://api.cloudflare.com/client/v4/accounts/{account_id}
  /email/sending/send`` with an API token that may send email (``to`` a string or an array; ``from``
  a string or ``{address, name}``). Its Workers ``send_email`` binding takes the same object.
- Resend: ``POST https://api.resend.com/emails`` with an API key.
Postmark (PascalCase fields, ``X-Postmark-Server-Token``) and SendGrid (``personalizations``) need
another shape and are not supported.

Why an HTTP API rather than the binding: the request then goes through the outbox like every other
receiver's (recorded before it is sent, retried on 429/5xx with ``Retry-After``, paced, in the
notification history with its status code), and the end-to-end tests can stand a local HTTP sink
in for the provider. Cloudflare's is the default choice, being on the platform we already run on.

Every alert string is untrusted: HTML-escaped in the HTML part, and the subject is one line
(control characters removed, so no header injection) of at most 200 characters.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .model import Alert, Notification, NotifyReason
from .outbox import OutboundRequest
from .receivers import EmailSettings, alert_links, alert_title, group_severity, subject

MAX_SUBJECT = 200
MAX_ALERTS = 100  # per part; the rest is "and N more"
ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
COLORS = {"critical": "#D00000", "error": "#D00000", "warning": "#F2A900", "info": "#1E6FD9", "resolved": "#2EB67D"}


def one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def subject_line(prefix: str, title: str) -> str:
    """One line (no header injection) of at most MAX_SUBJECT characters."""
    text = one_line(" ".join(part for part in (prefix, title) if part))
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + ELLIPSIS


def email_subject(notification: Notification, prefix: str) -> str:
    status = "[ACKNOWLEDGED] " if notification.reason is NotifyReason.ACKNOWLEDGED else ""
    return subject_line(prefix, status + subject(notification))


def _sections(notification: Notification) -> list[tuple[str, tuple[Alert, ...], int]]:
    """(title, shown alerts, hidden count) for the firing and the resolved alerts."""
    sections = []
    for title, alerts in (("Firing", notification.firing), ("Resolved", notification.resolved)):
        if alerts:
            shown = alerts[:MAX_ALERTS]
            sections.append((f"{title} ({len(alerts)})", shown, len(alerts) - len(shown)))
    return sections


def _labels(alert: Alert) -> str:
    return ", ".join(f"{name}={value}" for name, value in alert.labels if name != "alertname")


def text_body(notification: Notification) -> str:
    lines = [subject(notification), f"Severity: {group_severity(notification)}"]
    if notification.acknowledged_by:
        lines.append(f"Acknowledged by: {notification.acknowledged_by}")
    for title, alerts, hidden in _sections(notification):
        lines += ["", f"{title}:"]
        for alert in alerts:
            lines.append(f"- {alert_title(alert)}")
            if description := alert.annotation("description"):
                lines.append(f"  {description}")
            if labels := _labels(alert):
                lines.append(f"  Labels: {labels}")
            lines += [f"  {text}: {href}" for text, href in alert_links(alert, notification.external_url)]
        if hidden:
            lines.append(f"... and {hidden} more")
    if notification.external_url:
        lines += ["", f"Alerts: {notification.external_url.rstrip('/')}/alerts"]
    return "\n".join(lines) + "\n"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _alert_html(alert: Alert, external_url: str) -> str:
    parts = [f"<li><strong>{_e(alert_title(alert))}</strong>"]
    if description := alert.annotation("description"):
        parts.append(f"<br>{_e(description)}")
    if labels := _labels(alert):
        parts.append(f'<br><span style="color:#555">Labels: {_e(labels)}</span>')
    links = [f'<a href="{_e(href)}">{_e(text)}</a>' for text, href in alert_links(alert, external_url)]
    if links:
        parts.append("<br>" + " · ".join(links))
    return "".join(parts) + "</li>"


def html_body(notification: Notification) -> str:
    severity = group_severity(notification)
    bar = COLORS["resolved"] if not notification.firing else COLORS[severity]
    out = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif">',
        f'<div style="border-left:6px solid {bar};padding-left:12px">',
        f"<h2>{_e(subject(notification))}</h2>",
        f"<p>Severity: <strong>{_e(severity)}</strong></p>",
    ]
    if notification.acknowledged_by:
        out.append(f"<p>Acknowledged by {_e(notification.acknowledged_by)}</p>")
    for title, alerts, hidden in _sections(notification):
        out.append(f"<h3>{_e(title)}</h3><ul>")
        out += [_alert_html(alert, notification.external_url) for alert in alerts]
        out.append(f"<li>… and {hidden} more</li></ul>" if hidden else "</ul>")
    if notification.external_url:
        out.append(f'<p><a href="{_e(notification.external_url.rstrip("/") + "/alerts")}">All alerts</a></p>')
    out.append("</div></body></html>")
    return "".join(out)


def message(notification: Notification, settings: EmailSettings, sender: str) -> dict[str, Any]:
    report = notification.report
    if report is not None:  # a report comes rendered (edgewatch.reports escapes its HTML)
        subject = subject_line(settings.subject_prefix, report.subject)
        return {"from": sender, "to": list(settings.to), "subject": subject, "text": report.text, "html": report.html}
    return {
        "from": sender,
        "to": list(settings.to),
        "subject": email_subject(notification, settings.subject_prefix),
        "text": text_body(notification),
        "html": html_body(notification),
    }


def build_request(
    notification: Notification, settings: EmailSettings, *, url: str, token: str, sender: str
) -> OutboundRequest:
    """``url``, ``token`` and ``sender`` are the resolved ``settings.url``, ``.token`` and ``.sender``."""
    body = json.dumps(message(notification, settings, sender), ensure_ascii=False, separators=(",", ":"))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return OutboundRequest("POST", url, headers, body.encode("utf-8"))
