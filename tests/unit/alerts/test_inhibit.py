from __future__ import annotations

import pytest

from edgewatch.alerts.inhibit import (
    DEFAULT_INHIBIT_RULES,
    InhibitConfigError,
    inhibit_rules_from_config,
    inhibited_by,
    inhibitions,
)
from edgewatch.alerts.model import Alert, label_set

NOW = 1_000_000


def alert(ends: int | None = None, **labels: str) -> Alert:
    return Alert(label_set(labels), starts_at_ms=0, ends_at_ms=ends)


CRIT_API = alert(alertname="Critical Error Rate", severity="critical", service="api")
WARN_API = alert(alertname="High Error Rate", severity="warning", service="api")
WARN_WEB = alert(alertname="High Error Rate", severity="warning", service="web")
SLOW_API = alert(alertname="High Response Time", severity="warning", service="api")
CRIT_API_RESOLVED = alert(alertname="Critical Error Rate", severity="critical", service="api", ends=NOW)

CASES = [
    # The seed's intent: the critical error rate of a service mutes its warning.
    ([CRIT_API, WARN_API], {WARN_API.fingerprint: (CRIT_API.fingerprint,)}),
    # Another service's warning is not muted (equal: service).
    ([CRIT_API, WARN_WEB], {}),
    # Every warning of the service is muted, the latency one too (the documented consequence).
    ([CRIT_API, SLOW_API], {SLOW_API.fingerprint: (CRIT_API.fingerprint,)}),
    # A resolved source mutes nothing.
    ([CRIT_API_RESOLVED, WARN_API], {}),
    # No source at all.
    ([WARN_API, WARN_WEB], {}),
    # Alerts without a service (a monitor down, an automatic block) do not mute each other.
    (
        [alert(alertname="MonitorDown", severity="critical"), alert(alertname="SecurityAutoBlock", severity="warning")],
        {},
    ),
]


@pytest.mark.parametrize(("alerts", "expected"), CASES)
def test_default_rule(alerts: list[Alert], expected: dict[str, tuple[str, ...]]) -> None:
    assert inhibited_by(alerts, DEFAULT_INHIBIT_RULES, NOW) == expected


def test_two_sided_match_does_not_inhibit_itself_or_peers() -> None:
    # A rule whose source and target sides both match: alerts on both sides are disregarded as sources.
    [rule] = inhibit_rules_from_config([{"sourceMatchers": ["team=ops"], "targetMatchers": ["team=ops"]}])
    a, b = alert(team="ops", x="1"), alert(team="ops", x="2")
    assert inhibited_by([a, b], [rule], NOW) == {}
    # Missing equal labels are equal on both sides ("" == "").
    [rule2] = inhibit_rules_from_config(
        [{"sourceMatchers": ['alertname="Down"'], "targetMatchers": ['alertname!="Down"'], "equal": ["zone"]}]
    )
    down, other = alert(alertname="Down"), alert(alertname="Slow")
    [found] = inhibitions([down, other], [rule2], NOW)
    assert (found.target, found.sources, found.rule_index) == (other.fingerprint, (down.fingerprint,), 0)


BAD = [
    ("nope", "inhibitRules"),
    ([{"sourceMatchers": ["bad"]}], "inhibitRules.0.sourceMatchers.0"),
    ([{"equal": "service"}], "inhibitRules.0.equal"),
    ([{"source_match": {}}], "inhibitRules.0.source_match"),
]


@pytest.mark.parametrize(("config", "path"), BAD)
def test_config_errors_name_the_path(config: object, path: str) -> None:
    with pytest.raises(InhibitConfigError) as info:
        inhibit_rules_from_config(config)
    assert info.value.path == path
