from __future__ import annotations

import json
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.logs.archive import build_object
from edgewatch.logs.messages import Candidate, ShardSearchAnswer
from edgewatch.logs.query import Cursor, Query
from edgewatch.logs.search import SearchMerge, matching_lines

T0 = 1_795_737_600_000


def line(ts: int, ident: str, message: str = "m", service: str = "api") -> str:
    return json.dumps({"ts": ts, "level": "info", "service": service, "message": message, "id": ident})


def query(limit: int = 3, **kw: Any) -> Query:
    return Query(T0 - 3_600_000, T0 + 3_600_000, limit, **kw)


def test_merge_pools_the_shards_and_sorts_candidates_newest_first() -> None:
    answers = [
        ShardSearchAnswer([line(T0, "000:1")], [Candidate("a", T0 - 100, T0 - 50)], 3),
        ShardSearchAnswer(
            [line(T0 + 1, "001:1")], [Candidate("b", T0 - 40, T0 - 10), Candidate("a", T0 - 100, T0 - 50)], 2
        ),
    ]
    merge = SearchMerge.of(query(), answers)
    assert merge.buffered == 2
    assert merge.total_objects == 5
    assert [c.key for c in merge.candidates] == ["b", "a"]  # the same object from two shards counts once


def test_no_scan_when_the_buffer_fills_the_page_with_newer_entries() -> None:
    answers = [ShardSearchAnswer([line(T0 + i, f"000:{i}") for i in range(3)], [Candidate("old", 0, T0 - 1)], 1)]
    merge = SearchMerge.of(query(limit=3), answers)
    assert merge.next_group() == []
    page = merge.page()
    assert [m["id"] for m in page["matches"]] == ["000:2", "000:1", "000:0"]
    assert page["cursor"] == Cursor(T0, "000:0").encode()
    assert page["objects"] == {"total": 1, "skipped_by_index": 0, "scanned": 0, "not_needed": 1}


def test_an_object_as_new_as_the_page_is_still_scanned() -> None:
    # The limit-th newest match (T0) is not newer than the object's max_ts (T0): it may hold newer ones.
    answers = [ShardSearchAnswer([line(T0, "000:1")], [Candidate("k", T0 - 5, T0)], 1)]
    merge = SearchMerge.of(query(limit=1), answers)
    assert merge.next_group() == [Candidate("k", T0 - 5, T0)]


def test_objects_are_scanned_in_groups_until_enough() -> None:
    candidates = [Candidate(f"k{i}", T0 - 100 * i - 50, T0 - 100 * i) for i in range(10)]
    merge = SearchMerge.of(query(limit=2), [ShardSearchAnswer([], candidates, 12)])
    first = merge.next_group(concurrency=4)
    assert [c.key for c in first] == ["k0", "k1", "k2", "k3"]
    merge.add_scanned(first, [[json.loads(line(c.max_ts, c.key))] for c in first])
    assert merge.next_group(concurrency=4) == []  # two matches newer than k4's newest entry
    page = merge.page()
    assert page["count"] == 2
    assert page["objects"] == {"total": 12, "skipped_by_index": 2, "scanned": 4, "not_needed": 6}


def test_a_short_page_has_no_cursor() -> None:
    merge = SearchMerge.of(query(limit=5), [ShardSearchAnswer([line(T0, "000:1")], [], 0)])
    assert merge.next_group() == []
    page = merge.page()
    assert page["cursor"] is None
    assert page["count"] == 1
    assert page["buffered_matches"] == 1


def test_matching_lines_of_an_archived_object() -> None:
    built = build_object("api", "u", [line(T0, "000:1", "disk full"), line(T0 + 1, "000:2", "ok")])
    found = matching_lines(query(phrases=(("disk",),)), built.data)
    assert [m["id"] for m in found] == ["000:1"]


def test_answers_cross_the_codec() -> None:
    answer = ShardSearchAnswer([line(T0, "000:1")], [Candidate("k", 1, 2)], 4)
    assert decode(ShardSearchAnswer, encode(answer)) == answer
    q = query(services=frozenset({"api"}), cursor=Cursor(T0, "000:9"))
    assert decode(Query, encode(q)) == q
