"""The IssueStore Durable Object's RPC payloads (encoded with ``edgewatch.codec``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import StoredEvent
from .grouping import Grouping
from .issues import Issue, IssueQuery, Seen
from .spike import SpikeDecision


@dataclass(frozen=True)
class IngestRequest:
    """One accepted envelope of a project: its items by data category, and its event, if any."""

    project: str
    now_ms: int
    categories: dict[str, int]  # data category -> items (what spike protection counts)
    event: StoredEvent | None = None
    grouping: Grouping | None = None
    discarded: dict[str, int] = field(default_factory=dict)  # "reason:category" -> quantity (client reports)
    skipped: dict[str, int] = field(default_factory=dict)  # item types we do not read -> count


@dataclass(frozen=True)
class IngestAnswer:
    decision: SpikeDecision
    issue_id: str | None = None
    seen: Seen | None = None
    reason: str = ""
    duplicate: bool = False  # the event id was already stored: counted once
    regressed: Issue | None = None  # the issue as it is after a regression (the alert's source)


@dataclass(frozen=True)
class IssueSearch:
    query: IssueQuery
    cursor: str | None = None


@dataclass(frozen=True)
class IssuePage:
    issues: tuple[Issue, ...]
    next_cursor: str | None = None


@dataclass(frozen=True)
class IssueChange:
    issue_id: str
    status: str
    in_release: str | None = None
    in_next_release: bool = False
    ignored_until_ms: int | None = None
    now_ms: int = 0


@dataclass(frozen=True)
class IssueChanged:
    issue: Issue | None = None
    error: str | None = None  # the update cannot apply (422); None and no issue: unknown id (404)


@dataclass(frozen=True)
class EventSearch:
    issue_id: str
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class EventPage:
    events: tuple[StoredEvent, ...]
    found: bool = True  # False: no such issue
    next_cursor: str | None = None


@dataclass(frozen=True)
class StoreStats:
    project: str
    issues: int
    events: int
    counters: dict[str, int]  # accepted:<category>, refused:<reason>, discarded:<reason:category>, skipped:<type>
