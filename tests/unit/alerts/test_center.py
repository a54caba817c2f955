"""The alert center's pipeline: grouping, mute stage, dedup with typed reasons, acks."""

from __future__ import annotations

import pytest

from edgewatch.alerts.center import AckRefused, CenterState, acknowledge, flush, marks, merge_alert, receive
from edgewatch.alerts.matchers import Matcher, MatchOp
from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.setup import AlertingSetup, alerting_setup
from edgewatch.alerts.silences import Silence
from edgewatch.stack import load_monitoring

T = 1_900_000_000_000


def setup(**extra: object) -> AlertingSetup:
    alerting = {
        "channels": {"slack": {"enabled": True}, "pagerduty": {"enabled": True}},
        "route": {"receiver": "slack", "groupBy": ["alertname", "service"], "groupWait": "30s",
                  "groupInterval": "5m", "repeatInterval": "4h",
                  "routes": [{"matchers": ['severity="critical"'], "receiver": "pagerduty", "continue": True},
                             {"matchers": ['service=~".+"'], "receiver": "slack"}]},
        **extra,
    }  # fmt: skip
    return alerting_setup(load_monitoring({"alerting": alerting}).alerting)


def alert(name: str, severity: str, service: str, at: int = T, ends: int | None = None) -> Alert:
    labels = label_set({"alertname": name, "severity": severity, "service": service})
    return Alert(labels, (), at, ends, "", at)


def test_a_new_group_waits_for_group_wait_then_notifies_once() -> None:
    s, state = setup(), CenterState()
    receive(state, [alert("Down", "warning", "api")], s, T)
    assert flush(state, s, T + 29_999) == ([], [])
    decisions, notes = flush(state, s, T + 30_000)
    assert [(n.receiver, n.reason) for n in notes] == [("slack", NotifyReason.FIRST_NOTIFICATION)]
    assert [d.reason for d in decisions] == [NotifyReason.FIRST_NOTIFICATION]
    # a group interval later, nothing new: the decision is recorded, nothing is sent
    decisions, notes = flush(state, s, T + 330_000)
    assert (notes, [d.reason for d in decisions]) == ([], [NotifyReason.DO_NOT_NOTIFY])


def test_critical_goes_to_both_receivers_and_mutes_the_warning_of_its_service() -> None:
    s, state = setup(), CenterState()
    receive(state, [alert("Warn", "warning", "api"), alert("Crit", "critical", "api")], s, T)
    decisions, notes = flush(state, s, T + 30_000)
    assert sorted((n.receiver, n.firing[0].label("alertname")) for n in notes) == [
        ("pagerduty", "Crit"),
        ("slack", "Crit"),
    ]
    muted = next(d for d in decisions if d.group_key.endswith('alertname="Warn", service="api"}'))
    assert (muted.reason, muted.muted) == (NotifyReason.DO_NOT_NOTIFY, 1)
    warn_fp = alert("Warn", "warning", "api").fingerprint
    assert marks(state, s, T + 30_000)[warn_fp].inhibited_by == (alert("Crit", "critical", "api").fingerprint,)


def test_a_silence_mutes_and_resolution_is_sent() -> None:
    s, state = setup(), CenterState()
    state.silences["s1"] = Silence("s1", (Matcher("service", MatchOp.EQUAL, "db"),), T, T + 3_600_000, "me", "x")
    receive(state, [alert("Down", "warning", "db"), alert("Down", "warning", "api")], s, T)
    _, notes = flush(state, s, T + 30_000)
    assert [n.group_labels for n in notes] == [label_set({"alertname": "Down", "service": "api"})]
    receive(state, [alert("Down", "warning", "api", ends=T + 40_000)], s, T + 40_000)
    _, notes = flush(state, s, T + 330_000)
    assert [(n.reason, len(n.firing), len(n.resolved)) for n in notes] == [(NotifyReason.RESOLVED, 0, 1)]


def test_an_ack_stops_repeats_and_pages_acknowledge() -> None:
    s, state = setup(), CenterState()
    receive(state, [alert("Crit", "critical", "api")], s, T)
    flush(state, s, T + 30_000)
    group = next(g for g in state.groups.groups.values() if g.receiver == "pagerduty")
    ack, note = acknowledge(state, s, group_id=group.id, by="alice", now_ms=T + 40_000, expires_at_ms=None, comment="")
    assert note is not None and note.reason is NotifyReason.ACKNOWLEDGED and ack.by == "alice"
    later = T + 30_000 + 4 * 3_600_000 + 300_000
    _, notes = flush(state, s, later)
    assert [n.receiver for n in notes] == ["slack"]  # the slack group repeats; the acked one does not
    with pytest.raises(AckRefused):
        acknowledge(state, s, group_id="nope", by="a", now_ms=T, expires_at_ms=None, comment="")


def test_merge_keeps_the_earliest_start_of_a_firing_alert_and_ignores_older_updates() -> None:
    first = alert("A", "warning", "x", at=T)
    again = alert("A", "warning", "x", at=T + 60_000)
    assert merge_alert(first, again, T + 60_000).starts_at_ms == T
    assert merge_alert(again, first, T + 60_000) is again
    assert merge_alert(None, first, T) is first


def test_state_round_trips_through_its_parts() -> None:
    s, state = setup(), CenterState()
    receive(state, [alert("A", "critical", "x")], s, T)
    flush(state, s, T + 30_000)
    again = CenterState.from_parts({name: state.part_json(name) for name in CenterState.PARTS})
    assert again.alerts == state.alerts and again.nflog.entries == state.nflog.entries
    assert set(again.groups.groups) == set(state.groups.groups)
