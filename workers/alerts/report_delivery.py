"""pitchey-alerts' side of reports (RPC, for pitchey-monitoring): what alerting did over a period,
and a rendered report delivered through the Outbox to the named receivers, once per report key."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from alert_setup import center, outbox, setup_of
from edgewatch.alerts.activity import PeriodAlerts, alert_activity
from edgewatch.alerts.messages import Enqueue, Enqueued
from edgewatch.alerts.model import Alert
from edgewatch.alerts.reports import ReportEnqueued, SendReport, report_notifications
from edgewatch.codec import decode, encode

MAX_PERIOD_ITEMS = 5_000


async def period_activity(env: Any, start_ms: int, end_ms: int) -> str:
    """The alerts fired and the notifications per receiver in [start_ms, end_ms), as JSON text."""
    period = decode(PeriodAlerts, str(await outbox(env).period_items(start_ms, end_ms, MAX_PERIOD_ITEMS)))
    current = decode(list[Alert], str(await center(env).alerts_started(start_ms, end_ms)))
    return json.dumps(alert_activity(replace(period, current=tuple(current))))


async def send_report(env: Any, payload: str) -> str:
    """An encoded SendReport in; an encoded ReportEnqueued out (refused receivers named)."""
    request = decode(SendReport, str(payload))
    notifications, refused = report_notifications(request, setup_of(env).receivers)
    added = duplicates = 0
    if notifications:
        answer = decode(Enqueued, str(await outbox(env).enqueue(encode(Enqueue(tuple(notifications), request.now_ms)))))
        added, duplicates = answer.added, answer.known
    return encode(ReportEnqueued(added, duplicates, tuple(refused)))
