from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.receivers import SecretRef, SlackSettings
from edgewatch.alerts.slack import (
    COLORS,
    MAX_BLOCKS,
    MAX_HEADER,
    MAX_MESSAGE_TEXT,
    MAX_SECTION,
    Mrkdwn,
    build_request,
    escape,
    message,
)

from .test_receivers import T0, alert, check_golden, notification

SETTINGS = SlackSettings(SecretRef("SLACK_WEBHOOK_URL"))
URL = "https://hooks.slack.com/services/T000/B000/XXXX"


def pretty(doc: object) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def all_blocks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = doc["blocks"] + [b for a in doc["attachments"] for b in a["blocks"]]
    return blocks


def texts(doc: dict[str, Any]) -> list[str]:
    out = []
    for block in all_blocks(doc):
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", ())]
    return out


def test_golden_firing_and_resolved() -> None:
    n = notification((alert(instance="a"), alert("DiskFull", severity="critical")), (alert("Old", ends_at_ms=T0 + 1),))
    request = build_request(n, SETTINGS, webhook_url=URL)
    assert request.url == URL and request.method == "POST"
    check_golden("slack_firing.json", pretty(json.loads(request.body)))
    resolved = build_request(notification((), (alert(ends_at_ms=T0 + 1),)), SETTINGS, webhook_url=URL)
    check_golden("slack_resolved.json", pretty(json.loads(resolved.body)))


@pytest.mark.parametrize(
    ("firing", "resolved", "color"),
    [
        ((alert(severity="critical"),), (), COLORS["critical"]),  # red
        ((alert(severity="warning"),), (), COLORS["warning"]),  # amber
        ((alert(severity="info"),), (), COLORS["info"]),  # blue
        ((), (alert(severity="critical", ends_at_ms=T0),), COLORS["resolved"]),  # green once all resolved
    ],
)
def test_colour_per_severity(firing, resolved, color: str) -> None:
    assert message(notification(firing, resolved))["attachments"][0]["color"] == color


def test_untrusted_text_is_escaped() -> None:
    evil = Alert(
        label_set({"alertname": "X", "team": "<!channel>", "service": "a&b"}),
        (("description", "<https://evil.example|click> & more"), ("summary", "<@U123> ping")),
        generator_url="https://e.example/?a=1&b=<2>",
    )
    doc = message(notification((evil,)))
    # The header is plain_text, which Slack shows literally; everything mrkdwn is escaped.
    joined = "\n".join([doc["text"], *texts(doc)[1:]])
    assert "<!channel>" not in joined and "<@U123>" not in joined and "<https://evil.example|click>" not in joined
    assert "&lt;!channel&gt;" in doc["attachments"][0]["blocks"][0]["text"]["text"]
    assert "a&amp;b" in joined
    assert "<https://e.example/?a=1&amp;b=&lt;2&gt;|Source>" in joined  # the link's URL is escaped too


def test_mrkdwn_truncation_keeps_escapes_and_links_whole() -> None:
    text = Mrkdwn().text("ab&").link("https://x.example/a", "link").render(6)
    assert text == "ab…"  # "&amp;" (5 characters) does not fit whole in 6 - 1, so it is left out
    assert Mrkdwn().text("é" * 10).render(5) == "éééé…"
    assert Mrkdwn().text("short").render(5) == "short"
    assert escape("<a&b>") == "&lt;a&amp;b&gt;"


def test_header_keeps_the_severity_when_cut() -> None:
    long = alert(severity="critical", service="X" * 400)
    header = message(notification((long,)))["blocks"][0]["text"]["text"]
    assert len(header) <= MAX_HEADER and header.endswith("· CRITICAL") and "…" in header


def test_and_n_more_when_alerts_do_not_fit() -> None:
    many = tuple(alert(instance=str(i)) for i in range(120))
    doc = message(notification(many))
    blocks = all_blocks(doc)
    assert len(blocks) <= MAX_BLOCKS
    more = blocks[-1]["elements"][0]["text"]
    shown = sum(1 for b in blocks if b["type"] == "section")
    assert more.startswith(f"and {120 - shown} more alerts") and 0 < shown < 120
    # 12,000 characters of sections at most, so fewer than 50 blocks of ~400 characters fit.
    assert sum(len(t) for t in texts(doc)[1:-1]) <= MAX_MESSAGE_TEXT


def test_acknowledged() -> None:
    doc = message(notification((alert(),), reason=NotifyReason.ACKNOWLEDGED, acknowledged_by="ana"))
    assert doc["blocks"][0]["text"]["text"].startswith("👀")
    assert doc["attachments"][0]["blocks"][0]["elements"][0]["text"] == "Acknowledged by ana"


_ENTITY_OR_LINK = re.compile(r"&(amp|lt|gt);|<https?://[^<>|]+\|[^<>]*>")
big_text = st.text(alphabet=st.sampled_from("ab<>&|*é😀 \n"), max_size=4000)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(big_text, big_text, big_text), min_size=0, max_size=70),
    st.integers(0, 5),
)
def test_limits_hold_for_any_alerts(specs, resolved_count: int) -> None:
    alerts = tuple(
        Alert(label_set({"alertname": f"A{i}", "x": value}), (("description", d), ("summary", s)), T0)
        for i, (s, d, value) in enumerate(specs)
    )
    n = notification(alerts, tuple(alert(f"R{i}", ends_at_ms=T0) for i in range(resolved_count)))
    doc = json.loads(build_request(n, SETTINGS, webhook_url=URL).body)
    blocks = all_blocks(doc)
    assert len(blocks) <= MAX_BLOCKS
    assert len(doc["blocks"][0]["text"]["text"]) <= MAX_HEADER
    body_texts = texts(doc)[1:]
    assert all(len(t) <= MAX_SECTION for t in body_texts)
    assert sum(len(t) for t in body_texts) <= MAX_MESSAGE_TEXT + MAX_SECTION  # the sections plus "and N more"
    for text in body_texts:
        # After removing whole entities and links, no raw &, < or > is left: nothing was cut in half.
        assert not re.search(r"[&<>]", _ENTITY_OR_LINK.sub("", text)), text
    hidden = len(alerts) + resolved_count - sum(1 for b in blocks if b["type"] == "section")
    assert (hidden > 0) == ("more alert" in (texts(doc)[-1] if hidden else ""))
