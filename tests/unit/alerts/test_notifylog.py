from __future__ import annotations

import json

import pytest

from edgewatch.alerts.model import NotifyReason
from edgewatch.alerts.notifylog import NotifyLog, NotifyLogEntry, needs_update

H = 3_600_000
NOW = 100 * H
REPEAT = 4 * H


def entry(firing: set[str], resolved: set[str], at_ms: int = NOW - H) -> NotifyLogEntry:
    return NotifyLogEntry("g", "slack", frozenset(firing), frozenset(resolved), at_ms, at_ms + 120 * H)


R = NotifyReason
CASES = [
    # No entry yet and something fires: notify at once.
    (None, {"a"}, set(), True, R.FIRST_NOTIFICATION),
    # No entry yet and only resolved alerts: the receiver never heard of them.
    (None, set(), {"a"}, True, R.DO_NOT_NOTIFY),
    # A firing alert the last notification did not have.
    (entry({"a"}, set()), {"a", "b"}, set(), True, R.NEW_ALERTS_IN_GROUP),
    # A firing alert that was resolved in the last notification fires again: new to the receiver.
    (entry({"b"}, {"a"}), {"a", "b"}, set(), True, R.NEW_ALERTS_IN_GROUP),
    # Everything resolved after something was firing: notify, even when send_resolved is off.
    (entry({"a"}, set()), set(), {"a"}, True, R.RESOLVED),
    (entry({"a"}, set()), set(), {"a"}, False, R.RESOLVED),
    # Nothing firing now nor at the last notification: fired and resolved in between, unknown to the receiver.
    (entry(set(), {"x"}), set(), {"a"}, True, R.DO_NOT_NOTIFY),
    # Fewer firing, one newly resolved, and the receiver wants resolved notifications.
    (entry({"a", "b"}, set()), {"a"}, {"b"}, True, R.RESOLVED),
    # The same without send_resolved: nothing new to say before the repeat interval.
    (entry({"a", "b"}, set()), {"a"}, {"b"}, False, R.DO_NOT_NOTIFY),
    # The resolved alert was already reported: no news.
    (entry({"a"}, {"b"}), {"a"}, {"b"}, True, R.DO_NOT_NOTIFY),
    # Unchanged, but the repeat interval has passed.
    (entry({"a"}, set(), at_ms=NOW - REPEAT - 1), {"a"}, set(), True, R.REPEAT_INTERVAL_ELAPSED),
    # Exactly at the repeat interval is not yet "before now - repeat" (Go's Before is strict).
    (entry({"a"}, set(), at_ms=NOW - REPEAT), {"a"}, set(), True, R.DO_NOT_NOTIFY),
    # Unchanged within the repeat interval.
    (entry({"a"}, set()), {"a"}, set(), True, R.DO_NOT_NOTIFY),
]


@pytest.mark.parametrize(("log_entry", "firing", "resolved", "send_resolved", "expected"), CASES)
def test_needs_update_is_alertmanagers_dedup_stage(log_entry, firing, resolved, send_resolved, expected) -> None:
    assert needs_update(log_entry, firing, resolved, NOW, REPEAT, send_resolved=send_resolved) is expected


def test_log_records_expires_and_round_trips() -> None:
    log = NotifyLog(retention_ms=10 * H)
    assert log.get("g", "slack", NOW) is None
    recorded = log.record("g", "slack", {"a"}, set(), NOW)
    assert log.get("g", "slack", NOW + 1) == recorded
    assert log.get("g", "pagerduty", NOW + 1) is None  # per receiver
    copy = NotifyLog.from_json(json.loads(json.dumps(log.to_json())))
    assert copy == log
    assert log.get("g", "slack", NOW + 10 * H) is None
    assert log.gc(NOW + 10 * H) == 1 and log.entries == {}
