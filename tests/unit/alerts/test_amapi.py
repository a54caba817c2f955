from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.alerts.amapi import (
    AlertMarks,
    AmApiError,
    AmFieldError,
    VersionInfo,
    alert_group,
    format_time,
    gettable_alert,
    gettable_silences,
    parse_postable_alerts,
    parse_postable_silence,
    silence_created,
    status,
)
from edgewatch.alerts.matchers import MatchOp
from edgewatch.alerts.model import label_set

NOW = 1_764_000_000_000  # 2025-11-24T16:00:00Z
NOW_TEXT = "2025-11-24T16:00:00Z"

# What Prometheus 2.x posts (its notifier's alert JSON).
PROMETHEUS_BODY = [
    {
        "labels": {"alertname": "HighErrorRate", "service": "api", "severity": "warning"},
        "annotations": {"summary": "error rate above 5%"},
        "startsAt": "2025-11-24T15:55:00.123456789Z",
        "endsAt": "2025-11-24T16:04:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
    }
]


def test_prometheus_body() -> None:
    posted = parse_postable_alerts(PROMETHEUS_BODY, NOW)
    [alert] = posted.alerts
    assert posted.problems == ()
    assert alert.label("service") == "api" and alert.annotation("summary") == "error rate above 5%"
    assert alert.starts_at_ms == NOW - 5 * 60_000 + 123
    assert alert.ends_at_ms == NOW + 4 * 60_000
    assert alert.updated_at_ms == NOW and alert.generator_url.startswith("http://prometheus")


DEFAULT_CASES = [
    # No endsAt: now + resolve_timeout (Alertmanager's 5 minutes).
    ({"labels": {"a": "1"}, "startsAt": NOW_TEXT}, NOW, NOW + 300_000),
    # Neither time: starts now.
    ({"labels": {"a": "1"}}, NOW, NOW + 300_000),
    # Only endsAt (a resolution): starts at the end.
    ({"labels": {"a": "1"}, "endsAt": NOW_TEXT}, NOW, NOW),
    # Go's zero time from go-swagger clients (amtool) is unset.
    (
        {"labels": {"a": "1"}, "startsAt": "0001-01-01T00:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z"},
        NOW,
        NOW + 300_000,
    ),
]


@pytest.mark.parametrize(("data", "starts", "ends"), DEFAULT_CASES)
def test_alertmanagers_defaults(data: dict[str, Any], starts: int, ends: int) -> None:
    [alert] = parse_postable_alerts([data], NOW).alerts
    assert (alert.starts_at_ms, alert.ends_at_ms) == (starts, ends)


PROBLEMS = [
    # Each problem names the index and the field; valid alerts around it are kept.
    ({"labels": {}}, "labels", "at least one label pair required"),
    ({"annotations": {"a": "b"}}, "labels", "must be an object"),
    ({"labels": {"1bad": "x"}}, "labels", "invalid label name"),
    ({"labels": {"a": 1}}, "labels.a", "must be a string"),
    ({"labels": {"a": "1"}, "startsAt": "yesterday"}, "startsAt", "RFC 3339"),
    ({"labels": {"a": "1"}, "startsAt": 5}, "startsAt", "RFC 3339"),
    ({"labels": {"a": "1"}, "startsAt": NOW_TEXT, "endsAt": "2025-11-24T15:00:00Z"}, "endsAt", "before end"),
    ("nope", "alert", "must be an object"),
]


@pytest.mark.parametrize(("bad", "field", "message"), PROBLEMS)
def test_problems_name_index_and_field(bad: Any, field: str, message: str) -> None:
    posted = parse_postable_alerts([{"labels": {"ok": "1"}}, bad], NOW)
    assert len(posted.alerts) == 1
    [problem] = posted.problems
    assert (problem.index, problem.field) == (1, field)
    assert message in problem.message and str(problem).startswith(f"1.{field}: ")


def test_body_must_be_a_list() -> None:
    with pytest.raises(AmApiError):
        parse_postable_alerts({"labels": {}}, NOW)


def test_gettable_alert_and_group_field_names() -> None:
    [alert] = parse_postable_alerts(PROMETHEUS_BODY, NOW).alerts
    rendered = gettable_alert(alert, AlertMarks(receivers=("slack",), silenced_by=("s1",)))
    assert set(rendered) == {
        "annotations", "endsAt", "fingerprint", "receivers", "startsAt", "status", "updatedAt", "generatorURL", "labels"
    }  # fmt: skip
    assert rendered["status"] == {"inhibitedBy": [], "silencedBy": ["s1"], "state": "suppressed"}
    assert rendered["receivers"] == [{"name": "slack"}] and rendered["fingerprint"] == alert.fingerprint
    assert rendered["startsAt"] == "2025-11-24T15:55:00.123Z" and rendered["updatedAt"] == "2025-11-24T16:00:00.000Z"
    assert gettable_alert(alert, AlertMarks())["status"]["state"] == "active"
    assert gettable_alert(alert, AlertMarks(processed=False))["status"]["state"] == "unprocessed"
    group = alert_group(label_set({"service": "api"}), "slack", [(alert, AlertMarks())])
    assert group["receiver"] == {"name": "slack"} and group["labels"] == {"service": "api"}
    assert len(group["alerts"]) == 1
    assert format_time(None) == "0001-01-01T00:00:00.000Z"


# What amtool 0.25 posts for `amtool silence add alertname=HighErrorRate service=~"api|web"`.
AMTOOL_SILENCE = {
    "matchers": [
        {"name": "alertname", "value": "HighErrorRate", "isRegex": False, "isEqual": True},
        {"name": "service", "value": "api|web", "isRegex": True, "isEqual": True},
    ],
    "startsAt": "2025-11-24T16:00:00.000Z",
    "endsAt": "2025-11-24T17:00:00.000Z",
    "createdBy": "ana",
    "comment": "deploy",
}


def test_postable_silence_and_gettable_silences() -> None:
    silence = parse_postable_silence(AMTOOL_SILENCE)
    assert silence.id == "" and [m.op for m in silence.matchers] == [MatchOp.EQUAL, MatchOp.REGEX]
    assert (silence.starts_at_ms, silence.ends_at_ms) == (NOW, NOW + 3_600_000)
    assert parse_postable_silence({**AMTOOL_SILENCE, "id": "abc"}).id == "abc"
    stored = [
        silence.__class__("expired", silence.matchers, NOW - 10, NOW - 5, "a", "c", NOW - 10),
        silence.__class__("active", silence.matchers, NOW, NOW + 10, "a", "c", NOW),
        silence.__class__("pending", silence.matchers, NOW + 5, NOW + 10, "a", "c", NOW),
    ]
    rendered = gettable_silences(stored, NOW)
    assert [s["id"] for s in rendered] == ["active", "pending", "expired"]
    assert set(rendered[0]) == {"id", "status", "updatedAt", "comment", "createdBy", "endsAt", "matchers", "startsAt"}
    assert rendered[0]["status"] == {"state": "active"}
    assert rendered[0]["matchers"][1] == {"name": "service", "value": "api|web", "isRegex": True, "isEqual": True}
    assert silence_created("abc") == {"silenceID": "abc"}


SILENCE_PROBLEMS = [
    ({**AMTOOL_SILENCE, "matchers": []}, "matchers"),
    ({**AMTOOL_SILENCE, "matchers": [{"name": "a", "value": "(a+)+", "isRegex": True}]}, "matchers.0"),
    ({**AMTOOL_SILENCE, "createdBy": ""}, "createdBy"),
    ({k: v for k, v in AMTOOL_SILENCE.items() if k != "comment"}, "comment"),
    ({**AMTOOL_SILENCE, "endsAt": "soon"}, "endsAt"),
    ({**AMTOOL_SILENCE, "startsAt": None}, "startsAt"),
]


@pytest.mark.parametrize(("body", "field"), SILENCE_PROBLEMS)
def test_silence_problems_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(AmFieldError) as info:
        parse_postable_silence(body)
    assert info.value.field == field


def test_status() -> None:
    body = status("route:\n  receiver: slack\n", NOW, VersionInfo("0.1.0"))
    assert body["cluster"] == {"peers": [], "status": "disabled"}
    assert body["config"] == {"original": "route:\n  receiver: slack\n"}
    assert body["uptime"] == "2025-11-24T16:00:00.000Z"
    assert set(body["versionInfo"]) == {"branch", "buildDate", "buildUser", "goVersion", "revision", "version"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
ALERTISH = st.fixed_dictionaries(
    {},
    optional={
        "labels": st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(), max_size=3) | JSON,
        "startsAt": st.sampled_from([NOW_TEXT, "2025-13-01T00:00:00Z", "", "0001-01-01T00:00:00Z"]) | JSON,
        "endsAt": st.sampled_from([NOW_TEXT, "2025-11-24T16:00:00+01:00"]) | JSON,
        "annotations": JSON,
        "generatorURL": JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ALERTISH | JSON, max_size=5))
def test_any_body_gives_alerts_or_named_problems(body: list[Any]) -> None:
    posted = parse_postable_alerts(body, NOW)
    assert len(posted.alerts) + len(posted.problems) == len(body)
    assert all(p.field and p.message for p in posted.problems)


@settings(max_examples=200, deadline=None)
@given(JSON | st.fixed_dictionaries({"matchers": JSON, "startsAt": JSON, "endsAt": JSON, "createdBy": JSON}))
def test_silence_parser_raises_only_value_errors(body: Any) -> None:
    try:
        parse_postable_silence(body)
    except ValueError:
        pass
