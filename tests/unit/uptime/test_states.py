from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.uptime.probe import ProbeReason, ProbeResult
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import CheckState, Incident, State, Transition, TransitionReason, advance, incidents_update

# --- state machine -------------------------------------------------------------------------------

SPEC = CheckSpec(id="api", url="https://api.example.com/health")
OK = ProbeResult(True, False, ProbeReason.OK, "HTTP 200")
SLOW = ProbeResult(True, True, ProbeReason.SLOW, "HTTP 200 in 3000ms")
FAIL = ProbeResult(False, False, ProbeReason.BAD_STATUS, "HTTP 503, expected 200")
KWM = ProbeResult(False, False, ProbeReason.KEYWORD_MISSING, "keyword 'ok' not found in the body")

S, R = State, TransitionReason


def run(spec: CheckSpec, results: list[ProbeResult]) -> list[Transition]:
    state = CheckState.initial(0)
    out = []
    for i, result in enumerate(results, start=1):
        transition = advance(state, result, i * 60_000, spec)
        out.append(transition)
        state = transition.new
    return out


@pytest.mark.parametrize(
    ("spec", "results", "states", "reasons"),
    [
        # healthy: the first result decides, then nothing changes
        (SPEC, [OK, OK, OK], [S.UP, S.UP, S.UP], [R.FIRST_RESULT, R.STILL_SAME, R.STILL_SAME]),
        # failing from the start: PENDING until the third failure (retries_before_down=2)
        (
            SPEC,
            [FAIL, FAIL, FAIL, FAIL],
            [S.PENDING, S.PENDING, S.DOWN, S.DOWN],
            [R.FAILURE_BELOW_THRESHOLD, R.FAILURE_BELOW_THRESHOLD, R.WENT_DOWN, R.STILL_SAME],
        ),
        # healthy then failing: stays UP through the retries, DOWN on the third failure
        (
            SPEC,
            [OK, FAIL, FAIL, FAIL],
            [S.UP, S.UP, S.UP, S.DOWN],
            [R.FIRST_RESULT, R.FAILURE_BELOW_THRESHOLD, R.FAILURE_BELOW_THRESHOLD, R.WENT_DOWN],
        ),
        # slow: DEGRADED follows latency immediately, both ways
        (
            SPEC,
            [OK, SLOW, SLOW, OK, SLOW],
            [S.UP, S.DEGRADED, S.DEGRADED, S.UP, S.DEGRADED],
            [R.FIRST_RESULT, R.BECAME_DEGRADED, R.STILL_SAME, R.NO_LONGER_DEGRADED, R.BECAME_DEGRADED],
        ),
        # slow first result: starts DEGRADED
        (SPEC, [SLOW], [S.DEGRADED], [R.FIRST_RESULT]),
        # flapping: fail, ok, fail, ok never reaches DOWN
        (
            SPEC,
            [OK, FAIL, OK, FAIL, OK, FAIL],
            [S.UP] * 6,
            [R.FIRST_RESULT, *[R.FAILURE_BELOW_THRESHOLD, R.STILL_SAME] * 2, R.FAILURE_BELOW_THRESHOLD],
        ),
        # keyword missing is a failure like any other
        (
            SPEC,
            [OK, KWM, KWM, KWM],
            [S.UP, S.UP, S.UP, S.DOWN],
            [R.FIRST_RESULT, R.FAILURE_BELOW_THRESHOLD, R.FAILURE_BELOW_THRESHOLD, R.WENT_DOWN],
        ),
        # recovery with retries_before_up=2: one success is not enough, a failure resets the count
        (
            CheckSpec(id="r", url="https://r.example", retries_before_down=0, retries_before_up=2),
            [OK, FAIL, OK, FAIL, OK, OK, OK],
            [S.UP, S.DOWN, S.DOWN, S.DOWN, S.DOWN, S.UP, S.UP],
            [
                R.FIRST_RESULT,
                R.WENT_DOWN,  # retries_before_down=0: the first failure is enough
                R.RECOVERING_BELOW_THRESHOLD,
                R.STILL_SAME,
                R.RECOVERING_BELOW_THRESHOLD,
                R.CAME_UP,
                R.STILL_SAME,
            ],
        ),
        # recovering with a slow probe comes back DEGRADED
        (
            CheckSpec(id="r", url="https://r.example", retries_before_down=0),
            [FAIL, SLOW, OK],
            [S.DOWN, S.DEGRADED, S.UP],
            [R.WENT_DOWN, R.CAME_UP, R.NO_LONGER_DEGRADED],
        ),
        # pending after one failure, then a success decides UP
        (SPEC, [FAIL, OK], [S.PENDING, S.UP], [R.FAILURE_BELOW_THRESHOLD, R.FIRST_RESULT]),
    ],
)
def test_state_machine(
    spec: CheckSpec, results: list[ProbeResult], states: list[State], reasons: list[TransitionReason]
) -> None:
    transitions = run(spec, results)
    assert [t.new.state for t in transitions] == states
    assert [t.reason for t in transitions] == reasons


def test_advance_bookkeeping() -> None:
    prev = CheckState(State.UP, 0, 5, 1_000, TransitionReason.FIRST_RESULT)
    same = advance(prev, FAIL, 2_000, SPEC)
    assert not same.changed and same.previous is State.UP
    assert same.new == CheckState(State.UP, 1, 0, 1_000, TransitionReason.FIRST_RESULT)  # since_ms kept
    assert prev.consecutive_failures == 0  # prev is not mutated
    down = advance(CheckState(State.UP, 2, 0, 1_000, None), FAIL, 3_000, SPEC)
    assert down.changed and down.new.since_ms == 3_000
    assert down.new.last_change_reason is TransitionReason.WENT_DOWN
    assert down.detail == FAIL.detail


# hypothesis: any sequence of probes, any thresholds
results_st = st.lists(st.sampled_from([OK, SLOW, FAIL, KWM]), max_size=60)


@settings(max_examples=300)
@given(results_st, st.integers(0, 4), st.integers(1, 4))
def test_thresholds_always_hold(results: list[ProbeResult], down: int, up: int) -> None:
    spec = CheckSpec(id="p", url="https://p.example", retries_before_down=down, retries_before_up=up)
    transitions = run(spec, results)
    prev_state = State.PENDING
    for i, t in enumerate(transitions):
        if t.new.state is State.DOWN and prev_state is not State.DOWN:
            window = results[max(0, i - down) : i + 1]
            assert len(window) == down + 1 and not any(r.ok for r in window)
            assert t.reason is TransitionReason.WENT_DOWN
        if prev_state is State.DOWN and t.new.state is not State.DOWN:
            window = results[max(0, i - up + 1) : i + 1]
            assert len(window) == up and all(r.ok for r in window)
            assert t.reason is TransitionReason.CAME_UP
        if t.new.state is not State.DOWN and t.new.state is not State.PENDING:
            # outside DOWN/PENDING, the state matches the last passing probe's latency
            last_pass = next(r for r in reversed(results[: i + 1]) if r.ok)
            assert (t.new.state is State.DEGRADED) == last_pass.degraded
        assert t.changed == (t.new.state is not prev_state)
        prev_state = t.new.state


@given(st.lists(st.sampled_from([True, False]), max_size=60))
def test_flapping_never_goes_down(pattern: list[bool]) -> None:
    # alternate fail/ok with no two failures in a row: with retries_before_down=1, never DOWN
    results = [FAIL if i % 2 else OK for i in range(len(pattern))]
    spec = CheckSpec(id="f", url="https://f.example", retries_before_down=1)
    assert all(t.new.state is not State.DOWN for t in run(spec, results))


# --- incidents -----------------------------------------------------------------------------------


def test_incident_opens_and_closes() -> None:
    spec = CheckSpec(id="api", url="https://api.example", retries_before_down=1, retries_before_up=2)
    state = CheckState.initial(0)
    open_incident: Incident | None = None
    closed: list[Incident] = []
    # t (minutes), probe
    script = [(1, OK), (2, FAIL), (3, KWM), (4, FAIL), (5, OK), (6, OK), (7, OK), (8, FAIL)]
    for minute, result in script:
        now = minute * 60_000
        transition = advance(state, result, now, spec)
        state = transition.new
        open_incident, just_closed = incidents_update(open_incident, transition, "api", now)
        if just_closed is not None:
            closed.append(just_closed)
        if minute in (3, 4, 5):
            assert open_incident is not None and open_incident.end_ms is None
            assert open_incident.duration_ms is None
    assert len(closed) == 1
    incident = closed[0]
    assert incident.start_ms == 3 * 60_000  # opened by the second failure (WENT_DOWN)
    assert incident.end_ms == 6 * 60_000  # closed by the second success (CAME_UP)
    assert incident.duration_ms == 3 * 60_000
    assert incident.cause == KWM.detail  # the probe that tipped it DOWN
    assert open_incident is None  # minute 8 is a single failure: no new incident


@pytest.mark.parametrize(
    ("open_before", "reason", "open_after", "closed"),
    [
        (None, TransitionReason.WENT_DOWN, Incident("c", 500, None, "boom"), None),  # opens
        (Incident("c", 100, None, "x"), TransitionReason.CAME_UP, None, Incident("c", 100, 500, "x")),  # closes
        (Incident("c", 100, None, "x"), TransitionReason.STILL_SAME, Incident("c", 100, None, "x"), None),
        (Incident("c", 100, None, "x"), TransitionReason.WENT_DOWN, Incident("c", 100, None, "x"), None),  # kept
        (None, TransitionReason.CAME_UP, None, None),  # nothing open (state lost): nothing to close
        (None, TransitionReason.BECAME_DEGRADED, None, None),  # degraded is not an incident
    ],
)
def test_incidents_update_table(
    open_before: Incident | None, reason: TransitionReason, open_after: Incident | None, closed: Incident | None
) -> None:
    transition = Transition(CheckState(State.DOWN, 0, 0, 0), True, reason, State.UP, "boom")
    assert incidents_update(open_before, transition, "c", 500) == (open_after, closed)
