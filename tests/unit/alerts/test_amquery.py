"""The v2 reads' query parameters, with the query strings amtool 0.25 really sends."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

from edgewatch.alerts.amapi import AlertMarks, AmFieldError, alert_group, gettable_alert
from edgewatch.alerts.amquery import (
    AlertQuery,
    filter_alerts,
    filter_groups,
    filter_matches,
    filter_silences,
    parse_alert_query,
    parse_silence_query,
)
from edgewatch.alerts.matchers import Matcher, MatchOp, parse_matcher
from edgewatch.alerts.model import Alert, label_set

# Recorded from amtool 0.25 (Debian) pointed at a recording server.
AMTOOL_ALERT_QUERY = "active=true&inhibited=false&silenced=false&unprocessed=false"
AMTOOL_FILTERED = (
    "active=true&filter=alertname%3DX&filter=severity%3D~crit.%2A&inhibited=false&silenced=false&unprocessed=false"
)
AMTOOL_SILENCED_ONLY = "active=false&inhibited=false&receiver=pri.%2A&silenced=true&unprocessed=false"
AMTOOL_SILENCE_QUERY = "filter=alertname%3DX"


def pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def gettable(name: str, receivers: tuple[str, ...] = ("primary",), **marks: Any) -> dict[str, Any]:
    labels = {"alertname": name, "severity": "critical" if name.startswith("Crit") else "warning"}
    return gettable_alert(Alert(label_set(labels), starts_at_ms=1), AlertMarks(receivers, **marks))


LOUD = gettable("X")
SILENCED = gettable("X2", silenced_by=("s1",))
INHIBITED = gettable("Crit", ("second",), inhibited_by=("fp",))
ALERTS = [LOUD, SILENCED, INHIBITED]


def test_defaults_are_alertmanagers_true() -> None:
    assert parse_alert_query([]) == AlertQuery(True, True, True, (), None)
    assert filter_alerts(ALERTS, parse_alert_query([])) == ALERTS


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # amtool alert query: active ones only, no silenced or inhibited alerts
        (AMTOOL_ALERT_QUERY, [LOUD]),
        # its matchers are filters, each one matcher (unquoted values too)
        (AMTOOL_FILTERED, []),
        ("filter=alertname%3D%22X%22", [LOUD]),
        ("filter=alertname%3D~X.%2A&filter=severity%21%3Dcritical", [LOUD, SILENCED]),
        # amtool alert query -s -r 'pri.*': only silenced ones (active=false), of a receiver matching
        (AMTOOL_SILENCED_ONLY, [SILENCED]),
        ("receiver=second", [INHIBITED]),
        ("receiver=pri", []),  # anchored, as Alertmanager's ^(?:...)$
        # go-openapi booleans: any case, its other words, empty is the default
        ("silenced=FALSE&inhibited=0", [LOUD]),
        ("active=off&silenced=&inhibited=", [SILENCED, INHIBITED]),
    ],
)
def test_alert_queries(query: str, expected: list[dict[str, Any]]) -> None:
    assert filter_alerts(ALERTS, parse_alert_query(pairs(query))) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("silenced=maybe", "silenced"),
        ("filter=alertname%3DX&filter=no+operator", "filter.1"),
        ("filter=alertname%3D~%28a%2B%29%2B", "filter.0"),  # a regex that could hang the Worker
        ("receiver=%28", "receiver"),
    ],
)
def test_bad_queries_name_the_parameter(query: str, field: str) -> None:
    with pytest.raises(AmFieldError) as caught:
        parse_alert_query(pairs(query))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("matcher", "labels", "expected"),
    [
        ('a="1"', {"a": "1"}, True),
        ('a="1"', {}, False),
        # an empty value also passes when the label is absent (=, =~) or present (!=, !~)
        ('a=""', {}, True),
        ('a=""', {"a": "1"}, False),
        ('a!=""', {"a": "1"}, True),
        ('a!=""', {}, False),
        ('a=~""', {}, True),
        ('a!~""', {"a": "x"}, True),
        ('a!~"x"', {}, True),
        ('a=~"x|y"', {"a": "y"}, True),
    ],
)
def test_filter_matches_is_alertmanagers_match_filter_labels(
    matcher: str, labels: dict[str, str], expected: bool
) -> None:
    assert filter_matches([parse_matcher(matcher)], labels) is expected


def test_groups_keep_the_alerts_that_pass_and_drop_empty_ones() -> None:
    groups = [
        alert_group(label_set({"alertname": "X"}), "primary", []),
        alert_group(label_set({"team": "db"}), "second", []),
    ]
    groups[0]["alerts"], groups[1]["alerts"] = [LOUD, SILENCED], [INHIBITED]
    out = filter_groups(groups, parse_alert_query(pairs(AMTOOL_ALERT_QUERY)))
    assert [(g["receiver"]["name"], g["alerts"]) for g in out] == [("primary", [LOUD])]
    assert [g["receiver"]["name"] for g in filter_groups(groups, parse_alert_query(pairs("receiver=sec.*")))] == [
        "second"
    ]


def test_silences_are_listed_when_each_filter_equals_one_of_their_matchers() -> None:
    def silence(*matchers: Matcher) -> dict[str, Any]:
        return {"id": str(matchers), "matchers": [m.to_api() for m in matchers]}

    x = silence(Matcher("alertname", MatchOp.EQUAL, "X"))
    x_regex = silence(Matcher("alertname", MatchOp.REGEX, "X"))
    both = silence(Matcher("alertname", MatchOp.EQUAL, "X"), Matcher("team", MatchOp.NOT_EQUAL, "db"))
    everything = [x, x_regex, both]
    assert filter_silences(everything, parse_silence_query(pairs(AMTOOL_SILENCE_QUERY))) == [x, both]
    assert filter_silences(everything, parse_silence_query(pairs("filter=alertname%3D~X"))) == [x_regex]
    assert filter_silences(everything, parse_silence_query(pairs("filter=alertname%3DX&filter=team!%3Ddb"))) == [both]
    assert filter_silences(everything, parse_silence_query(pairs("filter=alertname%3DY"))) == []
    assert filter_silences(everything, parse_silence_query([])) == everything
