from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security.blocklist import (
    AddOutcome,
    AutoBlockPolicy,
    BlockList,
    BlockSource,
    StrikeOutcome,
    StrikeResult,
    Strikes,
    active_entries,
    add_block,
    is_blocked,
    normalise_target,
    purge_expired,
    remove_block,
    strike,
)

H = 3_600_000
T0 = 1_795_737_600_000


def blocked(*items: tuple[str, int | None]) -> BlockList:
    state = BlockList()
    for target, ttl in items:
        state = add_block(state, target, reason="test", ttl_ms=ttl, now_ms=T0).state
    return state


STATE = blocked(("203.0.113.7", H), ("10.0.0.0/8", None), ("2001:db8::/32", 2 * H), ("user:42", H))


@pytest.mark.parametrize(
    ("ip", "identifier", "now", "target"),
    [
        ("203.0.113.7", None, T0, "203.0.113.7"),  # a single address
        ("ip:203.0.113.7", None, T0, "203.0.113.7"),  # an identifier's form is accepted
        ("203.0.113.7", None, T0 + H - 1, "203.0.113.7"),  # still in force 1 ms before expiry
        ("203.0.113.7", None, T0 + H, None),  # expired: inert even before a purge
        ("203.0.113.8", None, T0, None),
        ("10.20.30.40", None, T0 + 1000 * H, "10.0.0.0/8"),  # a range without expiry
        ("::ffff:10.0.0.1", None, T0, "10.0.0.0/8"),  # IPv4-mapped IPv6 is its IPv4 address
        ("2001:db8:abcd::1", None, T0, "2001:db8::/32"),
        ("2001:db9::1", None, T0, None),
        ("not an ip", None, T0, None),
        (None, "user:42", T0, "user:42"),  # a user
        ("198.51.100.1", "user:42", T0, "user:42"),  # a blocked user on a clean address
        (None, "user:43", T0, None),
        (None, None, T0, None),
    ],
)
def test_is_blocked(ip: str | None, identifier: str | None, now: int, target: str | None) -> None:
    entry = is_blocked(STATE, ip, now, identifier=identifier)
    assert (entry.target if entry else None) == target


def test_the_longest_lasting_match_is_reported() -> None:
    state = blocked(("10.1.2.3", H), ("10.0.0.0/8", None), ("10.1.0.0/16", 5 * H))
    entry = is_blocked(state, "10.1.2.3", T0)
    assert entry is not None and entry.target == "10.0.0.0/8"


@pytest.mark.parametrize(
    ("target", "normalised"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("ip:203.0.113.7", "203.0.113.7"),
        ("203.0.113.7/32", "203.0.113.7"),  # a one-address range is the address
        ("2001:0db8::0001", "2001:db8::1"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("user:42", "user:42"),
    ],
)
def test_normalise_target(target: str, normalised: str) -> None:
    assert normalise_target(target) == normalised


@pytest.mark.parametrize("target", ["10.0.0.1/8", "nope", "user:", "user:a\nb", ""])
def test_bad_targets(target: str) -> None:
    with pytest.raises(ValueError, match=r"not|invalid"):
        normalise_target(target)


@pytest.mark.parametrize(
    ("existing", "source", "ttl", "outcome", "expires"),
    [
        (None, BlockSource.MANUAL, H, AddOutcome.ADDED, T0 + H),  # a new block
        (H, BlockSource.MANUAL, 60_000, AddOutcome.REPLACED, T0 + 60_000),  # manual may shorten
        (H, BlockSource.AUTOMATIC, 2 * H, AddOutcome.REPLACED, T0 + 2 * H),  # automatic may extend
        (H, BlockSource.AUTOMATIC, 60_000, AddOutcome.KEPT_EXISTING, T0 + H),  # never shorten
        (None, BlockSource.AUTOMATIC, None, AddOutcome.ADDED, None),  # no TTL: until removed
        (-1, BlockSource.AUTOMATIC, 60_000, AddOutcome.ADDED, T0 + 60_000),  # over an expired entry
    ],
)
def test_add_block(
    existing: int | None, source: BlockSource, ttl: int | None, outcome: AddOutcome, expires: int | None
) -> None:
    state = BlockList()
    if existing is not None:
        start = T0 - 2 if existing < 0 else T0
        state = add_block(
            state, "203.0.113.7", reason="old", ttl_ms=1 if existing < 0 else existing, now_ms=start
        ).state
    change = add_block(state, "203.0.113.7", reason="new", ttl_ms=ttl, now_ms=T0, source=source)
    assert change.outcome is outcome
    assert change.entry is not None and change.entry.expires_ms == expires
    assert change.state.entries["203.0.113.7"] == change.entry


def test_add_block_when_full_purges_first_then_refuses() -> None:
    state = add_block(BlockList(), "10.0.0.1", reason="", ttl_ms=10, now_ms=T0).state
    change = add_block(state, "10.0.0.2", reason="", ttl_ms=H, now_ms=T0 + 10, max_entries=1)
    assert change.outcome is AddOutcome.ADDED  # the expired entry made room
    full = add_block(change.state, "10.0.0.3", reason="", ttl_ms=H, now_ms=T0 + 10, max_entries=1)
    assert full.outcome is AddOutcome.FULL and full.entry is None
    assert set(full.state.entries) == {"10.0.0.2"}


def test_reason_is_cleaned_and_bounded() -> None:
    entry = add_block(BlockList(), "10.0.0.1", reason="a\x1b[31mb\n" + "x" * 500, ttl_ms=H, now_ms=T0).entry
    assert entry is not None
    assert "\x1b" not in entry.reason and "\n" not in entry.reason
    assert len(entry.reason) == 200


def test_bad_ttl() -> None:
    with pytest.raises(ValueError, match="ttl_ms"):
        add_block(BlockList(), "10.0.0.1", reason="", ttl_ms=0, now_ms=T0)


def test_remove_purge_and_list() -> None:
    state, removed = remove_block(STATE, "ip:203.0.113.7")
    assert removed is not None and removed.target == "203.0.113.7"
    assert is_blocked(state, "203.0.113.7", T0) is None
    assert remove_block(state, "203.0.113.7") == (state, None)
    later = purge_expired(STATE, T0 + H)
    assert set(later.entries) == {"10.0.0.0/8", "2001:db8::/32"}
    assert purge_expired(later, T0 + H) is later  # nothing to purge: the same object
    assert [e.target for e in active_entries(STATE, T0)] == ["203.0.113.7", "user:42", "2001:db8::/32", "10.0.0.0/8"]


def test_json_round_trip() -> None:
    assert BlockList.from_json(json.loads(json.dumps(STATE.to_json()))) == STATE
    entry = STATE.entries["10.0.0.0/8"]
    assert entry.to_json() == {
        "target": "10.0.0.0/8",
        "reason": "test",
        "source": "manual",
        "created_ms": T0,
        "expires_ms": None,
    }


@pytest.mark.parametrize(
    "data",
    [
        {},  # no entries
        {"entries": [{"target": "10.0.0.1"}]},  # missing fields
        {"entries": [{"target": "x", "reason": "", "source": "manual", "created_ms": 0, "expires_ms": None}]},
        {"entries": [{"target": "10.0.0.1", "reason": "", "source": "bot", "created_ms": 0, "expires_ms": None}]},
        {"entries": [{"target": "10.0.0.1", "reason": "", "source": "manual", "created_ms": 0, "expires_ms": "1"}]},
    ],
)
def test_bad_json(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BlockList.from_json(data)


# --- automatic blocks --------------------------------------------------------------------------

POLICY = AutoBlockPolicy(min_score=70, hits=3, window_ms=60_000, ttl_ms=H, max_ttl_ms=3 * H)


def strikes_for(hits: list[tuple[int, float]], start: Strikes | None = None) -> list[StrikeResult]:
    results, state = [], start
    for t, score in hits:
        result = strike(state, score, T0 + t, POLICY)
        results.append(result)
        state = result.strikes
    return results


@pytest.mark.parametrize(
    ("hits", "outcomes"),
    [
        # three high scores within a minute: block
        ([(0, 90), (10, 80), (20, 70)], ["counted", "counted", "block"]),
        # low scores are not strikes
        ([(0, 90), (10, 69.9), (20, 90), (30, 10)], ["counted", "below_score", "counted", "below_score"]),
        # strikes older than the window do not count: at 60 000 the one at 0 has left, the one at 10 has not
        ([(0, 90), (10, 90), (60_000, 90), (60_009, 90)], ["counted", "counted", "counted", "block"]),
        # after a block the count starts again
        ([(0, 90), (1, 90), (2, 90), (3, 90)], ["counted", "counted", "block", "counted"]),
    ],
)
def test_strikes(hits: list[tuple[int, float]], outcomes: list[str]) -> None:
    assert [r.outcome.value for r in strikes_for(hits)] == outcomes


def test_repeat_offenders_are_blocked_longer_up_to_the_cap() -> None:
    results = strikes_for([(i, 99) for i in range(12)])
    ttls = [r.ttl_ms for r in results if r.outcome is StrikeOutcome.BLOCK]
    assert ttls == [H, 2 * H, 3 * H, 3 * H]  # doubling, capped at max_ttl_ms


def test_strikes_expire_when_idle() -> None:
    first = strikes_for([(0, 99), (1, 99), (2, 99)])[-1].strikes
    assert first.blocks == 1
    idle = first.expires_at_ms(POLICY) - T0
    again = strikes_for([(idle + i, 99) for i in range(3)], first)[-1]
    assert again.ttl_ms == H  # forgotten: the first block's TTL again
    assert Strikes.from_json(json.loads(json.dumps(first.to_json()))) == first


def test_bad_policy() -> None:
    with pytest.raises(ValueError, match="auto-block policy"):
        AutoBlockPolicy(ttl_ms=H, max_ttl_ms=H - 1)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 30_000), st.floats(0, 100)), max_size=40))
def test_a_block_needs_enough_recent_strikes(gaps: list[tuple[int, float]]) -> None:
    now, hits, state = T0, [], None
    for gap, score in gaps:
        now += gap
        result = strike(state, score, now, POLICY)
        state = result.strikes
        assert len(state.hits) < POLICY.hits
        if score >= POLICY.min_score:
            hits.append(now)
        if result.outcome is StrikeOutcome.BLOCK:
            recent = [t for t in hits if t > now - POLICY.window_ms]
            assert len(recent) >= POLICY.hits
            hits = []


# --- the isolate's copy ------------------------------------------------------------------------


def test_block_list_cache() -> None:
    from edgewatch.security.blocklist import BlockListCache

    cache = BlockListCache(5_000)
    assert cache.fresh(T0) is None  # nothing read yet
    state = BlockList()
    cache.store(state, T0)
    assert cache.fresh(T0 + 4_999) is state  # trusted for ttl_ms
    assert cache.fresh(T0 + 5_000) is None
    cache.forget()
    assert cache.fresh(T0 + 1) is None  # after a change: read again
