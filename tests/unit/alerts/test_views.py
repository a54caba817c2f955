"""The read bodies built from the center's state."""

from __future__ import annotations

from edgewatch.alerts.center import CenterState, receive
from edgewatch.alerts.model import Alert, label_set
from edgewatch.alerts.setup import alerting_setup
from edgewatch.alerts.views import v2_alerts
from edgewatch.stack import load_monitoring

T = 1_900_000_000_000


def test_v2_alerts_are_in_fingerprint_order_as_alertmanagers() -> None:
    # Alertmanager's getAlertsHandler sorts by fingerprint (amtool lists them in that order); the
    # notification order (job, instance, then fewer labels first) would put these the other way round.
    setup = alerting_setup(load_monitoring({"alerting": {"route": {"receiver": "null"}}}).alerting)
    first = Alert(label_set({"alertname": "A"}), (), T, None, "", T)  # d2c6efc389df0927
    second = Alert(label_set({"alertname": "A", "service": "a"}), (), T, None, "", T)  # 8742e5311eb56cef
    state = CenterState()
    receive(state, [first, second], setup, T)
    listed = [a["fingerprint"] for a in v2_alerts(state, setup, T)]
    assert listed == sorted([first.fingerprint, second.fingerprint])
    assert listed[0] == second.fingerprint  # so the two orders really differ here
