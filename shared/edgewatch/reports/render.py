"""The report rendered for delivery: Slack's Block Kit message and an email's plain text and HTML.

Every line of the digest may hold stored strings, which come from outside: Slack's text is built
with alerting's ``Mrkdwn`` (``&``, ``<`` and ``>`` escaped, cut between escapes), the HTML part
escapes every string with ``html.escape``, and the plain text has its control characters removed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from ..alerts import Mrkdwn, ReportMessage, truncate_plain
from .digest import DigestBlock, digest, title

MAX_SECTION = 1_400  # per Slack section: ten sections stay inside Slack's ~12,000 characters
MAX_HEADER = 150
MAX_LINES_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")  # a line stays one line


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _footer(report: Mapping[str, Any]) -> str:
    period = report["period"]
    failed = report.get("errors") or []
    note = f" · unavailable: {', '.join(failed)}" if failed else ""
    return f"{period['from_iso']} to {period['to_iso']} (UTC){note}"


def slack_message(report: Mapping[str, Any], blocks: list[DigestBlock]) -> dict[str, Any]:
    name = title(report)
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate_plain(name, MAX_HEADER), "emoji": True}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": Mrkdwn().text(_footer(report)).render(3000)}]},
    ]
    for block in blocks:
        text = Mrkdwn().bold(block.heading + (" (unavailable)" if block.failed else ""))
        for line in block.lines:
            text.mark("\n").text(line)
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text.render(MAX_SECTION)}})
    return {"text": Mrkdwn().text(name).render(3000), "blocks": out}


def text_body(report: Mapping[str, Any], blocks: list[DigestBlock]) -> str:
    lines = [_clean(title(report)), _clean(_footer(report))]
    for block in blocks:
        lines += ["", _clean(block.heading) + (" (unavailable)" if block.failed else "")]
        lines += [f"- {_clean(line)}" for line in block.lines[:MAX_LINES_TEXT]]
    return "\n".join(lines) + "\n"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def html_body(report: Mapping[str, Any], blocks: list[DigestBlock]) -> str:
    out = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif">',
        f"<h1>{_e(title(report))}</h1>",
        f'<p style="color:#555">{_e(_footer(report))}</p>',
    ]
    for block in blocks:
        colour = ' style="color:#D00000"' if block.failed else ""
        out.append(f"<h2{colour}>{_e(block.heading)}</h2><ul>")
        out += [f"<li>{_e(line)}</li>" for line in block.lines[:MAX_LINES_TEXT]]
        out.append("</ul>")
    out.append("</body></html>")
    return "".join(out)


def render(report: Mapping[str, Any]) -> ReportMessage:
    blocks = digest(report)
    name = title(report)
    return ReportMessage(
        title=name,
        slack=slack_message(report, blocks),
        subject=name,
        text=text_body(report, blocks),
        html=html_body(report, blocks),
    )
