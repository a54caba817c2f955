"""Alerting: rules evaluated into alerts, Alertmanager-grade routing, grouping, silences,
inhibition and acknowledgement, and notifications delivered through a durable outbox.

The interface other packages and the adapters use is what this module exports; the alerts
Worker's own adapters also import the modules directly. pitchey-monitoring answers the rules'
metric queries with ``MetricQuery``, ``window_values`` and ``SeriesValue``.
"""

from __future__ import annotations

from .messages import MetricQuery
from .model import Alert, LabelSet, Notification, NotifyReason, Severity, fingerprint
from .series import SeriesValue, window_values
from .setup import validate_alerting

__all__ = [
    "Alert",
    "LabelSet",
    "MetricQuery",
    "Notification",
    "NotifyReason",
    "SeriesValue",
    "Severity",
    "fingerprint",
    "validate_alerting",
    "window_values",
]
