from __future__ import annotations

from edgewatch.alerts.rulestate import (
    AlertState,
    EvalOutcome,
    RuleSpec,
    RuleState,
    Transition,
    expand,
)

API = (("service", "api"),)
MIN = 60_000
SPEC = RuleSpec(
    "High Error Rate",
    "warning",
    for_ms=2 * MIN,
    labels=(("team", "web"),),
    annotations=(("summary", "{{ $labels.service }} at {{ $value }} {{ $foo }}"),),
)


def steps(spec: RuleSpec, holds: list[bool]) -> list[tuple[AlertState, tuple[Transition, ...], int]]:
    """(rule state, transitions, alerts emitted) per minute; the condition holds at 0.12 or not."""
    state = RuleState(spec.name)
    out = []
    for minute, on in enumerate(holds):
        result = state.evaluate(spec, {API: 0.12} if on else {}, minute * MIN, 5)
        out.append((state.state, tuple(c.reason for c in result.changes), len(result.alerts)))
    return out


def test_pending_for_then_firing_then_resolved_once() -> None:
    P, F, N = AlertState.PENDING, AlertState.FIRING, AlertState.INACTIVE
    assert steps(SPEC, [True, True, True, True, False, False]) == [
        (P, (Transition.BECAME_PENDING,), 0),  # minute 0: pending, nothing sent
        (P, (), 0),  # 1 minute of 2
        (F, (Transition.FIRED,), 1),  # 'for' elapsed: firing, sent
        (F, (), 1),  # still firing: resent
        (N, (Transition.RESOLVED,), 1),  # resolved: sent once with ends_at
        (N, (), 0),  # and not again
    ]


def test_for_zero_fires_at_once_and_pending_drops() -> None:
    zero = RuleSpec("r", "critical")
    assert steps(zero, [True])[0] == (AlertState.FIRING, (Transition.BECAME_PENDING, Transition.FIRED), 1)
    assert steps(SPEC, [True, False])[1] == (AlertState.INACTIVE, (Transition.PENDING_DROPPED,), 0)


def test_keep_firing_for() -> None:
    spec = RuleSpec("r", "warning", keep_firing_for_ms=2 * MIN)
    got = [reasons for _, reasons, _ in steps(spec, [True, False, False, True, False, False, False])]
    assert got == [
        (Transition.BECAME_PENDING, Transition.FIRED),
        (Transition.KEPT_FIRING,),  # stopped at minute 1: kept
        (Transition.KEPT_FIRING,),  # 1 minute of 2
        (),  # holds again: the keep-firing clock restarts
        (Transition.KEPT_FIRING,),
        (Transition.KEPT_FIRING,),
        (Transition.RESOLVED,),  # 2 minutes since minute 4
    ]


def test_resolved_is_forgotten_after_15_minutes() -> None:
    state = RuleState("r")
    spec = RuleSpec("r", "warning")
    state.evaluate(spec, {API: 1.0}, 0, 1)
    state.evaluate(spec, {}, MIN, 1)
    assert state.evaluate(spec, {}, 16 * MIN, 1).changes == ()  # exactly 15 minutes: kept
    assert [c.reason for c in state.evaluate(spec, {}, 16 * MIN + 1, 1).changes] == [Transition.FORGOTTEN]
    assert state.series == {}


def test_same_minute_twice_changes_and_emits_nothing() -> None:
    state = RuleState("r")
    spec = RuleSpec("r", "warning")
    first = state.evaluate(spec, {API: 1.0}, MIN, 3)
    before = state.to_json()
    again = state.evaluate(spec, {}, MIN, 3)  # the cron delivered twice, the data changed meanwhile
    assert (first.outcome, len(first.alerts)) == (EvalOutcome.EVALUATED, 1)
    assert (again.outcome, again.changes, again.alerts) == (EvalOutcome.DUPLICATE, (), ())
    assert state.to_json() == before
    assert state.record_error(MIN, "boom", 1).outcome is EvalOutcome.DUPLICATE


def test_alert_labels_annotations_and_times() -> None:
    state = RuleState(SPEC.name)
    for minute in range(3):
        result = state.evaluate(SPEC, {API: 0.12}, minute * MIN, 4)
    (alert,) = result.alerts
    assert dict(alert.labels) == {
        "alertname": "High Error Rate",
        "severity": "warning",
        "team": "web",
        "service": "api",
    }
    assert alert.annotation("summary") == "api at 0.12 {{ $foo }}"  # unknown placeholders stay
    assert (alert.starts_at_ms, alert.ends_at_ms, alert.updated_at_ms) == (2 * MIN, None, 2 * MIN)
    (resolved,) = state.evaluate(SPEC, {}, 3 * MIN, 4).alerts
    assert resolved.ends_at_ms == 3 * MIN and resolved.resolved(3 * MIN)


def test_errors_keep_states_and_state_round_trips_through_json() -> None:
    state = RuleState("r")
    spec = RuleSpec("r", "warning", for_ms=MIN)
    state.evaluate(spec, {API: 2.5}, 0, 7)
    assert state.record_error(MIN, "store unavailable", 9).outcome is EvalOutcome.FAILED
    assert (state.state, state.last_error, state.last_duration_ms, state.last_eval_ms) == (
        AlertState.PENDING,
        "store unavailable",
        9,
        MIN,
    )
    copy = RuleState.from_json(state.to_json())
    assert copy == state
    assert copy.evaluate(spec, {API: 3.0}, 2 * MIN, 1).alerts[0].starts_at_ms == 2 * MIN


def test_expand_is_plain_substitution() -> None:
    labels = (("service", "api"),)
    assert expand("{{$labels.service}}/{{ $labels.nope }}/{{ $value }}", labels, 2000.0) == "api//2000"
    assert expand("{{ .Values }} {{ range }}", labels, 1.5) == "{{ .Values }} {{ range }}"
