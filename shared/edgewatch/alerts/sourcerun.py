"""One poll of the event sources applied to the center's state: the alerts each enabled source
reports, the resolutions of what a source no longer reports, the uptime cursor and the maintenance
windows. The caller receives the alerts into the store and flushes (see ``center``)."""

from __future__ import annotations

from dataclasses import dataclass

from .center import CenterState
from .model import Alert
from .setup import AlertingSetup
from .source_messages import SourcesApplied, SourcesPolled
from .sources import (
    ORIGIN,
    Origin,
    dead_letter_alerts,
    fault_alerts,
    gone_monitors,
    maintenance_windows,
    reconcile,
    security_alerts,
    uptime_step,
)


@dataclass(frozen=True)
class SourceRun:
    alerts: tuple[Alert, ...]
    applied: SourcesApplied


def _uptime(state: CenterState, polled: SourcesPolled) -> tuple[list[Alert], int]:
    feed = polled.uptime
    if feed is None:
        return [], 0
    step = uptime_step(feed, state.feeds.uptime_seq)
    state.feeds.uptime_seq = step.cursor
    state.feeds.uptime_missed += step.missed
    state.feeds.maintenance = maintenance_windows(feed)
    return [*step.alerts, *gone_monitors(state.alerts.values(), feed)], step.applied


def _security(state: CenterState, polled: SourcesPolled) -> list[Alert]:
    if polled.security is None:
        return []
    found = security_alerts(polled.security)
    selector = {ORIGIN: Origin.SECURITY.value, "alertname": "SecurityAutoBlock"}
    blocks = [a for a in found if a.label("alertname") == "SecurityAutoBlock"]
    return [*found, *reconcile(state.alerts.values(), selector, blocks, polled.now_ms)]


def _stack(state: CenterState, polled: SourcesPolled) -> list[Alert]:
    out: list[Alert] = []
    for answer in polled.faults:
        if answer.faults is None:
            continue  # the reporter could not be asked: its alerts stay as they are
        found = fault_alerts(answer.faults, answer.reporter, polled.now_ms, polled.as_of_ms)
        selector = {ORIGIN: Origin.STACK.value, "reporter": answer.reporter}
        out += [*found, *reconcile(state.alerts.values(), selector, found, polled.now_ms)]
    if polled.dead_letters is not None:
        out += dead_letter_alerts(polled.dead_letters, polled.now_ms)
    return out


def run_sources(state: CenterState, setup: AlertingSetup, polled: SourcesPolled) -> SourceRun:
    """The alerts of one poll (to receive), with the feed state advanced in ``state``."""
    enabled = setup.sources
    alerts: list[Alert] = []
    applied = 0
    if enabled.uptime:
        uptime, applied = _uptime(state, polled)
        alerts += uptime
    elif polled.uptime is not None:  # disabled: keep the cursor current so enabling does not replay
        state.feeds.uptime_seq = max([state.feeds.uptime_seq, *(c.seq for c in polled.uptime.changes)])
    if enabled.security:
        alerts += _security(state, polled)
    if enabled.stack:
        alerts += _stack(state, polled)
    state.feeds.polled_ms["sources"] = polled.now_ms
    summary = SourcesApplied(
        len(alerts), applied, state.feeds.uptime_seq, state.feeds.uptime_missed, len(state.feeds.maintenance)
    )
    return SourceRun(tuple(alerts), summary)
