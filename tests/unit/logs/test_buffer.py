from __future__ import annotations

import json

import pytest

from edgewatch.codec import decode, encode
from edgewatch.cost import SqlUsage
from edgewatch.logs.archive import HOUR_MS
from edgewatch.logs.buffer import (
    BufferedEntry,
    FlushAlarm,
    FlushState,
    archive_chunks,
    entry_id,
    flush_alarm,
    next_seq,
    with_id,
)
from edgewatch.logs.messages import FlushError

T0 = 1_795_737_600_000  # an hour boundary
LIMITS = {"max_entries": 10, "max_bytes": 1000, "max_age_ms": 600_000}


def test_entry_id_and_with_id() -> None:
    assert entry_id(3, 42) == "003:000000000042"
    assert json.loads(with_id('{"a":1}', "003:1")) == {"a": 1, "id": "003:1"}


@pytest.mark.parametrize(
    ("entries", "size", "first", "expected"),
    [
        (0, 0, None, None),  # nothing waits
        (10, 5, T0, FlushAlarm(T0 + 5, replace=True)),  # full by count: now
        (1, 1000, T0, FlushAlarm(T0 + 5, replace=True)),  # full by bytes: now
        (9, 999, T0 - 100, FlushAlarm(T0 - 100 + 600_000, replace=False)),  # when the oldest is max_age old
    ],
)
def test_flush_alarm(entries: int, size: int, first: int | None, expected: FlushAlarm | None) -> None:
    assert flush_alarm(entries, size, first, T0 + 5, **LIMITS) == expected


def entry(seq: int, ts: int, service: str) -> BufferedEntry:
    return BufferedEntry(seq, ts, service, json.dumps({"ts": ts, "service": service}))


def test_archive_chunks_group_by_service_and_hour_and_cut_at_max_entries() -> None:
    entries = [
        entry(5, T0 + HOUR_MS, "api"),
        entry(1, T0 + 2, "api"),
        entry(2, T0 + 1, "api"),
        entry(3, T0 + 1, "web"),
        entry(4, T0 + 3, "api"),
    ]
    chunks = archive_chunks(entries, shard=2, max_entries=2)
    assert [(c.service, c.unique, c.seqs) for c in chunks] == [
        ("api", f"{T0 + 1}-s2-2", [2, 1]),
        ("api", f"{T0 + 3}-s2-4", [4]),
        ("api", f"{T0 + HOUR_MS}-s2-5", [5]),
        ("web", f"{T0 + 1}-s2-3", [3]),
    ]
    assert json.loads(chunks[0].lines[0])["id"] == "002:000000000002"


def test_archive_chunks_of_nothing() -> None:
    assert archive_chunks([], 0, 10) == []


# -- numbering and the flush state -----------------------------------------------------------


@pytest.mark.parametrize(
    ("last_seq", "last_count", "floor", "expected"),
    [
        (None, 0, 0, 1),  # the first batch of a new shard starts at 1
        (1, 100, 0, 101),  # after a batch of 100 numbered 1..100
        (101, 0, 0, 102),  # a batch of counts only still took one number
        (None, 0, 5_001, 5_001),  # every row was deleted: numbering goes on from the floor
        (40, 10, 5_001, 5_001),  # the floor wins over an older row (first layout's numbers)
        (6_000, 3, 5_001, 6_003),
    ],
)
def test_next_seq(last_seq: int | None, last_count: int, floor: int, expected: int) -> None:
    assert next_seq(last_seq, last_count, floor) == expected


def test_a_chunk_archived_above_the_watermark_is_remembered_until_it_passes() -> None:
    state = FlushState(archived_through=100).archived_chunk([150, 120]).archived_chunk([130])
    assert state.archived_ahead == [120, 130, 150] and state.archived_through == 100
    failed = state.failed("R2 down", now_ms=5)
    assert failed.failures == 1 and failed.failing_since_ms == 5 and failed.archived_ahead == [120, 130, 150]
    again = failed.failed("R2 still down", now_ms=9)
    assert again.failing_since_ms == 5 and again.last_error is not None and again.last_error.error == "R2 still down"
    done = again.succeeded(through=121, last_entry=140, now_ms=20)  # batch 121 holds entries 121..140
    assert done.archived_through == 121 and done.archived_ahead == [150]
    assert done.failing_since_ms is None and done.last_ok_ms == 20 and done.failures == 2


def test_the_watermark_never_moves_back() -> None:
    assert FlushState(archived_through=300).succeeded(through=200, last_entry=250, now_ms=1).archived_through == 300


def test_the_flush_state_survives_the_codec() -> None:
    state = FlushState(7, [9, 11], 2, 3, FlushError(4, "x"), 4, SqlUsage(5, 6, 7))
    assert decode(FlushState, encode(state)) == state
