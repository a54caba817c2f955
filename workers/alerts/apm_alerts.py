"""Alerts raised by pitchey-apm (a regressed issue), handed to the AlertCenter over RPC.

Only alerts labelled ``origin="apm"`` with an ``alertname`` are taken: the binding cannot be used
to raise the stack's other alerts."""

from __future__ import annotations

from typing import Any

from alert_setup import center
from edgewatch.alerts import Alert
from edgewatch.alerts.messages import IncomingAlerts, Received
from edgewatch.codec import decode, encode
from edgewatch_cf.clock import now_ms


async def receive(env: Any, payload: str) -> str:
    """An encoded list of Alert; answers an encoded Received (the fingerprints taken)."""
    alerts = [a for a in decode(list[Alert], str(payload)) if a.label("origin") == "apm" and a.label("alertname")]
    if not alerts:
        return encode(Received(()))
    return str(await center(env).receive(encode(IncomingAlerts(tuple(alerts), now_ms()))))
