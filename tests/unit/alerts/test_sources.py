"""Alerts without rules: the uptime feed by sequence, security anomalies and blocks, the stack's faults,
dead letters, reconciliation, and where stack alerts are routed."""

from __future__ import annotations

from edgewatch.alerts.center import CenterState, flush, receive
from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.setup import AlertingSetup, alerting_setup
from edgewatch.alerts.source_messages import ReporterFaults, SourcesPolled
from edgewatch.alerts.sourcerun import run_sources
from edgewatch.alerts.sources import (
    ANOMALY_HOLD_MS,
    FLUSH_FAILING_MS,
    DeadLetter,
    FeedState,
    dead_letter_alerts,
    fault_alerts,
    reconcile,
    security_alerts,
    uptime_step,
)
from edgewatch.codec import decode, encode
from edgewatch.faults import FailureStreak, FaultKind, StackFault, cron_faults, next_streaks
from edgewatch.security.blocklist import BlockEntry, BlockSource
from edgewatch.security.events import EventType, SecurityEvent
from edgewatch.security.messages import SecurityFeed
from edgewatch.stack import load_monitoring
from edgewatch.uptime import AlertFeed, ChangeView, MonitorKind, MonitorRef, State, TransitionReason

T = 1_900_000_000_000
MIN = 60_000


def setup(**extra: object) -> AlertingSetup:
    alerting = {
        "channels": {"slack": {"enabled": True}, "pagerduty": {"enabled": True}},
        "route": {"receiver": "slack", "groupBy": ["alertname"], "groupWait": "1s", "groupInterval": "1m",
                  "routes": [{"matchers": ['severity="critical"'], "receiver": "pagerduty"}]},
        **extra,
    }  # fmt: skip
    return alerting_setup(load_monitoring({"alerting": alerting}).alerting)


def change(seq: int, check: str, previous: State, state: State, at: int = T) -> ChangeView:
    reason = TransitionReason.WENT_DOWN if state is State.DOWN else TransitionReason.CAME_UP
    return ChangeView(seq, check, at + seq, previous, state, reason, "HTTP 503")


MONITORS = (MonitorRef("api", MonitorKind.HTTP, "API"), MonitorRef("nightly", MonitorKind.HEARTBEAT, "Nightly job"))


def feed(
    *changes: ChangeView, oldest: int | None = 1, maintenance: tuple[str, ...] = (), now: int = T + 3_600_000
) -> AlertFeed:
    return AlertFeed(changes, MONITORS, maintenance, oldest, now)


def firing(state: CenterState, now: int) -> dict[str, str]:
    return {a.label("check_id") or a.label("alertname"): a.label("alertname") for a in state.alerts.values()
            if not a.resolved(now)}  # fmt: skip


# -- uptime ---------------------------------------------------------------------------------------


def test_a_monitor_going_down_fires_and_coming_up_resolves() -> None:
    step = uptime_step(feed(change(1, "api", State.UP, State.DOWN), change(2, "api", State.DOWN, State.UP)), 0)
    assert [(a.label("alertname"), a.ends_at_ms) for a in step.alerts] == [
        ("MonitorDown", None),
        ("MonitorDown", T + 2),
    ]
    assert dict(step.alerts[0].labels) == {
        "alertname": "MonitorDown", "severity": "critical", "origin": "uptime", "check_id": "api",
        "monitor": "API", "kind": "http",
    }  # fmt: skip
    assert (step.cursor, step.applied, step.missed) == (2, 2, 0)


def test_a_change_judged_at_a_later_scheduled_time_does_not_start_or_end_in_the_future() -> None:
    late = uptime_step(feed(change(1, "api", State.UP, State.DOWN, at=T + MIN), now=T), 0).alerts[0]
    assert (late.starts_at_ms, late.updated_at_ms) == (T, T + MIN + 1)


def test_a_heartbeat_going_down_is_a_missed_heartbeat() -> None:
    step = uptime_step(feed(change(1, "nightly", State.UP, State.DOWN)), 0)
    assert step.alerts[0].label("alertname") == "HeartbeatMissed"
    assert step.alerts[0].label("kind") == "heartbeat"


def test_degraded_is_its_own_warning_and_down_to_degraded_resolves_down() -> None:
    step = uptime_step(feed(change(1, "api", State.DOWN, State.DEGRADED)), 0)
    got = {(a.label("alertname"), a.label("severity"), a.ends_at_ms is None) for a in step.alerts}
    assert got == {("MonitorDown", "critical", False), ("MonitorDegraded", "warning", True)}


def test_changes_at_or_below_the_cursor_are_never_applied_again() -> None:
    # a repeated cron (or a second page overlapping the first) hands back what was applied
    step = uptime_step(feed(change(4, "api", State.UP, State.DOWN), change(5, "api", State.DOWN, State.UP)), 4)
    assert [a.ends_at_ms for a in step.alerts] == [T + 5]
    assert (step.cursor, step.applied) == (5, 1)
    assert uptime_step(feed(change(5, "api", State.DOWN, State.UP)), 5).applied == 0


def test_changes_trimmed_before_they_were_read_are_counted_as_missed() -> None:
    step = uptime_step(feed(change(10, "api", State.UP, State.DOWN), oldest=10), 3)
    assert step.missed == 6  # seqs 4..9 are gone
    assert uptime_step(feed(change(4, "api", State.UP, State.DOWN), oldest=1), 3).missed == 0


def test_run_sources_advances_the_cursor_and_resolves_deleted_monitors() -> None:
    s, state = setup(), CenterState()
    run = run_sources(state, s, SourcesPolled(T, feed(change(1, "api", State.UP, State.DOWN))))
    receive(state, run.alerts, s, T)
    assert state.feeds.uptime_seq == 1
    assert firing(state, T + 1) == {"api": "MonitorDown"}
    gone = AlertFeed((), (MonitorRef("nightly", MonitorKind.HEARTBEAT, "Nightly job"),), (), 1, T + MIN)
    receive(state, run_sources(state, s, SourcesPolled(T + MIN, gone, 1)).alerts, s, T + MIN)
    assert firing(state, T + MIN) == {}


def test_maintenance_mutes_the_monitor_alert_until_the_next_poll() -> None:
    s, state = setup(), CenterState()
    polled = SourcesPolled(T, feed(change(1, "api", State.UP, State.DOWN), maintenance=("api",), now=T))
    run = run_sources(state, s, polled)
    receive(state, run.alerts, s, T)
    decisions, notes = flush(state, s, T + 1_000)
    assert notes == [] and [d.reason for d in decisions] == [NotifyReason.DO_NOT_NOTIFY]
    assert run.applied.in_maintenance == 1
    # the next poll no longer reports the window: the alert speaks at the next group interval
    run_sources(state, s, SourcesPolled(T + MIN, feed(now=T + MIN), 1))
    _, notes = flush(state, s, T + MIN + 1_000)
    assert [n.receiver for n in notes] == ["pagerduty"]


def test_feed_state_round_trips() -> None:
    state = FeedState(7, 2, (("api", T, T + 90_000),), {"sources": T})
    assert FeedState.from_json(state.to_json()) == state


def test_a_disabled_source_raises_nothing_and_keeps_its_cursor_current() -> None:
    s, state = setup(sources={"uptime": False}), CenterState()
    run = run_sources(state, s, SourcesPolled(T, feed(change(3, "api", State.UP, State.DOWN))))
    assert run.alerts == () and state.feeds.uptime_seq == 3


# -- security -------------------------------------------------------------------------------------


def anomaly(kind: str, subject: str, at: int) -> SecurityEvent:
    detail = {"kind": kind, "subject": subject, "observed": 40, "baseline": 2.0, "threshold": 10, "at_ms": at}
    return SecurityEvent(f"{at:013x}-0000000000000000", at, EventType.ANOMALY, subject, detail=detail)


def test_anomalies_become_one_alert_per_kind_and_subject_held_after_the_latest() -> None:
    events = (
        anomaly("rate_spike", "route:/api/x", T + 2 * MIN),
        anomaly("rate_spike", "route:/api/x", T),
        anomaly("credential_stuffing_one_ip_many_accounts", "ip:203.0.113.9", T + MIN),
    )
    alerts = security_alerts(SecurityFeed(events, (), T + 3 * MIN))
    by_name = {a.label("alertname"): a for a in alerts}
    spike, stuffing = by_name["SecurityRateSpike"], by_name["CredentialStuffing"]
    assert (spike.starts_at_ms, spike.ends_at_ms) == (T, T + 2 * MIN + ANOMALY_HOLD_MS)
    assert spike.label("subject") == "route:/api/x" and spike.label("severity") == "warning"
    assert stuffing.label("severity") == "critical" and stuffing.label("subject") == "ip:203.0.113.9"


def test_an_anomaly_kind_that_is_neither_a_spike_nor_stuffing_raises_nothing() -> None:
    assert security_alerts(SecurityFeed((anomaly("something_else", "ip:x", T),), (), T)) == []


def test_an_automatic_block_fires_while_in_force_and_resolves_when_lifted() -> None:
    s, state = setup(), CenterState()
    block = BlockEntry("203.0.113.7", "threat score 90", BlockSource.AUTOMATIC, T, T + 3_600_000)
    receive(state, run_sources(state, s, SourcesPolled(T, security=SecurityFeed((), (block,), T))).alerts, s, T)
    assert firing(state, T + 1) == {"SecurityAutoBlock": "SecurityAutoBlock"}
    lifted = SourcesPolled(T + MIN, security=SecurityFeed((), (), T + MIN))
    receive(state, run_sources(state, s, lifted).alerts, s, T + MIN)
    assert firing(state, T + MIN) == {}


def test_a_failed_security_poll_resolves_nothing() -> None:
    s, state = setup(), CenterState()
    block = BlockEntry("203.0.113.7", "r", BlockSource.AUTOMATIC, T, None)
    receive(state, run_sources(state, s, SourcesPolled(T, security=SecurityFeed((), (block,), T))).alerts, s, T)
    receive(state, run_sources(state, s, SourcesPolled(T + MIN, security=None)).alerts, s, T + MIN)
    assert firing(state, T + MIN) == {"SecurityAutoBlock": "SecurityAutoBlock"}


# -- the stack's faults ---------------------------------------------------------------------------


def test_failure_streaks_count_consecutive_runs_once_per_scheduled_time() -> None:
    one = next_streaks({}, [("alerts.evaluate_rules", False, "boom"), ("infra.probe_workers", True, "")], T)
    assert one == {"alerts.evaluate_rules": FailureStreak(1, T, T, "boom")}
    again = next_streaks(one, [("alerts.evaluate_rules", False, "boom")], T)  # the same cron delivered twice
    assert again == one
    two = next_streaks(one, [("alerts.evaluate_rules", False, "bang")], T + MIN)
    assert two == {"alerts.evaluate_rules": FailureStreak(2, T, T + MIN, "bang")}
    assert next_streaks(two, [("alerts.evaluate_rules", True, "")], T + 2 * MIN) == {}
    assert next_streaks(two, [("infra.probe_workers", True, "")], T + 2 * MIN) == two  # not in that run


def test_a_cron_job_alerts_from_its_second_failure_in_a_row() -> None:
    one = cron_faults({"logs.flush": FailureStreak(1, T, T, "R2 down")})
    two = cron_faults({"logs.flush": FailureStreak(2, T, T + MIN, "R2 down")})
    assert fault_alerts(one, "monitoring", T) == []
    [alert] = fault_alerts(two, "monitoring", T + MIN)
    assert alert.label("alertname") == "CronJobFailing" and alert.label("job") == "logs.flush"
    assert alert.starts_at_ms == T and alert.annotation("description") == "R2 down"


def test_a_flush_failure_alerts_after_fifteen_minutes() -> None:
    fault = StackFault(FaultKind.LOG_FLUSH_FAILING, "shard 2", T, 4, "R2 put failed")
    assert fault_alerts([fault], "logs", T + FLUSH_FAILING_MS - 1) == []
    [alert] = fault_alerts([fault], "logs", T + FLUSH_FAILING_MS)
    assert (alert.label("alertname"), alert.label("shard")) == ("LogFlushFailing", "shard 2")


def test_a_retention_violation_alerts_at_once() -> None:
    fault = StackFault(FaultKind.RETENTION_VIOLATION, "logs archive", T, 1, "3 archived object(s) older")
    [alert] = fault_alerts([fault], "logs", T)
    assert alert.label("alertname") == "RetentionViolation" and alert.label("reporter") == "logs"


def test_faults_resolve_per_reporter_that_answered() -> None:
    s, state = setup(), CenterState()
    flush_fault = StackFault(FaultKind.LOG_FLUSH_FAILING, "shard 0", T - FLUSH_FAILING_MS, 9, "x")
    cron = StackFault(FaultKind.CRON_JOB_FAILING, "logs.flush", T - MIN, 2, "x")
    polled = SourcesPolled(T, faults=(ReporterFaults("logs", (flush_fault,)), ReporterFaults("monitoring", (cron,))))
    receive(state, run_sources(state, s, polled).alerts, s, T)
    assert set(firing(state, T).values()) == {"LogFlushFailing", "CronJobFailing"}
    # logs is healthy again; monitoring could not be asked: only the flush alert resolves
    later = SourcesPolled(T + MIN, faults=(ReporterFaults("logs", ()), ReporterFaults("monitoring", None, "down")))
    receive(state, run_sources(state, s, later).alerts, s, T + MIN)
    assert set(firing(state, T + MIN).values()) == {"CronJobFailing"}


def test_reconcile_touches_only_the_selected_firing_alerts() -> None:
    a = Alert(label_set({"alertname": "A", "origin": "stack", "reporter": "logs"}), (), T, None, "", T)
    b = Alert(label_set({"alertname": "B", "origin": "stack", "reporter": "monitoring"}), (), T, None, "", T)
    done = Alert(label_set({"alertname": "C", "origin": "stack", "reporter": "logs"}), (), T, T + 1, "", T)
    out = reconcile([a, b, done], {"origin": "stack", "reporter": "logs"}, [], T + 5)
    assert [(x.label("alertname"), x.ends_at_ms) for x in out] == [("A", T + 5)]


# -- dead letters and where the stack's alerts go --------------------------------------------------


def test_a_dead_letter_alert_never_goes_to_the_receiver_it_is_about() -> None:
    s, state = setup(), CenterState()
    # critical -> pagerduty by the tree; the dead letters are pagerduty's: it goes to the root's slack
    receive(state, dead_letter_alerts([DeadLetter("pagerduty", 2, T, T + 5, "HTTP 500")], T + 10), s, T + 10)
    _, notes = flush(state, s, T + 1_010)
    assert [n.receiver for n in notes] == ["slack"]
    assert notes[0].firing[0].label("receiver") == "pagerduty"


def test_stack_alerts_go_to_the_stack_receiver_when_one_is_set() -> None:
    s = setup(receivers=[{"name": "ops", "type": "webhook", "url": "https://ops.example/hook"}],
              sources={"stackReceiver": "ops"})  # fmt: skip
    state = CenterState()
    fault = StackFault(FaultKind.RETENTION_VIOLATION, "logs archive", T, 1, "x")
    receive(state, fault_alerts([fault], "logs", T), s, T)
    receive(state, dead_letter_alerts([DeadLetter("ops", 1, T, T, "HTTP 500")], T), s, T)
    _, notes = flush(state, s, T + 1_000)
    got = sorted((n.receiver, a.label("alertname")) for n in notes for a in n.firing)
    assert got == [("ops", "RetentionViolation"), ("slack", "NotificationDeadLettered")]


def test_an_unknown_stack_receiver_fails_validation_naming_the_field() -> None:
    try:
        setup(sources={"stackReceiver": "nobody"})
    except ValueError as exc:
        assert "sources.stackReceiver" in str(exc)
    else:
        raise AssertionError("accepted an unknown stackReceiver")


def test_the_poll_payload_crosses_rpc_intact() -> None:
    polled = SourcesPolled(
        T, feed(change(1, "api", State.UP, State.DOWN)), 0,
        SecurityFeed((anomaly("rate_spike", "ip:x", T),), (BlockEntry("1.2.3.4", "r", BlockSource.AUTOMATIC, T, None),),
                     T),
        (ReporterFaults("logs", (StackFault(FaultKind.LOG_FLUSH_FAILING, "shard 1", T, 2, "e"),)),
         ReporterFaults("monitoring", None, "down")),
        (DeadLetter("slack", 1, T, T, "HTTP 500"),), ("x",),
    )  # fmt: skip
    assert decode(SourcesPolled, encode(polled)) == polled
