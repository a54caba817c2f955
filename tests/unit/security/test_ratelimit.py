from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.config import SecurityRule
from edgewatch.security.ratelimit import (
    DEFAULT_MAX_RUNS,
    Decision,
    LimitState,
    Reason,
    check,
    is_expired,
    rate_limit_headers,
    state_key,
)
from edgewatch.stack import load_stack_config

MIN = 60_000
T0 = 1_795_737_600_000  # an arbitrary epoch ms, a whole second
AUTH = next(r for r in load_stack_config().security_rules if r.id == "rate-limit-auth")  # 5/15min, 20/1h


def rule(*limits: tuple[int, int], rule_id: str = "r") -> SecurityRule:
    return SecurityRule.model_validate(
        {"id": rule_id, "endpoint": "/x", "limits": [{"requests": n, "windowMs": w} for n, w in limits]}
    )


def run(
    r: SecurityRule, times: list[int], state: LimitState | None = None, max_runs: int = DEFAULT_MAX_RUNS
) -> list[Decision]:
    decisions = []
    for t in times:
        decision, state = check(r, state, t, max_runs=max_runs)
        decisions.append(decision)
    return decisions


def allowed(r: SecurityRule, times: list[int], max_runs: int = DEFAULT_MAX_RUNS) -> list[bool]:
    return [d.allowed for d in run(r, times, max_runs=max_runs)]


def sliding_log(limits: list[tuple[int, int]], times: list[int]) -> list[bool]:
    """The reference: allow iff, for every limit, fewer than N requests were allowed in (t - W, t]."""
    kept: list[int] = []
    out = []
    for t in times:
        ok = all(sum(1 for a in kept if t - w < a <= t) < n for n, w in limits)
        if ok:
            kept.append(t)
        out.append(ok)
    return out


# --- the user's guide and window edges ---------------------------------------------------------


def test_guide_ten_rapid_logins_five_allowed() -> None:
    decisions = run(AUTH, [T0 + i for i in range(10)])
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 5
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    refused = decisions[5]
    assert refused.reason is Reason.LIMITED
    assert (refused.limit, refused.window_ms) == (5, 15 * MIN)
    assert refused.reset_ms == T0 + 15 * MIN  # when the first login leaves the window
    assert refused.retry_after_ms == 15 * MIN - 5


@pytest.mark.parametrize(
    ("limits", "times", "expected"),
    [
        # five at the end of a window, then one just after the edge: a fixed window would allow it
        (
            [(5, 15 * MIN)],
            [15 * MIN - 5, 15 * MIN - 4, 15 * MIN - 3, 15 * MIN - 2, 15 * MIN - 1, 15 * MIN + 1],
            [True] * 5 + [False],
        ),
        # a request leaves the window exactly W after it was made: (t - W, t]
        ([(1, 1000)], [0, 999, 1000], [True, False, True]),
        # refusals are not counted: the client that keeps trying recovers on schedule
        (
            [(2, 1000)],
            [0, 0, 1, 2, 500, 999, 1000, 1000, 1001],
            [True, True, False, False, False, False, True, True, False],
        ),
        # the shipped auth limits: 5 per sliding 15 minutes already implies 20 per hour, so one login
        # every 3 minutes is never refused (a fixed-window 20/h would refuse the 21st)
        ([(5, 15 * MIN), (20, 60 * MIN)], [i * 3 * MIN for i in range(25)], [True] * 25),
        # the long limit binds: 1 per second would allow these, 3 per 10 seconds does not
        ([(1, 1000), (3, 10_000)], [0, 1000, 2000, 3000, 10_000], [True, True, True, False, True]),
        # two limits: the short one binds first
        ([(2, 1000), (3, 10_000)], [0, 0, 0, 1000, 1000, 5000, 10_000], [True, True, False, True, False, False, True]),
    ],
)
def test_sequences(limits: list[tuple[int, int]], times: list[int], expected: list[bool]) -> None:
    assert allowed(rule(*limits), times) == expected
    assert sliding_log(limits, times) == expected  # the reference agrees with the table


def test_binding_limit_is_the_one_with_least_remaining() -> None:
    r = rule((3, 1000), (100, 60_000))
    decision = run(r, [0, 10])[-1]
    assert (decision.limit, decision.window_ms, decision.remaining) == (3, 1000, 1)
    assert decision.reset_ms == 10 + 1000  # the newest request leaves the short window
    assert decision.policies == ((3, 1000), (100, 60_000))


def test_refusal_reports_the_limit_that_waits_longest() -> None:
    r = rule((1, 1000), (2, 10_000))
    decisions = run(r, [0, 1000, 2000])  # the third is refused by both; the 10 s limit frees up later
    refused = decisions[-1]
    assert not refused.allowed
    assert (refused.limit, refused.reset_ms, refused.retry_after_ms) == (2, 10_000, 8000)


def test_compaction_is_stricter_never_looser() -> None:
    r = rule((4, 100))
    times = [0, 10, 20, 30, 100, 119, 120]
    assert allowed(r, times) == [True] * 7
    # with two runs, 0, 10 and 20 end up merged into one run at 20: all three expire at 120
    assert allowed(r, times, max_runs=2) == [True, True, True, True, False, False, True]


def test_state_json_and_expiry() -> None:
    _, state = check(AUTH, None, T0)
    assert state.to_json() == {
        "v": 1,
        "logs": {"5/900000": [[T0, 1]], "20/3600000": [[T0, 1]]},
        "expires_at_ms": T0 + 60 * MIN,
    }
    assert LimitState.from_json(json.loads(json.dumps(state.to_json()))) == state
    assert not is_expired(state, T0 + 60 * MIN - 1)
    assert is_expired(state, T0 + 60 * MIN)
    assert state_key("rate-limit-auth", "ip:203.0.113.7") == "rl:rate-limit-auth:ip:203.0.113.7"


def test_a_changed_rule_drops_old_logs_and_starts_new_ones_empty() -> None:
    _, state = check(rule((1, 1000)), None, 0)
    decision, state = check(rule((2, 1000)), state, 1)
    assert decision.allowed
    assert set(state.logs) == {"2/1000"}


@pytest.mark.parametrize(
    "data",
    [
        {},  # no version
        {"v": 2, "logs": {}, "expires_at_ms": 0},  # unknown version
        {"v": 1, "logs": [], "expires_at_ms": 0},  # logs not an object
        {"v": 1, "logs": {}, "expires_at_ms": "0"},  # expiry not an integer
        {"v": 1, "logs": {"1/1": [[0]]}, "expires_at_ms": 0},  # a run is a pair
        {"v": 1, "logs": {"1/1": [[0, 0]]}, "expires_at_ms": 0},  # a run counts at least one request
        {"v": 1, "logs": {"1/1": [[0.5, 1]]}, "expires_at_ms": 0},  # times are integers
    ],
)
def test_state_from_bad_json(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="rate-limit state"):
        LimitState.from_json(data)


def test_max_runs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_runs"):
        check(AUTH, None, 0, max_runs=0)


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "now", "expected"),
    [
        # allowed: epoch-second reset for X-*, delta seconds for the IETF draft fields
        (
            Decision(True, Reason.ALLOWED, "auth", 5, 900_000, 3, T0 + 900_000, 0, ((5, 900_000), (20, 3_600_000))),
            T0,
            {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "3",
                "X-RateLimit-Reset": str(T0 // 1000 + 900),
                "RateLimit-Limit": "5",
                "RateLimit-Remaining": "3",
                "RateLimit-Reset": "900",
                "RateLimit-Policy": "5;w=900, 20;w=3600",
            },
        ),
        # refused: Retry-After rounded up, RateLimit-Reset the same moment, remaining 0
        (
            Decision(False, Reason.LIMITED, "auth", 5, 900_000, 0, T0 + 1_500, 1_500, ((5, 900_000),)),
            T0,
            {
                "Retry-After": "2",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(T0 // 1000 + 2),
                "RateLimit-Limit": "5",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": "2",
                "RateLimit-Policy": "5;w=900",
            },
        ),
        # a sub-second window is advertised as one second, never w=0
        (
            Decision(True, Reason.ALLOWED, "r", 2, 500, 1, 1500, 0, ((2, 500),)),
            1000,
            {
                "X-RateLimit-Limit": "2",
                "X-RateLimit-Remaining": "1",
                "X-RateLimit-Reset": "2",
                "RateLimit-Limit": "2",
                "RateLimit-Remaining": "1",
                "RateLimit-Reset": "1",
                "RateLimit-Policy": "2;w=1",
            },
        ),
        (Decision.no_rule(), T0, {}),  # no rule governs the path: no headers
        (Decision.allow_listed("auth"), T0, {}),  # a trusted client: no headers
        (Decision.blocked(T0, T0 + 60_001), T0, {"Retry-After": "61"}),  # blocked until a known time
        (Decision.blocked(T0, None), T0, {}),  # blocked until removed: no promise to make
    ],
)
def test_headers(decision: Decision, now: int, expected: dict[str, str]) -> None:
    assert rate_limit_headers(decision, now) == expected


def test_headers_of_a_real_refusal() -> None:
    decision = run(AUTH, [T0 + i for i in range(6)])[-1]
    headers = rate_limit_headers(decision, T0 + 5)
    assert headers["Retry-After"] == headers["RateLimit-Reset"] == "900"
    assert headers["RateLimit-Policy"] == "5;w=900, 20;w=3600"


def test_gcra_would_not_be_exact_at_window_edges() -> None:
    """Why the module keeps a log: GCRA with burst N (tolerance W - T) lets 2N - 1 into one window."""
    n, w = 2, 10_000
    interval, tolerance, tat = w // n, w - w // n, 0
    admitted: list[int] = []
    for t in [0, 0, 5_000]:
        if max(tat, t) - t <= tolerance:
            tat, admitted = max(tat, t) + interval, [*admitted, t]
    assert admitted == [0, 0, 5_000]  # three in (-5 s, 5 s]
    assert allowed(rule((n, w)), [0, 0, 5_000]) == [True, True, False]


# --- properties --------------------------------------------------------------------------------

LIMITS = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 60)), min_size=1, max_size=3)
TIMES = st.lists(st.integers(0, 40), max_size=60).map(lambda gaps: [sum(gaps[: i + 1]) for i in range(len(gaps))])


@settings(max_examples=300)
@given(LIMITS, TIMES)
def test_equals_an_exact_sliding_log(limits: list[tuple[int, int]], times: list[int]) -> None:
    assert allowed(rule(*limits), times, max_runs=64) == sliding_log(limits, times)


@settings(max_examples=300)
@given(LIMITS, TIMES, st.integers(1, 4))
def test_never_more_than_n_in_any_window_even_compacted(
    limits: list[tuple[int, int]], times: list[int], max_runs: int
) -> None:
    verdicts = allowed(rule(*limits), times, max_runs=max_runs)
    admitted = [t for t, ok in zip(times, verdicts, strict=True) if ok]
    for n, w in limits:
        for end in admitted:  # the fullest window can be taken to end at an admitted request
            assert sum(1 for a in admitted if end - w < a <= end) <= n


@settings(max_examples=200)
@given(LIMITS, TIMES, st.integers(1, 8))
def test_restart_mid_stream_changes_nothing(limits: list[tuple[int, int]], times: list[int], max_runs: int) -> None:
    r = rule(*limits)
    state: LimitState | None = None
    restarted = []
    for t in times:
        if state is not None:
            state = LimitState.from_json(json.loads(json.dumps(state.to_json())))
        decision, state = check(r, state, t, max_runs=max_runs)
        restarted.append(decision)
    assert restarted == run(r, times, max_runs=max_runs)


@settings(max_examples=200)
@given(LIMITS, st.lists(st.tuples(st.integers(0, 40), st.booleans()), max_size=60))
def test_identifiers_do_not_share_state(limits: list[tuple[int, int]], steps: list[tuple[int, bool]]) -> None:
    r = rule(*limits)
    states: dict[str, LimitState | None] = {"a": None, "b": None}
    seen: dict[str, list[tuple[int, bool]]] = {"a": [], "b": []}
    now = 0
    for gap, is_a in steps:
        now += gap
        who = "a" if is_a else "b"
        decision, states[who] = check(r, states[who], now)
        seen[who].append((now, decision.allowed))
    for who in ("a", "b"):
        times = [t for t, _ in seen[who]]
        assert [ok for _, ok in seen[who]] == allowed(r, times)


@settings(max_examples=200)
@given(LIMITS, TIMES, st.integers(0, 100))
def test_an_expired_state_is_a_fresh_one(limits: list[tuple[int, int]], times: list[int], later: int) -> None:
    r = rule(*limits)
    state: LimitState | None = None
    for t in times:
        _, state = check(r, state, t)
    if state is None:
        return
    at = max(state.expires_at_ms, times[-1]) + later
    assert is_expired(state, at)
    assert check(r, state, at) == check(r, None, at)


@settings(max_examples=300)
@given(LIMITS, TIMES, st.integers(1, 8))
def test_retry_after_is_exact(limits: list[tuple[int, int]], times: list[int], max_runs: int) -> None:
    r = rule(*limits)
    state: LimitState | None = None
    for t in times:
        before = state
        decision, state = check(r, state, t, max_runs=max_runs)
        if not decision.allowed:
            assert decision.retry_after_ms >= 1
            assert decision.reset_ms == t + decision.retry_after_ms
            assert check(r, before, t + decision.retry_after_ms, max_runs=max_runs)[0].allowed
            assert not check(r, before, t + decision.retry_after_ms - 1, max_runs=max_runs)[0].allowed


@settings(max_examples=300)
@given(LIMITS, TIMES)
def test_remaining_is_exact(limits: list[tuple[int, int]], times: list[int]) -> None:
    r = rule(*limits)
    state: LimitState | None = None
    for t in times:
        decision, state = check(r, state, t)
        if decision.allowed:
            assert decision.remaining is not None
            more = run(r, [t] * (decision.remaining + 1), state)
            assert [d.allowed for d in more] == [True] * decision.remaining + [False]


@settings(max_examples=200)
@given(st.integers(1, 6), st.integers(1, 60), TIMES)
def test_reset_restores_the_full_quota(n: int, w: int, times: list[int]) -> None:
    r = rule((n, w))
    state: LimitState | None = None
    for t in times:
        decision, state = check(r, state, t)
        if decision.allowed:
            assert decision.reset_ms is not None
            assert allowed(r, [decision.reset_ms] * (n + 1), max_runs=64) == [True] * n + [False]
            assert [d.allowed for d in run(r, [decision.reset_ms] * n, state)] == [True] * n
