from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.uptime.probe import ProbeReason
from edgewatch.uptime.record import LastResult
from edgewatch.uptime.scheduling import Candidate, due, select_due
from edgewatch.uptime.spec import CheckSpec

MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    ("interval", "last", "now", "expected"),
    [
        (MIN, None, T, True),
        (MIN, T, T, False),  # a repeated delivery of the same minute
        (MIN, T, T + MIN, True),
        (MIN, T, T + MIN - 3_000, True),  # cron jitter is absorbed
        (5 * MIN, T, T + 4 * MIN, False),
        (5 * MIN, T, T + 5 * MIN, True),
    ],
)
def test_due(interval: int, last: int | None, now: int, expected: bool) -> None:
    assert due(interval, last, now) is expected


# --- select_due: which due checks a run takes, and in which order ---------------------------------


def _check(check_id: str, interval: int = MIN, timeout: int = 10_000) -> CheckSpec:
    return CheckSpec(id=check_id, url="https://x.example/", interval_ms=interval, timeout_ms=timeout)


def _last(latency: float | None, reason: ProbeReason = ProbeReason.OK) -> LastResult:
    return LastResult(T - MIN, True, False, reason, "", 200, latency)


def test_select_due_skips_checks_that_are_not_due() -> None:
    candidates = [
        Candidate(_check("a"), T - MIN, _last(10)),  # due
        Candidate(_check("b", 5 * MIN), T - MIN, _last(10)),  # ran a minute ago, every 5 min
        Candidate(_check("c"), None, None),  # never ran
    ]
    chosen = select_due(candidates, T, limit=10)
    assert sorted(s.id for s in chosen.checks) == ["a", "c"]
    assert chosen.deferred == 0


@pytest.mark.parametrize(
    ("candidates", "limit", "ids", "deferred"),
    [
        # the slowest last time starts first; a timeout counts as the timeout, a never-run check too
        (
            [
                Candidate(_check("fast"), T - MIN, _last(5)),
                Candidate(_check("slow"), T - MIN, _last(900)),
                Candidate(_check("timed-out", timeout=3_000), T - MIN, _last(50, ProbeReason.TIMEOUT)),
                Candidate(_check("new", timeout=2_000), None, None),
                Candidate(_check("no-latency", timeout=1_000), T - MIN, _last(None, ProbeReason.NETWORK_ERROR)),
            ],
            10,
            ["timed-out", "new", "no-latency", "slow", "fast"],
            0,
        ),
        # over the limit: those waiting longest are taken (a never-run check first), the rest deferred
        (
            [
                Candidate(_check("a"), T - MIN, _last(100)),
                Candidate(_check("b"), T - 3 * MIN, _last(1)),
                Candidate(_check("c"), None, None),
                Candidate(_check("d"), T - 2 * MIN, _last(500)),
            ],
            2,
            ["c", "b"],
            2,
        ),
        # ties keep id order (the order the runner lists them)
        (
            [Candidate(_check(i), T - MIN, _last(7)) for i in ("x", "y", "z")],
            2,
            ["x", "y"],
            1,
        ),
    ],
)
def test_select_due_order(candidates: list[Candidate], limit: int, ids: list[str], deferred: int) -> None:
    chosen = select_due(candidates, T, limit)
    assert [s.id for s in chosen.checks] == ids
    assert chosen.deferred == deferred


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 10), st.integers(1, 5_000) | st.none()), max_size=30),
    st.integers(1, 10),
)
def test_select_due_never_starves_and_never_loses_a_check(runs: list[tuple[int, int | None]], limit: int) -> None:
    candidates = [
        Candidate(_check(f"c{i:02}"), None if ago < 0 else T - (ago + 1) * MIN, None if took is None else _last(took))
        for i, (ago, took) in enumerate(runs)
    ]
    chosen = select_due(candidates, T, limit)
    assert len(chosen.checks) == min(limit, len(candidates))
    assert len(chosen.checks) + chosen.deferred == len(candidates)  # all are due
    waited = {c.spec.id: -1 if c.last_run_ms is None else c.last_run_ms for c in candidates}
    taken = {s.id for s in chosen.checks}
    if chosen.deferred:  # every check taken has waited at least as long as every check left
        assert max(waited[i] for i in taken) <= min(w for i, w in waited.items() if i not in taken)
    by_id = {c.spec.id: c.expected_ms for c in candidates}
    assert [by_id[s.id] for s in chosen.checks] == sorted((by_id[s.id] for s in chosen.checks), reverse=True)
