"""RPC payloads of the alerts Worker's Durable Objects (AlertCenter, Outbox) and of the data
sources (encoded with ``edgewatch.codec``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .acks import Ack
from .evaluate import SeriesQuery
from .model import Alert, Notification
from .rulerun import RuleOutcome
from .series import SeriesValue
from .silences import Silence


@dataclass(frozen=True)
class IncomingAlerts:
    alerts: tuple[Alert, ...]
    now_ms: int


@dataclass(frozen=True)
class Received:
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class FetchedSeries:
    query: SeriesQuery
    values: tuple[SeriesValue, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class EvaluateRules:
    eval_ms: int
    now_ms: int
    fetched: tuple[FetchedSeries, ...]


@dataclass(frozen=True)
class RulesEvaluated:
    outcomes: tuple[RuleOutcome, ...]
    alerts: int


@dataclass(frozen=True)
class AckRequest:
    group_id: str
    by: str
    now_ms: int
    expires_at_ms: int | None = None
    comment: str = ""


class ChangeOutcome(StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


@dataclass(frozen=True)
class AckAnswer:
    outcome: ChangeOutcome
    ack: Ack | None = None
    error: str = ""
    notified: bool = False


@dataclass(frozen=True)
class SilenceRequest:
    silence: Silence
    now_ms: int


@dataclass(frozen=True)
class SilenceAnswer:
    outcome: ChangeOutcome
    silence_id: str = ""
    error: str = ""


@dataclass(frozen=True)
class Enqueue:
    notifications: tuple[Notification, ...]
    now_ms: int


@dataclass(frozen=True)
class Enqueued:
    added: int
    known: int


@dataclass(frozen=True)
class MetricQuery:
    """What the alerts Worker asks pitchey-monitoring: one query's values at ``until_ms``."""

    query: SeriesQuery
    until_ms: int
