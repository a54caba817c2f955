from __future__ import annotations

import json

import pytest

from edgewatch.alerts.acks import Ack, AckBook, AckError, ack_notification, apply_ack
from edgewatch.alerts.groups import GroupTable
from edgewatch.alerts.model import Alert, NotifyReason, label_set
from edgewatch.alerts.routes import build_route_tree

M = 60_000
TREE = build_route_tree({"receiver": "pagerduty", "groupBy": ["alertname"]})
R = NotifyReason


def table_with(*alerts: Alert) -> GroupTable:
    table = GroupTable()
    for a in alerts:
        table.insert(a, TREE.match(dict(a.labels)), 0)
    return table


FIRING = Alert(label_set({"alertname": "Down", "check_id": "api"}), starts_at_ms=0)

ACK = Ack("g", "k", "ana", 0, expires_at_ms=10 * M)
CASES = [
    # A held ack turns a repeat into nothing.
    (R.REPEAT_INTERVAL_ELAPSED, ACK, 5 * M, R.DO_NOT_NOTIFY),
    # New alerts and resolutions still go out.
    (R.NEW_ALERTS_IN_GROUP, ACK, 5 * M, R.NEW_ALERTS_IN_GROUP),
    (R.RESOLVED, ACK, 5 * M, R.RESOLVED),
    (R.FIRST_NOTIFICATION, ACK, 5 * M, R.FIRST_NOTIFICATION),
    # An expired ack stops nothing.
    (R.REPEAT_INTERVAL_ELAPSED, ACK, 10 * M, R.REPEAT_INTERVAL_ELAPSED),
    # An ack until the group resolves holds at any time.
    (R.REPEAT_INTERVAL_ELAPSED, Ack("g", "k", "ana", 0), 10**12, R.DO_NOT_NOTIFY),
    # No ack.
    (R.REPEAT_INTERVAL_ELAPSED, None, 5 * M, R.REPEAT_INTERVAL_ELAPSED),
]


@pytest.mark.parametrize(("reason", "ack", "now", "expected"), CASES)
def test_apply_ack(reason: NotifyReason, ack: Ack | None, now: int, expected: NotifyReason) -> None:
    assert apply_ack(reason, ack, now) is expected


def test_acknowledge_notifies_once_and_clears_when_the_group_resolves() -> None:
    table = table_with(FIRING)
    group = next(iter(table.groups.values()))
    book = AckBook()
    ack = book.acknowledge(group, " ana ", 1 * M, comment="on it")
    assert (ack.by, ack.group_id, ack.expires_at_ms) == ("ana", group.id, None)
    note = ack_notification(group, ack, 1 * M, receiver_acknowledges=True)
    assert note is not None and note.reason is R.ACKNOWLEDGED and note.acknowledged_by == "ana"
    assert [a.fingerprint for a in note.firing] == [FIRING.fingerprint]
    assert ack_notification(group, ack, 1 * M, receiver_acknowledges=False) is None
    # A flush with alerts still firing keeps the ack; one with nothing firing clears it.
    [flush] = table.flush_due(1 * M)
    assert book.on_flush(flush) is None and book.get(group.id, 2 * M) == ack
    assert AckBook.from_json(json.loads(json.dumps(book.to_json()))) == book
    table.insert(Alert(FIRING.labels, starts_at_ms=0, ends_at_ms=3 * M, updated_at_ms=3 * M), TREE.match({}), 3 * M)
    [resolved] = table.flush_due(7 * M)
    assert book.on_flush(resolved) == ack and book.get(group.id, 7 * M) is None


def test_ack_expiry_and_refusals() -> None:
    group = next(iter(table_with(FIRING).groups.values()))
    book = AckBook()
    book.acknowledge(group, "ana", 0, expires_at_ms=M)
    assert book.get(group.id, M - 1) is not None
    assert book.get(group.id, M) is None  # expired and forgotten
    with pytest.raises(AckError, match="who"):
        book.acknowledge(group, " ", 0)
    with pytest.raises(AckError, match="future"):
        book.acknowledge(group, "ana", 5, expires_at_ms=5)
    resolved = next(iter(table_with(Alert(FIRING.labels, ends_at_ms=10 * M)).groups.values()))
    with pytest.raises(AckError, match="no firing alerts"):
        book.acknowledge(resolved, "ana", 10 * M)
