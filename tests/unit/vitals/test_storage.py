from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.codec import decode, encode
from edgewatch.vitals import VitalRow, VitalSample, rows_by_shard, vital_row


def sample(id: str, route: str, ts: int = 1, attribution: dict[str, object] | None = None) -> VitalSample:
    return VitalSample(id, "LCP", 2000.0, "good", route, "mobile", "navigate", "u-1", ts, attribution or {}, [])


def test_vital_row() -> None:
    assert vital_row(sample("v5-1", "/a", attribution={"element": "#hero"})) == VitalRow(
        "v5-1", "LCP", "/a", "mobile", 2000.0, "good", 1, "navigate", "u-1", json.dumps({"element": "#hero"})
    )
    assert vital_row(sample("v5-1", "/a")).attribution is None


def test_rows_by_shard_deduplicates_first() -> None:
    parts = rows_by_shard([sample("v5-1", "/a", ts=1), sample("v5-1", "/a", ts=2)], 4)
    assert [r.ts for rows in parts.values() for r in rows] == [2]


@given(st.lists(st.sampled_from(["/", "/a", "/b/:id", "/c", "/d/e"]), max_size=20), st.integers(1, 8))
def test_a_route_lives_in_one_shard(routes: list[str], shards: int) -> None:
    parts = rows_by_shard([sample(f"id-{i}", r) for i, r in enumerate(routes)], shards)
    owners: dict[str, set[int]] = {}
    for shard, rows in parts.items():
        assert 0 <= shard < shards
        for row in rows:
            owners.setdefault(row.route, set()).add(shard)
    assert all(len(found) == 1 for found in owners.values())
    assert sum(len(rows) for rows in parts.values()) == len(routes)


def test_rows_cross_the_codec() -> None:
    rows = [vital_row(sample("v5-1", "/a"))]
    assert decode(list[VitalRow], encode(rows)) == rows
