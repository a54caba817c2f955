from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import Unprocessable
from edgewatch.logs.messages import TailAnswer
from edgewatch.logs.tail import TailPosition, decode_tail_cursor, encode_tail_cursor, merge_tail, tail_position


@given(st.dictionaries(st.integers(0, 64), st.integers(-1, 2**40)))
def test_cursor_round_trip(positions: dict[int, int]) -> None:
    assert decode_tail_cursor(encode_tail_cursor(positions)) == positions


@pytest.mark.parametrize("text", [None, ""])
def test_no_cursor(text: str | None) -> None:
    assert decode_tail_cursor(text) == {}


@pytest.mark.parametrize("text", ["!!!", "bm90IGpzb24", "WzEsMl0", "eyJhIjoxfQ"])  # junk, not JSON, a list, bad key
def test_foreign_cursor_is_refused(text: str) -> None:
    with pytest.raises(Unprocessable, match="since is not a cursor this service issued"):
        decode_tail_cursor(text)


@pytest.mark.parametrize(
    ("since", "read", "first", "last", "expected"),
    [
        (-1, [5, 6], 1, 6, TailPosition(6, False)),  # no cursor: never a gap
        (4, [5, 6], 1, 6, TailPosition(6, False)),
        (4, [], 1, 4, TailPosition(4, False)),  # nothing new
        (4, [], None, None, TailPosition(4, False)),  # empty shard
        (-1, [], None, None, TailPosition(0, False)),
        (4, [9], 9, 9, TailPosition(9, True)),  # 5..8 were dropped before they were read
        (2, [], 1, 7, TailPosition(7, False)),  # the shard's newest when the read returned nothing
    ],
)
def test_tail_position(
    since: int, read: list[int], first: int | None, last: int | None, expected: TailPosition
) -> None:
    assert tail_position(since, read, first, last) == expected


def test_merge_orders_by_time_and_keeps_each_shard_position() -> None:
    a = json.dumps({"ts": 3, "id": "000:000000000001"})
    b = json.dumps({"ts": 1, "id": "001:000000000004"})
    page = merge_tail([TailAnswer([a], 1, False), TailAnswer([b], 4, True)])
    assert [e["ts"] for e in page["entries"]] == [1, 3]
    assert decode_tail_cursor(page["cursor"]) == {0: 1, 1: 4}
    assert page["gap"] is True
