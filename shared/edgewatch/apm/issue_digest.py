"""Error issues over a period, for reports: the issues seen in it ranked by their events in it,
the new ones, and the regressions.

An IssueStore keeps the last 100 events of each issue, so ``events`` (the events received in the
period) is exact below that and a lower bound above it (``capped``); ``count`` is the issue's
total since it was first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .issues import Issue

TOP_ISSUES = 10


@dataclass(frozen=True)
class PeriodIssue:
    issue: Issue
    events: int  # events received in the period, among the ones kept
    capped: bool = False  # the issue holds as many events as it keeps: ``events`` may be low


def _row(item: PeriodIssue) -> dict[str, Any]:
    i = item.issue
    return {
        "id": i.id,
        "project": i.project,
        "title": i.title,
        "culprit": i.culprit,
        "level": i.level,
        "status": str(i.status),
        "events": item.events,
        "events_capped": item.capped,
        "count": i.count,
        "first_seen_ms": i.first_seen_ms,
        "last_seen_ms": i.last_seen_ms,
        "regressed_ms": i.regressed_ms,
    }


def issues_digest(items: Sequence[PeriodIssue], start_ms: int, end_ms: int, top: int = TOP_ISSUES) -> dict[str, Any]:
    seen = [p for p in items if p.issue.last_seen_ms >= start_ms and p.issue.first_seen_ms < end_ms]
    ranked = sorted(seen, key=lambda p: (-p.events, -p.issue.count, p.issue.id))
    new = [p for p in seen if start_ms <= p.issue.first_seen_ms < end_ms]
    regressed = [p for p in seen if p.issue.regressed_ms is not None and start_ms <= p.issue.regressed_ms < end_ms]
    regressed.sort(key=lambda p: (-(p.issue.regressed_ms or 0), p.issue.id))
    return {
        "seen": len(seen),
        "new": len(new),
        "regressed": len(regressed),
        "events": sum(p.events for p in seen),
        "top": [_row(p) for p in ranked[:top]],
        "regressions": [_row(p) for p in regressed[:top]],
    }
