"""A Slack incoming-webhook message with Block Kit, within Slack's limits.

Layout: a header block (status, group, severity), then one attachment whose colour is the
severity (resolved: green) holding a section per alert (summary, description, labels, links),
and a context block "and N more" when the rest does not fit. Limits kept: at most 50 blocks in the
message, 3,000 characters a section, 150 a header, and about 12,000 characters in all (Slack
refuses longer block text with ``msg_blocks_too_long`` below its documented 40,000).

Every alert string is untrusted: ``&``, ``<`` and ``>`` are escaped for mrkdwn, and text is cut
between escapes and links, never inside one, with an ellipsis. Slack answers 200 ``ok``; 400
(``invalid_payload``), 403, 404 and 410 (``channel_is_archived``) are final, 429 carries
``Retry-After``.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Alert, Notification, NotifyReason
from .outbox import OutboundRequest
from .receivers import SlackSettings, alert_links, alert_title, group_severity, subject

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_MESSAGE_TEXT = 12_000
MAX_TITLE = 250
MAX_FALLBACK = 3000
ELLIPSIS = "…"

COLORS = {
    "critical": "#D00000",
    "error": "#D00000",
    "warning": "#F2A900",
    "info": "#1E6FD9",
    "resolved": "#2EB67D",
}
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    return "".join(_ESCAPES.get(char, char) for char in text)


class Mrkdwn:
    """mrkdwn text built from atomic pieces (an escaped character, a link, a formatting mark), so
    cutting it to a limit never splits an escape, a link or a character."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def text(self, text: str) -> Mrkdwn:
        self.pieces.extend(_ESCAPES.get(char, char) for char in text)
        return self

    def mark(self, raw: str) -> Mrkdwn:
        self.pieces.append(raw)
        return self

    def bold(self, text: str, limit: int = MAX_TITLE) -> Mrkdwn:
        return self.mark("*" + Mrkdwn().text(text).render(limit) + "*")

    def link(self, href: str, label: str) -> Mrkdwn:
        target = escape(href).replace("|", "%7C")
        return self.mark(f"<{target}|{escape(label)}>")

    def render(self, limit: int) -> str:
        if sum(len(piece) for piece in self.pieces) <= limit:
            return "".join(self.pieces)
        out, used = [], 0
        for piece in self.pieces:
            if used + len(piece) > limit - len(ELLIPSIS):
                break
            out.append(piece)
            used += len(piece)
        return "".join(out).rstrip() + ELLIPSIS


def truncate_plain(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def color(notification: Notification) -> str:
    return COLORS["resolved"] if not notification.firing else COLORS[group_severity(notification)]


def header_text(notification: Notification) -> str:
    acknowledged = notification.reason is NotifyReason.ACKNOWLEDGED
    icon = "👀" if acknowledged else "🔥" if notification.firing else "✅"
    suffix = f" · {group_severity(notification).upper()}"
    return truncate_plain(f"{icon} {subject(notification)}", MAX_HEADER - len(suffix)) + suffix


def alert_section(alert: Alert, firing: bool, external_url: str) -> dict[str, Any]:
    text = Mrkdwn().mark("🔴 " if firing else "🟢 ").bold(alert_title(alert))
    description = alert.annotation("description")
    if description:
        text.mark("\n").text(description)
    labels = [(name, value) for name, value in alert.labels if name != "alertname"]
    if labels:
        text.mark("\n*Labels:* ").text(", ".join(f"{name}={value}" for name, value in labels))
    links = alert_links(alert, external_url)
    for index, (label, href) in enumerate(links):
        text.mark("\n" if index == 0 else " · ").link(href, label)
    return {"type": "section", "text": {"type": "mrkdwn", "text": text.render(MAX_SECTION)}}


def _context(text: Mrkdwn) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text.render(MAX_SECTION)}]}


def _block_text_size(block: dict[str, Any]) -> int:
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(element["text"]) for element in block.get("elements", ()))


def alert_blocks(notification: Notification, budget_blocks: int) -> list[dict[str, Any]]:
    """Sections for as many alerts as fit, firing first, then "and N more"."""
    alerts = [(a, True) for a in notification.firing] + [(a, False) for a in notification.resolved]
    blocks: list[dict[str, Any]] = []
    used = 0
    shown = 0
    for alert, firing in alerts:
        section = alert_section(alert, firing, notification.external_url)
        size = _block_text_size(section)
        if len(blocks) + 1 > budget_blocks - 1 or used + size > MAX_MESSAGE_TEXT:
            break
        blocks.append(section)
        used += size
        shown += 1
    hidden = len(alerts) - shown
    if hidden:
        more = Mrkdwn().text(f"and {hidden} more alert{'s' if hidden != 1 else ''}")
        if notification.external_url:
            more.mark(" · ").link(f"{notification.external_url.rstrip('/')}/alerts", "see all")
        blocks.append(_context(more))
    return blocks


def message(notification: Notification) -> dict[str, Any]:
    header = {"type": "header", "text": {"type": "plain_text", "text": header_text(notification), "emoji": True}}
    extra: list[dict[str, Any]] = []
    if notification.reason is NotifyReason.ACKNOWLEDGED and notification.acknowledged_by:
        extra.append(_context(Mrkdwn().text(f"Acknowledged by {notification.acknowledged_by}")))
    blocks = alert_blocks(notification, MAX_BLOCKS - 1 - len(extra))
    return {
        "text": Mrkdwn().text(subject(notification)).render(MAX_FALLBACK),
        "blocks": [header],
        "attachments": [{"color": color(notification), "blocks": [*extra, *blocks]}],
    }


def build_request(notification: Notification, settings: SlackSettings, *, webhook_url: str) -> OutboundRequest:
    """``webhook_url`` is the resolved ``settings.webhook``."""
    if notification.report is not None:  # a report comes rendered (edgewatch.reports escapes it)
        body = json.dumps(notification.report.slack, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    else:
        body = json.dumps(message(notification), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return OutboundRequest("POST", webhook_url, {"Content-Type": "application/json; charset=utf-8"}, body)
