"""RPC payloads of the event sources' poll (the ``watch_sources`` job and AlertCenter.apply_sources),
kept apart from ``messages`` so the Workers that answer rule queries do not import the uptime and
security types."""

from __future__ import annotations

from dataclasses import dataclass

from edgewatch.faults import StackFault
from edgewatch.security import messages as security_messages
from edgewatch.uptime import AlertFeed

from .sources import DeadLetter


@dataclass(frozen=True)
class ReporterFaults:
    """One Worker's answer to ``stack_faults``; ``faults`` is None when it could not be asked."""

    reporter: str
    faults: tuple[StackFault, ...] | None
    error: str = ""


@dataclass(frozen=True)
class SourcesPolled:
    """One poll of the event sources, for AlertCenter.apply_sources; a source that failed is None."""

    now_ms: int
    uptime: AlertFeed | None = None
    uptime_since: int = 0
    security: security_messages.SecurityFeed | None = None
    faults: tuple[ReporterFaults, ...] = ()
    dead_letters: tuple[DeadLetter, ...] | None = None
    errors: tuple[str, ...] = ()
    as_of_ms: int = 0  # the cron's scheduled time: durations (a flush failing 15 min) are judged at it


@dataclass(frozen=True)
class SourcesApplied:
    alerts: int
    uptime_applied: int
    uptime_cursor: int
    uptime_missed: int
    in_maintenance: int
