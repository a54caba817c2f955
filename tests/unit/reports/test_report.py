from __future__ import annotations

import json
from typing import Any

import pytest

from edgewatch.reports import COST_REASON, SECTIONS, ReportPeriod, SectionResult, assemble, digest, render, section_of

DAY = 86_400_000
PERIOD = ReportPeriod(1_764_460_800_000, 1_764_460_800_000 + 7 * DAY)  # 2025-11-30 .. 2025-12-07
HOSTILE = "<script>alert('x')</script> & <@U123|here> *bold*"


def sections(**overrides: SectionResult) -> dict[str, SectionResult]:
    uptime = {
        "checks": [
            {"id": "api", "name": HOSTILE, "kind": "http", "probes": {"up": 9, "down": 1, "excluded": 0, "pending": 0},
             "sla": {"status": "missed", "uptime_pct": 90.0, "target_pct": 99.9, "downtime_ms": 120_000},
             "incidents": [], "incident_count": 1},
        ],
        "summary": {"checks": 1, "met": 0, "missed": 1, "no_data": 0, "incidents": 1},
    }  # fmt: skip
    alerts = {
        "fired": 2, "by_severity": {"critical": 2}, "notifications_total": 3,
        "by_alertname": [{"alertname": HOSTILE, "severity": "critical", "count": 2}], "alerts": [],
        "notifications": {"slack": {"sent": 2, "pending": 0, "dead": 1}},
    }  # fmt: skip
    issues = {
        "seen": 1,
        "new": 1,
        "regressed": 0,
        "top": [{"id": "1-abc", "title": HOSTILE, "events": 3}],
        "regressions": [],
    }
    endpoints = {"endpoint_count": 1, "slowest": [{"service": "api", "endpoint": "GET /x", "p95_ms": 812.0,
                 "requests": 1204, "error_rate": 0.021}]}  # fmt: skip
    vitals = {"metrics": {"LCP": {"good": 2500, "poor": 4000, "overall": {"p75": 3100, "rating": "needs-improvement",
              "count": 4}, "routes": [{"route": HOSTILE, "p75": 5000, "rating": "poor"}]}}}  # fmt: skip
    security = {"total": 3, "by_type": {"threat": 3}, "top_identifiers": [{"key": HOSTILE, "count": 3}]}
    logs = {"entries": 10, "errors": 1, "service_count": 1,
            "services": [{"service": HOSTILE, "entries": 10, "errors": 1, "error_rate": 0.1}]}  # fmt: skip
    retention = {"stores": [{"subject": "logs", "retention": "30d", "ok": True, "problems": []}]}
    base = {
        "uptime": uptime, "alerts": alerts, "issues": issues, "endpoints": endpoints, "vitals": vitals,
        "security": security, "logs": logs, "retention": retention,
    }  # fmt: skip
    return {**{name: SectionResult(data) for name, data in base.items()}, **overrides}


def test_the_shape_of_a_report() -> None:
    report = assemble(PERIOD, 42, sections(), kind="weekly")
    assert list(report["sections"]) == list(SECTIONS)
    assert report["errors"] == []
    assert report["cost"] is None and report["cost_reason"] == COST_REASON
    assert report["kind"] == "weekly" and report["generated_ms"] == 42
    assert report["period"]["from_iso"] == "2025-11-30T00:00:00Z"
    assert (report["from"], report["to"]) == (PERIOD.start_ms, PERIOD.end_ms)
    json.dumps(report)  # plain JSON


def test_a_failed_section_carries_its_error_and_the_rest_renders() -> None:
    failed = SectionResult.failed(RuntimeError("pitchey-alerts: binding unavailable\nsecond line"))
    report = assemble(PERIOD, 42, sections(alerts=failed))
    assert report["errors"] == ["alerts"]
    assert report["sections"]["alerts"] == {
        "error": {"code": "section_unavailable", "message": "RuntimeError: pitchey-alerts: binding unavailable"}
    }
    assert report["sections"]["uptime"]["summary"]["missed"] == 1
    blocks = {b.heading: b for b in digest(report)}
    assert blocks["Alerts and notifications"].failed
    assert blocks["Alerts and notifications"].lines == (
        "unavailable: RuntimeError: pitchey-alerts: binding unavailable",
    )
    assert not blocks["Uptime and SLA"].failed
    message = render(report)
    assert "unavailable: alerts" in message.text and "Uptime and SLA" in message.text


def test_a_section_not_fetched_counts_as_failed() -> None:
    partial = sections()
    del partial["logs"]
    assert assemble(PERIOD, 0, partial)["errors"] == ["logs"]


def test_section_of_turns_a_builder_failure_into_data() -> None:
    assert section_of(lambda: {"a": 1}) == SectionResult({"a": 1})
    empty: dict[str, int] = {}
    broken = section_of(lambda: empty["missing"])
    assert not broken.ok and broken.error == "KeyError: 'missing'"


def test_a_section_whose_shape_is_unexpected_is_marked_not_crashed() -> None:
    report = assemble(PERIOD, 0, sections(issues=SectionResult({"unexpected": True})))
    block = next(b for b in digest(report) if b.heading == "Error issues")
    assert block.failed and "could not be summarised" in block.lines[0]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_slack_escapes_every_stored_string() -> None:
    message = render(assemble(PERIOD, 0, sections(), kind="weekly"))
    texts = _strings(message.slack)
    body = "\n".join(texts)
    assert "<script>" not in body and "<@U123" not in body  # no raw markup, no mention
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;@U123|here&gt;" in body
    assert message.slack["blocks"][0]["type"] == "header"
    assert message.slack["blocks"][0]["text"]["text"] == "Weekly report 2025-11-30 to 2025-12-06"
    assert len(message.slack["blocks"]) <= 50
    assert all(len(t) <= 3000 for t in texts)
    assert "MISSED" in body and "90%" in body and "not measured" in body


def test_email_html_escapes_and_text_keeps_the_words() -> None:
    message = render(assemble(PERIOD, 0, sections(), kind="weekly"))
    assert message.subject == "Weekly report 2025-11-30 to 2025-12-06"
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "&#x27;x&#x27;" in message.html  # quotes escaped too (attribute-safe)
    assert HOSTILE in message.text
    for heading in ("Uptime and SLA", "Alerts and notifications", "Error issues", "Slowest endpoints", "Web Vitals",
                    "Security events", "Logs", "Retention", "Cost"):  # fmt: skip
        assert heading in message.text and heading in message.html


@pytest.mark.parametrize("control", ["\x1b[31m", "\r\nBcc: x@y", "\u2028"])
def test_plain_text_has_no_control_characters(control: str) -> None:
    parts = sections()
    service = {"service": f"api{control}", "entries": 1, "errors": 0, "error_rate": 0.0}
    parts["logs"] = SectionResult({"entries": 1, "errors": 0, "service_count": 1, "services": [service]})
    text = render(assemble(PERIOD, 0, parts)).text
    assert control not in text
    assert "Bcc" not in text or "\nBcc" not in text  # a stored line break does not start a line
    assert all(ch == "\n" or ch >= " " for ch in text if ch not in "\u2028\u2029")
