from __future__ import annotations

import json

import pytest

from edgewatch.codec import decode, encode
from edgewatch.security.blocklist import AddOutcome, AutoBlockPolicy, BlockEntry, BlockSource
from edgewatch.security.checkflow import decision_to_json
from edgewatch.security.findings import ThreatClass
from edgewatch.security.messages import (
    AddBlock,
    AutoBlock,
    BlockAdded,
    BlockRemoved,
    EvaluateAnswer,
    EvaluateRequest,
    PurgeCount,
    ReportAnswer,
    ReportRequest,
    ShardCounts,
    Stuffing,
    ThreatNote,
    total_purged,
)
from edgewatch.security.ratelimit import Decision, Reason
from edgewatch.security.threats import Action

T0 = 1_795_737_600_000
ENTRY = BlockEntry("203.0.113.7", "spam", BlockSource.MANUAL, T0, T0 + 60_000)
LIMITED = Decision(False, Reason.LIMITED, "rate-limit-auth", 5, 900_000, 0, T0 + 5_000, 5_000, ((5, 900_000),))

# Every payload comes back as it was sent.
ROUND_TRIPS = [
    EvaluateRequest(T0, "ip:203.0.113.7", "other"),
    EvaluateRequest(
        T0,
        "ip:203.0.113.7",
        "/api/auth/*",
        "203.0.113.7",
        {"id": "rate-limit-auth", "endpoint": "/api/auth/*", "limits": [{"requests": 5, "windowMs": 900000}]},
        ThreatNote(92.5, Action.BLOCK, ThreatClass.SQLI, [{"class": "sqli", "score": 92.5}]),
        ENTRY,
        "alice",
        AutoBlockPolicy(),
        86_400_000,
    ),
    EvaluateAnswer(None, []),
    EvaluateAnswer(LIMITED, [{"kind": "rate_spike", "observed": 25}], AutoBlock("203.0.113.7", 3_600_000, 5, 600_000)),
    ReportRequest(T0, "account:alice", 401, None, "203.0.113.7", "alice", Stuffing.ACCOUNT),
    ReportAnswer([{"kind": "auth_failure_spike", "observed": 30, "baseline": 1.5}]),
    AddBlock("user:42", "spam", None, BlockSource.AUTOMATIC, T0),
    BlockAdded(AddOutcome.ADDED, ENTRY),
    BlockAdded(error="'x' is not a valid target"),
    BlockRemoved(ENTRY),
    BlockRemoved(),
]


@pytest.mark.parametrize("message", ROUND_TRIPS, ids=lambda m: type(m).__name__)
def test_round_trip(message: object) -> None:
    assert decode(type(message), encode(message)) == message


def test_anomaly_counts_keep_their_json_numbers() -> None:
    # An anomaly crosses as the detector wrote it: an integer count stays an integer.
    answer = decode(ReportAnswer, encode(ReportAnswer([{"observed": 25, "baseline": 1.5}])))
    assert json.dumps(answer.anomalies) == '[{"observed": 25, "baseline": 1.5}]'


def test_a_decision_crosses_as_decision_to_json_writes_it() -> None:
    assert json.loads(encode(LIMITED)) == decision_to_json(LIMITED)


def test_the_auto_block_reason() -> None:
    assert AutoBlock("203.0.113.7", 3_600_000, 5, 600_000).reason == "5 high-score threats within 600s"


@pytest.mark.parametrize(
    ("answer", "reply", "status"),
    [
        (BlockAdded(AddOutcome.ADDED, ENTRY), {"outcome": "added", "entry": ENTRY.to_json()}, 201),
        (BlockAdded(AddOutcome.REPLACED, ENTRY), {"outcome": "replaced", "entry": ENTRY.to_json()}, 200),
        (BlockAdded(AddOutcome.KEPT_EXISTING, ENTRY), {"outcome": "kept_existing", "entry": ENTRY.to_json()}, 200),
        (BlockAdded(AddOutcome.FULL, None), {"outcome": "full", "entry": None}, 200),  # nothing added
    ],
)
def test_block_added_reply(answer: BlockAdded, reply: dict[str, object], status: int) -> None:
    assert (answer.to_reply(), answer.status) == (reply, status)


def test_total_purged_adds_up_every_shard_per_table() -> None:
    answers = [
        {"limits": PurgeCount(1, 2), "strikes": PurgeCount(0, 0), "events": PurgeCount(3, 4)},
        {"limits": PurgeCount(5, 6), "strikes": PurgeCount(1, 1), "events": PurgeCount(0, 9)},
    ]
    total = total_purged(answers)
    assert total == {
        "limits": {"deleted": 6, "left": 8},
        "strikes": {"deleted": 1, "left": 1},
        "events": {"deleted": 3, "left": 13},
    }
    assert list(total) == ["limits", "strikes", "events"]
    assert total_purged([]) == {}


def test_a_purge_answer_decodes_per_table() -> None:
    text = encode({"limits": PurgeCount(1, 2)})
    assert decode(dict[str, PurgeCount], text) == {"limits": PurgeCount(1, 2)}


def test_shard_counts_decode_as_sent() -> None:
    counts = {"by_bucket": [[T0, "threat", 3]], "identifiers": [["ip:1.2.3.4", 3]], "rules": [], "routes": []}
    assert decode(ShardCounts, json.dumps(counts)) == counts
