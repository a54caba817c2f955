from __future__ import annotations

import json

import pytest

from edgewatch.codec import decode
from edgewatch.errors import BadRequest
from edgewatch.logs.entry import LogEntry, ParsedBatch
from edgewatch.logs.messages import ENTRY_COLUMNS, AppendRequest, MinuteCount
from edgewatch.logs.pipeline import batch_id_of, prepare
from edgewatch.logs.sampling import Sampler

T0 = 1_795_737_600_000


@pytest.mark.parametrize(
    ("x_batch_id", "idempotency_key", "expected"),
    [
        (None, None, None),
        ("b-1", None, "b-1"),
        (None, "k-1", "k-1"),
        ("b-1", "k-1", "b-1"),  # X-Batch-Id wins
        ("", None, None),  # an empty X-Batch-Id is as if not sent
        ("x" * 128, None, "x" * 128),
    ],
)
def test_batch_id_of(x_batch_id: str | None, idempotency_key: str | None, expected: str | None) -> None:
    assert batch_id_of(x_batch_id, idempotency_key) == expected


@pytest.mark.parametrize(("x_batch_id", "idempotency_key"), [("x" * 129, None), ("", ""), (None, "")])
def test_bad_batch_ids(x_batch_id: str | None, idempotency_key: str | None) -> None:
    with pytest.raises(BadRequest, match="X-Batch-Id must be 1-128 characters"):
        batch_id_of(x_batch_id, idempotency_key)


def test_shard_payload_crosses_the_codec_with_bulk_rows() -> None:
    entry = LogEntry(ts=T0 + 5, level="warn", message="naïve", service="api", trace_id="t")
    prepared = prepare(ParsedBatch([entry], [], 1), Sampler({}), None, 1)
    (payload,) = prepared.shards.values()
    request = decode(AppendRequest, payload.encode("b-1"))
    assert request.batch_id == "b-1"
    assert request.rows == 1
    (row,) = json.loads(request.rows_json)
    assert dict(zip(ENTRY_COLUMNS, row, strict=True))["entry"] == entry.to_json()
    assert "naïve" in request.rows_json  # stored as UTF-8 text, not \\u escapes
    assert request.counts == [MinuteCount("api", T0, "warn", 1, 1)]


def test_a_batch_of_many_services_goes_whole_to_the_shard_of_its_largest_service() -> None:
    from edgewatch.logs.pipeline import batch_shard, shard_of

    assert batch_shard({"api": 2, "web": 5, "db": 5}, 8) == shard_of("web", 8)  # the first of the largest
    assert batch_shard({"solo": 1}, 8) == shard_of("solo", 8)
    assert batch_shard({}, 8) == 0
