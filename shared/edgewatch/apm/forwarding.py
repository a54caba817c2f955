"""Forwarding accepted error events to an upstream Sentry (``SENTRY_DSN`` on pitchey-apm), for teams
that keep one: the event as the SDK sent it, after our scrubber (so what leaves is what we store
about it), in a new envelope addressed to the upstream project. Sans-I/O: the adapter sends the
request and hands the answer back, which decides whether the upstream asked us to back off.

Transactions, sessions and client reports are not forwarded: only error events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client.envelope_writer import event_envelope
from .client.target import target_of


@dataclass(frozen=True)
class Forward:
    url: str
    headers: dict[str, str]
    body: bytes


def forward_request(upstream_dsn: str, event: dict[str, Any], now_ms: int) -> Forward:
    """Raises DsnError for an unusable DSN (the adapter counts it as a misconfiguration)."""
    target = target_of(upstream_dsn)
    return Forward(target.url, target.headers(), event_envelope(event, dsn=target.dsn, now_ms=now_ms))
