"""What crosses the security Worker's RPC boundaries: the Worker and its RateLimiter shards, the
Worker and its BlockLedger. Every payload is a dataclass, sent as text with ``edgewatch.codec``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .blocklist import AddOutcome, AutoBlockPolicy, BlockEntry, BlockSource
from .events import SecurityEvent
from .findings import ThreatClass
from .ratelimit import Decision
from .threats import Action, ThreatVerdict

# An anomaly as ``Anomaly.to_json`` writes it (its counts stay the numbers the detector produced).
AnomalyJson = dict[str, Any]
MAX_NOTED_HITS = 10


class Stuffing(StrEnum):
    """Which credential-stuffing shape a shard tracks for a reported request."""

    IP = "ip"  # the IP's shard: one IP trying many accounts
    ACCOUNT = "account"  # the account's shard: many IPs failing on one account


# --- Worker -> RateLimiter ---------------------------------------------------------------------


@dataclass(frozen=True)
class ThreatNote:
    """A threat verdict as the shard records it (an event, and a strike towards an automatic block)."""

    score: float
    action: Action
    primary: ThreatClass | None
    hits: list[dict[str, Any]]  # the first MAX_NOTED_HITS, what the event keeps

    @classmethod
    def of(cls, verdict: ThreatVerdict) -> ThreatNote:
        hits = [hit.to_json() for hit in verdict.hits[:MAX_NOTED_HITS]]
        return cls(verdict.score, verdict.action, verdict.primary, hits)


@dataclass(frozen=True)
class EvaluateRequest:
    """One checked request for its identifier's shard (``RateLimiter.evaluate``)."""

    now: int
    identifier: str
    route: str  # the rule's endpoint, "other" without a rule
    ip: str | None = None  # a valid address only
    rule: dict[str, Any] | None = None  # the rule to decide by, as configured; None: no limit asked
    threat: ThreatNote | None = None  # None unless the request was not plainly allowed
    block: BlockEntry | None = None  # the block-list entry that refused it
    account: str | None = None
    auto_block_policy: AutoBlockPolicy | None = None
    retention_ms: int | None = None  # the configured event retention


@dataclass(frozen=True)
class AutoBlock:
    """Enough strikes: the shard asks for ``target`` to be blocked for ``ttl_ms``."""

    target: str
    ttl_ms: int
    hits: int
    window_ms: int

    @property
    def reason(self) -> str:
        return f"{self.hits} high-score threats within {self.window_ms // 1000}s"


@dataclass(frozen=True)
class EvaluateAnswer:
    decision: Decision | None  # None when no limit was asked
    anomalies: list[AnomalyJson]
    auto_block: AutoBlock | None = None


@dataclass(frozen=True)
class ReportRequest:
    """An answered request's status for one shard (``RateLimiter.report``)."""

    now: int
    identifier: str
    status: int
    route: str | None
    ip: str | None
    account: str | None
    stuffing: Stuffing


@dataclass(frozen=True)
class ReportAnswer:
    anomalies: list[AnomalyJson]


@dataclass(frozen=True)
class PurgeCount:
    deleted: int
    left: int


def total_purged(answers: Iterable[Mapping[str, PurgeCount]]) -> dict[str, dict[str, int]]:
    """Every shard's purge, added up per table (in the order the tables first appear)."""
    total: dict[str, dict[str, int]] = {}
    for answer in answers:
        for table, counts in answer.items():
            slot = total.setdefault(table, {"deleted": 0, "left": 0})
            slot["deleted"] += counts.deleted
            slot["left"] += counts.left
    return total


# A shard's GROUP BY counts, as ``events.combine`` reads them: {"by_bucket": [[start, type, n]],
# "identifiers": [[key, n]], "rules": [...], "routes": [...]}.
ShardCounts = dict[str, list[list[Any]]]


# --- Worker -> BlockLedger ---------------------------------------------------------------------


@dataclass(frozen=True)
class AddBlock:
    target: str
    reason: str
    ttl_ms: int | None  # None: until removed
    source: BlockSource
    now_ms: int


@dataclass(frozen=True)
class BlockAdded:
    """``BlockLedger.add``'s answer: the outcome and the entry in force, or why the target is bad."""

    outcome: AddOutcome | None = None
    entry: BlockEntry | None = None
    error: str | None = None

    def to_reply(self) -> dict[str, Any]:
        outcome = None if self.outcome is None else self.outcome.value
        return {"outcome": outcome, "entry": None if self.entry is None else self.entry.to_json()}

    @property
    def status(self) -> int:
        return 201 if self.outcome is AddOutcome.ADDED else 200


@dataclass(frozen=True)
class BlockRemoved:
    """``BlockLedger.remove``'s answer: the entry removed (None: there was none), or an error."""

    removed: BlockEntry | None = None
    error: str | None = None


@dataclass(frozen=True)
class SecurityFeed:
    """What alerting polls each minute: the anomalies (rate spikes, credential stuffing) recorded
    since a time, newest first and bounded, and the automatic blocks in force."""

    anomalies: tuple[SecurityEvent, ...]
    auto_blocks: tuple[BlockEntry, ...]
    now_ms: int
