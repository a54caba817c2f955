from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.codec import decode, encode, to_plain
from edgewatch.vitals import SAMPLE_COLUMNS, VitalRow, VitalSample, VitalSampleRow, rows_by_shard, sample_row, vital_row


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


def test_a_sample_row_lists_where_and_for_whom_a_report_was_measured() -> None:
    # The shard's columns are VitalRow's fields (see VitalsStore's UPSERT); a listed sample keeps
    # navigation type, user id and trace id, which the webVitalsMonitor module sends with every metric.
    kept = VitalSample(
        "v5-9", "LCP", 3100.0, "needs-improvement", "/pitches/:id", "tablet", "reload", "u-42", 7, {}, [],
        trace_id="ab" * 16,
    )  # fmt: skip
    row = to_plain(vital_row(kept))
    assert set(SAMPLE_COLUMNS.split(", ")) <= set(row)
    listed = sample_row({column: row[column] for column in SAMPLE_COLUMNS.split(", ")})
    assert listed == VitalSampleRow(
        "v5-9", "LCP", "/pitches/:id", "tablet", 3100.0, "needs-improvement", 7, "ab" * 16, "reload", "u-42"
    )
    assert decode(VitalSampleRow, encode(listed)) == listed
