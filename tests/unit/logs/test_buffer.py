from __future__ import annotations

import json

import pytest

from edgewatch.logs.archive import HOUR_MS
from edgewatch.logs.buffer import BufferedEntry, FlushAlarm, archive_chunks, entry_id, flush_alarm, with_id

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
