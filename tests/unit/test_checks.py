from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.checks import (
    CheckSpec,
    CheckState,
    Incident,
    MaintenanceWindow,
    ProbeReason,
    ProbeResult,
    State,
    Transition,
    TransitionReason,
    advance,
    check_spec_from_json,
    incidents_update,
    judge,
    uptime,
    uptime_windows,
)
from edgewatch.config import HealthChecksConfig

H, D, W = 3_600_000, 86_400_000, 604_800_000
SPEC = CheckSpec(id="api", url="https://api.example.com/health")
KW = CheckSpec(id="kw", url="https://x.example/", keyword="healthy")
KW_ABSENT = CheckSpec(id="kw2", url="https://x.example/", keyword="maintenance", keyword_must_exist=False)

# --- check_spec_from_json ----------------------------------------------------------------------


def test_spec_from_json_full() -> None:
    spec = check_spec_from_json(
        {
            "id": "api",
            "url": "https://api.example.com/health",
            "method": "post",
            "headers": {"Authorization": "Bearer x"},
            "expectedStatus": [200, 204],
            "keyword": "ok",
            "keywordMustExist": False,
            "timeout": 5000,
            "degradedMs": 800,
            "retriesBeforeDown": 3,
            "retriesBeforeUp": 2,
        },
        None,
    )
    assert spec == CheckSpec(
        id="api",
        url="https://api.example.com/health",
        method="POST",
        headers=(("Authorization", "Bearer x"),),
        expected_status=(200, 204),
        keyword="ok",
        keyword_must_exist=False,
        timeout_ms=5000,
        degraded_ms=800,
        retries_before_down=3,
        retries_before_up=2,
    )


def test_spec_from_json_defaults_and_base_url() -> None:
    defaults = HealthChecksConfig.model_validate({"timeout": 3000, "baseUrl": "https://app.example.com/"})
    spec = check_spec_from_json({"id": "h", "url": "/health", "expectedStatus": 204}, defaults)
    assert spec.url == "https://app.example.com/health"
    assert spec.timeout_ms == 3000  # from HealthChecksConfig
    assert spec.degraded_ms == 2000
    assert spec.expected_status == (204,)  # a single status is accepted
    assert (spec.retries_before_down, spec.retries_before_up) == (2, 1)


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ({"url": "https://a.example"}, "id: required"),
        ({"id": "a"}, "url: required"),
        ({"id": "a", "url": "ftp://a.example"}, "must be an http:// or https:// URL"),  # not http(s)
        ({"id": "a", "url": "javascript:alert(1)"}, "must be an http:// or https:// URL"),
        ({"id": "a", "url": "https://"}, "with a host"),  # no host
        ({"id": "a", "url": "/health"}, "no baseUrl"),  # a path needs a base URL
        ({"id": "a", "url": "https://a.example", "method": "DELETE"}, "method: 'DELETE' is not one of"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": [99]}, "out of range 100..599"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": [600]}, "out of range 100..599"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": []}, "non-empty list"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": ["200"]}, "expected an integer"),
        ({"id": "a", "url": "https://a.example", "timeout": 0}, "timeout: 0 is out of range 1..30000"),
        ({"id": "a", "url": "https://a.example", "timeout": 30001}, "out of range 1..30000"),
        ({"id": "a", "url": "https://a.example", "timeout": True}, "expected an integer"),  # bool is not int here
        ({"id": "a", "url": "https://a.example", "degradedMs": 20000}, "degradedMs: 20000 is out of range"),
        ({"id": "a", "url": "https://a.example", "retriesBeforeUp": 0}, "retriesBeforeUp: 0"),
        ({"id": "a", "url": "https://a.example", "retriesBeforeDown": -1}, "retriesBeforeDown: -1"),
        ({"id": "a", "url": "https://a.example", "method": "HEAD", "keyword": "x"}, "HEAD response has no body"),
        ({"id": "a", "url": "https://a.example", "headers": {"X": "a\nb"}}, "control characters"),  # header injection
        ({"id": "a", "url": "https://a.example", "headers": {"bad name": "v"}}, "not a valid header name"),
        ({"id": "a", "url": "https://a.example", "intervl": 5}, "intervl: unknown field"),  # typo is caught
        ({"id": "a", "url": "https://a.example", "timeout": 1, "timeout_ms": 2}, "given twice"),
    ],
)
def test_spec_from_json_rejects(data: dict[str, object], phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        check_spec_from_json(data, None)


# --- judge ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "probe", "ok", "degraded", "reason"),
    [
        (SPEC, (200, 120.0, "", None), True, False, ProbeReason.OK),  # fast 200
        (SPEC, (200, None, None, None), True, False, ProbeReason.OK),  # latency unknown: not slow
        (SPEC, (200, 2000.0, "", None), True, False, ProbeReason.OK),  # exactly the threshold is not slow
        (SPEC, (200, 2500.0, "", None), True, True, ProbeReason.SLOW),  # passing but above degraded_ms
        (SPEC, (503, 50.0, "", None), False, False, ProbeReason.BAD_STATUS),  # unexpected status
        (SPEC, (301, 50.0, "", None), False, False, ProbeReason.BAD_STATUS),  # redirect not expected
        (KW, (200, 50.0, "status: degraded", None), False, False, ProbeReason.KEYWORD_MISSING),
        (KW, (200, 50.0, None, None), False, False, ProbeReason.KEYWORD_MISSING),  # no body at all
        (KW, (200, 50.0, "all healthy", None), True, False, ProbeReason.OK),  # keyword found
        (KW, (200, 50.0, "all HEALTHY", None), False, False, ProbeReason.KEYWORD_MISSING),  # case-sensitive
        (KW_ABSENT, (200, 50.0, "down for maintenance", None), False, False, ProbeReason.KEYWORD_PRESENT),
        (KW_ABSENT, (200, 50.0, "fine", None), True, False, ProbeReason.OK),  # forbidden keyword absent
        (KW, (500, 50.0, "healthy", None), False, False, ProbeReason.BAD_STATUS),  # status checked before keyword
        (SPEC, (None, 10000.0, None, "aborted"), False, False, ProbeReason.TIMEOUT),  # no answer within timeout
        (SPEC, (None, None, None, "The operation timed out"), False, False, ProbeReason.TIMEOUT),
        (SPEC, (200, 10500.0, "", None), False, False, ProbeReason.TIMEOUT),  # late answer counts as timeout
        (SPEC, (None, 30.0, None, "DNS lookup failed"), False, False, ProbeReason.NETWORK_ERROR),
        (SPEC, (None, None, None, None), False, False, ProbeReason.NETWORK_ERROR),  # nothing at all
    ],
)
def test_judge(
    spec: CheckSpec,
    probe: tuple[int | None, float | None, str | None, str | None],  # status, latency, body, error
    ok: bool,
    degraded: bool,
    reason: ProbeReason,
) -> None:
    result = judge(spec, *probe)
    assert (result.ok, result.degraded, result.reason) == (ok, degraded, reason)
    assert result.detail


def test_judge_detail_is_clean_and_bounded() -> None:
    result = judge(SPEC, None, None, None, "boom\x1b[31m\n" + "x" * 1000)
    assert "\x1b" not in result.detail and "\n" not in result.detail
    assert len(result.detail) <= 200
    assert judge(SPEC, 503, 10.0, "", None).detail == "HTTP 503, expected 200"


# --- state machine -------------------------------------------------------------------------------

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


# --- maintenance ---------------------------------------------------------------------------------

MON = 4 * D  # 1970-01-05 was a Monday; windows are plain ms so any origin works
WEEKLY = MaintenanceWindow(MON + 2 * H, MON + 4 * H, every_ms=W)  # Mondays 02:00-04:00
WEEKLY_UNTIL = MaintenanceWindow(MON + 2 * H, MON + 4 * H, every_ms=W, until_ms=MON + W + 2 * H)
LONG = MaintenanceWindow(0, 3 * H, every_ms=2 * H, until_ms=0)  # one occurrence longer than the period


@pytest.mark.parametrize(
    ("window", "t", "covered"),
    [
        (MaintenanceWindow(100, 200), 99, False),  # before
        (MaintenanceWindow(100, 200), 100, True),  # start is inclusive
        (MaintenanceWindow(100, 200), 199, True),
        (MaintenanceWindow(100, 200), 200, False),  # end is exclusive
        (WEEKLY, MON + 2 * H - 1, False),
        (WEEKLY, MON + 3 * H, True),  # first Monday
        (WEEKLY, MON + 10 * W + 3 * H, True),  # ten weeks later
        (WEEKLY, MON + 10 * W + 4 * H, False),  # just after it ends
        (WEEKLY, MON + 10 * W + D + 3 * H, False),  # Tuesday
        (WEEKLY, MON - W + 3 * H, False),  # the week before the series starts
        (WEEKLY_UNTIL, MON + W + 3 * H, True),  # second occurrence starts exactly at until: included
        (WEEKLY_UNTIL, MON + 2 * W + 3 * H, False),  # third is after until
        (LONG, 2 * H + 1, True),  # the first occurrence runs past the start of a later one
        (LONG, 3 * H, False),
    ],
)
def test_maintenance_covers(window: MaintenanceWindow, t: int, covered: bool) -> None:
    assert window.covers(t) is covered


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"start_ms": 10, "end_ms": 10}, "before it starts"),
        ({"start_ms": 0, "end_ms": 10, "every_ms": 0}, "every_ms must be positive"),
        ({"start_ms": 0, "end_ms": 10, "until_ms": 5}, "only applies to a recurring window"),
    ],
)
def test_maintenance_rejects(kwargs: dict[str, int], phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        MaintenanceWindow(**kwargs)


# --- uptime --------------------------------------------------------------------------------------


def test_uptime_excludes_maintenance_exactly() -> None:
    window = MaintenanceWindow(10_000, 20_000)
    samples = [
        (0, State.UP),
        (5_000, State.DEGRADED),  # degraded counts as up
        (9_999, State.DOWN),  # just before maintenance: counted
        (10_000, State.DOWN),  # inside: excluded
        (19_999, State.DOWN),  # inside: excluded
        (20_000, State.DOWN),  # end is exclusive: counted
        (25_000, State.PENDING),  # not yet known: not counted
        (30_000, State.UP),  # at end_ms: outside the window
    ]
    report = uptime(samples, 0, 30_000, [window])
    assert (report.total, report.up, report.down, report.excluded, report.pending) == (7, 2, 2, 2, 1)
    assert report.ratio == 0.5
    without = uptime(samples, 0, 30_000, [])
    assert (without.down, without.excluded) == (4, 0)
    assert without.ratio == pytest.approx(2 / 6)


def test_uptime_no_probes() -> None:
    assert uptime([], 0, 1_000, []).ratio is None
    only_maintenance = uptime([(5, State.DOWN)], 0, 1_000, [MaintenanceWindow(0, 10)])
    assert (only_maintenance.excluded, only_maintenance.ratio) == (1, None)
    with pytest.raises(ValueError, match="before it starts"):
        uptime([], 10, 10, [])


def test_uptime_weekly_maintenance() -> None:
    # one probe per hour for four weeks, DOWN during every Monday 02:00-04:00 maintenance and
    # for 3 extra hours outside it
    start = MON
    samples = []
    for hour in range(4 * 7 * 24):
        t = start + hour * H
        down = WEEKLY.covers(t) or hour in (50, 51, 52)
        samples.append((t, State.DOWN if down else State.UP))
    report = uptime(samples, start, start + 4 * W, [WEEKLY])
    assert report.total == 672 and report.excluded == 8  # 2 hourly probes x 4 Mondays
    assert report.down == 3
    assert report.ratio == pytest.approx(661 / 664)


def test_uptime_windows() -> None:
    now = 100 * D
    samples = [
        (now, State.UP),  # at now: in every window
        (now - D + 1, State.UP),  # oldest instant of the 24h window
        (now - D, State.DOWN),  # one ms too old for 24h
        (now - 10 * D, State.DOWN),  # in 30d and 90d
        (now - 89 * D, State.UP),  # only 90d
        (now - 91 * D, State.DOWN),  # in none
        (now + 1, State.DOWN),  # future: in none
    ]
    reports = uptime_windows(samples, now, [])
    assert list(reports) == ["24h", "7d", "30d", "90d"]
    assert [(r.up, r.down) for r in reports.values()] == [(2, 0), (2, 1), (2, 2), (3, 2)]
    assert reports["24h"].ratio == 1.0
    assert reports["90d"].ratio == pytest.approx(3 / 5)
