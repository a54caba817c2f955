from __future__ import annotations

from edgewatch.alerts.model import Alert, fingerprint, label_set


def test_fingerprint_is_alertmanagers() -> None:
    # Alertmanager / Prometheus model.LabelSet{}.Fingerprint() of the empty set is FNV-1a's offset basis.
    assert fingerprint({}) == "cbf29ce484222325"
    # The order of labels does not matter; values do.
    a = fingerprint({"alertname": "HighErrorRate", "service": "api"})
    assert a == fingerprint({"service": "api", "alertname": "HighErrorRate"})
    assert a != fingerprint({"alertname": "HighErrorRate", "service": "web"})
    # The separator keeps name/value boundaries apart.
    assert fingerprint({"ab": "c"}) != fingerprint({"a": "bc"})
    assert len(a) == 16 and int(a, 16) >= 0


def test_empty_label_values_are_dropped() -> None:
    assert label_set({"a": "1", "b": ""}) == (("a", "1"),)


def test_alert_round_trip_and_resolution() -> None:
    alert = Alert(label_set({"alertname": "X"}), (("summary", "s"),), 1000, 5000)
    assert Alert.from_json(alert.to_json()) == alert
    assert not alert.resolved(4999)
    assert alert.resolved(5000)
    assert Alert(label_set({"alertname": "X"})).resolved(10**15) is False
    assert alert.label("alertname") == "X" and alert.annotation("summary") == "s"


def test_fingerprint_matches_a_real_alertmanager() -> None:
    # Read back from Debian's prometheus-alertmanager 0.25 (GET /api/v2/alerts) after
    # `amtool alert add test severity=warning service=api`.
    assert fingerprint({"alertname": "test", "severity": "warning", "service": "api"}) == "1e1985763b8d2dca"
